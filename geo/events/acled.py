"""ACLED exports: their columns, codes, and the converter from a file's cells to event columns.

Column list and descriptions as in ACLED's codebook, reproduced in the documentation of ACLED's
own R package acledR (``acled_codebook``, ``acled_old_dummy``:
https://dtacled.github.io/acledR/reference/acled_old_dummy.html and
https://dtacled.r-universe.dev/acledR/data/acled_codebook/ndjson), and ACLED's "Guide to 2023
ACLED column changes" (https://acleddata.com/knowledge-base/guide-to-2023-acled-column-changes):
on 20 March 2023 ``event_id_no_cnty``, ``data_id`` and ``iso3`` were removed and
``disorder_type``, ``civilian_targeting`` and ``tags`` added. ``iso`` is the numeric ISO 3166
code; older exports also carry ``inter1``/``inter2`` (accepted, unused). Event types: Battles,
Violence against civilians, Protests, Riots, Strategic developments, Explosions/Remote violence,
with the sub-event types listed in the codebook. ``geo_precision`` 1 = the source names a town
and its coordinates are used; 2 = a small part of a region or "near" a town, coded to a town
representing the area; 3 = a larger region, coded to a natural feature or the provincial
capital. ``time_precision`` 1 = actual date, 2 = week, 3 = month (mid-point). (Definitions as
quoted from the ACLED codebook in mapme.biodiversity's ``R/calc_fatalities_acled.R``.)
``event_date`` appears as ``YYYY-MM-DD`` (API), ``12 October 2025`` (export tool) or
``dd-mm-yyyy`` (acledR codebook); all three are accepted.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geo.columns import per_value
from geo.events._cells import blank_to_none, cells, first_filled, joined, precision_codes, prefixed
from geo.events._countries import iso2_from_numeric
from geo.events._validate import RowChecks, check_codes, check_coordinates, check_count, check_ids, checked_dates, numbers

#: Columns of an ACLED export (codebook order, after the March 2023 changes).
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "interaction", "civilian_targeting", "iso", "region",
    "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)
#: Columns without which a file cannot be imported; the others may be absent (treated as empty).
REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude", "geo_precision", "fatalities")
#: Columns only this dialect has: they tip the balance when a header is detected.
MARKS = frozenset({"event_id_cnty", "geo_precision", "sub_event_type"})
CLAIMANT = {"claimant_id": "acled", "name": "ACLED", "country": None,
            "description": "Armed Conflict Location & Event Data (ACLED): events coded from the sources named in each event"}
ID_PREFIX = "acled-"

#: ``geo_precision`` → our precision name.
GEO_PRECISION = {1: "point", 2: "near", 3: "province"}
EVENT_CATEGORY = {
    "battles": "clash",
    "explosions/remote violence": "strike",
    "violence against civilians": "other",
    "strategic developments": "other",
    "protests": "other",
    "riots": "other",
}
#: Sub-event types that refine the event type's category.
SUB_EVENT_CATEGORY = {
    "air/drone strike": "strike",
    "shelling/artillery/missile attack": "strike",
    "chemical weapon": "strike",
    "suicide bomb": "blast",
    "remote explosive/landmine/ied": "blast",
    "grenade": "blast",
    "headquarters or base established": "deployment",
}
_EPOCH = dt.date(1970, 1, 1)
#: The Unix timestamps of the first and last second a ``datetime.date`` can hold (years 1 and 9999).
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799


def _category(checks: RowChecks, df: pd.DataFrame) -> np.ndarray:
    """Our category of each event: its sub-event type's when that refines it, else its event type's."""
    event_type, sub = cells(df, "event_type"), cells(df, "sub_event_type")
    checks.flag(per_value(event_type, lambda v: not str(v).strip()).astype(bool), "event_type", "missing event type")
    sub_cat = per_value(sub, lambda v: SUB_EVENT_CATEGORY.get(str(v).strip().lower()))
    type_cat = per_value(event_type, lambda v: EVENT_CATEGORY.get(str(v).strip().lower(), "other"))
    return np.where(sub_cat == None, type_cat, sub_cat)  # noqa: E711


def _published(checks: RowChecks, df: pd.DataFrame, event_date: np.ndarray) -> np.ndarray:
    """The day of ACLED's ``timestamp`` (when the event was last updated), else the event's date."""
    text = cells(df, "timestamp")
    seconds, _, invalid = numbers(text)
    with np.errstate(invalid="ignore"):
        invalid |= (seconds < _FIRST_SECOND) | (seconds > _LAST_SECOND)
    checks.flag(invalid, "timestamp", "not a Unix timestamp", text)
    day = np.floor(np.where(invalid, np.nan, seconds) / 86400.0)
    published = per_value(day, lambda d: None if d != d else _EPOCH + dt.timedelta(days=int(d)))
    return np.where(published == None, event_date, published)  # noqa: E711


def _notes(df: pd.DataFrame, eid: np.ndarray, what: np.ndarray) -> np.ndarray:
    """"ACLED <id>; <type / sub-type>; ..." for the site's notes (the actors have their own column)."""
    return "ACLED " + eid + "; " + joined([
        what,
        prefixed("civilian targeting: ", cells(df, "civilian_targeting")),
        prefixed("time_precision ", cells(df, "time_precision")),
        prefixed("geo_precision ", cells(df, "geo_precision")),
    ], "; ")


def _statement(df: pd.DataFrame, what: np.ndarray, where: np.ndarray) -> np.ndarray:
    """ACLED's own description of the event, or failing that what and where."""
    statement = cells(df, "notes").copy()
    empty = statement == ""
    if empty.any():
        statement[empty] = [f"ACLED codes this event as {w or 'an event'} at {p}" for w, p in zip(what[empty], where[empty])]
    return statement


def convert(df: pd.DataFrame, checks: RowChecks) -> dict[str, np.ndarray]:
    """Event columns (see :func:`geo.events._tables.event_tables`) of an ACLED export, its problems flagged in ``checks``."""
    n = len(df)
    eid = cells(df, "event_id_cnty")
    check_ids(checks, eid, "event_id_cnty")
    event_date = checked_dates(checks, df, "event_date", "YYYY-MM-DD, '12 October 2025' or DD-MM-YYYY", required=True)
    lat, lon = check_coordinates(checks, df)
    geo_prec, precision = check_codes(checks, df, "geo_precision", GEO_PRECISION)
    fatalities = check_count(checks, df, "fatalities", required=True)
    category = _category(checks, df)
    published = _published(checks, df, event_date)
    place = [cells(df, c) for c in ("location", "admin3", "admin2", "admin1", "country")]
    site_id = ID_PREFIX + eid
    what = joined([cells(df, "event_type"), cells(df, "sub_event_type")], " / ")
    where = first_filled(*place, eid)
    return {
        "site_id": site_id, "name": where, "reported_location": first_filled(joined(place, ", "), eid),
        "reported_country": iso2_from_numeric(cells(df, "iso")), "reported_admin1": blank_to_none(place[3]),
        "category": category, "event_date": event_date, "lat": lat, "lon": lon, "precision": precision,
        "where_prec": precision_codes(precision, 0), "geo_precision": geo_prec, "notes": _notes(df, eid, what),
        "actors": joined([cells(df, "actor1"), cells(df, "actor2")], "; "),
        "source_id": site_id, "outlet": prefixed("ACLED: ", cells(df, "source")), "title": first_filled(what, eid),
        "published": published, "source_notes": blank_to_none(prefixed("source scale: ", cells(df, "source_scale"))),
        "low": np.full(n, np.nan), "best": fatalities, "high": np.full(n, np.nan), "statement": _statement(df, what, where),
    }
