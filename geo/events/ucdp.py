"""UCDP GED CSVs: their columns, codes, and the converter from a file's cells to event columns.

The 49 columns of the GED CSV (``GEDEvent_v25_1.csv`` has 49) as listed in the UCDP GED codebook
(https://ucdp.uu.se/downloads/ged/ged251.pdf, cited by the mcgirjau/ucdp and Our World in Data
GED snapshot metadata). ``type_of_violence`` 1 = state-based, 2 = non-state, 3 = one-sided.
``where_prec`` 1 = exact location; 2 = limited area around a location; 3 = second-order
administrative division (ADM2 centroid); 4 = first-order division (ADM1 centroid); 5 = part of a
country larger than ADM1, a point between two places, or a loosely described place; 6 = the
whole country (centroid); 7 = over water or international airspace. ``date_prec`` 1 = exact day
... 5 = year. (Definitions as quoted from the codebook in mapme.biodiversity's
``R/calc_fatalities_ucdp.R``.) ``best``/``low``/``high`` are the estimates of total deaths;
``deaths_a``/``deaths_b``/``deaths_civilians``/``deaths_unknown`` split ``best``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.columns import per_combination, per_value
from geo.events._cells import blank_to_none, cells, first_filled, joined, precision_codes, prefixed
from geo.events._countries import iso2_from_name
from geo.events._validate import RowChecks, check_codes, check_coordinates, check_count, check_ids, checked_dates, numbers, parse_date

#: Columns of the UCDP GED CSV (49, GED 25.1).
COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
#: Columns without which a file cannot be imported; the others may be absent (treated as empty).
REQUIRED = ("id", "date_start", "type_of_violence", "latitude", "longitude", "where_prec", "best")
#: Columns only this dialect has: they tip the balance when a header is detected.
MARKS = frozenset({"where_prec", "type_of_violence", "date_start"})
CLAIMANT = {"claimant_id": "ucdp-ged", "name": "UCDP GED", "country": None,
            "description": "Uppsala Conflict Data Program Georeferenced Event Dataset: low/best/high death estimates per event"}
ID_PREFIX = "ucdp-"

#: ``where_prec`` → our precision name (5: larger than a province; 7: water or airspace, an estimated point).
WHERE_PREC = {1: "point", 2: "near", 3: "district", 4: "province", 5: "province", 6: "country", 7: "province"}
#: ``type_of_violence`` → (our category, how notes name it).
VIOLENCE = {1: ("clash", "state-based conflict"), 2: ("clash", "non-state conflict"), 3: ("other", "one-sided violence")}


def _violence(checks: RowChecks, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Our category and the name of the kind of violence of each event (None and "" when unknown)."""
    text = cells(df, "type_of_violence")
    code, _, _ = numbers(text)
    known = np.isin(code, list(VIOLENCE))
    checks.flag(~known, "type_of_violence", "must be 1 (state-based), 2 (non-state) or 3 (one-sided)", text)
    index = np.where(known, code, 0).astype(np.int64)
    category = np.array([None, *(VIOLENCE[k][0] for k in (1, 2, 3))], dtype=object)[index]
    violence = np.array(["", *(VIOLENCE[k][1] for k in (1, 2, 3))], dtype=object)[index]
    return category, violence


def _deaths(checks: RowChecks, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``low``, ``best``, ``high`` (low <= best <= high); the split of ``best`` is checked too."""
    best = check_count(checks, df, "best", required=True)
    low = check_count(checks, df, "low", required=False)
    high = check_count(checks, df, "high", required=False)
    with np.errstate(invalid="ignore"):
        checks.flag(low > best, "low", "low is above best (low <= best <= high)", cells(df, "low"))
        checks.flag(high < best, "high", "high is below best (low <= best <= high)", cells(df, "high"))
    for column in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        check_count(checks, df, column, required=False)
    return low, best, high


def _span(checks: RowChecks, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``date_start`` and ``date_end`` (None when blank), an end before the start flagged."""
    start = checked_dates(checks, df, "date_start", "YYYY-MM-DD", required=True)
    end = checked_dates(checks, df, "date_end", "YYYY-MM-DD", required=False)
    both = (start != None) & (end != None)  # noqa: E711
    before = np.zeros(len(df), dtype=bool)
    before[both] = end[both] < start[both]
    checks.flag(before, "date_end", "ends before date_start", cells(df, "date_end"))
    return start, end


def _notes(df: pd.DataFrame, eid: np.ndarray, violence: np.ndarray) -> np.ndarray:
    """"UCDP GED <id>; <violence>; dyad: ...; conflict: ...; <span> (date_prec n); ..." for the site's notes."""
    day = lambda v: str(v).strip()[:10]  # noqa: E731 ("2025-10-12 00:00:00.000")
    span = per_combination(lambda a, b: a if a == b or not b else f"{a} to {b}",
                           per_value(cells(df, "date_start"), day), per_value(cells(df, "date_end"), day))
    return "UCDP GED " + eid + "; " + joined([
        violence,
        prefixed("dyad: ", cells(df, "dyad_name")),
        prefixed("conflict: ", cells(df, "conflict_name")),
        joined([span, prefixed("(date_prec ", cells(df, "date_prec"), ")")], " "),
        prefixed("where_prec ", cells(df, "where_prec")),
        prefixed("event_clarity ", cells(df, "event_clarity")),
    ], "; ")


def _statement(df: pd.DataFrame) -> np.ndarray:
    """"UCDP GED best estimate <best> deaths: of which side A (<side_a>) <deaths_a>, ..."."""
    side_a, side_b = cells(df, "side_a"), cells(df, "side_b")
    split = joined([
        joined([prefixed("side A (", side_a, ")"), cells(df, "deaths_a")], " ") if "deaths_a" in df else "",
        joined([prefixed("side B (", side_b, ")"), cells(df, "deaths_b")], " ") if "deaths_b" in df else "",
        prefixed("civilians ", cells(df, "deaths_civilians")),
        prefixed("unknown ", cells(df, "deaths_unknown")),
    ], ", ")
    return joined([prefixed("UCDP GED best estimate ", cells(df, "best"), " deaths"), prefixed("of which ", split)], ": ") + "."


def convert(df: pd.DataFrame, checks: RowChecks) -> dict[str, np.ndarray]:
    """Event columns (see :func:`geo.events._tables.event_tables`) of a UCDP GED CSV, its problems flagged in ``checks``."""
    eid = cells(df, "id")
    check_ids(checks, eid, "id")
    start, end = _span(checks, df)
    lat, lon = check_coordinates(checks, df)
    where_prec, precision = check_codes(checks, df, "where_prec", WHERE_PREC)
    category, violence = _violence(checks, df)
    low, best, high = _deaths(checks, df)
    # published: the first date in source_date ("2025-10-12;2025-10-13"), else date_end, else date_start
    src_date = per_value(cells(df, "source_date"), lambda v: parse_date(str(v).split(";")[0].strip()))
    published = np.where(src_date != None, src_date, np.where(end != None, end, start))  # noqa: E711
    wc, wd, adm1, adm2, country = (cells(df, c) for c in ("where_coordinates", "where_description", "adm_1", "adm_2", "country"))
    site_id = ID_PREFIX + eid
    return {
        "site_id": site_id, "name": first_filled(wc, adm2, adm1, country, eid),
        "reported_location": first_filled(wd, joined([wc, adm2, adm1, country], ", "), eid),
        "reported_country": iso2_from_name(country), "reported_admin1": blank_to_none(adm1),
        "category": category, "event_date": start, "lat": lat, "lon": lon, "precision": precision,
        "where_prec": where_prec, "geo_precision": precision_codes(precision, 1), "notes": _notes(df, eid, violence),
        "actors": first_filled(joined([cells(df, "side_a"), cells(df, "side_b")], "; "), cells(df, "dyad_name")),
        "source_id": site_id, "outlet": joined(["UCDP GED", cells(df, "source_office")], ": "),
        "title": first_filled(cells(df, "source_headline"), "UCDP GED event " + eid),
        "published": published, "source_notes": blank_to_none(cells(df, "source_original")),
        "low": low, "best": best, "high": high, "statement": _statement(df),
    }
