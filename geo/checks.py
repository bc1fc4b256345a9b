"""Checks of sites against the border: side, geodesic distance, uncertainty, agreement with the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.columns import per_value
from geo.gazetteer import normalise
from geo.sides import LineCheck, check_lines, country_at, nearest_on_border

if TYPE_CHECKING:  # pragma: no cover
    from geo.reference import Reference

__all__ = ["Flag", "against_border", "border_frame", "country_at", "nearest_on_border", "flag_lists", "flatten_flags"]
#: Precisions that name an area rather than a point.
AREA_PRECISIONS = ("near", "district", "province", "country")
#: What flags call each reference line (keys of ``side_by_reference``).
LINE_NAMES = {"osm": "OpenStreetMap", "ne10m": "Natural Earth 1:10m", "user": "the theatre's line"}


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


def against_border(sites: pd.DataFrame, reference: "Reference | list[LineCheck]", *, engine: str = "memory") -> pd.DataFrame:
    """Side, distance and consistency checks for every located site, against every reference line.

    Parameters
    ----------
    sites
        Rows with ``lon``, ``lat``, ``radius_km`` and the report's ``reported_country`` and
        ``reported_admin1``; ``admin1`` is the geocoded province when known.
    reference
        A :class:`geo.reference.Reference` (its ``checks``) or the list of
        :class:`geo.sides.LineCheck` itself; the first line is the one used.
    engine
        "memory" (default) or "dask": the geometry runs on dask partitions
        (:func:`geo.engine.check_points`, threads scheduler); flags are the same either way.

    Returns
    -------
    pandas.DataFrame
        Same index, columns ``country``, ``side``, ``distance_km``, ``near_lon``, ``near_lat``,
        ``tolerance_km`` (the used line's, where the site is nearest to it), ``uncertainty_km``
        (that plus the location radius), ``side_by_reference`` (``{line key: side}``) and
        ``flags`` (list of :class:`Flag`). The side rule is :mod:`geo.sides`': a country code,
        "uncertain" (within the uncertainty, or the lines' sources disagree) or "outside"
        (beyond it, in neither country; ``country`` then names the country it is in).
    """
    lines = list(reference.checks) if hasattr(reference, "checks") else list(reference)
    lon = sites["lon"].to_numpy(dtype=float)
    lat = sites["lat"].to_numpy(dtype=float)
    radius = sites["radius_km"].to_numpy(dtype=float)
    if engine == "dask":
        from geo.engine import check_points

        res = check_points(lon, lat, reference=lines, radius_km=radius, engine="dask")
        got = {c: res[c].to_numpy() for c in ("country", "side", "distance_km", "near_lon", "near_lat", "tolerance_km", "uncertainty_km")}
        got["countries"] = [res[f"country_{ln.key}"].to_numpy(dtype=object) for ln in lines]
        got["sides"] = [res[f"side_{ln.key}"].to_numpy(dtype=object) for ln in lines]
        got["distances_km"] = [res[f"distance_km_{ln.key}"].to_numpy(dtype=float) for ln in lines]
        got["disagree"] = res["sources_disagree"].to_numpy(dtype=bool)
    elif engine == "memory":
        got = check_lines(lon, lat, radius, lines)
    else:
        raise ValueError(f"engine must be 'memory' or 'dask', not {engine!r}")
    keys = [ln.key for ln in lines]
    by_ref = [dict(zip(keys, row)) for row in zip(*got["sides"])]
    disagree = [(LINE_NAMES.get(k, k), c, d) for k, c, d in zip(keys, got["countries"], got["distances_km"])] if len(lines) > 1 else None
    flags = flag_lists(sites, country=got["country"], side=got["side"], distance_km=got["distance_km"], uncertainty_km=got["uncertainty_km"],
                       tolerance_km=got["tolerance_km"], disagree=got["disagree"], by_reference=disagree)
    idx = sites.index
    return pd.DataFrame({
        "country": pd.Series(got["country"], index=idx, dtype=object), "side": pd.Series(got["side"], index=idx, dtype=object),
        "distance_km": got["distance_km"], "near_lon": got["near_lon"], "near_lat": got["near_lat"],
        "tolerance_km": got["tolerance_km"], "uncertainty_km": got["uncertainty_km"],
        "side_by_reference": pd.Series(by_ref, index=idx, dtype=object), "flags": pd.Series(flags, index=idx, dtype=object),
    }, index=idx)


# ------------------------------------------------------------------------------------------------
# flags: the wording (one function per message) and the rules, vectorised over all sites


def _text_outside(name, country, distance_km) -> str:
    where = f"lies in {country}, " if isinstance(country, str) else "lies "
    return f"{name} {where}in neither country of this border ({distance_km:,.1f} km from the line)."


def _text_between(name, country, distance_km, uncertainty_km) -> str:
    where = f"in {country}" if isinstance(country, str) else "at sea or in no country"
    return (f"{name} is in neither country of this border by the polygons of the line in use ({where}), but only "
            f"{distance_km:,.1f} km from the line, within its {uncertainty_km:,.1f} km uncertainty (a tripoint, a crossing "
            f"on the line or a sliver between polygons): it is not counted as outside.")


def _text_disagree(name, answers) -> str:
    said = "; ".join(f"{line}: {country or 'neither country'} ({km:,.1f} km from its line)" for line, country, km in answers)
    return f"The reference lines' sources disagree on where {name} is ({said}): no side is given."


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


def _object_column(values, n: int) -> np.ndarray:
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


def flag_lists(sites, *, country, side, distance_km, uncertainty_km, tolerance_km, disagree=None, by_reference=None,
               in_neither=None) -> list[list[Flag]]:
    """Explain what the checks found for every site, as lists of :class:`Flag` (one list per row).

    ``sites`` is a DataFrame (or a mapping of column name to values) with ``name``, ``radius_km``
    and, when known, ``precision``, ``reported_country``, ``reported_admin1``, ``admin1``,
    ``country_geocoded`` and ``claimed_by`` ("|"-separated other claimants of a disputed place);
    the other arguments are arrays with one value per row (``tolerance_km`` may be one number
    for all). ``disagree`` marks the sites whose lines' sources disagree, ``by_reference`` gives
    each line's ``(name, countries, distances_km)`` for their message, and ``in_neither`` the
    sites in neither country by the line in use (default: ``country`` is None). Each rule is a
    mask over all rows; a message is written only for the rows that carry its flag.
    """
    n = len(np.asarray(distance_km))
    col = lambda key: _object_column(sites[key] if key in sites else None, n)  # noqa: E731
    name = col("name")
    precision, radius_col = col("precision"), col("radius_km")
    reported, rep_adm, adm, geocoded = col("reported_country"), col("reported_admin1"), col("admin1"), col("country_geocoded")
    country = _object_column(country, n)
    side = _object_column(side, n)
    dist = np.asarray(distance_km, dtype=float)
    unc = np.asarray(uncertainty_km, dtype=float)
    tol = np.round(np.broadcast_to(np.asarray(tolerance_km, dtype=float), (n,)), 1)
    radius = unc - np.asarray(tolerance_km, dtype=float)
    disagree = np.zeros(n, dtype=bool) if disagree is None else np.asarray(disagree, dtype=bool)
    neither = np.equal(country, None) if in_neither is None else np.asarray(in_neither, dtype=bool)

    is_area = per_value(precision, lambda p: p in AREA_PRECISIONS).astype(bool)
    is_near = per_value(precision, lambda p: p == "near").astype(bool)
    uncertain = side == "uncertain"
    near = uncertain & (dist <= unc)
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

    answers = _answers(disagree, by_reference or [])
    rules = [  # (mask, code, wording, columns): in the order the flags are listed for a site
        (side == "outside", "outside_theatre", _text_outside, (name, country, dist)),
        (disagree, "sources_disagree", _text_disagree, (name, answers)),
        (near & neither, "between_countries", _text_between, (name, country, dist, unc)),
        (near & is_area, "near_border", _text_near_border_area, (name, precision, radius, dist)),
        (near & ~is_area, "near_border", _text_near_border, (name, dist, unc, tol.astype(object), radius)),
        (is_near, "area_location", _text_area_near, (name, radius_col)),
        (is_area & ~is_near, "area_location", _text_area, (name, precision, radius_col)),
        (differs & uncertain, "reported_country_uncertain", _text_country_uncertain, (name, reported, country, dist, unc)),
        (differs & ~uncertain, "reported_country_mismatch", _text_country_mismatch, (name, reported, country, dist, unc)),
        (adm_ok, "reported_admin1_mismatch", _text_admin1_mismatch, (name, rep_adm, adm, geocoded)),
    ]
    return _written(rules, n)


def _answers(disagree: np.ndarray, by_reference) -> np.ndarray:
    """Each disagreeing site's ``[(line name, country, distance_km), ...]``; None elsewhere."""
    out = np.empty(len(disagree), dtype=object)
    for i in np.flatnonzero(disagree).tolist():
        out[i] = [(line, cs[i], float(ds[i])) for line, cs, ds in by_reference]
    return out


def _written(rules, n: int) -> list[list[Flag]]:
    """The flags of each row: for each rule ``(mask, code, wording, columns)``, in order, a
    :class:`Flag` with the wording applied to that row's values, for the rows in its mask."""
    out: list[list[Flag]] = [[] for _ in range(n)]
    for mask, code, text, columns in rules:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        for i, args in zip(idx.tolist(), zip(*(c[idx].tolist() for c in columns))):
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
