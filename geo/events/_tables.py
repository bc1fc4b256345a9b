"""Layer-shaped tables from a dialect's event columns: sites, claims, sources and the claimant."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from geo.columns import object_frame, per_value
from geo.events._cells import blank_to_none
from geo.errors import Problem
from geo.schema import SiteRow, all_columns

SOURCE_COLUMNS = ["source_id", "outlet", "title", "published", "url", "seed", "notes", "source_file", "source_line"]
CLAIMANT_COLUMNS = ["claimant_id", "name", "country", "description", "source_file", "source_line"]
CLAIM_COLUMNS = ["claim_id", "site_id", "claimant_id", "speaker", "claim_date", "quantity", "subject", "low", "best",
                 "high", "unit", "statement", "quote", "source_id", "source_file", "source_line"]
#: Site columns: those of ``layers/sites.csv``, where the row came from, and the dataset's precision codes.
SITE_COLUMNS = all_columns(SiteRow) + ["source_file", "source_line", "where_prec", "geo_precision"]
#: Uncertainty radius (km) per precision for imported events; area radii as the geocoder's
#: (a median district ~25 km, province ~75 km); a country ~500 km (Afghanistan's or Pakistan's area as a disc).
RADIUS_KM = {"point": 2.0, "near": 25.0, "district": 25.0, "province": 75.0, "country": 500.0}


class EventTables(NamedTuple):
    """What :func:`geo.events.read_events` returns: layer-shaped frames plus the problems found."""

    sites: pd.DataFrame
    claims: pd.DataFrame
    sources: pd.DataFrame
    claimants: pd.DataFrame
    problems: list[Problem]


def _sites(cols: dict[str, np.ndarray], where: dict[str, np.ndarray], none: np.ndarray) -> pd.DataFrame:
    """One site per event, with the radius of its precision."""
    return object_frame({
        "site_id": cols["site_id"], "name": cols["name"], "place": none, "reported_location": cols["reported_location"],
        "reported_country": cols["reported_country"], "reported_admin1": cols["reported_admin1"], "category": cols["category"],
        "event_date": cols["event_date"], "lat": cols["lat"].astype(float), "lon": cols["lon"].astype(float),
        "radius_km": per_value(cols["precision"], RADIUS_KM.get).astype(float), "precision": cols["precision"],
        "source_ids": cols["source_id"], "notes": cols["notes"], "actors": blank_to_none(cols["actors"]), **where,
        "where_prec": cols["where_prec"].astype(np.int64), "geo_precision": cols["geo_precision"].astype(np.int64),
    }, SITE_COLUMNS)


def _claims(cols: dict[str, np.ndarray], where: dict[str, np.ndarray], none: np.ndarray, claimant_id: str) -> pd.DataFrame:
    """One ``killed`` claim per event, by the dataset."""
    n = len(none)
    fixed = lambda value: np.full(n, value, dtype=object)  # noqa: E731
    return object_frame({
        "claim_id": cols["site_id"] + "-killed", "site_id": cols["site_id"], "claimant_id": fixed(claimant_id),
        "speaker": none, "claim_date": cols["published"], "quantity": fixed("killed"), "subject": fixed("all sides"),
        "low": cols["low"].astype(float), "best": cols["best"].astype(float), "high": cols["high"].astype(float),
        "unit": fixed("people"), "statement": cols["statement"], "quote": none, "source_id": cols["source_id"], **where,
    }, CLAIM_COLUMNS)


def _sources(cols: dict[str, np.ndarray], where: dict[str, np.ndarray], none: np.ndarray) -> pd.DataFrame:
    """One source per event: the dataset's source text."""
    return object_frame({
        "source_id": cols["source_id"], "outlet": cols["outlet"], "title": cols["title"], "published": cols["published"],
        "url": none, "seed": none, "notes": cols["source_notes"], **where,
    }, SOURCE_COLUMNS)


def event_tables(cols: dict[str, np.ndarray] | None, *, keep: np.ndarray, name: str, lines: np.ndarray,
                 claimant: dict, problems: list[Problem]) -> EventTables:
    """The rows in ``keep`` of a dialect's event columns as sites, claims, sources and claimant.

    Parameters
    ----------
    cols
        One array per event column (``site_id``, ``name``, ``reported_location``, ``reported_country``,
        ``reported_admin1``, ``category``, ``event_date``, ``lat``, ``lon``, ``precision``,
        ``where_prec``, ``geo_precision``, ``notes``, ``actors``, ``source_id``, ``outlet``, ``title``,
        ``published``, ``source_notes``, ``low``, ``best``, ``high``, ``statement``); None for a file
        without rows.
    keep
        Mask of the rows to keep.
    name, lines
        The file and each row's line, for ``source_file`` and ``source_line``.
    claimant
        The dataset as claimant (``claimant_id``, ``name``, ``country``, ``description``).
    problems
        Carried into the result.
    """
    claimants = pd.DataFrame([{**claimant, "source_file": name, "source_line": None}], columns=CLAIMANT_COLUMNS, dtype=object)
    if cols is None:
        empty = lambda columns: pd.DataFrame({c: pd.Series(dtype=object) for c in columns})  # noqa: E731
        return EventTables(empty(SITE_COLUMNS), empty(CLAIM_COLUMNS), empty(SOURCE_COLUMNS), claimants, problems)
    if not keep.all():
        cols = {k: np.asarray(v)[keep] for k, v in cols.items()}
    n = int(keep.sum())
    where = {"source_file": np.full(n, name, dtype=object), "source_line": lines[keep]}
    none = np.full(n, None, dtype=object)
    return EventTables(_sites(cols, where, none), _claims(cols, where, none, claimant["claimant_id"]),
                       _sources(cols, where, none), claimants, problems)
