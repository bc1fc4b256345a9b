"""Checks of sites against the border: side, geodesic distance, uncertainty, agreement with the report."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.columns import per_value
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


def against_border(sites: pd.DataFrame, *, border: shapely.Geometry, countries: gpd.GeoDataFrame, tolerance_km: float,
                   engine: str = "memory") -> pd.DataFrame:
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
    engine
        "memory" (default) or "dask": the geometry runs on dask partitions
        (:func:`geo.engine.check_points`, threads scheduler); flags are the same either way.

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
    radius = sites["radius_km"].to_numpy(dtype=float)
    unc = radius + tolerance_km
    if engine == "dask":
        from geo.engine import check_points

        res = check_points(lon, lat, border=border, countries=countries, tolerance_km=tolerance_km, radius_km=radius, engine="dask")
        nlon, nlat, dist = res["near_lon"].to_numpy(float), res["near_lat"].to_numpy(float), res["distance_km"].to_numpy(float)
        country = res["country"].to_numpy(dtype=object)
    elif engine == "memory":
        nlon, nlat, dist = nearest_on_border(lon, lat, border)
        country = country_at(lon, lat, countries)
    else:
        raise ValueError(f"engine must be 'memory' or 'dask', not {engine!r}")
    side = np.where(country == None, "outside", np.where(dist <= unc, "uncertain", country))  # noqa: E711
    flags = flag_lists(sites, country=country, side=side, distance_km=dist, uncertainty_km=unc, tolerance_km=tolerance_km)
    return pd.DataFrame({
        "country": pd.Series(country, index=sites.index, dtype=object), "side": pd.Series(side, index=sites.index, dtype=object), "distance_km": dist, "near_lon": nlon, "near_lat": nlat,
        "uncertainty_km": unc, "flags": pd.Series(flags, index=sites.index, dtype=object),
    }, index=sites.index)


# ------------------------------------------------------------------------------------------------
# flags: the wording (one function per message) and the rules, vectorised over all sites


def _text_outside(name, distance_km) -> str:
    return f"{name} lies in neither country of this border ({distance_km:,.1f} km from the line)."


def _text_near_border_area(name, precision, radius, distance_km) -> str:
    known_as = "somewhere near a known place" if precision == "near" else f"a {precision}"
    return (f"{name} is known only as {known_as} (±{radius:g} km around a point {distance_km:,.1f} km from the line): "
            f"the incident may have been anywhere up to the line, on either side, so no side is given.")


def _text_near_border(name, distance_km, uncertainty_km, tolerance_km, radius) -> str:
    return (f"{name} is {distance_km:,.1f} km from the line, within its combined uncertainty of {uncertainty_km:,.1f} km "
            f"(border ±{tolerance_km:g} km, location ±{radius:g} km): which side it is on cannot be told from this geometry.")


def _text_area_near(name, radius_km) -> str:
    return f"The report places {name} near a known place, not at it: the point is that place, with a {radius_km:g} km radius."


def _text_area(name, precision, radius_km) -> str:
    return f"The report names an area, not a point: {name} is placed at a representative point of the {precision} with a {radius_km:g} km radius."


def _text_country_uncertain(name, reported, country, distance_km, uncertainty_km) -> str:
    return (f"The report places {name} in {reported}; the located point falls in {country}, but only {distance_km:,.1f} km from the line, "
            f"within the {uncertainty_km:,.1f} km uncertainty: the report may be right about the place of the incident.")


def _text_country_mismatch(name, reported, country, distance_km, uncertainty_km) -> str:
    return (f"The report places {name} in {reported}; the located point lies in {country}, {distance_km:,.1f} km from the line "
            f"(beyond the {uncertainty_km:,.1f} km uncertainty).")


def _text_admin1_mismatch(name, rep_adm, adm, country_geocoded) -> str:
    return (f"The report places {name} in {rep_adm}; the gazetteer puts it in {adm}"
            + (f" ({country_geocoded})." if country_geocoded else "."))


def _objects(values, n: int) -> np.ndarray:
    """A column (Series, array or sequence) as a 1-D object array; all None when absent."""
    out = np.empty(n, dtype=object)
    if values is None:
        return out
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    if isinstance(values, np.ndarray) and values.ndim == 1:
        out[:] = values
    else:
        for i, v in enumerate(values):
            out[i] = v
    return out


def _nonempty_text(v) -> bool:
    return isinstance(v, str) and bool(v)


def flag_lists(sites, *, country, side, distance_km, uncertainty_km, tolerance_km: float) -> list[list[Flag]]:
    """Explain what the checks found for every site, as lists of :class:`Flag` (one list per row).

    ``sites`` is a DataFrame (or a mapping of column name to values) with ``name``, ``radius_km``
    and, when known, ``precision``, ``reported_country``, ``reported_admin1``, ``admin1``,
    ``country_geocoded`` and ``claimed_by`` ("|"-separated other claimants of a disputed place);
    the other arguments are arrays with one value per row. Each rule is a
    mask over all rows; a message is written only for the rows that carry its flag.
    """
    n = len(np.asarray(distance_km))
    col = lambda key: _objects(sites[key] if key in sites else None, n)  # noqa: E731
    name = col("name")
    precision, radius_col = col("precision"), col("radius_km")
    reported, rep_adm, adm, geocoded = col("reported_country"), col("reported_admin1"), col("admin1"), col("country_geocoded")
    country = _objects(country, n)
    side = _objects(side, n)
    dist = np.asarray(distance_km, dtype=float)
    unc = np.asarray(uncertainty_km, dtype=float)
    radius = unc - tolerance_km

    is_area = per_value(precision, lambda p: p in AREA_PRECISIONS).astype(bool)
    is_near = per_value(precision, lambda p: p == "near").astype(bool)
    uncertain = side == "uncertain"
    located = np.not_equal(country, None)
    rep_ok = per_value(reported, _nonempty_text).astype(bool)
    differs = rep_ok & located
    differs[differs] = reported[differs] != country[differs]
    # A disputed place (gazetteer claimed_by) that a report puts in either claimant's country agrees with it.
    claimed = col("claimed_by")
    disputed = np.flatnonzero(differs & per_value(claimed, _nonempty_text).astype(bool))
    for i in disputed.tolist():
        differs[i] = reported[i] not in {geocoded[i], *claimed[i].split("|")}
    adm_ok = ~is_near & per_value(rep_adm, _nonempty_text).astype(bool) & per_value(adm, _nonempty_text).astype(bool)
    if adm_ok.any():
        norm = lambda v: normalise(v) if isinstance(v, str) else None  # noqa: E731
        adm_ok[adm_ok] = per_value(rep_adm[adm_ok], norm) != per_value(adm[adm_ok], norm)

    at = lambda a, idx: a[idx].tolist()  # noqa: E731
    rules = [  # (mask, code, wording, columns): in the order the flags are listed for a site
        (~located, "outside_theatre", _text_outside, (name, dist)),
        (uncertain & is_area, "near_border", _text_near_border_area, (name, precision, radius, dist)),
        (uncertain & ~is_area, "near_border", _text_near_border, (name, dist, unc, np.full(n, tolerance_km, dtype=object), radius)),
        (is_near, "area_location", _text_area_near, (name, radius_col)),
        (is_area & ~is_near, "area_location", _text_area, (name, precision, radius_col)),
        (differs & uncertain, "reported_country_uncertain", _text_country_uncertain, (name, reported, country, dist, unc)),
        (differs & ~uncertain, "reported_country_mismatch", _text_country_mismatch, (name, reported, country, dist, unc)),
        (adm_ok, "reported_admin1_mismatch", _text_admin1_mismatch, (name, rep_adm, adm, geocoded)),
    ]
    out: list[list[Flag]] = [[] for _ in range(n)]
    for mask, code, text, columns in rules:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        for i, args in zip(idx.tolist(), zip(*(at(c, idx) for c in columns))):
            out[i].append(Flag(code, text(*args)))
    return out


def flatten_flags(flag_lists) -> tuple[np.ndarray, list[str], list[str]] | None:
    """The flags of every site in one list: how many each site has, then every flag's code and
    message, site by site; None unless every flag is a :class:`Flag` of texts."""
    lists = list(flag_lists)
    counts = np.fromiter((len(f) for f in lists), dtype=np.int64, count=len(lists))
    flat = [f for fl in lists for f in fl]
    if not all(type(f) is Flag and type(f.code) is str and type(f.message) is str for f in flat):
        return None
    return counts, [f.code for f in flat], [f.message for f in flat]


def site_flags(row: dict, *, country: str | None, side: str, distance_km: float, uncertainty_km: float, tolerance_km: float) -> list[Flag]:
    """Explain what the checks found for one site, as stable codes plus sentences (:func:`flag_lists` for one row)."""
    return flag_lists({k: [v] for k, v in row.items()}, country=[country], side=[side], distance_km=[distance_km],
                      uncertainty_km=[uncertainty_km], tolerance_km=tolerance_km)[0]
