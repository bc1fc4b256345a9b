"""Write a Dataset to disk: GeoJSON (RFC 7946), GeoPackage, GeoParquet, CSV, JSON, map and report — atomically."""

from __future__ import annotations

import contextlib
from typing import BinaryIO
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from geo import arrowtext
from geo.checks import flatten_flags
from geo.columns import file_names, gc_paused, iso_dates, per_value, round_floats, sort_rows
from geo.columns import texts as columns_texts
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
    return gpd.GeoDataFrame(table, geometry=geom, crs="EPSG:4326", copy=False)


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
    return gpd.GeoDataFrame(table, geometry=gpd.array.from_shapely(geom, crs="EPSG:4326"), crs="EPSG:4326", copy=False)


def border_table(ds: Dataset) -> gpd.GeoDataFrame:
    """One feature per reference line: border name, source, licence, scale, measured length, tolerance, used."""
    lines = ds.reference.lines
    return gpd.GeoDataFrame({
        "name": ds.border["name"], "countries": "-".join(ds.border["countries"]), "source": lines["source"].to_numpy(object),
        "licence": lines["licence"].to_numpy(object), "scale": lines["scale"].to_numpy(object),
        "length_km": lines["length_km"].to_numpy(float), "tolerance_km": lines["tolerance_km"].to_numpy(float),
        "used": lines["used"].to_numpy(bool),
    }, geometry=lines.geometry.values, crs="EPSG:4326")


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


#: Rows formatted and written at a time by the CSV and GeoJSON writers (bounds their memory).
BATCH_ROWS = 100_000


def _batches(n: int, size: int = BATCH_ROWS) -> Iterator[tuple[int, int]]:
    """``(start, length)`` of consecutive slices covering ``n`` rows (one empty slice for none)."""
    yield from ((start, min(size, n - start)) for start in range(0, max(n, 1), size))


def _per_distinct(values: np.ndarray, fn: Callable[[np.ndarray], pa.Array]) -> pa.Array:
    """``fn(values)``, applied to the distinct values (by bit pattern) when they repeat a lot."""
    if len(values) < 1024:
        return fn(values)
    codes, uniques = pd.factorize(np.ascontiguousarray(values).view(np.int64), use_na_sentinel=False)
    if len(uniques) > len(values) // 4:
        return fn(values)
    return fn(uniques.view(values.dtype)).take(pa.array(codes))


# ---------------------------------------------------------------- GeoJSON (points: Arrow text)

def layer_columns(frame: pd.DataFrame) -> dict[str, arrowtext.Column] | None:
    """Every column but the geometry (the column named "geometry") as an :class:`geo.arrowtext.Column`,
    converted once for all the text writers; None when one of them is of a kind those writers do not format."""
    columns = {name: arrowtext.column(frame[name]) for name in frame.columns if name != "geometry"}
    return None if any(c is None for c in columns.values()) else columns


def _json_column(col: arrowtext.Column) -> Callable[[int, int], pa.Array] | None:
    """A column as the JSON text GDAL's GeoJSON writer gives its values (numbers, text, null),
    one slice of rows at a time; None when the column holds anything else (then GDAL writes the layer)."""
    if col.kind == "int":
        ints = pa.array(col.values)
        return lambda start, n: pc.cast(ints.slice(start, n), arrowtext.TEXT)
    if col.kind == "float":
        if np.isinf(col.values).any():
            return None
        return lambda start, n: arrowtext.json_numbers(col.values[start:start + n])
    if col.kind == "text":
        return arrowtext.per_text(col, arrowtext.json_strings, "null")
    return None


def _point_texts(frame: gpd.GeoDataFrame) -> Callable[[int, int], pa.Array] | None:
    """GeoJSON ``geometry`` members of a layer of points (or no geometry), coordinates rounded to
    :data:`COORD_DECIMALS` as GDAL's RFC 7946 writer rounds them; None for any other layer."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    if not np.all((types == 0) | (types == -1)) or shapely.is_empty(geoms).any() or shapely.has_z(geoms).any():
        return None
    x, y = round_floats(shapely.get_x(geoms), COORD_DECIMALS), round_floats(shapely.get_y(geoms), COORD_DECIMALS)

    def texts(start: int, n: int) -> pa.Array:
        point = arrowtext.join_columns([arrowtext.lit('{"coordinates":['), arrowtext.json_numbers(x[start:start + n]),
                                        arrowtext.lit(","), arrowtext.json_numbers(y[start:start + n]),
                                        arrowtext.lit('],"type":"Point"}')])
        return pc.if_else(pa.array(types[start:start + n] == 0), point, arrowtext.lit("null"))
    return texts


def _feature_batches(frame: gpd.GeoDataFrame, columns: dict[str, arrowtext.Column] | None) -> Iterator[pa.Array] | None:
    """The features of a layer of points as GDAL's RFC 7946 writer makes them, serialised as
    ``orjson.dumps(feature, option=OPT_SORT_KEYS)`` would (each preceded by a comma), in slices
    of :data:`BATCH_ROWS`; None for any other layer. ``columns`` are its :func:`layer_columns`."""
    geometry = _point_texts(frame)
    if geometry is None or columns is None:
        return None
    values = {name: _json_column(col) for name, col in columns.items()}
    if any(v is None for v in values.values()):
        return None
    keys = sorted(values)  # orjson's OPT_SORT_KEYS order

    def batches() -> Iterator[pa.Array]:
        for start, n in _batches(len(frame)):
            parts = [arrowtext.lit(',{"geometry":'), geometry(start, n), arrowtext.lit(',"properties":{')]
            for i, key in enumerate(keys):
                parts += [arrowtext.lit(("," if i else "") + orjson.dumps(key).decode() + ":"), values[key](start, n)]
            parts.append(arrowtext.lit('},"type":"Feature"}'))
            yield arrowtext.join_columns(parts)
    return batches()


@gc_paused()
def write_geojson(frame: gpd.GeoDataFrame, path: Path, *, columns: dict[str, arrowtext.Column] | None = None) -> None:
    """RFC 7946 GeoJSON: WGS84 lon/lat, no ``crs`` member, right-hand polygons, fixed precision.

    GDAL writes the layer (pyogrio); a layer of points is written directly, as GDAL would write
    it, its features' text made column by column (:mod:`geo.arrowtext`), since at a million
    sites GDAL's writer and re-reading its output take a minute. The collection's other members
    come from GDAL in both cases; keys are sorted, as ``orjson.dumps(..., OPT_SORT_KEYS)`` sorts them.
    ``columns`` are the frame's :func:`layer_columns` if already made.
    """
    if len(frame) > 1 and columns is None:
        columns = layer_columns(frame)
    features = _feature_batches(frame, columns) if len(frame) > 1 else None
    if features is None:
        data = _gdal_geojson(frame, path)
        path.write_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + b"\n")
        return
    data = _gdal_geojson(frame.iloc[:1], path)
    mark = "geo-features-" + os.urandom(8).hex()
    data["features"] = mark
    head, tail = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).split(orjson.dumps(mark))
    with open(path, "wb") as f:
        f.write(head + b"[")
        for i, batch in enumerate(features):
            f.write(arrowtext.text_bytes(batch)[0 if i else 1:])  # no comma before the first feature
        f.write(b"]" + tail + b"\n")


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """All layers in one GeoPackage (pyogrio, through Arrow), with a fixed metadata timestamp.

    SQLite gets a larger page cache and no fsync while the file is written (it is a new file
    in a staging directory until published); the bytes are the same.
    """
    options = {"OGR_CURRENT_DATE": GPKG_DATE, "OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_CACHE": "512"}
    pyogrio.set_gdal_config_options(options)
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists(), use_arrow=True)
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(options))


def write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """One layer as GeoParquet (geopandas, through pyarrow): typed columns, WKB geometry, ``geo`` metadata."""
    frame.to_parquet(path, index=False)


# ---------------------------------------------------------------- check.json (site records: Arrow text)

#: Indentation of a site record's members in ``check.json`` (orjson's two spaces a level; sites are at level 2).
_MEMBER = " " * 6


def _record_text_column(values: np.ndarray) -> Callable[[int, int], pa.Array] | None:
    """JSON text of an object column of a site record (text or missing), as orjson writes it;
    None when it holds anything else (or pandas' NA, which orjson would write as text)."""
    if any(v is pd.NA for v in values[pd.isna(values)].tolist()):
        return None
    col = arrowtext.column(pd.Series(values, dtype=object, copy=False))
    if col is None or col.kind != "text":
        return None
    return arrowtext.per_text(col, arrowtext.json_strings, "null")


def _site_record_columns(ds: Dataset) -> dict[str, Callable[[int, int], pa.Array]] | None:
    """Each member of :func:`geo.pipeline.site_records` as the JSON text ``dumps_json_bytes``
    gives it inside ``check.json``, one slice of sites at a time; None when a column holds
    values other than text, numbers or flags (then orjson writes the records)."""
    s = ds.sites
    obj = lambda c: s[c].to_numpy(dtype=object)  # noqa: E731
    texts = {c: obj(c) for c in ("site_id", "name", "category", "precision", "country", "admin1", "side", "reported_location",
                                 "reported_country", "reported_admin1", "geocode_source")}
    texts["event_date"] = iso_dates(s["event_date"])
    texts["source_line"] = file_names(s["source_file"]) + ":" + columns_texts(s["source_line"])
    out: dict[str, Callable[[int, int], pa.Array] | None] = {name: _record_text_column(v) for name, v in texts.items()}
    for name, ndigits in (("lat", 5), ("lon", 5), ("radius_km", 1), ("distance_km", 2), ("uncertainty_km", 1)):
        v = round_floats(s[name], ndigits)
        out[name] = lambda start, n, v=v: arrowtext.json_numbers(v[start:start + n])
    for name in ("where_prec", "geo_precision"):
        ints = pa.array(s[name].astype(np.int64).to_numpy())
        out[name] = lambda start, n, ints=ints: pc.cast(ints.slice(start, n), arrowtext.TEXT)
    near_lon, near_lat = round_floats(s["near_lon"], 5), round_floats(s["near_lat"], 5)
    inner = f"\n{_MEMBER}  "
    out["nearest_border_point"] = lambda start, n: arrowtext.join_columns([
        arrowtext.lit("[" + inner), arrowtext.json_numbers(near_lon[start:start + n]), arrowtext.lit("," + inner),
        arrowtext.json_numbers(near_lat[start:start + n]), arrowtext.lit(f"\n{_MEMBER}]")])
    out["flags"] = _flag_list_texts(s["flags"].to_numpy(dtype=object))
    return None if any(v is None for v in out.values()) else out


def _flag_list_texts(flags: np.ndarray) -> Callable[[int, int], pa.Array] | None:
    """The ``flags`` member of each site record (a list of ``{"code", "message"}`` objects) as
    orjson writes it at its depth in ``check.json``; None unless every flag is a :class:`geo.checks.Flag` of texts."""
    flat = flatten_flags(flags.tolist())
    if flat is None:
        return None
    counts, codes, messages = flat
    pad = _MEMBER + "  "
    json_texts = lambda values: arrowtext.json_strings(pa.array(values, arrowtext.TEXT))  # noqa: E731
    one = arrowtext.join_columns([arrowtext.lit(f"{pad}{{\n{pad}  \"code\": "), json_texts(codes),
                                  arrowtext.lit(f",\n{pad}  \"message\": "), json_texts(messages), arrowtext.lit(f"\n{pad}}}")])
    offsets = np.concatenate([[0], np.cumsum(counts)])

    def texts(start: int, n: int) -> pa.Array:
        items = one.slice(offsets[start], offsets[start + n] - offsets[start])
        joined = arrowtext.join_columns([arrowtext.lit("[\n"), arrowtext.join_lists(items, counts[start:start + n], ",\n"),
                                         arrowtext.lit(f"\n{_MEMBER}]")])
        return pc.if_else(pa.array(counts[start:start + n] == 0), arrowtext.lit("[]"), joined)
    return texts


def _site_record_batches(ds: Dataset) -> Iterator[pa.Array] | None:
    """The ``sites`` of ``check.json`` as ``dumps_json_bytes`` writes them (sorted keys, two-space
    indent), each site preceded by ``",\\n"``, in slices of :data:`BATCH_ROWS`; None when
    orjson has to write them (:func:`_site_record_columns`)."""
    columns = _site_record_columns(ds) if len(ds.sites) else None
    if columns is None:
        return None
    keys = sorted(columns)

    def batches() -> Iterator[pa.Array]:
        for start, n in _batches(len(ds.sites)):
            parts = [arrowtext.lit(",\n    {\n")]
            for i, key in enumerate(keys):
                parts += [arrowtext.lit((",\n" if i else "") + f"{_MEMBER}{orjson.dumps(key).decode()}: "), columns[key](start, n)]
            parts.append(arrowtext.lit("\n    }"))
            yield arrowtext.join_columns(parts)
    return batches()


def write_check_json(ds: Dataset, path: Path) -> None:
    """``check.json`` in file ``path`` (:func:`stream_check_json`)."""
    with open(path, "wb") as f:
        stream_check_json(ds, f)


def stream_check_json(ds: Dataset, out: BinaryIO) -> None:
    """The bytes of ``dumps_json_bytes(check_report(ds))`` written to ``out``, with the site records
    made column by column by Arrow kernels instead of a million dicts (orjson still writes the rest)."""
    sites = _site_record_batches(ds)
    if sites is None:
        out.write(dumps_json_bytes(check_report(ds)))
        return
    doc = check_report(ds, [])
    doc["sites"] = mark = "geo-sites-" + os.urandom(8).hex()
    head, tail = dumps_json_bytes(doc).split(orjson.dumps(mark))
    out.write(head + b"[")
    for i, batch in enumerate(sites):
        out.write(arrowtext.text_bytes(batch)[0 if i else 1:])  # no comma before the first site
    out.write(b"\n  ]" + tail)


# ---------------------------------------------------------------- CSV

def _neutralise_column(s: pd.Series) -> pd.Series:
    """:func:`neutralise_formula` on every cell of a column (only text cells can change), and
    carriage returns in a text as newlines: with ``\n`` line ends the csv writer does not quote
    a bare ``\r``, and a reader would split the row there."""
    if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
        return s
    try:
        hit = s.str.startswith(FORMULA_START).to_numpy(dtype=object) == True  # noqa: E712 (None/NaN for non-text cells)
        cr = s.str.contains("\r", regex=False).to_numpy(dtype=object) == True  # noqa: E712
    except AttributeError:  # no text at all
        return s
    if not hit.any() and not cr.any():
        return s
    vals = s.to_numpy(dtype=object).copy()
    vals[cr] = [v.replace("\r\n", "\n").replace("\r", "\n") for v in vals[cr]]
    vals[hit] = "'" + vals[hit]
    return pd.Series(vals, index=s.index, dtype=object)


#: Number format of CSV floats (as ``DataFrame.to_csv(float_format=...)`` would apply it).
CSV_FLOAT_FORMAT = "%.6g"
_CSV_FLOAT_PRECISION = 6


def _csv_floats(s: pd.Series) -> pd.Series:
    """A float column as the text ``to_csv(float_format=CSV_FLOAT_FORMAT)`` writes ("" for NaN),
    each distinct value formatted once (pandas formats cell by cell)."""
    v = s.to_numpy(dtype=float)
    text = per_value(v, lambda x: "" if x != x else CSV_FLOAT_FORMAT % x)
    zero = v == 0  # 0.0 and -0.0 are one value to factorize, not to the format
    text[zero] = np.where(np.signbit(v[zero]), CSV_FLOAT_FORMAT % -0.0, CSV_FLOAT_FORMAT % 0.0)
    return pd.Series(text, index=s.index, dtype=object)


def _write_csv_pandas(df: pd.DataFrame, path: Path) -> None:
    """:func:`write_csv` through ``DataFrame.to_csv``, for columns :func:`_csv_column` does not take."""
    df = pd.DataFrame({c: _csv_floats(df[c]) if df[c].dtype.kind == "f" and isinstance(df[c].dtype, np.dtype) else _neutralise_column(df[c])
                       for c in df.columns}, index=df.index)
    df.to_csv(path, index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


def _neutralised(texts: pa.Array) -> pa.Array:
    """:func:`neutralise_formula` on a text array: an apostrophe before a formula-like text; then
    carriage returns as newlines (as :func:`_neutralise_column`)."""
    hit = arrowtext.starts_with_any(texts, FORMULA_START)
    if pc.any(hit).as_py():
        texts = pc.if_else(hit, pc.utf8_replace_slice(texts, 0, 0, "'"), texts)
    if pc.any(pc.match_substring(texts, "\r")).as_py():
        texts = pc.replace_substring(pc.replace_substring(texts, "\r\n", "\n"), "\r", "\n")
    return texts


def _csv_column(col: arrowtext.Column) -> Callable[[int, int], pa.Array]:
    """A column's CSV fields as ``DataFrame.to_csv`` writes them after :func:`_csv_floats` and
    :func:`_neutralise_column`, one slice of rows at a time."""
    if col.kind in ("int", "bool"):
        values = pa.array(col.values)
        if col.kind == "bool":
            return lambda start, n: pc.if_else(values.slice(start, n), arrowtext.lit("True"), arrowtext.lit("False"))
        return lambda start, n: pc.cast(values.slice(start, n), arrowtext.TEXT)
    if col.kind == "float":
        fmt = lambda x: arrowtext.format_g(x, _CSV_FLOAT_PRECISION)  # noqa: E731
        return lambda start, n: pc.fill_null(_per_distinct(col.values[start:start + n], fmt), arrowtext.lit(""))
    return arrowtext.per_text(col, lambda t: arrowtext.csv_cells(_neutralised(t)), "")


def write_csv(frame: pd.DataFrame, path: Path, *, columns: dict[str, arrowtext.Column] | None = None) -> None:
    """CSV without geometry, safe to open in a spreadsheet (formula-like cells neutralised).

    The text is what ``DataFrame.to_csv`` writes (numbers as ``%.6g``, missing values empty,
    fields quoted only when needed), made column by column by Arrow kernels (:mod:`geo.arrowtext`);
    ``columns`` are the frame's :func:`layer_columns` if already made.
    """
    if columns is None:
        columns = layer_columns(frame)
    if columns is None or len(columns) < 2 or not all(isinstance(c, str) for c in columns):
        _write_csv_pandas(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")), path)  # (a lone empty field is written as "")
        return
    fields = [_csv_column(c) for c in columns.values()]
    header = arrowtext.csv_cells(pa.array(list(columns), arrowtext.TEXT))
    with open(path, "wb") as f:
        f.write((",".join(header.to_pylist()) + "\n").encode("utf-8"))
        if not len(frame):
            return
        for start, n in _batches(len(frame)):
            rows = arrowtext.join_columns([arrowtext.join_columns([c(start, n) for c in fields], ","), arrowtext.lit("")], "\n")
            f.write(arrowtext.text_bytes(rows))


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


#: From this many sites plus claims, :func:`write_all` writes in parallel (forked processes),
#: when the machine has :data:`PARALLEL_MEMORY_FACTOR` times the builder's memory available.
PARALLEL_MIN_ROWS = 50_000
PARALLEL_MEMORY_FACTOR = 1.5


def write_layers(tables: dict[str, gpd.GeoDataFrame], out: Path) -> None:
    """One GeoJSON file per layer and the sites and claims CSV files (each table's columns
    converted once for both)."""
    for name, frame in tables.items():
        with_csv = name in ("sites", "claims")
        columns = layer_columns(frame) if with_csv else None
        write_geojson(frame, out / f"{name}.geojson", columns=columns)
        if with_csv:
            write_csv(frame, out / f"{name}.csv", columns=columns)


def write_checks(ds: Dataset, out: Path) -> None:
    """``check.json`` and the report (``report.md`` and its chart), from one set of site records."""
    from geo import report

    write_check_json(ds, out / "check.json")
    report.write_report(ds, out)


def write_maps(ds: Dataset, out: Path) -> None:
    """``index.html`` (tiles and Leaflet from the web) and ``offline.html`` (self-contained)."""
    from geo import render

    parts: dict = {}  # the sites' map data, built once for both maps
    (out / "index.html").write_text(render.render_html(ds, self_contained=False, parts=parts), encoding="utf-8")
    (out / "offline.html").write_text(render.render_html(ds, self_contained=True, parts=parts), encoding="utf-8")


def can_fork() -> bool:
    """Whether writers can run in forked processes (POSIX ``fork``: they share the dataset, copy-on-write)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _meminfo_bytes(field: str) -> int | None:
    """A field of Linux's ``/proc/meminfo`` in bytes, or None where there is none."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _rss_bytes() -> int | None:
    """This process's resident memory in bytes (Linux ``/proc/self/statm``), or None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def memory_allows_fork(factor: float = PARALLEL_MEMORY_FACTOR) -> bool:
    """Whether the machine has room for forked writers: they copy most of the dataset as they
    write (measured at a million events: 9.2 GB in all against 4.5 GB serial), so ask for
    ``factor`` times this process's resident memory to be available. False where unknown."""
    available, rss = _meminfo_bytes("MemAvailable"), _rss_bytes()
    return available is not None and rss is not None and available >= factor * rss


def _start_forked(name: str, fn: Callable[[], None]) -> Callable[[bool], None]:
    """Run ``fn`` in a forked child process.

    Returns a function that waits for the child (or, given True, stops it) and raises the
    child's exception, or a :class:`RuntimeError` when the child died without a word.
    """
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def target() -> None:
        recv.close()
        try:
            fn()
            send.send(None)
        except BaseException as exc:  # noqa: BLE001 (sent to the parent, which raises it)
            try:
                send.send(exc)
            except Exception:  # an exception that does not pickle: its text
                send.send(RuntimeError(f"{name}: {type(exc).__name__}: {exc}"))
        finally:
            send.close()

    proc = ctx.Process(target=target, name=f"geo-{name}", daemon=True)
    proc.start()
    send.close()

    def wait(stop: bool = False) -> None:
        if stop:
            proc.terminate()
        try:
            err = None if stop else recv.recv()
        except EOFError:
            err = RuntimeError(f"{name}: writer process exited with code {proc.exitcode}")
        finally:
            proc.join()
            recv.close()
        if err is None and not stop and proc.exitcode:
            err = RuntimeError(f"{name}: writer process exited with code {proc.exitcode}")
        if err is not None:
            raise err
    return wait


def _run_jobs(ds: Dataset, out: Path, parallel: bool) -> None:
    """Run the writers: in turn, or (``parallel``) the checks, the GeoPackage and the layer files
    in forked processes (each with its own GIL; they share the dataset copy-on-write) and the
    maps here. The checks start before the layer tables are made, since they do not need them.

    Every writer is waited for before this returns or raises (the first error is raised),
    so nothing is still writing when the staging directory is published or removed.
    """
    if not parallel:
        tables = layer_tables(ds)
        write_layers(tables, out)
        write_gpkg(tables, out / "border_incidents.gpkg")
        write_checks(ds, out)
        write_maps(ds, out)
        return
    waits = []
    error: BaseException | None = None
    try:
        waits.append(_start_forked("checks", lambda: write_checks(ds, out)))
        tables = layer_tables(ds)  # here: made in a child, they cost more in copied pages than they save
        waits.append(_start_forked("gpkg", lambda: write_gpkg(tables, out / "border_incidents.gpkg")))
        waits.append(_start_forked("layers", lambda: write_layers(tables, out)))
        write_maps(ds, out)
    except BaseException as exc:  # noqa: BLE001 (raised below, once the others have stopped)
        error = exc
    for wait in waits:
        try:
            wait(error is not None)
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error


@gc_paused()
def write_all(ds: Dataset, out: Path, *, writers: dict[str, Callable[[Path], None]] | None = None,
              parallel: bool | None = None) -> list[str]:
    """Write every output of a build into directory ``out`` (which should be empty or a staging dir).

    ``parallel`` (default: from :data:`PARALLEL_MIN_ROWS` sites plus claims on, where ``fork``
    exists and :func:`memory_allows_fork`) runs the independent writers at the same time
    (:func:`_run_jobs`); the files are the same, the peak memory about twice the serial one.

    Returns
    -------
    list of str
        File names written, sorted.
    """
    out.mkdir(parents=True, exist_ok=True)
    if parallel is None:
        parallel = can_fork() and len(ds.sites) + len(ds.claims) >= PARALLEL_MIN_ROWS and memory_allows_fork()
    _run_jobs(ds, out, parallel)
    for name, fn in (writers or {}).items():
        fn(out / name)
    return sorted(p.name for p in out.iterdir())
