"""Border checks on many points, in memory or on dask(-geopandas) partitions.

The columns are those :func:`geo.checks.against_border` computes for a site, without the
report-dependent ``flags``: ``country``, ``side``, ``distance_km``, ``near_lon``, ``near_lat``
and ``uncertainty_km``. Both engines run the same per-partition function,
:func:`check_partition`, which calls :func:`geo.checks.nearest_on_border` and
:func:`geo.checks.country_at`: no geometry is reimplemented here.

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
to ``engine="memory"``, which does 1M points in ~2.2 s, index already built):

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
Only a :class:`Spec`: the border as WKB bytes (~10 kB for AF-PK), the country polygons as
WKB bytes with their ISO codes (~60 kB) and the tolerance. A worker decodes them once
(:func:`_border_geometry`, :func:`_countries_frame`, both ``lru_cache``-d on the bytes) and
builds the :class:`geo.nearest.BorderIndex` once per process (``geo.nearest`` caches it on the
border's WKB; :func:`_ensure_index` builds it, with its grid, under a lock so that the threads
of one worker do not build it twice). Every later partition in that process reuses it.

Determinism
-----------
``against_border`` searches with the index's certified grid from 20,000 points on
(:data:`geo.nearest.GRID_MIN_POINTS`) and with the KD-tree alone below that, and the two
searches may return nearest points that differ within the certified tolerance (10 m + 0.05 %
of the distance). So that a point's result does not depend on how the points are
partitioned, or on which worker had already built what, this module always builds and uses
the grid (about 0.6 s once per process). Its results therefore equal ``against_border``'s
exactly for 20,000 points or more (or once the grid is built in the process), and agree with
them within the certified tolerance below that.

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

from geo.checks import country_at, nearest_on_border
from geo.nearest import border_index

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd

#: Output columns, in order, with their dtypes (as ``against_border`` returns them).
COLUMNS: dict[str, str] = {
    "country": "object",
    "side": "object",
    "distance_km": "float64",
    "near_lon": "float64",
    "near_lat": "float64",
    "uncertainty_km": "float64",
}
ENGINES = ("memory", "dask")
#: dask must not turn the object columns (``country`` holds None outside both countries)
#: into pyarrow strings: the dask results must equal the in-memory ones, dtypes included.
_DASK_CONFIG = {"dataframe.convert-string": False}


@dataclass(frozen=True)
class Spec:
    """What a partition needs, small and picklable: WKB bytes, ISO codes and a tolerance."""

    border_wkb: bytes
    country_wkb: tuple[bytes, ...]
    country_codes: tuple[str | None, ...]
    tolerance_km: float

    @classmethod
    def make(cls, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float) -> "Spec":
        if countries.crs is not None and not countries.crs.equals("EPSG:4326"):
            countries = countries.to_crs(4326)
        return cls(
            border_wkb=shapely.to_wkb(border),
            country_wkb=tuple(shapely.to_wkb(g) for g in countries.geometry.values),
            country_codes=tuple(countries["iso_a2"]),
            tolerance_km=float(tolerance_km),
        )

    @property
    def nbytes(self) -> int:
        return len(self.border_wkb) + sum(len(b) for b in self.country_wkb)


@functools.lru_cache(maxsize=16)
def _border_geometry(wkb: bytes) -> shapely.Geometry:
    return shapely.from_wkb(wkb)


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


_INDEX_LOCK = threading.Lock()


def _ensure_index(border: shapely.Geometry) -> None:
    """Build the border's index and its certified grid in this process, once (see "Determinism")."""
    with _INDEX_LOCK:
        border_index(border).grid


def check_partition(part: pd.DataFrame, spec: Spec, lon: str | None = "lon", lat: str | None = "lat",
                    radius: str | float = 0.0, keep: Sequence[str] = ()) -> pd.DataFrame:
    """The checks for one partition (or for all points, in memory).

    ``part`` has ``lon``/``lat`` columns, or (``lon=None``) is a GeoDataFrame of points in
    EPSG:4326. ``radius`` is a column name or one radius (km) for every point.
    Returns :data:`COLUMNS` (then ``keep``) on ``part``'s index.
    """
    if lon is None:
        x, y = _point_xy(part.geometry.values)
    else:
        x = part[lon].to_numpy(dtype=float, na_value=np.nan)
        y = part[lat].to_numpy(dtype=float, na_value=np.nan)
    border = _border_geometry(spec.border_wkb)
    _ensure_index(border)
    nlon, nlat, dist = nearest_on_border(x, y, border)
    country = country_at(x, y, _countries_frame(spec.country_wkb, spec.country_codes))
    r = part[radius].to_numpy(dtype=float, na_value=np.nan) if isinstance(radius, str) else np.full(len(part), float(radius))
    unc = r + spec.tolerance_km
    # As in geo.checks.against_border:
    side = np.where(country == None, "outside", np.where(dist <= unc, "uncertain", country))  # noqa: E711
    out = pd.DataFrame({
        "country": pd.Series(country, index=part.index, dtype=object),
        "side": pd.Series(side, index=part.index, dtype=object),
        "distance_km": dist, "near_lon": nlon, "near_lat": nlat, "uncertainty_km": unc,
    }, index=part.index)
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


def _meta(index: pd.Index, keep_dtypes: dict[str, Any]) -> pd.DataFrame:
    cols = {c: pd.Series([], dtype=t) for c, t in COLUMNS.items()}
    cols.update({c: pd.Series([], dtype=t) for c, t in keep_dtypes.items()})
    return pd.DataFrame(cols, index=index[:0])


def check_frame(ddf: "dd.DataFrame", *, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float,
                radius_km: float = 0.0, keep: Sequence[str] = ()) -> "dd.DataFrame":
    """Lazy checks of a dask DataFrame with ``lon``/``lat`` columns, or of a dask-geopandas
    GeoDataFrame of points: a dask DataFrame of :data:`COLUMNS` (then ``keep``), one output
    partition per input partition, on the input's index. A ``radius_km`` column, when there
    is one, gives each point's radius; else ``radius_km`` applies to all.
    Compute it, or write it with ``.to_parquet``, to stream data larger than memory."""
    import dask

    spec = Spec.make(border, countries, tolerance_km)
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
            meta=_meta(ddf._meta.index, {c: ddf._meta[c].dtype for c in keep}),
            align_dataframes=False,
        )


def _compute(obj, scheduler):
    import dask

    with dask.config.set(_DASK_CONFIG):
        return obj.compute(scheduler=scheduler or "threads")


def check_points(lon: Any, lat: Any, *, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float,
                 radius_km: Any = 0.0, engine: str = "memory", npartitions: int | None = None,
                 scheduler: Any = None) -> pd.DataFrame:
    """Country, side, distance and nearest border point of each lon/lat.

    Parameters
    ----------
    lon, lat
        Degrees (WGS84), array-likes of one length; a pandas Series' index becomes the output's.
    border, countries, tolerance_km
        As for :func:`geo.checks.against_border` (``countries`` has ``iso_a2``).
    radius_km
        Location radius of each point (array-like) or of all (number); with ``tolerance_km`` it
        makes ``uncertainty_km``.
    engine
        "memory" (pandas, all cores already) or "dask" (partitions, see the module docstring).
    npartitions
        dask only: number of partitions (default: the number of CPUs).
    scheduler
        dask only: "threads" (default), "processes", "synchronous" or a ``distributed.Client``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, computed as ``against_border`` computes them; the same
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
        return check_partition(frame, Spec.make(border, countries, tolerance_km), radius="radius_km")
    import dask.dataframe as dd

    import dask

    nparts = max(1, min(int(npartitions or os.cpu_count() or 1), max(len(frame), 1)))
    with dask.config.set(_DASK_CONFIG):
        parts = dd.from_pandas(frame, npartitions=nparts, sort=False)
    with_dask = check_frame(parts, border=border, countries=countries, tolerance_km=tolerance_km)
    if _in_process(scheduler):
        _ensure_index(border)  # once here, rather than raced by the first partitions' threads
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


def check_parquet(path: str | os.PathLike, *, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float,
                  radius_km: float = 0.0, keep: Sequence[str] = (), out: str | os.PathLike | None = None,
                  scheduler: Any = None, split_row_groups: Any = "infer") -> pd.DataFrame | str:
    """The checks over a partitioned (Geo)Parquet dataset on disk, with dask.

    Without ``out`` the result is computed into one pandas DataFrame (it must fit in memory,
    the input need not). With ``out`` (a directory) it is written as Parquet partition by
    partition, so neither input nor output is ever held in memory whole; ``out`` is returned.
    """
    ddf = read_points(path, keep=keep, split_row_groups=split_row_groups)
    result = check_frame(ddf, border=border, countries=countries, tolerance_km=tolerance_km, radius_km=radius_km, keep=keep)
    if _in_process(scheduler):
        _ensure_index(border)
    if out is None:
        return _compute(result, scheduler)
    import dask

    with dask.config.set(_DASK_CONFIG):
        # Object columns cannot be typed from dask's meta: write them as strings (None -> null).
        result = result.astype({"country": "string", "side": "string"})
        result.to_parquet(os.fspath(out), compute=True, compute_kwargs={"scheduler": scheduler or "threads"})
    return os.fspath(out)
