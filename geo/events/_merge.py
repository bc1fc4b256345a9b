"""Imported events into the pipeline: appended to the layers, and located without geocoding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from geo.columns import per_combination
from geo.errors import LayerError, Problem
from geo.events._read import DIALECTS
from geo.events._tables import CLAIMANT_COLUMNS, EventTables
from geo.layers import Layers

_NUMBER_COLUMNS = ("lat", "lon", "radius_km", "low", "best", "high")


def _appended(layers: Layers, batches: list[EventTables]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Sites, claims and sources of the layers with the batches' appended, and every id used twice."""
    problems: list[Problem] = []
    frames = {}
    for key, id_col in (("sites", "site_id"), ("claims", "claim_id"), ("sources", "source_id")):
        parts = [getattr(layers, key)] + [getattr(b, key) for b in batches]
        merged = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
        dup = merged[id_col].duplicated(keep="first")
        if dup.any():
            first = merged.groupby(id_col)["source_line"].transform("first")
            first_file = merged.groupby(id_col)["source_file"].transform("first")
            for i in np.flatnonzero(dup.to_numpy()):
                r = merged.iloc[i]
                problems.append(Problem(r["source_file"], int(r["source_line"]), None,
                                        f"{id_col} {r[id_col]!r} is already used ({first_file.iloc[i]}:{first.iloc[i]})"))
        frames[key] = merged.astype({c: object for c in merged.columns if c not in _NUMBER_COLUMNS})
    return frames, problems


def _claimants(layers: Layers, batches: list[EventTables]) -> pd.DataFrame:
    """The layers' claimants and each dataset's, once."""
    known = set(layers.claimants["claimant_id"])
    extra = []
    for b in batches:
        for r in b.claimants.to_dict("records"):
            if r["claimant_id"] not in known:
                known.add(r["claimant_id"])
                extra.append(r)
    claimants = layers.claimants
    if extra:
        columns = claimants.columns.union(CLAIMANT_COLUMNS, sort=False)
        claimants = pd.concat([claimants, pd.DataFrame(extra, columns=columns)[claimants.columns]], ignore_index=True).astype(object)
    return claimants


def merge_events(layers: Layers, events: EventTables | list[EventTables]) -> Layers:
    """Layers with the events' sites, claims, sources and claimants appended.

    Raises
    ------
    LayerError
        When an event's site, claim or source id is already used by the layers or by
        another events file.
    """
    batches = [events] if isinstance(events, EventTables) else list(events)
    if not batches:
        return layers
    frames, problems = _appended(layers, batches)
    if problems:
        raise LayerError(problems)
    files = list(layers.files) + sorted({Path(b.sites["source_file"].iloc[0]) for b in batches if len(b.sites)})
    return replace(layers, sites=frames["sites"], claims=frames["claims"], sources=frames["sources"],
                   claimants=_claimants(layers, batches), files=files)


def imported_rows(sites: pd.DataFrame) -> np.ndarray:
    """Mask of site rows that came from an events file (they carry their own precision codes)."""
    if "where_prec" not in sites.columns:
        return np.zeros(len(sites), dtype=bool)
    return sites["where_prec"].notna().to_numpy(dtype=bool)


def _dataset_names(site_ids: np.ndarray) -> np.ndarray:
    """The dataset of each imported site ("ACLED", "UCDP GED"), from its id's prefix."""
    ids = site_ids.astype(str)
    names = np.full(len(ids), DIALECTS["acled"].CLAIMANT["name"], dtype=object)
    for dialect in DIALECTS.values():
        names[np.char.startswith(ids, dialect.ID_PREFIX)] = dialect.CLAIMANT["name"]
    return names


def locate_events(sites: pd.DataFrame) -> pd.DataFrame:
    """Imported sites as :func:`geo.pipeline.locate_sites` would return them, without geocoding.

    Coordinates, precision, radius and both precision codes are the dataset's; nothing is looked up.
    """
    out = sites.copy(deep=False)  # (copy-on-write: the columns set below leave `sites` as it was)
    none = np.full(len(out), None, dtype=object)
    where_prec = out["where_prec"].astype(int)
    geo_precision = out["geo_precision"].astype(int)
    for column in ("place_id", "admin1", "admin2", "country_geocoded"):
        out[column] = none
    # Few distinct (dataset, where_prec, geo_precision): each text is built once.
    out["geocode_source"] = pd.Series(per_combination(lambda lab, w, g: f"{lab} coordinates (where_prec {w}, geo_precision {g})",
                                                       _dataset_names(out["site_id"].to_numpy(dtype=object)),
                                                       where_prec.to_numpy(), geo_precision.to_numpy()), index=out.index, dtype=object)
    for column in ("geocode_ref", "geocode_score", "geocode_note"):
        out[column] = none
    out["alternatives"] = np.full(len(out), "", dtype=object)
    out["where_prec"] = where_prec
    out["geo_precision"] = geo_precision
    return out.astype({c: object for c in out.columns})
