"""Write a Dataset to disk: GeoJSON (RFC 7946), GeoPackage, CSV, JSON, map and report — atomically."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.pipeline import Dataset, site_records

#: Decimal places of exported coordinates: 1e-6 degree is about 0.1 m.
COORD_DECIMALS = 6
#: Fixed timestamp GDAL writes into GeoPackage metadata, so identical input gives identical bytes.
GPKG_DATE = "2025-01-01T00:00:00Z"
#: Leading characters a spreadsheet would read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LAYER_NAMES = ("sites", "claims", "border", "countries", "bands")


def neutralise_formula(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("-12 km")
    "'-12 km"
    >>> neutralise_formula(-12.5)
    -12.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def site_table(ds: Dataset) -> gpd.GeoDataFrame:
    """Sites with flat, typed properties (numbers as numbers, dates as ISO text) and point geometry."""
    s = ds.sites
    n_claims = ds.claims.groupby("site_id").size()
    table = pd.DataFrame({
        "site_id": s["site_id"],
        "name": s["name"],
        "category": s["category"],
        "event_date": s["event_date"].map(lambda d: d.isoformat()),
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
        "distance_km": s["distance_km"].astype(float).round(3),
        "uncertainty_km": s["uncertainty_km"].astype(float).round(2),
        "near_lon": s["near_lon"].astype(float).round(COORD_DECIMALS),
        "near_lat": s["near_lat"].astype(float).round(COORD_DECIMALS),
        "flags": s["flags"].map(lambda fl: ",".join(f.code for f in fl)),
        "flag_messages": s["flags"].map(lambda fl: " ".join(f.message for f in fl)),
        "geocode_source": s["geocode_source"],
        "geocode_ref": s["geocode_ref"],
        "source_ids": s["source_ids"],
        "n_claims": s["site_id"].map(n_claims).fillna(0).astype("int32"),
        "notes": s["notes"],
    })
    geom = shapely.points(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
    return gpd.GeoDataFrame(table, geometry=geom, crs="EPSG:4326")


def claim_table(ds: Dataset) -> gpd.GeoDataFrame:
    """Claims joined to their site's point; claims about the whole border have no geometry."""
    c = ds.claims
    points = dict(zip(ds.sites["site_id"], ds.sites.geometry.values))
    site_names = dict(zip(ds.sites["site_id"], ds.sites["name"]))
    table = pd.DataFrame({
        "claim_id": c["claim_id"],
        "site_id": c["site_id"],
        "site_name": c["site_id"].map(site_names),
        "scope": c["site_id"].map(lambda x: "site" if isinstance(x, str) else "border"),
        "claimant_id": c["claimant_id"],
        "claimant": c["claimant"],
        "claimant_country": c["claimant_country"],
        "speaker": c["speaker"],
        "claim_date": c["claim_date"].map(lambda d: d.isoformat()),
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
        "published": c["published"].map(lambda d: d.isoformat()),
        "source_url": c["source_url"],
    }).sort_values("claim_id").reset_index(drop=True)
    geom = [points.get(s) if isinstance(s, str) else None for s in table["site_id"]]
    return gpd.GeoDataFrame(table, geometry=geom, crs="EPSG:4326")


def border_table(ds: Dataset) -> gpd.GeoDataFrame:
    """The border line with its name, source, measured length and tolerance."""
    return gpd.GeoDataFrame({
        "name": [ds.border["name"]], "countries": ["-".join(ds.border["countries"])], "source": [ds.border["source"]],
        "length_km": [ds.border["length_km"]], "tolerance_km": [float(ds.border["tolerance_km"])],
    }, geometry=[ds.reference.border], crs="EPSG:4326")


def layer_tables(ds: Dataset) -> dict[str, gpd.GeoDataFrame]:
    """Every exported layer by name."""
    countries = ds.reference.countries[["iso_a2", "name", "geometry"]].sort_values("iso_a2").reset_index(drop=True)
    bands = ds.bands.sort_values("band_id").reset_index(drop=True)
    return {"sites": site_table(ds), "claims": claim_table(ds), "border": border_table(ds), "countries": countries, "bands": bands}


def check_report(ds: Dataset) -> dict:
    """The ``geo check --json`` document: border length check, per-site checks, contradictions."""
    return {
        "theatre": ds.layers.theatre.name,
        "border": ds.border,
        "sites": site_records(ds),
        "contradictions": ds.contradictions,
    }


def dumps_json(obj) -> str:
    """Stable JSON text: sorted keys, two-space indent, final newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------- writers (disk)

def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON: WGS84 lon/lat, no ``crs`` member, right-hand polygons, fixed precision."""
    tmp = path.with_name(path.name + ".gdal.json")
    pyogrio.write_dataframe(frame, tmp, driver="GeoJSON",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORD_DECIMALS), "WRITE_NAME": "NO"})
    data = json.loads(tmp.read_text(encoding="utf-8"))
    tmp.unlink()
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """All layers in one GeoPackage (pyogrio), with a fixed metadata timestamp."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV without geometry, safe to open in a spreadsheet (formula-like cells neutralised)."""
    df = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    df = df.map(neutralise_formula)
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A temporary directory beside ``out_dir`` (same filesystem, so renames are atomic)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish(staged: Path, out_dir: Path) -> list[Path]:
    """Move every staged file into ``out_dir`` with ``os.replace`` (each file atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    moved = []
    for src in sorted(p for p in staged.rglob("*") if p.is_file()):
        dst = out_dir / src.relative_to(staged)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        moved.append(dst)
    return moved


def write_all(ds: Dataset, out: Path, *, writers: dict[str, Callable[[Path], None]] | None = None) -> list[str]:
    """Write every output of a build into directory ``out`` (which should be empty or a staging dir).

    Returns
    -------
    list of str
        File names written, sorted.
    """
    from geo import render, report

    out.mkdir(parents=True, exist_ok=True)
    tables = layer_tables(ds)
    for name, frame in tables.items():
        write_geojson(frame, out / f"{name}.geojson")
    write_gpkg(tables, out / "border_incidents.gpkg")
    write_csv(tables["sites"], out / "sites.csv")
    write_csv(tables["claims"], out / "claims.csv")
    (out / "check.json").write_text(dumps_json(check_report(ds)), encoding="utf-8")
    (out / "index.html").write_text(render.render_html(ds, self_contained=False), encoding="utf-8")
    (out / "offline.html").write_text(render.render_html(ds, self_contained=True), encoding="utf-8")
    report.write_report(ds, out)
    for name, fn in (writers or {}).items():
        fn(out / name)
    return sorted(p.name for p in out.iterdir())
