"""GeoJSON (RFC 7946) of one layer, made a column at a time by Arrow kernels and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.columns import round_floats
from geo.export import _arrowtext as at
from geo.export.tables import COORD_DECIMALS

#: GeoJSON type names of the shapely geometry type ids written (``shapely.get_type_id``).
_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}
#: Type id of the parts of each multi-part type id.
_PART_TYPE = {4: 0, 5: 1, 6: 3}
#: What follows the features: as GDAL's RFC 7946 writer ends a collection at this precision (keys sorted).
_TAIL = f'],"type":"FeatureCollection","xy_coordinate_resolution":{orjson.dumps(10.0**-COORD_DECIMALS).decode()}}}\n'


def layer_columns(frame: pd.DataFrame) -> dict[str, at.Column]:
    """Every column but the geometry (the active geometry column, or one named "geometry") as a :class:`geo.export._arrowtext.Column`,
    converted once for all the text writers (:func:`geo.export._arrowtext.column`, which raises on
    values no writer can format)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else "geometry"
    return {name: at.column(frame[name]) for name in frame.columns if name != geometry}


def _xy_texts(coords: np.ndarray) -> pa.Array:
    """``[x,y]`` (or ``[x,y,z]``) of each coordinate row, rounded to :data:`COORD_DECIMALS` places as GDAL rounds them."""
    parts = [at.lit("[")]
    for i in range(coords.shape[1]):
        parts += [at.lit(",")] if i else []
        parts.append(at.json_numbers(round_floats(coords[:, i], COORD_DECIMALS)))
    return at.join_columns([*parts, at.lit("]")])


def _nest(items: pa.Array, index: np.ndarray, n: int) -> pa.Array:
    """``[item,item,...]`` per owner: ``items`` in order, ``index`` the owner (0..n-1) of each."""
    counts = np.bincount(index, minlength=n) if len(index) else np.zeros(n, dtype=np.int64)
    return at.join_columns([at.lit("["), at.join_lists(items, counts, ","), at.lit("]")])


def _lines(geoms: np.ndarray, z: bool) -> pa.Array:
    """The coordinate arrays of linestrings or rings."""
    coords, index = shapely.get_coordinates(geoms, include_z=z, return_index=True)
    return _nest(_xy_texts(coords), index, len(geoms))


def _polygons(geoms: np.ndarray, z: bool) -> pa.Array:
    """The ring arrays of polygons, exterior counter-clockwise and holes clockwise (RFC 7946)."""
    rings, index = shapely.get_rings(shapely.orient_polygons(geoms), return_index=True)
    return _nest(_lines(rings, z), index, len(geoms))


def _coordinates(geoms: np.ndarray, type_id: int, z: bool) -> pa.Array:
    """The ``coordinates`` member of geometries all of one type, all 2D or all 3D (``z``)."""
    if type_id == 0:
        return _xy_texts(shapely.get_coordinates(geoms, include_z=z))
    if type_id == 1:
        return _lines(geoms, z)
    if type_id == 3:
        return _polygons(geoms, z)
    parts, index = shapely.get_parts(geoms, return_index=True)
    return _nest(_coordinates(parts, _PART_TYPE[type_id], z), index, len(geoms))


def geometry_texts(geoms: np.ndarray) -> pa.Array:
    """Each geometry as the GeoJSON object GDAL's RFC 7946 writer makes of it, keys sorted
    (``null`` for a missing one); coordinates rounded to :data:`COORD_DECIMALS` places.

    Raises
    ------
    ValueError
        For geometries GeoJSON's writer would change: empty ones, collections, linear rings.
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    present = types >= 0
    bad = present & (shapely.is_empty(geoms) | ~np.isin(types, list(_TYPE_NAMES)))
    if bad.any():
        raise ValueError(f"geometry {shapely.to_wkt(geoms[bad][0], trim=True)[:60]!r} of row {np.flatnonzero(bad)[0]}: "
                         "only non-empty points, lines and polygons (and their multi-parts) are exported")
    has_z = shapely.has_z(geoms)
    text = pa.nulls(len(geoms), at.TEXT)
    for type_id, z in sorted({(t, bool(h)) for t, h in zip(types[present].tolist(), has_z[present].tolist())}):
        rows = (types == type_id) & (has_z == z)
        one = at.join_columns([at.lit('{"coordinates":'), _coordinates(geoms[rows], type_id, z),
                               at.lit(f',"type":"{_TYPE_NAMES[type_id]}"}}')])
        text = pc.replace_with_mask(text, pa.array(rows), one)
    return pc.fill_null(text, at.lit("null"))


def _feature_batches(frame: gpd.GeoDataFrame, columns: dict[str, at.Column]) -> Iterator[pa.Array]:
    """The features of a layer as ``orjson.dumps(feature, option=OPT_SORT_KEYS)`` would write GDAL's,
    each preceded by a comma, in slices of :data:`geo.export._arrowtext.BATCH_ROWS`."""
    values = {name: at.json_values(col) for name, col in columns.items()}
    keys = sorted(values)  # orjson's OPT_SORT_KEYS order
    geoms = np.asarray(frame.geometry.values, dtype=object)
    for start, n in at.batches(len(frame)):
        parts = [at.lit(',{"geometry":'), geometry_texts(geoms[start:start + n]), at.lit(',"properties":{')]
        for i, key in enumerate(keys):
            parts += [at.lit(("," if i else "") + orjson.dumps(str(key)).decode() + ":"), values[key](start, n)]
        parts.append(at.lit('},"type":"Feature"}'))
        yield at.join_columns(parts)


def write_geojson(frame: gpd.GeoDataFrame, path: Path, *, columns: dict[str, at.Column] | None = None) -> None:
    """RFC 7946 GeoJSON: WGS84 lon/lat, no ``crs`` member, right-hand polygons, fixed precision.

    The bytes are those of GDAL's RFC 7946 writer (pyogrio) read back and written by
    ``orjson.dumps(..., OPT_SORT_KEYS)``, made column by column (:mod:`geo.export._arrowtext`):
    at a million sites GDAL's writer and re-reading its output take a minute. Geometries that
    cross the antimeridian are written as they are (GDAL would split them).
    ``columns`` are the frame's :func:`layer_columns` if already made.
    """
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        raise ValueError(f"{path}: GeoJSON is written in EPSG:4326 (lon/lat); the layer is in {frame.crs.to_string()}")
    if columns is None:
        columns = layer_columns(frame)
    with open(path, "wb") as f:
        f.write(b'{"features":[')
        for i, batch in enumerate(_feature_batches(frame, columns)):
            if len(frame):
                f.write(at.text_bytes(batch)[0 if i else 1:])  # no comma before the first feature
        f.write(_TAIL.encode())
