"""Side of the border for many points: country polygons, nearest border point and the one side rule.

Both :func:`geo.checks.against_border` (in memory) and :mod:`geo.engine` (dask partitions) call
:func:`check_lines`; nothing here depends on either of them.

The rule, for each reference line (:class:`LineCheck`): a point closer to the line than its
uncertainty (location radius plus the line's local tolerance) is "uncertain"; beyond it, the
point is on the side of the country polygon it falls in, or "outside" when it falls in neither.
Across lines: when the lines' polygons put the point in different countries (or one in a
country and another in neither), the sources disagree and the side is "uncertain", whatever the
line in use says; otherwise the line in use (the first) decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo.natural_earth import world_country_at
from geo.nearest import border_index, parallel_chunks

UNCERTAIN = "uncertain"
OUTSIDE = "outside"


@dataclass(frozen=True)
class LineCheck:
    """One reference line as the checks need it.

    Attributes
    ----------
    key
        Short name of the line ("osm", "ne10m", "user"), the key of ``side_by_reference``.
    border
        The line in lon/lat.
    countries
        The two countries' polygons from the same source (``iso_a2``, geometry), EPSG:4326.
    tolerance_km
        Positional tolerance at each vertex of ``border_index(border).lonlat`` (one value per
        vertex), or a single value for the whole line.
    """

    key: str
    border: shapely.Geometry
    countries: gpd.GeoDataFrame
    tolerance_km: np.ndarray

    def local_tolerance_km(self, vertex: np.ndarray) -> np.ndarray:
        """Tolerance at nearest points on the segments starting at ``vertex``: the larger of the
        segment's two end values; the line's largest value where ``vertex`` is -1 (no point)."""
        tol = np.asarray(self.tolerance_km, dtype=float).ravel()
        if tol.size == 1:
            return np.full(len(vertex), float(tol[0]))
        v = np.clip(vertex, 0, len(tol) - 1)
        w = np.clip(vertex + 1, 0, len(tol) - 1)
        return np.where(vertex >= 0, np.maximum(tol[v], tol[w]), float(tol.max()))


def nearest_on_border(lon: np.ndarray, lat: np.ndarray, border: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest border point and geodesic distance (km) for each lon/lat.

    The nearest point is found on the border densified along geodesics to 5 km segments, in
    Earth-centred coordinates, by a certified grid lookup or a KD-tree search
    (:mod:`geo.nearest`, one index per border); the distance to it is then measured on the
    WGS84 ellipsoid with ``pyproj.Geod.inv``. The distance found exceeds the true one by at
    most 10 m + 0.05 % of the distance (proven per point).

    Returns
    -------
    tuple of arrays
        ``near_lon``, ``near_lat``, ``distance_km``.
    """
    return border_index(border).nearest(lon, lat)


def country_at(lon: np.ndarray, lat: np.ndarray, countries: gpd.GeoDataFrame) -> np.ndarray:
    """ISO alpha-2 code of the polygon each point falls in, None outside all of them.

    Prepared polygons and vectorised ``shapely.contains_xy``, on chunks run in threads
    (shapely releases the GIL); the first polygon that contains a point wins. Each chunk
    prepares its own copy of the polygons: GEOS builds a prepared geometry's index lazily, on
    first use, and two threads doing so at once corrupt the heap (libgeos/geos#825)."""
    lon = np.ascontiguousarray(lon, dtype=float).ravel()
    lat = np.ascontiguousarray(lat, dtype=float).ravel()
    wkbs = shapely.to_wkb(np.asarray(countries.geometry.values, dtype=object))

    def which(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        geoms = shapely.from_wkb(wkbs)
        shapely.prepare(geoms)
        idx = np.full(len(x), -1, dtype=np.int64)
        for i, geom in enumerate(geoms):
            free = idx < 0
            idx[np.flatnonzero(free)[shapely.contains_xy(geom, x[free], y[free])]] = i
        return idx

    idx = np.concatenate(parallel_chunks(which, len(lon), lon, lat)) if len(lon) else np.array([], dtype=np.int64)
    codes = np.array(list(countries["iso_a2"]) + [None], dtype=object)
    return codes[idx]


def side_rule(country: np.ndarray, distance_km: np.ndarray, uncertainty_km: np.ndarray) -> np.ndarray:
    """The side of each point against one line: "uncertain" within ``uncertainty_km`` of it, else
    its country code, or "outside" when it is in neither country (NaN distance: "outside")."""
    country = np.asarray(country, dtype=object)
    near = np.asarray(distance_km, dtype=float) <= np.asarray(uncertainty_km, dtype=float)
    return np.where(near, UNCERTAIN, np.where(np.equal(country, None), OUTSIDE, country)).astype(object)


def sources_disagree(countries: list[np.ndarray]) -> np.ndarray:
    """True where the lines' polygons give different answers (a country, another, or neither)."""
    first = np.asarray(countries[0], dtype=object)
    out = np.zeros(len(first), dtype=bool)
    for other in countries[1:]:
        out |= np.asarray(other, dtype=object) != first
    return out


def check_lines(lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray, lines: list[LineCheck]) -> dict[str, object]:
    """Side, distance and uncertainty of each point against every line; the first line is used.

    Returns
    -------
    dict
        ``country`` (used line's polygons; for a point in neither country, the Natural Earth
        country it is in, None at sea), ``side`` (the combined answer), ``distance_km``,
        ``near_lon``, ``near_lat``, ``tolerance_km`` (local, used line), ``uncertainty_km``,
        ``disagree`` (bool), and per line (lists in the order of ``lines``) ``countries``,
        ``sides`` and ``distances_km``.
    """
    if not lines:
        raise ValueError("at least one reference line is needed")
    lon = np.ascontiguousarray(lon, dtype=float).ravel()
    lat = np.ascontiguousarray(lat, dtype=float).ravel()
    radius = np.broadcast_to(np.asarray(radius_km, dtype=float), lon.shape)
    per = []
    for line in lines:
        nlon, nlat, dist, vertex, _ = border_index(line.border).query(lon, lat)
        tol = line.local_tolerance_km(vertex)
        country = country_at(lon, lat, line.countries)
        per.append((nlon, nlat, dist, tol, country, side_rule(country, dist, radius + tol)))
    nlon, nlat, dist, tol, country, side = per[0]
    countries = [p[4] for p in per]
    disagree = sources_disagree(countries) if len(per) > 1 else np.zeros(len(lon), dtype=bool)
    elsewhere = np.flatnonzero(np.equal(country, None) & np.isfinite(lon) & np.isfinite(lat))
    if len(elsewhere):
        # In neither country of the theatre: name the one it is in (Natural Earth), None at sea.
        country = country.copy()
        country[elsewhere] = world_country_at(lon[elsewhere], lat[elsewhere])
    return {
        "country": country, "side": np.where(disagree, UNCERTAIN, side).astype(object), "distance_km": dist,
        "near_lon": nlon, "near_lat": nlat, "tolerance_km": tol, "uncertainty_km": radius + tol, "disagree": disagree,
        "countries": countries, "sides": [p[5] for p in per], "distances_km": [p[2] for p in per],
    }
