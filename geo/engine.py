"""Border checks on many points, in memory or on dask(-geopandas) partitions.

The columns are those :func:`geo.checks.against_border` computes for a site, without the
report-dependent ``flags``: ``country``, ``side``, ``distance_km``, ``near_lon``, ``near_lat``,
``tolerance_km``, ``uncertainty_km`` and ``sources_disagree``, then each reference line's
``country_<key>``, ``side_<key>`` and ``distance_km_<key>`` (:func:`columns`). Both engines run
the same per-partition function, :func:`check_partition`, which calls
:func:`geo.sides.check_lines`, the one side rule: no geometry is reimplemented here.

Engines
-------
``engine="memory"`` (the default)
    One pandas call over all points. Fastest on one machine: the nearest-point search and the
    point-in-polygon test already run on all cores (numpy, scipy, pyproj and shapely release
    the GIL; :func:`geo.nearest.parallel_chunks`).
``engine="dask"``
    The points become a ``dask.dataframe`` and :func:`check_partition` is mapped over its
    partitions, computed with ``scheduler`` ("threads" by default, "processes",
    "synchronous", or a ``distributed.Client``). Use it for points that do not fit in memory
    (:func:`check_parquet` streams a partitioned (Geo)Parquet dataset from disk, and can write
    the result back partition by partition) or to spread the work over a cluster. On one
    machine it brings no speed: threads only add task overhead to a computation that is
    already parallel, and "processes" adds a process pool, the pickling of every partition
    and the border index built once in each worker process (see ``bench/bench_engine.py``).

What it costs on one machine (``bench/bench_engine.py``, 2 CPUs, dask 2026.8; times relative
to ``engine="memory"``, which did 1M points in ~2.2 s, index already built; measured when the
checks used the Natural Earth line alone: the ratios are of the engine's overhead, which does
not depend on the lines):

=====================  =============  ==============
engine                 100k points    1M points
=====================  =============  ==============
dask threads, 2-8 p.   0.97-1.04x     1.02-1.06x
dask processes, 2-4 p. ~11x (+2.5 s)  ~3x (+4.4 s)
dask processes, 8 p.   ~21x           ~4x
distributed (warm)     ~1.8x          ~1.7-1.9x
=====================  =============  ==============

So on one machine: no gain, only overhead. "threads" costs next to nothing (use it to stream
a Parquet dataset larger than memory); "processes" pays, on *every* call, a spawned pool
(~2 s of imports), one index build per worker (~0.6 s) and the pickling of the points both
ways; a warm ``distributed`` cluster still pays the transfer of the points (the graph of
1M points from ``check_points`` is ~23 MB: on a cluster, let the workers read the data
with :func:`check_parquet` rather than shipping it from the client). Its use is data
larger than memory, or a cluster with more cores than this machine.

What goes to the workers
------------------------
Only a :class:`Spec`: per reference line, the line as WKB bytes (~10 kB for Natural Earth
AF-PK, ~0.5 MB for OpenStreetMap's), the country polygons as WKB bytes with their ISO codes
and the tolerance along the line. A worker decodes them once (:func:`_line_checks`,
``lru_cache``-d on the spec) and builds each :class:`geo.nearest.BorderIndex` once per process
(``geo.nearest`` keeps it on the border's WKB and reads its grid from the user cache;
:func:`_ensure_index` builds it under a lock so that the threads of one worker do not build it
twice). Every later partition in that process reuses it.

Determinism
-----------
The index always searches with its certified grid (when the line has one), so a point's
result does not depend on how the points are partitioned: both engines give the same values.

Parquet layout (:func:`check_parquet`)
--------------------------------------
A Parquet file or a directory of Parquet files (one dask partition per file, or per row
group with ``split_row_groups=True``), with either

* ``lon`` and ``lat`` columns (float degrees, WGS84), or
* a GeoParquet point ``geometry`` column (``geo`` metadata, as written by
  ``GeoDataFrame.to_parquet`` or ``dask_geopandas``); a CRS other than EPSG:4326 is
  reprojected to it partition by partition. Missing and empty points give NaN distances and
  ``side == "outside"``; other geometry types are an error.

An optional ``radius_km`` column gives each point's location radius (else the
``radius_km`` argument applies to all). Other columns are not read unless named in ``keep``,
in which case they are copied to the output. The input index (if the files store one) is kept.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.nearest import border_index
from geo.sides import LineCheck, check_lines

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd

    from geo.reference import Reference

#: Output columns before the per-line ones, in order, with their dtypes.
COLUMNS: dict[str, str] = {
    "country": "object",
    "side": "object",
    "distance_km": "float64",
    "near_lon": "float64",
    "near_lat": "float64",
    "tolerance_km": "float64",
    "uncertainty_km": "float64",
    "sources_disagree": "bool",
}
ENGINES = ("memory", "dask")
#: dask must not turn the object columns (``country`` holds None outside both countries)
#: into pyarrow strings: the dask results must equal the in-memory ones, dtypes included.
_DASK_CONFIG = {"dataframe.convert-string": False}


@dataclass(frozen=True)
class LineSpec:
    """One reference line as bytes: key, line WKB, country WKBs and codes, tolerance (float64 bytes)."""

    key: str
    border_wkb: bytes
    country_wkb: tuple[bytes, ...]
    country_codes: tuple[str | None, ...]
    tolerance: bytes


@dataclass(frozen=True)
class Spec:
    """What a partition needs, small and picklable: the reference lines as bytes, the used one first."""

    lines: tuple[LineSpec, ...]

    @classmethod
    def make(cls, reference: "Reference | Sequence[LineCheck]") -> "Spec":
        checks = list(reference.checks) if hasattr(reference, "checks") else list(reference)
        out = []
        for ln in checks:
            countries = ln.countries
            if countries.crs is not None and not countries.crs.equals("EPSG:4326"):
                countries = countries.to_crs(4326)
            out.append(LineSpec(ln.key, shapely.to_wkb(ln.border), tuple(shapely.to_wkb(g) for g in countries.geometry.values),
                                tuple(countries["iso_a2"]), np.asarray(ln.tolerance_km, dtype="<f8").tobytes()))
        return cls(tuple(out))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(ln.key for ln in self.lines)

    @property
    def nbytes(self) -> int:
        return sum(len(ln.border_wkb) + sum(len(b) for b in ln.country_wkb) + len(ln.tolerance) for ln in self.lines)


def columns(keys: Sequence[str]) -> dict[str, str]:
    """All output columns and dtypes for lines with these keys (:data:`COLUMNS`, then per line)."""
    out = dict(COLUMNS)
    for k in keys:
        out.update({f"country_{k}": "object", f"side_{k}": "object", f"distance_km_{k}": "float64"})
    return out


@functools.lru_cache(maxsize=16)
def _countries_frame(wkb: tuple[bytes, ...], codes: tuple[str | None, ...]) -> gpd.GeoDataFrame:
    """The country polygons, prepared and warmed up, once per process.

    GEOS prepared geometries build their point-in-area index lazily on first use, and that
    build is not thread-safe (libgeos/geos#825): ``country_at`` queries them from several
    threads at once, which on a fresh geometry and more than ``geo.nearest.CHUNK`` points
    crashed ("unaligned tcache chunk") or deadlocked. One single-threaded query per polygon
    here builds the index before any thread shares it."""
    geoms = shapely.from_wkb(list(wkb))
    for g in geoms:
        shapely.prepare(g)
        shapely.contains_xy(g, 0.0, 0.0)
    return gpd.GeoDataFrame({"iso_a2": list(codes)}, geometry=list(geoms), crs=4326)


@functools.lru_cache(maxsize=8)
def _line_checks(spec: Spec) -> tuple[LineCheck, ...]:
    """The spec's lines decoded, once per process."""
    return tuple(LineCheck(ln.key, shapely.from_wkb(ln.border_wkb), _countries_frame(ln.country_wkb, ln.country_codes),
                           np.frombuffer(ln.tolerance, dtype="<f8")) for ln in spec.lines)


_INDEX_LOCK = threading.Lock()


def _ensure_index(spec: Spec) -> tuple[LineCheck, ...]:
    """Decode the lines and build their indexes (and grids) in this process, once."""
    with _INDEX_LOCK:
        lines = _line_checks(spec)
        for ln in lines:
            border_index(ln.border).grid
        return lines


def check_partition(part: pd.DataFrame, spec: Spec, lon: str | None = "lon", lat: str | None = "lat",
                    radius: str | float = 0.0, keep: Sequence[str] = ()) -> pd.DataFrame:
    """The checks for one partition (or for all points, in memory).

    ``part`` has ``lon``/``lat`` columns, or (``lon=None``) is a GeoDataFrame of points in
    EPSG:4326. ``radius`` is a column name or one radius (km) for every point.
    Returns :func:`columns` (then ``keep``) on ``part``'s index.
    """
    if lon is None:
        x, y = _point_xy(part.geometry.values)
    else:
        x = part[lon].to_numpy(dtype=float, na_value=np.nan)
        y = part[lat].to_numpy(dtype=float, na_value=np.nan)
    lines = _ensure_index(spec)
    r = part[radius].to_numpy(dtype=float, na_value=np.nan) if isinstance(radius, str) else np.full(len(part), float(radius))
    got = check_lines(x, y, r, list(lines))
    idx = part.index
    out = pd.DataFrame({
        "country": pd.Series(got["country"], index=idx, dtype=object), "side": pd.Series(got["side"], index=idx, dtype=object),
        "distance_km": got["distance_km"], "near_lon": got["near_lon"], "near_lat": got["near_lat"],
        "tolerance_km": got["tolerance_km"], "uncertainty_km": got["uncertainty_km"], "sources_disagree": got["disagree"],
    }, index=idx)
    for ln, c, sd, d in zip(lines, got["countries"], got["sides"], got["distances_km"]):
        out[f"country_{ln.key}"] = pd.Series(c, index=idx, dtype=object)
        out[f"side_{ln.key}"] = pd.Series(sd, index=idx, dtype=object)
        out[f"distance_km_{ln.key}"] = d
    for c in keep:
        out[c] = part[c].to_numpy()
    return out


def _point_xy(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    geoms = np.asarray(geoms, dtype=object)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms[present])
    if (types != shapely.GeometryType.POINT).any():
        raise ValueError("only point geometries can be checked against the border")
    x[present] = shapely.get_x(geoms[present])
    y[present] = shapely.get_y(geoms[present])
    return x, y


def _meta(index: pd.Index, keys: Sequence[str], keep_dtypes: dict[str, Any]) -> pd.DataFrame:
    cols = {c: pd.Series([], dtype=t) for c, t in columns(keys).items()}
    cols.update({c: pd.Series([], dtype=t) for c, t in keep_dtypes.items()})
    return pd.DataFrame(cols, index=index[:0])


def check_frame(ddf: "dd.DataFrame", *, reference: "Reference | Sequence[LineCheck]", radius_km: float = 0.0,
                keep: Sequence[str] = ()) -> "dd.DataFrame":
    """Lazy checks of a dask DataFrame with ``lon``/``lat`` columns, or of a dask-geopandas
    GeoDataFrame of points: a dask DataFrame of :func:`columns` (then ``keep``), one output
    partition per input partition, on the input's index. A ``radius_km`` column, when there
    is one, gives each point's radius; else ``radius_km`` applies to all.
    Compute it, or write it with ``.to_parquet``, to stream data larger than memory."""
    import dask

    spec = Spec.make(reference)
    geometric = "geometry" in ddf.columns and not {"lon", "lat"} <= set(ddf.columns)
    if geometric:
        crs = getattr(ddf, "crs", None)
        if crs is not None and not crs.equals("EPSG:4326"):
            ddf = ddf.to_crs(4326)
    radius: str | float = "radius_km" if "radius_km" in ddf.columns else float(radius_km)
    keep = list(keep)
    with dask.config.set(_DASK_CONFIG):
        return ddf.map_partitions(
            check_partition, spec, None if geometric else "lon", None if geometric else "lat", radius, keep,
            meta=_meta(ddf._meta.index, spec.keys, {c: ddf._meta[c].dtype for c in keep}),
            align_dataframes=False,
        )


def _compute(obj, scheduler):
    import dask

    with dask.config.set(_DASK_CONFIG):
        return obj.compute(scheduler=scheduler or "threads")


def check_points(lon: Any, lat: Any, *, reference: "Reference | Sequence[LineCheck]", radius_km: Any = 0.0,
                 engine: str = "memory", npartitions: int | None = None, scheduler: Any = None) -> pd.DataFrame:
    """Country, side, distance and nearest border point of each lon/lat.

    Parameters
    ----------
    lon, lat
        Degrees (WGS84), array-likes of one length; a pandas Series' index becomes the output's.
    reference
        A :class:`geo.reference.Reference` or its list of :class:`geo.sides.LineCheck` (the used
        line first), as for :func:`geo.checks.against_border`.
    radius_km
        Location radius of each point (array-like) or of all (number); with the line's local
        tolerance it makes ``uncertainty_km``.
    engine
        "memory" (pandas, all cores already) or "dask" (partitions, see the module docstring).
    npartitions
        dask only: number of partitions (default: the number of CPUs).
    scheduler
        dask only: "threads" (default), "processes", "synchronous" or a ``distributed.Client``.

    Returns
    -------
    pandas.DataFrame
        Columns :func:`columns`, computed as ``against_border`` computes them; the same
        values from either engine, for any ``npartitions`` and scheduler.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    index = lon.index if isinstance(lon, pd.Series) else pd.RangeIndex(len(np.asarray(lon)))
    frame = pd.DataFrame({
        "lon": np.asarray(lon, dtype=float).ravel(),
        "lat": np.asarray(lat, dtype=float).ravel(),
        "radius_km": np.broadcast_to(np.asarray(radius_km, dtype=float), (len(index),)).copy(),
    }, index=index)
    if engine == "memory":
        return check_partition(frame, Spec.make(reference), radius="radius_km")
    import dask.dataframe as dd

    import dask

    nparts = max(1, min(int(npartitions or os.cpu_count() or 1), max(len(frame), 1)))
    with dask.config.set(_DASK_CONFIG):
        parts = dd.from_pandas(frame, npartitions=nparts, sort=False)
    with_dask = check_frame(parts, reference=reference)
    if _in_process(scheduler):
        _ensure_index(Spec.make(reference))  # once here, rather than raced by the first partitions' threads
    return _compute(with_dask, scheduler)


def _in_process(scheduler: Any) -> bool:
    return scheduler is None or (isinstance(scheduler, str) and scheduler in ("threads", "threading", "sync", "synchronous", "single-threaded"))


def read_points(path: str | os.PathLike, *, keep: Sequence[str] = (), split_row_groups: Any = "infer") -> "dd.DataFrame":
    """A partitioned (Geo)Parquet dataset of points as a lazy dask (Geo)DataFrame holding only
    the columns the checks need (``lon``/``lat`` or ``geometry``, ``radius_km`` if present)
    plus ``keep``. See "Parquet layout" in the module docstring."""
    import pyarrow.dataset as pads

    schema = pads.dataset(os.fspath(path), format="parquet").schema
    names = set(schema.names)
    extra = (["radius_km"] if "radius_km" in names else []) + [c for c in keep if c != "radius_km"]
    if {"lon", "lat"} <= names:
        import dask.dataframe as dd

        return dd.read_parquet(os.fspath(path), columns=["lon", "lat", *extra], split_row_groups=split_row_groups)
    if b"geo" in (schema.metadata or {}):
        import dask_geopandas

        geo_col = json.loads(schema.metadata[b"geo"]).get("primary_column", "geometry")
        gdf = dask_geopandas.read_parquet(os.fspath(path), columns=[geo_col, *extra], split_row_groups=split_row_groups)
        return gdf.rename_geometry("geometry") if geo_col != "geometry" else gdf
    raise ValueError(f"{path}: needs lon and lat columns or a GeoParquet point geometry column")


def check_parquet(path: str | os.PathLike, *, reference: "Reference | Sequence[LineCheck]", radius_km: float = 0.0, keep: Sequence[str] = (), out: str | os.PathLike | None = None,
                  scheduler: Any = None, split_row_groups: Any = "infer") -> pd.DataFrame | str:
    """The checks over a partitioned (Geo)Parquet dataset on disk, with dask.

    Without ``out`` the result is computed into one pandas DataFrame (it must fit in memory,
    the input need not). With ``out`` (a directory) it is written as Parquet partition by
    partition, so neither input nor output is ever held in memory whole; ``out`` is returned.
    """
    ddf = read_points(path, keep=keep, split_row_groups=split_row_groups)
    result = check_frame(ddf, reference=reference, radius_km=radius_km, keep=keep)
    if _in_process(scheduler):
        _ensure_index(Spec.make(reference))
    if out is None:
        return _compute(result, scheduler)
    import dask

    with dask.config.set(_DASK_CONFIG):
        # Object columns cannot be typed from dask's meta: write them as strings (None -> null).
        strings = [c for c, t in columns(Spec.make(reference).keys).items() if t == "object"]
        result = result.astype({c: "string" for c in strings})
        result.to_parquet(os.fspath(out), compute=True, compute_kwargs={"scheduler": scheduler or "threads"})
    return os.fspath(out)
