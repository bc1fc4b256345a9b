"""The pipeline: layers → located sites → border checks → a Dataset the renderers and exporters share."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import border as border_mod
from geo.checks import against_border, border_frame
from geo.claims import contradictions, enrich
from geo.columns import file_names, gc_paused, iso_dates, rounded_list, sort_rows, texts
from geo.errors import AmbiguousError, LayerError, NotFoundError, Problem
from geo.events import EventTables, imported_rows, locate_events, merge_events
from geo.gazetteer import build_gazetteer, read_geonames
from geo.geocode import PRECISION_CODES, Geocoder
from geo.layers import Layers
from geo.reference import LABELS, Reference, load_reference

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Everything a map, report or export needs, computed once."""

    layers: Layers
    reference: Reference
    sites: gpd.GeoDataFrame
    claims: pd.DataFrame
    contradictions: list[dict]
    border: dict
    bands: gpd.GeoDataFrame


def make_geocoder(layers: Layers) -> Geocoder:
    """Geocoder over the packaged gazetteer plus ``layers/gazetteer.csv``, GeoNames for the theatre's countries."""
    places = build_gazetteer(user_frame=layers.gazetteer)
    countries = tuple(sorted(set(layers.theatre.countries)))
    return Geocoder(places, fallback=lambda: read_geonames(countries))


def locate_sites(sites: pd.DataFrame, geocoder: Geocoder) -> pd.DataFrame:
    """Coordinates, precision and uncertainty radius for every site row.

    A row with ``lat``/``lon`` is taken as given (precision "point" unless ``radius_km`` says
    more); otherwise its ``place`` (or ``name``) is geocoded. ``radius_km`` in the row widens
    the geocoded radius.

    Raises
    ------
    LayerError
        Listing every row whose place is unknown or ambiguous, with suggestions.
    """
    problems: list[Problem] = []
    out = []
    for row in sites.to_dict("records"):
        where = f"{row['source_file']}:{row['source_line']}: place"
        rec = dict(row)
        if row["lat"] is not None and not pd.isna(row["lat"]):
            radius = float(row["radius_km"]) if row["radius_km"] and not pd.isna(row["radius_km"]) else 1.0
            rec.update(precision="point" if radius <= 5 else "near", radius_km=radius, place_id=None, admin1=None, admin2=None,
                       country_geocoded=None, geocode_source="coordinates given in the layer", geocode_ref=None,
                       geocode_score=None, geocode_note=None, alternatives="")
        else:
            query = row["place"] or row["name"]
            try:
                m = geocoder.resolve(query)
            except (NotFoundError, AmbiguousError) as exc:
                msg = str(exc)
                problems.append(Problem(row["source_file"], int(row["source_line"]), "place", msg + " — or give lat and lon in the row"))
                continue
            radius = max(m.radius_km, float(row["radius_km"])) if row["radius_km"] and not pd.isna(row["radius_km"]) else m.radius_km
            rec.update(lat=m.lat, lon=m.lon, precision=m.precision, radius_km=radius, place_id=m.place_id, admin1=m.admin1,
                       admin2=m.admin2, country_geocoded=m.country, geocode_source=m.source, geocode_ref=m.source_ref,
                       geocode_score=m.score, geocode_note=m.note, alternatives="; ".join(m.alternatives))
            log.debug("%s: %r -> %s", where, query, m.place_id)
        if row.get("precision"):
            # The row knows better than the gazetteer what the report meant (a district named by its town).
            rec["precision"] = row["precision"]
        rec["where_prec"], rec["geo_precision"] = PRECISION_CODES[rec["precision"]]
        out.append(rec)
    if problems:
        raise LayerError(problems)
    return pd.DataFrame(out, dtype=object)


def buffer_bands(border: shapely.Geometry, countries: gpd.GeoDataFrame, bands_km: tuple[float, ...]) -> gpd.GeoDataFrame:
    """Distance bands (0–5, 5–25, ... km) along the border, split by country side.

    Buffers are built in the azimuthal equidistant frame centred on the border, so their
    widths are true to well under 1% over a theatre.
    """
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


@gc_paused()
def run(layers: Layers, *, geocoder: Geocoder | None = None, events: EventTables | list[EventTables] | None = None,
        engine: str = "memory") -> Dataset:
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
    return Dataset(
        layers=layers,
        reference=ref,
        sites=sites,
        claims=claims,
        contradictions=contradictions(claims),
        border=border_summary(layers, ref),
        bands=buffer_bands(ref.border, ref.countries, layers.theatre.bands_km),
    )


@gc_paused()
def site_records(ds: Dataset) -> list[dict]:
    """Per-site check results as plain dicts (the ``sites`` list of ``geo check --json``).

    Built column by column (rounding, dates and file names vectorised or once per distinct
    value), then zipped into one dict per site.
    """
    s = ds.sites
    if not len(s):
        return []
    obj = lambda c: s[c].to_numpy(dtype=object).tolist()  # noqa: E731
    near = zip(rounded_list(s["near_lon"], 5), rounded_list(s["near_lat"], 5))
    columns = {
        "site_id": obj("site_id"),
        "name": obj("name"),
        "category": obj("category"),
        "event_date": iso_dates(s["event_date"]).tolist(),
        "lat": rounded_list(s["lat"], 5),
        "lon": rounded_list(s["lon"], 5),
        "precision": obj("precision"),
        "where_prec": s["where_prec"].astype(np.int64).tolist(),
        "geo_precision": s["geo_precision"].astype(np.int64).tolist(),
        "radius_km": rounded_list(s["radius_km"], 1),
        "country": obj("country"),
        "admin1": obj("admin1"),
        "side": obj("side"),
        "side_by_reference": obj("side_by_reference"),
        "distance_km": rounded_list(s["distance_km"], 2),
        "uncertainty_km": rounded_list(s["uncertainty_km"], 1),
        "nearest_border_point": [[x, y] for x, y in near],
        "reported_location": obj("reported_location"),
        "reported_country": obj("reported_country"),
        "reported_admin1": obj("reported_admin1"),
        "geocode_source": obj("geocode_source"),
        "flags": [[{"code": f.code, "message": f.message} for f in fl] for fl in s["flags"]],
        "source_line": (file_names(s["source_file"]) + ":" + texts(s["source_line"])).tolist(),
    }
    keys = list(columns)
    return [dict(zip(keys, row)) for row in zip(*columns.values())]
