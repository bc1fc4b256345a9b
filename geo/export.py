"""Write a Dataset to disk: GeoJSON (RFC 7946), GeoPackage, GeoParquet, CSV, JSON, map and report — atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely

from geo.columns import gc_paused, iso_dates, per_value, rounded_list, sort_rows
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
    })
    geom = shapely.points(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
    return gpd.GeoDataFrame(table, geometry=geom, crs="EPSG:4326")


def claim_table(ds: Dataset) -> gpd.GeoDataFrame:
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
    return gpd.GeoDataFrame(table, geometry=gpd.array.from_shapely(geom, crs="EPSG:4326"), crs="EPSG:4326")


def border_table(ds: Dataset) -> gpd.GeoDataFrame:
    """The border line with its name, source, measured length and tolerance."""
    return gpd.GeoDataFrame({
        "name": [ds.border["name"]], "countries": ["-".join(ds.border["countries"])], "source": [ds.border["source"]],
        "length_km": [ds.border["length_km"]], "tolerance_km": [float(ds.border["tolerance_km"])],
    }, geometry=[ds.reference.border], crs="EPSG:4326")


@gc_paused()
def layer_tables(ds: Dataset) -> dict[str, gpd.GeoDataFrame]:
    """Every exported layer by name."""
    countries = ds.reference.countries[["iso_a2", "name", "geometry"]].sort_values("iso_a2").reset_index(drop=True)
    bands = ds.bands.sort_values("band_id").reset_index(drop=True)
    return {"sites": site_table(ds), "claims": claim_table(ds), "border": border_table(ds), "countries": countries, "bands": bands}


@gc_paused()
def check_report(ds: Dataset, records: list[dict] | None = None) -> dict:
    """The ``geo check --json`` document: border length check, per-site checks, contradictions.

    ``records`` are :func:`geo.pipeline.site_records` of ``ds`` if already made.
    """
    return {
        "theatre": ds.layers.theatre.name,
        "border": ds.border,
        "sites": site_records(ds) if records is None else records,
        "contradictions": ds.contradictions,
    }


#: Sorted keys, two-space indent; dates, datetimes and dataclasses go to :func:`_json_default` (``str``).
_JSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


def _json_default(value):
    """Values JSON has no type for, as the standard library's encoder with ``default=str`` writes them."""
    if isinstance(value, np.generic) and not isinstance(value, (np.integer, np.bool_)):
        value = value.item()
        if isinstance(value, float):
            return value
    return str(value)


@gc_paused()
def dumps_json_bytes(obj) -> bytes:
    """Stable JSON as UTF-8 bytes: sorted keys, two-space indent, final newline (orjson)."""
    return orjson.dumps(obj, default=_json_default, option=_JSON_OPTIONS) + b"\n"


def dumps_json(obj) -> str:
    """Stable JSON text: sorted keys, two-space indent, final newline."""
    return dumps_json_bytes(obj).decode("utf-8")


# ---------------------------------------------------------------- writers (disk)

def _gdal_geojson(frame: gpd.GeoDataFrame, path: Path) -> dict:
    tmp = path.with_name(path.name + ".gdal.json")
    pyogrio.write_dataframe(frame, tmp, driver="GeoJSON",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORD_DECIMALS), "WRITE_NAME": "NO"})
    data = orjson.loads(tmp.read_bytes())
    tmp.unlink()
    return data


def _json_properties(frame: pd.DataFrame) -> dict[str, list] | None:
    """Each column as the list of values GDAL's GeoJSON writer gives (numbers, text, null), or None
    when a column holds anything else (then GDAL writes the layer)."""
    out = {}
    for name in frame.columns:
        s = frame[name]
        kind = s.dtype.kind
        if kind in "iu" and isinstance(s.dtype, np.dtype):
            out[name] = s.to_numpy().tolist()
        elif kind == "f" and isinstance(s.dtype, np.dtype):
            v = s.to_numpy(dtype=float)
            if np.isinf(v).any():
                return None
            vals = v.astype(object)
            vals[np.isnan(v)] = None
            out[name] = vals.tolist()
        elif kind == "O" or isinstance(s.dtype, pd.StringDtype):
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                return None
            vals = s.to_numpy(dtype=object, copy=True)
            vals[pd.isna(vals)] = None
            out[name] = vals.tolist()
        else:
            return None
    return out


def _point_features(frame: gpd.GeoDataFrame) -> list[dict] | None:
    """GeoJSON features of a layer of points (or no geometry), as GDAL's RFC 7946 writer makes them
    (coordinates rounded to :data:`COORD_DECIMALS`); None for any other layer."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    if not np.all((types == 0) | (types == -1)) or shapely.is_empty(geoms).any() or shapely.has_z(geoms).any():
        return None
    props = _json_properties(pd.DataFrame(frame.drop(columns=frame.geometry.name)))
    if props is None:
        return None
    x = rounded_list(shapely.get_x(geoms), COORD_DECIMALS)
    y = rounded_list(shapely.get_y(geoms), COORD_DECIMALS)
    keys = list(props)
    return [
        {"type": "Feature", "properties": dict(zip(keys, row)),
         "geometry": {"type": "Point", "coordinates": [lon, lat]} if t == 0 else None}
        for t, lon, lat, row in zip(types.tolist(), x, y, zip(*props.values()) if keys else ([()] * len(geoms)))
    ]


@gc_paused()
def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON: WGS84 lon/lat, no ``crs`` member, right-hand polygons, fixed precision.

    GDAL writes the layer (pyogrio); a layer of points is written directly, feature by feature
    as GDAL would write it, since at a million sites GDAL's writer and re-reading its output
    take a minute. The collection's other members come from GDAL in both cases.
    """
    features = _point_features(frame) if len(frame) > 1 else None
    if features is None:
        data = _gdal_geojson(frame, path)
    else:
        data = _gdal_geojson(frame.iloc[:1], path)
        data["features"] = features
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + b"\n")


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """All layers in one GeoPackage (pyogrio, through Arrow), with a fixed metadata timestamp."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists(), use_arrow=True)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """One layer as GeoParquet (geopandas, through pyarrow): typed columns, WKB geometry, ``geo`` metadata."""
    frame.to_parquet(path, index=False)


def _neutralise_column(s: pd.Series) -> pd.Series:
    """:func:`neutralise_formula` on every cell of a column (only text cells can change)."""
    if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
        return s
    try:
        hit = s.str.startswith(FORMULA_START).to_numpy(dtype=object) == True  # noqa: E712 (None/NaN for non-text cells)
    except AttributeError:  # no text at all
        return s
    if not hit.any():
        return s
    vals = s.to_numpy(dtype=object).copy()
    vals[hit] = "'" + vals[hit]
    return pd.Series(vals, index=s.index, dtype=object)


#: Number format of CSV floats (as ``DataFrame.to_csv(float_format=...)`` would apply it).
CSV_FLOAT_FORMAT = "%.6g"


def _csv_floats(s: pd.Series) -> pd.Series:
    """A float column as the text ``to_csv(float_format=CSV_FLOAT_FORMAT)`` writes ("" for NaN),
    each distinct value formatted once (pandas formats cell by cell)."""
    v = s.to_numpy(dtype=float)
    text = per_value(v, lambda x: "" if x != x else CSV_FLOAT_FORMAT % x)
    zero = v == 0  # 0.0 and -0.0 are one value to factorize, not to the format
    text[zero] = np.where(np.signbit(v[zero]), CSV_FLOAT_FORMAT % -0.0, CSV_FLOAT_FORMAT % 0.0)
    return pd.Series(text, index=s.index, dtype=object)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV without geometry, safe to open in a spreadsheet (formula-like cells neutralised)."""
    df = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    df = pd.DataFrame({c: _csv_floats(df[c]) if df[c].dtype.kind == "f" and isinstance(df[c].dtype, np.dtype) else _neutralise_column(df[c])
                       for c in df.columns}, index=df.index)
    df.to_csv(path, index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


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


@gc_paused()
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
    records = site_records(ds)
    (out / "check.json").write_bytes(dumps_json_bytes(check_report(ds, records)))
    parts: dict = {}  # the sites' map data, built once for both maps
    (out / "index.html").write_text(render.render_html(ds, self_contained=False, parts=parts), encoding="utf-8")
    (out / "offline.html").write_text(render.render_html(ds, self_contained=True, parts=parts), encoding="utf-8")
    del parts
    report.write_report(ds, out, records)
    del records
    for name, fn in (writers or {}).items():
        fn(out / name)
    return sorted(p.name for p in out.iterdir())
