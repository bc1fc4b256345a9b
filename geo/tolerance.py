"""Tolerances of reference lines, measured against each other, and where their sources disagree.

Method (see also ``report.md``):

* The finest line (most vertices per km) gets a stated figure, :data:`FINEST_TOLERANCE_KM`.
* A coarser line's tolerance is measured: the distance from every vertex of the finest line to
  it, at the :data:`PERCENTILE` th percentile, rounded up to 0.1 km.
* Along each line the tolerance varies: at each vertex it is the larger of the finest line's
  stated figure and the distance from that vertex to the nearest other line. Where the sources
  agree the band is narrow and sides are decided; where they part, it widens to cover both.
* The area between the lines, where their country polygons put a point in different
  countries, is the "where the sources disagree" layer.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.nearest import border_index

#: Stated positional tolerance of the finest (OpenStreetMap) line, km. No accuracy figure is
#: published for the MAPS.ME border files or for OSM country boundaries; OSM features traced
#: from imagery are typically within metres to tens of metres of their true position (Haklay
#: 2010, "How good is volunteered geographical information?", Environment and Planning B 37(4):
#: about 6 m on average for roads, against Ordnance Survey). 0.1 km is about twice the median
#: vertex spacing of the AF-PK line (53 m): what the line can resolve, not a survey accuracy.
FINEST_TOLERANCE_KM = 0.1
#: Percentile of the finest line's vertex distances that a coarser line's tolerance covers.
PERCENTILE = 95.0
#: The disagreement layer is kept within this many km of the used line (plus the largest offset).
DISAGREEMENT_MARGIN_KM = 1.0


def vertex_distances_km(line: shapely.Geometry, to: shapely.Geometry) -> np.ndarray:
    """Geodesic distance (km) from every vertex of ``line`` to the nearest point of ``to``."""
    xy = shapely.get_coordinates(line)
    return border_index(to).nearest(xy[:, 0], xy[:, 1])[2]


def measured_tolerance_km(finest: shapely.Geometry, coarse: shapely.Geometry, *, percentile: float = PERCENTILE) -> float:
    """The ``percentile`` th percentile of the finest line's vertex distances to ``coarse``, rounded up to 0.1 km.

    Examples
    --------
    >>> import shapely
    >>> a = shapely.LineString([(60.0, 30.0), (60.0, 31.0)])  # two meridians 0.01 degree apart:
    >>> b = shapely.LineString([(60.01, 30.0), (60.01, 31.0)])  # 0.965 km at 30 N, 0.955 km at 31 N
    >>> measured_tolerance_km(shapely.segmentize(a, 0.01), b)
    1.0
    """
    d = vertex_distances_km(finest, coarse)
    return math.ceil(float(np.percentile(d, percentile)) * 10.0 - 1e-9) / 10.0


def offsets_km(finest: shapely.Geometry, coarse: shapely.Geometry) -> dict[str, float]:
    """Median, 90th, 99th percentile and largest distance of the finest line's vertices to ``coarse``."""
    d = vertex_distances_km(finest, coarse)
    return {"offset_median_km": round(float(np.median(d)), 2), "offset_p90_km": round(float(np.percentile(d, 90)), 2),
            "offset_p99_km": round(float(np.percentile(d, 99)), 2), "offset_max_km": round(float(d.max()), 2)}


def tolerance_profile(line: shapely.Geometry, others: list[shapely.Geometry], base_km: float) -> np.ndarray:
    """Tolerance (km) at each vertex of ``border_index(line).lonlat``: the larger of ``base_km``
    and the distance from the vertex to the nearest of ``others`` (``base_km`` alone without others)."""
    xy = border_index(line).lonlat
    tol = np.full(len(xy), float(base_km))
    for other in others:
        d = border_index(other).nearest(xy[:, 0], xy[:, 1])[2]
        tol = np.maximum(tol, np.round(d, 3))
    return tol


def _label(code: str | None, names: dict[str, str]) -> str:
    return names.get(code, code) if code is not None else "neither country"


def disagreement(polygons: list[tuple[str, gpd.GeoDataFrame]], near: shapely.Geometry, width_km: float,
                 names: dict[str, str]) -> gpd.GeoDataFrame:
    """Areas within ``width_km`` of the line ``near`` where two sources' polygons give different countries.

    Parameters
    ----------
    polygons
        ``(label, countries)`` per source, the countries of the theatre (``iso_a2``, geometry).
    near
        The line used for sides: the areas are cut to a band around it.
    width_km
        Half-width of that band.
    names
        Country names by ISO code, for the descriptions.

    Returns
    -------
    geopandas.GeoDataFrame
        ``description`` ("Afghanistan by OpenStreetMap, Pakistan by Natural Earth 1:10m") and
        polygon geometry, one row per pair of answers that occurs.
    """
    empty = gpd.GeoDataFrame({"description": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    if len(polygons) < 2:
        return empty
    # Degrees of latitude; longitude degrees are shorter, so the band is at least width_km wide.
    # The line simplified to 0.01 degree (about 1 km, added to the width) keeps the buffer fast.
    band = shapely.buffer(shapely.simplify(near, 0.01), width_km / 111.0 * 1.5 + 0.01, quad_segs=2)
    rows = []
    (la, a), (lb, b) = polygons[0], polygons[1]
    ga = dict(zip(a["iso_a2"], a.geometry.values))
    gb = dict(zip(b["iso_a2"], b.geometry.values))
    any_a, any_b = shapely.union_all(list(ga.values())), shapely.union_all(list(gb.values()))
    codes = list(ga)
    for ca in codes + [None]:
        for cb in codes + [None]:
            if ca == cb:
                continue
            pa = ga[ca] if ca is not None else shapely.difference(band, any_a)
            pb = gb[cb] if cb is not None else shapely.difference(band, any_b)
            area = shapely.intersection(shapely.intersection(pa, pb), band)
            area = shapely.union_all([p for p in shapely.get_parts(area) if shapely.get_dimensions(p) == 2])
            if area.is_empty:
                continue
            rows.append({"description": f"{_label(ca, names)} by {la}, {_label(cb, names)} by {lb}", "geometry": area})
    if not rows:
        return empty
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
