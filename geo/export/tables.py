"""The exported layers as tables: sites, claims, border, countries and distance bands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.columns import iso_dates, sort_rows

if TYPE_CHECKING:
    from geo.pipeline import Checked

#: Decimal places of exported coordinates: 1e-6 degree is about 0.1 m.
COORD_DECIMALS = 6
#: The exported layers, in the order they are written.
LAYER_NAMES = ("sites", "claims", "border", "countries", "bands")


def site_table(ds: Checked) -> gpd.GeoDataFrame:
    """Sites with flat, typed properties (numbers as numbers, dates as ISO text) and point geometry."""
    s = ds.sites
    n_claims = ds.claims.groupby("site_id").size()
    table = pd.DataFrame({
        "site_id": s["site_id"],
        "name": s["name"],
        "category": s["category"],
        "event_date": pd.Series(iso_dates(s["event_date"]), index=s.index),
        "place": s["place"],
        "reported_location": s["reported_location"],
        "reported_country": s["reported_country"],
        "reported_admin1": s["reported_admin1"],
        "lon": s["lon"].astype(float).round(COORD_DECIMALS),
        "lat": s["lat"].astype(float).round(COORD_DECIMALS),
        "precision": s["precision"],
        "where_prec": s["where_prec"].astype("int32"),
        "geo_precision": s["geo_precision"].astype("int32"),
        "radius_km": s["radius_km"].astype(float).round(2),
        "country": s["country"],
        "admin1": s["admin1"],
        "side": s["side"],
        **_sides_by_reference(ds),
        "distance_km": s["distance_km"].astype(float).round(3),
        "uncertainty_km": s["uncertainty_km"].astype(float).round(2),
        "near_lon": s["near_lon"].astype(float).round(COORD_DECIMALS),
        "near_lat": s["near_lat"].astype(float).round(COORD_DECIMALS),
        "flags": pd.Series([",".join([f.code for f in fl]) for fl in s["flags"]], index=s.index),
        "flag_messages": pd.Series([" ".join([f.message for f in fl]) for fl in s["flags"]], index=s.index),
        "geocode_source": s["geocode_source"],
        "geocode_ref": s["geocode_ref"],
        "source_ids": s["source_ids"],
        "n_claims": s["site_id"].map(n_claims).fillna(0).astype("int32"),
        "notes": s["notes"],
        "actors": s["actors"] if "actors" in s else pd.Series([None] * len(s), index=s.index, dtype=object),
    })
    geom = shapely.points(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
    return gpd.GeoDataFrame(table, geometry=geom, crs="EPSG:4326", copy=False)


def _sides_by_reference(ds: Checked) -> dict[str, pd.Series]:
    """``side_<key>`` per reference line ("side_osm", "side_ne10m"): each line's own answer."""
    by_ref = ds.sites["side_by_reference"].to_numpy(dtype=object) if "side_by_reference" in ds.sites else None
    out = {}
    for key in ds.reference.lines["key"]:
        values = [d.get(key) if isinstance(d, dict) else None for d in by_ref] if by_ref is not None else [None] * len(ds.sites)
        out[f"side_{key}"] = pd.Series(values, index=ds.sites.index, dtype=object)
    return out


def claim_table(ds: Checked) -> gpd.GeoDataFrame:
    """Claims joined to their site's point; claims about the whole border have no geometry."""
    c = ds.claims
    site_ids = c["site_id"].to_numpy(dtype=object)
    is_site = np.fromiter((isinstance(x, str) for x in site_ids), dtype=bool, count=len(site_ids))
    at = pd.Index(ds.sites["site_id"].to_numpy(dtype=object), dtype=object).get_indexer(site_ids)  # -1: no such site
    found = is_site & (at >= 0)
    names = np.append(ds.sites["name"].to_numpy(dtype=object), np.nan)
    points = np.append(np.asarray(ds.sites.geometry.values, dtype=object), None)
    table = pd.DataFrame({
        "claim_id": c["claim_id"],
        "site_id": c["site_id"],
        "site_name": pd.Series(names[np.where(at >= 0, at, -1)], index=c.index),
        "scope": pd.Series(np.where(is_site, "site", "border"), index=c.index),
        "claimant_id": c["claimant_id"],
        "claimant": c["claimant"],
        "claimant_country": c["claimant_country"],
        "speaker": c["speaker"],
        "claim_date": pd.Series(iso_dates(c["claim_date"]), index=c.index),
        "quantity": c["quantity"],
        "subject": c["subject"],
        "low": c["low"].astype(float),
        "best": c["best"].astype(float),
        "high": c["high"].astype(float),
        "unit": c["unit"],
        "figure": c["figure"],
        "statement": c["statement"],
        "quote": c["quote"],
        "source_id": c["source_id"],
        "outlet": c["outlet"],
        "published": pd.Series(iso_dates(c["published"]), index=c.index),
        "source_url": c["source_url"],
        "_row": np.arange(len(c)),
    })
    table = sort_rows(table, ["claim_id"], na_position="last").reset_index(drop=True)
    rows = table.pop("_row").to_numpy()
    geom = points[np.where(found, at, -1)[rows]]
    return gpd.GeoDataFrame(table, geometry=gpd.array.from_shapely(geom, crs="EPSG:4326"), crs="EPSG:4326", copy=False)


def border_table(ds: Checked) -> gpd.GeoDataFrame:
    """One feature per reference line: border name, key, source, licence, scale, measured length, vertices, tolerance, used."""
    lines = ds.reference.lines
    return gpd.GeoDataFrame({
        "name": ds.border["name"], "countries": "-".join(ds.border["countries"]), "key": lines["key"].to_numpy(object),
        "source": lines["source"].to_numpy(object), "vertices": lines["vertices"].to_numpy("int64"),
        "licence": lines["licence"].to_numpy(object), "scale": lines["scale"].to_numpy(object),
        "length_km": lines["length_km"].to_numpy(float), "tolerance_km": lines["tolerance_km"].to_numpy(float),
        "used": lines["used"].to_numpy(bool),
    }, geometry=lines.geometry.values, crs="EPSG:4326")


def layer_tables(ds: Checked) -> dict[str, gpd.GeoDataFrame]:
    """Every exported layer by name (:data:`LAYER_NAMES`), rows sorted by id."""
    countries = ds.reference.countries[["iso_a2", "name", "geometry"]].sort_values("iso_a2").reset_index(drop=True)
    bands = ds.bands.sort_values("band_id").reset_index(drop=True)
    return {"sites": site_table(ds), "claims": claim_table(ds), "border": border_table(ds), "countries": countries, "bands": bands}
