"""Checks of sites against the border: side, geodesic distance, uncertainty, agreement with the report."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.gazetteer import normalise
from geo.nearest import border_index, parallel_chunks

GEOD = Geod(ellps="WGS84")
#: Segment length (degrees) the border is cut to before nearest-point search: about 250 m.
SEGMENT_DEG = 0.0025
#: Precisions that name an area rather than a point.
AREA_PRECISIONS = ("near", "district", "province", "country")


@dataclass(frozen=True)
class Flag:
    """A stable identifier and the sentence that explains it."""

    code: str
    message: str


def border_frame(border: shapely.Geometry) -> CRS:
    """Azimuthal equidistant CRS centred on the border: distances from its centre are true,
    and within the ~1,000 km of a border theatre its distortion is well under 1%."""
    c = shapely.centroid(shapely.envelope(border))
    return CRS.from_proj4(f"+proj=aeqd +lat_0={c.y:.6f} +lon_0={c.x:.6f} +datum=WGS84 +units=m +no_defs")


def nearest_on_border(lon: np.ndarray, lat: np.ndarray, border: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest border point and geodesic distance (km) for each lon/lat.

    The nearest point is found on the border densified along geodesics, in Earth-centred
    coordinates, by a certified grid lookup or a KD-tree search (:mod:`geo.nearest`, one
    index per border, cached); the distance to it is then measured on the WGS84 ellipsoid
    with ``pyproj.Geod.inv``. The nearest point is within a metre or so of the true one's
    distance near the line (at most 10 m + 0.05 % of the distance, proven per point).

    Returns
    -------
    tuple of arrays
        ``near_lon``, ``near_lat``, ``distance_km``.
    """
    return border_index(border).nearest(lon, lat)


def country_at(lon: np.ndarray, lat: np.ndarray, countries: gpd.GeoDataFrame) -> np.ndarray:
    """ISO alpha-2 code of the polygon each point falls in, None outside all of them.

    Prepared polygons and vectorised ``shapely.contains_xy``, on chunks run in threads
    (shapely releases the GIL); the first polygon that contains a point wins."""
    lon = np.ascontiguousarray(lon, dtype=float).ravel()
    lat = np.ascontiguousarray(lat, dtype=float).ravel()
    geoms = list(countries.geometry.values)
    for geom in geoms:
        shapely.prepare(geom)

    def which(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        idx = np.full(len(x), -1, dtype=np.int64)
        for i, geom in enumerate(geoms):
            free = idx < 0
            idx[np.flatnonzero(free)[shapely.contains_xy(geom, x[free], y[free])]] = i
        return idx

    idx = np.concatenate(parallel_chunks(which, len(lon), lon, lat)) if len(lon) else np.array([], dtype=np.int64)
    codes = np.array(list(countries["iso_a2"]) + [None], dtype=object)
    return codes[idx]


def against_border(sites: pd.DataFrame, *, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float) -> pd.DataFrame:
    """Side, distance and consistency checks for every located site.

    Parameters
    ----------
    sites
        Rows with ``lon``, ``lat``, ``radius_km`` and the report's ``reported_country`` and
        ``reported_admin1``; ``admin1`` is the geocoded province when known.
    border
        The border line in lon/lat.
    countries
        Polygons of the two countries (``iso_a2``).
    tolerance_km
        Positional tolerance of the border geometry.

    Returns
    -------
    pandas.DataFrame
        Same index, columns ``country``, ``side``, ``distance_km``, ``near_lon``, ``near_lat``,
        ``uncertainty_km`` and ``flags`` (list of :class:`Flag`).
        ``side`` is the country code when the site is farther from the line than its combined
        uncertainty (border tolerance plus location radius), "uncertain" when it is not,
        and "outside" when it lies in neither country.
    """
    lon = sites["lon"].to_numpy(dtype=float)
    lat = sites["lat"].to_numpy(dtype=float)
    nlon, nlat, dist = nearest_on_border(lon, lat, border)
    country = country_at(lon, lat, countries)
    radius = sites["radius_km"].to_numpy(dtype=float)
    unc = radius + tolerance_km
    side = np.where(country == None, "outside", np.where(dist <= unc, "uncertain", country))  # noqa: E711
    flags = [
        site_flags(row, country=c, side=s, distance_km=d, uncertainty_km=u, tolerance_km=tolerance_km)
        for row, c, s, d, u in zip(sites.to_dict("records"), country, side, dist, unc)
    ]
    return pd.DataFrame({
        "country": pd.Series(country, index=sites.index, dtype=object), "side": pd.Series(side, index=sites.index, dtype=object), "distance_km": dist, "near_lon": nlon, "near_lat": nlat,
        "uncertainty_km": unc, "flags": flags,
    }, index=sites.index)


def site_flags(row: dict, *, country: str | None, side: str, distance_km: float, uncertainty_km: float, tolerance_km: float) -> list[Flag]:
    """Explain what the checks found for one site, as stable codes plus sentences."""
    name = row["name"]
    flags: list[Flag] = []
    if country is None:
        flags.append(Flag("outside_theatre", f"{name} lies in neither country of this border ({distance_km:,.1f} km from the line)."))
    radius = uncertainty_km - tolerance_km
    precision = row.get("precision")
    known_as = ("somewhere near a known place" if precision == "near" else f"a {precision}")
    if side == "uncertain" and precision in AREA_PRECISIONS:
        flags.append(Flag(
            "near_border",
            f"{name} is known only as {known_as} (±{radius:g} km around a point {distance_km:,.1f} km from the line): "
            f"the incident may have been anywhere up to the line, on either side, so no side is given.",
        ))
    elif side == "uncertain":
        flags.append(Flag(
            "near_border",
            f"{name} is {distance_km:,.1f} km from the line, within its combined uncertainty of {uncertainty_km:,.1f} km "
            f"(border ±{tolerance_km:g} km, location ±{radius:g} km): which side it is on cannot be told from this geometry.",
        ))
    if precision == "near":
        flags.append(Flag(
            "area_location",
            f"The report places {name} near a known place, not at it: the point is that place, with a {row['radius_km']:g} km radius.",
        ))
    elif precision in AREA_PRECISIONS:
        flags.append(Flag(
            "area_location",
            f"The report names an area, not a point: {name} is placed at a representative point of the {precision} with a {row['radius_km']:g} km radius.",
        ))
    reported = row.get("reported_country")
    if isinstance(reported, str) and reported and country is not None and reported != country:
        if side == "uncertain":
            flags.append(Flag(
                "reported_country_uncertain",
                f"The report places {name} in {reported}; the located point falls in {country}, but only {distance_km:,.1f} km from the line, "
                f"within the {uncertainty_km:,.1f} km uncertainty: the report may be right about the place of the incident.",
            ))
        else:
            flags.append(Flag(
                "reported_country_mismatch",
                f"The report places {name} in {reported}; the located point lies in {country}, {distance_km:,.1f} km from the line "
                f"(beyond the {uncertainty_km:,.1f} km uncertainty).",
            ))
    rep_adm = row.get("reported_admin1")
    adm = row.get("admin1")
    # A "near X" location borrows X's province, which says little about the incident's own: no check.
    if precision != "near" and isinstance(rep_adm, str) and rep_adm and isinstance(adm, str) and adm and normalise(rep_adm) != normalise(adm):
        flags.append(Flag(
            "reported_admin1_mismatch",
            f"The report places {name} in {rep_adm}; the gazetteer puts it in {adm}"
            + (f" ({row.get('country_geocoded')})." if row.get("country_geocoded") else "."),
        ))
    return flags
