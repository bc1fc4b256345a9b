"""The pipeline: layers → located sites → border checks → the :class:`Checked` result the renderers and exporters share."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import border as border_mod
from geo import cache
from geo.checks import against_border, border_frame
from geo.claims import contradictions, enrich
from geo.columns import sort_rows
from geo.events import EventTables, imported_rows, locate_events, merge_events
from geo.geocode import Geocoder, locate_sites, make_geocoder
from geo.layers import Layers
from geo.reference import LABELS, Reference, load_reference

log = logging.getLogger(__name__)


@dataclass
class Checked:
    """Everything a map, report or export needs, computed once: the layers after the border checks.

    The public :class:`geo.Dataset` wraps one (as ``.checked``) for notebooks.
    """

    layers: Layers
    reference: Reference
    sites: gpd.GeoDataFrame
    claims: pd.DataFrame
    contradictions: list[dict]
    border: dict

    @cached_property
    def bands(self) -> gpd.GeoDataFrame:
        """The distance bands along the border (:func:`buffer_bands`), made when a map or export
        first asks for them: a check does not need them."""
        return buffer_bands(self.reference.border, self.reference.countries, self.layers.theatre.bands_km)


def buffer_bands(border: shapely.Geometry, countries: gpd.GeoDataFrame, bands_km: tuple[float, ...]) -> gpd.GeoDataFrame:
    """Distance bands (0–5, 5–25, ... km) along the border, split by country side.

    Buffers are built in the azimuthal equidistant frame centred on the border, so their
    widths are true to well under 1% over a theatre. Buffering a detailed line takes seconds,
    and the bands depend only on the geometry: they are kept in the user cache
    (:mod:`geo.cache`, verified on read) under a key of the line, the polygons and the widths.
    """
    codes = [str(c) for c in countries["iso_a2"]]
    key = cache.key_of("bands", shapely.to_wkb(border), *shapely.to_wkb(countries.geometry.values).tolist(), *codes,
                       *map(float, bands_km))
    stored = cache.load("bands", key)
    if stored is not None:
        return _bands_frame(stored)
    frame = _make_bands(border, countries, bands_km)
    cache.save("bands", key, _bands_arrays(frame))
    return frame


def _bands_arrays(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """A bands frame as plain arrays (WKB bytes concatenated, with their offsets) for the cache."""
    wkbs = [shapely.to_wkb(g) for g in frame.geometry.values]
    return {"wkb": np.frombuffer(b"".join(wkbs), dtype=np.uint8), "ends": np.cumsum([len(w) for w in wkbs], dtype=np.int64),
            "side": np.array(frame["side"].tolist() if len(frame) else [], dtype="U8"),
            "from_km": frame["from_km"].to_numpy(float) if len(frame) else np.zeros(0),
            "to_km": frame["to_km"].to_numpy(float) if len(frame) else np.zeros(0)}


def _bands_frame(a: dict[str, np.ndarray]) -> gpd.GeoDataFrame:
    """The bands frame back from :func:`_bands_arrays`."""
    raw, starts = a["wkb"].tobytes(), np.concatenate([[0], a["ends"][:-1]]) if len(a["ends"]) else np.zeros(0, np.int64)
    rows = [{"band_id": f"{side}-{lo:g}-{hi:g}", "side": str(side), "from_km": float(lo), "to_km": float(hi),
             "geometry": shapely.from_wkb(raw[s:e])} for side, lo, hi, s, e in zip(a["side"], a["from_km"], a["to_km"], starts, a["ends"])]
    return gpd.GeoDataFrame(rows, columns=["band_id", "side", "from_km", "to_km", "geometry"], geometry="geometry", crs="EPSG:4326")


def _make_bands(border: shapely.Geometry, countries: gpd.GeoDataFrame, bands_km: tuple[float, ...]) -> gpd.GeoDataFrame:
    """The bands of :func:`buffer_bands`, computed."""
    crs = border_frame(border)
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_xy = lambda g: shapely.transform(g, lambda a: np.column_stack(fwd.transform(a[:, 0], a[:, 1])))  # noqa: E731
    to_ll = lambda g: shapely.transform(g, lambda a: np.column_stack(inv.transform(a[:, 0], a[:, 1])))  # noqa: E731
    # Simplified to 50 m (as the bands are below): a detailed line's 29,000 vertices made the buffers 20x slower.
    line = shapely.simplify(to_xy(shapely.segmentize(border, 0.01)), 50.0)
    polys = {c: to_xy(shapely.segmentize(g, 0.01)) for c, g in zip(countries["iso_a2"], countries.geometry.values)}
    rows = []
    inner = None
    lo = 0.0
    for km in bands_km:
        outer = shapely.buffer(line, km * 1000.0, quad_segs=8)
        ring = outer if inner is None else shapely.difference(outer, inner)
        for code, poly in polys.items():
            part = shapely.intersection(ring, poly)
            if not part.is_empty:
                geom = shapely.make_valid(to_ll(shapely.simplify(part, 50.0)))
                rows.append({"band_id": f"{code}-{lo:g}-{km:g}", "side": code, "from_km": lo, "to_km": km, "geometry": geom})
        inner, lo = outer, km
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def border_summary(layers: Layers, ref: Reference) -> dict:
    """Length of the border in use, each reported figure against it, each reference line (with its
    own divider curve under ``dividers``), the used line's scale analysis and a verdict."""
    length = border_mod.geodesic_length_km(ref.border)
    reported = border_mod.compare_reported(length, layers.figures, layers.sources)
    kms = [r["km"] for r in reported]
    references, analyses = [], []
    for row in ref.lines.to_dict("records"):
        analyses.append(border_mod.scale_analysis(row["geometry"], border_mod.steps_for(row["geometry"])))
        entry = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items() if k != "geometry"}
        entry["dividers"] = _scale_dict(analyses[-1], reported)
        references.append(entry)
    used = references[0]
    return {
        "name": layers.theatre.border_name,
        "countries": list(layers.theatre.countries),
        "source": ref.source,
        "length_km": round(length, 1),
        "tolerance_km": used["tolerance_km"],
        "references": references,
        "reported": reported,
        "reported_spread_km": round(max(kms) - min(kms), 1) if kms else None,
        "scale": used["dividers"],
        "verdict": border_mod.verdict(length, reported, analyses[0], border_name=layers.theatre.border_name, source=ref.source,
                                      others=[(LABELS.get(r["key"], r["source"]), r["length_km"], a)
                                              for r, a in zip(references[1:], analyses[1:])]),
    }


def _scale_dict(analysis: border_mod.ScaleAnalysis, reported: list[dict]) -> dict:
    return {
        "steps_km": list(analysis.steps_km),
        "lengths_km": [round(x, 1) for x in analysis.lengths_km],
        "vertex_spacing_km": round(analysis.vertex_spacing_km, 3),
        "fit_steps_km": list(analysis.fit_steps_km),
        "fractal_dimension": round(analysis.dimension, 4),
        "fit_log_intercept": round(analysis.log_a, 6),
        "step_km_to_reach": {f"{r['km']:g}": _round_or_none(analysis.step_for_length(r["km"])) for r in reported},
    }


def _round_or_none(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def run(layers: Layers, *, geocoder: Geocoder | None = None, events: EventTables | list[EventTables] | None = None,
        engine: str = "memory") -> Checked:
    """Locate, check and assemble everything for one layers directory.

    ``events`` (from :func:`geo.events.read_events`) are merged in as sites with claims; their
    coordinates and precision codes are the dataset's, never geocoded.
    """
    if events is not None:
        layers = merge_events(layers, events)
    ref = load_reference(layers.theatre)
    imported = imported_rows(layers.sites)
    manual = layers.sites[~imported]
    located = locate_sites(manual, geocoder or make_geocoder(layers)) if len(manual) or not imported.any() else None
    if imported.any():
        located = pd.concat([f for f in (located, locate_events(layers.sites[imported])) if f is not None], ignore_index=True)
    checks = against_border(located, ref, engine=engine)
    sites = sort_rows(pd.concat([located, checks], axis=1), ["site_id"], na_position="last").reset_index(drop=True)
    geom = shapely.points(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    sites = gpd.GeoDataFrame(sites, geometry=geom, crs="EPSG:4326", copy=False)  # a fresh frame: no copy needed
    claims = enrich(layers.claims, layers.claimants, layers.sources)
    return Checked(
        layers=layers,
        reference=ref,
        sites=sites,
        claims=claims,
        contradictions=contradictions(claims),
        border=border_summary(layers, ref),
    )


def site_records(ds: Checked) -> list[dict]:
    """Per-site check results as plain dicts (the ``sites`` list of ``geo check --json``).

    The fields are :data:`geo.export.records.SITE_RECORD_FIELDS` (one list for these records
    and ``check.json``); see :func:`geo.export.records.site_records`.
    """
    from geo.export.records import site_records as records  # (geo.export imports this module's Checked)

    return records(ds)
