"""Reference geometry: country polygons and the border lines between them (packaged, overridden, or derived).

For a pair of countries there are up to two reference lines: OpenStreetMap's (from the MAPS.ME
border files, :mod:`geo.osm_borders`) and Natural Earth 1:10m's (:mod:`geo.natural_earth`). The
finest is used for sides and distances unless ``theatre.toml`` names another
(``border_reference``); tolerances are measured between them (:mod:`geo.tolerance`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo import osm_borders, tolerance
from geo.errors import LayerError, Problem, UsageError
from geo.layers import Theatre
from geo.natural_earth import NE_LICENCE, NE_SCALE, NE_SOURCE, natural_earth_path, read_natural_earth, shared_border
from geo.sides import LineCheck

log = logging.getLogger(__name__)

__all__ = ["Reference", "load_reference", "reference_lines", "derive_packaged", "natural_earth_path",
           "read_natural_earth", "shared_border", "NE_SOURCE", "NE_LICENCE"]
#: Short names of the lines, the keys of each site's ``side_by_reference``.
KEY_OSM, KEY_NE, KEY_USER = "osm", "ne10m", "user"
#: What the flags and the report call each line.
LABELS = {KEY_OSM: "OpenStreetMap", KEY_NE: "Natural Earth 1:10m", KEY_USER: "the theatre's own line"}
#: Decimal places kept in packaged GeoJSON: 1e-6 degree is about 0.1 m, far below the 1:10m accuracy.
COORD_DECIMALS = 6


@dataclass(frozen=True)
class Reference:
    """Country polygons and the border line between the theatre's two countries.

    Attributes
    ----------
    countries
        GeoDataFrame (EPSG:4326) with ``iso_a2``, ``name`` and polygon geometry, one row per country.
    border
        The shared boundary as a (Multi)LineString in lon/lat.
    source
        Where the geometry comes from (shown in maps and reports).
    lines
        Every reference line for this border, one row each (the one used for sides and
        distances first): ``key`` ("osm", "ne10m" or "user"), ``source``, ``licence``, ``scale``,
        ``length_km``, ``vertices``, ``vertex_spacing_km`` (median), ``tolerance_km``, ``used``
        (bool), ``tolerance_method`` and, for a line measured against the finest,
        ``offset_median_km``, ``offset_p90_km``, ``offset_p99_km``, ``offset_max_km`` (distances
        of the finest line's vertices to it); and the line geometry.
    disagreement
        Polygons where the reference lines disagree about the side (``description`` and
        geometry); empty when there is a single line.
    checks
        What the side and distance checks use, one :class:`geo.sides.LineCheck` per row of
        ``lines`` in the same order: each line with its own source's polygons and its
        tolerance along the line.

    ``countries`` are Natural Earth's (or the theatre's own), drawn on the map; each line's own
    polygons are in ``checks``.
    """

    countries: gpd.GeoDataFrame
    border: shapely.Geometry
    source: str
    lines: gpd.GeoDataFrame
    disagreement: gpd.GeoDataFrame
    checks: tuple[LineCheck, ...] = ()


def _packaged(codes: tuple[str, str], kind: str = "") -> tuple[Path, Path] | None:
    """Packaged ``<A>-<B>[.kind].countries.geojson`` and ``.border.geojson``, when both exist."""
    stem = "-".join(sorted(codes)) + (f".{kind}" if kind else "")
    base = resources.files("geo").joinpath("data")
    c, b = base.joinpath(f"{stem}.countries.geojson"), base.joinpath(f"{stem}.border.geojson")
    if c.is_file() and b.is_file():
        return Path(str(c)), Path(str(b))
    return None


def _read_override(path: Path, what: str) -> gpd.GeoDataFrame:
    name = str(path)
    if path.suffix.lower() in (".geojson", ".json"):
        # GDAL says only "not recognized as being in a supported file format": find where the JSON breaks.
        try:
            json.loads(path.read_bytes().decode("utf-8-sig"))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError (GeoJSON is UTF-8, RFC 7946)
            line = getattr(exc, "lineno", None)
            raise LayerError(Problem(name, line, None, f"cannot read {what}: not valid JSON ({exc})")) from None
        except OSError as exc:
            raise LayerError(Problem(name, None, None, f"cannot read {what}: {exc.strerror or exc}")) from None
    try:
        df = pyogrio.read_dataframe(path)
        if df.crs is None:
            df = df.set_crs("EPSG:4326")
        elif not df.crs.equals("EPSG:4326"):
            df = df.to_crs("EPSG:4326")
    except Exception as exc:  # pyogrio and pyproj raise several error types; all mean "cannot read"
        raise LayerError(Problem(name, None, None, f"cannot read {what}: {exc}")) from None
    geoms = df.geometry.values
    present = ~shapely.is_missing(geoms)
    coords = shapely.get_coordinates(geoms[present])
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise LayerError(Problem(name, None, "geometry", f"{what}: coordinates must be finite longitude/latitude in degrees "
                                 "(lon -180..180, lat -90..90); is the file in another CRS without saying so?"))
    bad = present & ~shapely.is_valid(geoms)
    if bad.any():
        reasons = [shapely.is_valid_reason(g) for g in geoms[bad]]
        log.warning("%s: repairing %d invalid geometries (%s)", path, int(bad.sum()), "; ".join(reasons[:3]))
        df.loc[bad, "geometry"] = shapely.make_valid(geoms[bad])
    return df


@dataclass(frozen=True)
class _Line:
    """A reference line before tolerances: its source and its own countries' polygons."""

    key: str
    source: str
    licence: str
    scale: str
    border: shapely.Geometry
    countries: gpd.GeoDataFrame


def _user_countries(theatre: Theatre) -> gpd.GeoDataFrame:
    """The polygons of ``countries_file``, one (multi)polygon per code, in the theatre's order."""
    codes, cfile = theatre.countries, str(theatre.countries_file)
    df = _read_override(theatre.countries_file, "country polygons")
    col = next((c for c in df.columns if c.lower() in ("iso_a2", "iso2", "country")), None)
    if col is None:
        raise LayerError(Problem(cfile, None, "iso_a2", "country polygons need an ISO_A2 property"))
    df = df.rename(columns={col: "iso_a2"})
    if "name" not in df.columns:
        df["name"] = df["iso_a2"]
    df = df[df["iso_a2"].isin(codes)]
    # Only the polygon parts count; a country may come as several features (islands, exclaves).
    df = df.assign(geometry=[shapely.union_all([p for p in shapely.get_parts(g) if shapely.get_dimensions(p) == 2])
                             if g is not None else None for g in df.geometry.values])
    df = df[~(shapely.is_missing(df.geometry.values) | shapely.is_empty(df.geometry.values))]
    missing = [c for c in codes if c not in set(df["iso_a2"])]
    if missing:
        raise LayerError(Problem(cfile, None, "iso_a2", f"no polygon for {', '.join(missing)} "
                                 f"(a feature with that ISO_A2 value and polygon geometry is needed)"))
    df = df.dissolve(by="iso_a2", aggfunc="first").loc[list(codes)].reset_index()
    return gpd.GeoDataFrame(df[["iso_a2", "name", "geometry"]], geometry="geometry", crs="EPSG:4326")


def _user_border(path: Path) -> shapely.Geometry:
    df = _read_override(path, "border line")
    # One part at a time: a collection (as make_valid can return) has no boundary of its own.
    parts = shapely.get_parts(df.geometry.values[~shapely.is_missing(df.geometry.values)])
    # A polygon layer given as "border" means its outline; lines are used as they are.
    lines = [shapely.boundary(g) if shapely.get_dimensions(g) == 2 else g for g in parts]
    lines = [g for g in lines if shapely.get_dimensions(g) == 1 and not g.is_empty]
    if not lines:
        raise LayerError(Problem(str(path), None, "geometry", "no line or polygon geometry in the border file"))
    return shapely.line_merge(shapely.union_all(lines))


def _user_line(theatre: Theatre) -> _Line:
    """The one line of a theatre that names its own ``border_file`` and/or ``countries_file``."""
    codes = theatre.countries
    if theatre.countries_file is not None:
        countries = _user_countries(theatre)
        source = f"{theatre.countries_file.name} (user file)"
    else:
        countries = _natural_earth_line(codes).countries
        source = NE_SOURCE
    if theatre.border_file is not None:
        border = _user_border(theatre.border_file)
        source = f"{theatre.border_file.name} (user file)"
    else:
        try:
            border = shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1])
        except UsageError as exc:
            raise LayerError(Problem(str(theatre.countries_file), None, "geometry", str(exc))) from None
    source = theatre.border_source or source
    user = theatre.border_file is not None or theatre.countries_file is not None
    return _Line(KEY_USER if user else KEY_NE, source, "see source" if user else NE_LICENCE, "unknown" if user else NE_SCALE,
                 border, countries)


def _read_pair(paths: tuple[Path, Path], codes: tuple[str, str]) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    countries = pyogrio.read_dataframe(paths[0]).set_index("iso_a2").loc[list(codes)].reset_index()
    border = shapely.line_merge(shapely.union_all(pyogrio.read_dataframe(paths[1]).geometry.values))
    return gpd.GeoDataFrame(countries[["iso_a2", "name", "geometry"]], geometry="geometry", crs="EPSG:4326"), border


def _natural_earth_line(codes: tuple[str, str]) -> _Line:
    """Natural Earth 1:10m: the packaged pair when there is one, else derived from the shapefile."""
    if (packaged := _packaged(codes)) is not None:
        countries, border = _read_pair(packaged, codes)
    else:
        countries = read_natural_earth(codes)
        border = shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1])
    return _Line(KEY_NE, NE_SOURCE, NE_LICENCE, NE_SCALE, border, countries)


def osm_pair(codes: tuple[str, str], names: dict[str, str], archive: Path,
             land: shapely.Geometry) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    """OpenStreetMap polygons of two countries and their shared border, from the MAPS.ME archive.

    The MAPS.ME polygons include territorial waters, so their shared boundary runs on at sea;
    it is cut to ``land`` (the two countries' Natural Earth polygons, widened by 0.02 degree,
    about 2 km) so that it is a land border like Natural Earth's.
    """
    geoms = osm_borders.cached_countries({c: names[c] for c in codes}, archive)
    countries = gpd.GeoDataFrame({"iso_a2": list(codes), "name": [names[c] for c in codes]},
                                 geometry=[geoms[c] for c in codes], crs="EPSG:4326")
    border = shared_border(geoms[codes[0]], geoms[codes[1]])
    border = shapely.line_merge(shapely.intersection(border, shapely.buffer(land, 0.02, quad_segs=4)))
    return countries, border


def _osm_line(codes: tuple[str, str], ne: _Line) -> _Line | None:
    """OpenStreetMap's line: packaged for AF-PK, else derived from ``omim-data-borders`` if installed."""
    if (packaged := _packaged(codes, "osm")) is not None:
        countries, border = _read_pair(packaged, codes)
    else:
        archive = osm_borders.archive_path()
        if archive is None:
            log.warning("omim-data-borders is not installed (pip install 'geo-border-incidents[osm]'): "
                        "%s has only the Natural Earth 1:10m line, with the tolerance stated in theatre.toml", "-".join(codes))
            return None
        names = dict(zip(ne.countries["iso_a2"], ne.countries["name"]))
        try:
            countries, border = osm_pair(codes, names, archive, shapely.union_all(ne.countries.geometry.values))
        except (KeyError, UsageError) as exc:
            log.warning("no OpenStreetMap line for %s (%s): Natural Earth only", "-".join(codes), exc)
            return None
    return _Line(KEY_OSM, osm_borders.OSM_SOURCE, osm_borders.OSM_LICENCE, osm_borders.OSM_SCALE, border, countries)


def _spacing_km(geom: shapely.Geometry) -> float:
    """Median geodesic distance between consecutive vertices (km)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    steps = [geod.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2]
             for xy in (shapely.get_coordinates(p) for p in shapely.get_parts(geom)) if len(xy) > 1]
    return float(np.median(np.concatenate(steps))) / 1000.0 if steps else float("inf")


def _order(lines: list[_Line], choice: str) -> list[_Line]:
    """The lines with the one used for sides first: the finest, or the one ``choice`` names."""
    by_fineness = sorted(lines, key=lambda ln: _spacing_km(ln.border))
    if choice == "finest":
        return by_fineness
    chosen = [ln for ln in by_fineness if ln.key == choice]
    if not chosen:
        raise UsageError(f"theatre.toml: border_reference = {choice!r}, but this theatre's lines are "
                         f"{', '.join(repr(ln.key) for ln in by_fineness)} (or 'finest')")
    return chosen + [ln for ln in by_fineness if ln.key != choice]


def load_reference(theatre: Theatre) -> Reference:
    """Country polygons, reference lines and their tolerances for ``theatre``.

    Lines: with a ``border_file`` or ``countries_file`` in ``theatre.toml``, that one line (at
    the tolerance the file states). Otherwise Natural Earth 1:10m and, when available (packaged
    for AF-PK, or derived from ``omim-data-borders``), OpenStreetMap; the finest is used for sides
    unless ``border_reference`` names another. With two lines, tolerances are measured
    (:mod:`geo.tolerance`); a lone line keeps the stated ``tolerance_km``.
    """
    codes = theatre.countries
    if theatre.countries_file is not None or theatre.border_file is not None:
        lines = [_user_line(theatre)]
        countries = lines[0].countries
    else:
        ne = _natural_earth_line(codes)
        lines = [ln for ln in (_osm_line(codes, ne), ne) if ln is not None]
        countries = ne.countries
    lines = _order(lines, theatre.border_reference)
    table, checks, disagreement = _measured(lines, theatre, countries)
    return Reference(countries=countries.reset_index(drop=True), border=lines[0].border, source=lines[0].source,
                     lines=table, disagreement=disagreement, checks=checks)


def _measured(lines: list[_Line], theatre: Theatre, countries: gpd.GeoDataFrame):
    """The ``lines`` table, one :class:`LineCheck` per line and the disagreement layer."""
    if len(lines) == 1:
        ln = lines[0]
        table = reference_lines([dict(key=ln.key, source=ln.source, licence=ln.licence, scale=ln.scale, geometry=ln.border,
                                      tolerance_km=theatre.tolerance_km, tolerance_method="stated in theatre.toml")])
        check = LineCheck(ln.key, ln.border, ln.countries, np.array([theatre.tolerance_km]))
        empty = gpd.GeoDataFrame({"description": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        return table, (check,), empty
    finest = min(lines, key=lambda ln: _spacing_km(ln.border))
    rows, checks, widest = [], [], 0.0
    for ln in lines:
        others = [o.border for o in lines if o is not ln]
        row = dict(key=ln.key, source=ln.source, licence=ln.licence, scale=ln.scale, geometry=ln.border)
        if ln is finest:
            row.update(tolerance_km=tolerance.FINEST_TOLERANCE_KM, tolerance_method="stated: finest line")
        else:
            offsets = tolerance.offsets_km(finest.border, ln.border)
            widest = max(widest, offsets["offset_max_km"])
            row.update(tolerance_km=tolerance.measured_tolerance_km(finest.border, ln.border),
                       tolerance_method=f"measured: {tolerance.PERCENTILE:g}th percentile of the finest line's vertex distances",
                       **offsets)
        rows.append(row)
        checks.append(LineCheck(ln.key, ln.border, ln.countries,
                                tolerance.tolerance_profile(ln.border, others, tolerance.FINEST_TOLERANCE_KM)))
    names = dict(zip(countries["iso_a2"], countries["name"]))
    disagreement = tolerance.disagreement([(LABELS[ln.key], ln.countries) for ln in lines], lines[0].border,
                                          widest + tolerance.DISAGREEMENT_MARGIN_KM, names)
    return reference_lines(rows), tuple(checks), disagreement


def reference_lines(rows: list[dict]) -> gpd.GeoDataFrame:
    """One row per reference line, the first one used for sides.

    Each input row has ``key``, ``source``, ``licence``, ``scale``, ``geometry`` and
    ``tolerance_km`` (plus any other columns, kept); lengths are geodesic on WGS84,
    ``vertex_spacing_km`` is the median distance between consecutive vertices.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = []
    for i, row in enumerate(rows):
        geom = row["geometry"]
        spacing = _spacing_km(geom)
        out.append({"key": row["key"], "source": row["source"], "licence": row["licence"], "scale": row["scale"],
                    "length_km": round(geod.geometry_length(geom) / 1000.0, 1),
                    "vertices": int(shapely.get_num_coordinates(geom)),
                    "vertex_spacing_km": round(spacing, 3) if np.isfinite(spacing) else None,
                    "tolerance_km": float(row["tolerance_km"]), "used": i == 0,
                    **{k: v for k, v in row.items() if k not in ("key", "source", "licence", "scale", "geometry", "tolerance_km")},
                    "geometry": geom})
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def _write_geojson(path: Path, frame: gpd.GeoDataFrame) -> None:
    tmp = path.with_suffix(".tmp.geojson")
    pyogrio.write_dataframe(frame, tmp, driver="GeoJSON", layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORD_DECIMALS)})
    data = json.loads(tmp.read_text())
    tmp.unlink()
    data.pop("name", None)
    path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")


def derive_packaged(codes: tuple[str, str], out_dir: Path) -> list[Path]:
    """Write the packaged geometry of a pair: Natural Earth's ``<A>-<B>.countries.geojson`` and
    ``<A>-<B>.border.geojson``, and, when ``omim-data-borders`` is installed, OpenStreetMap's
    ``<A>-<B>.osm.countries.geojson`` and ``<A>-<B>.osm.border.geojson`` (ODbL).

    This is the derivation of the packaged geometry; ``scripts/derive_reference.py`` calls it.
    """
    countries = read_natural_earth(codes)
    pairs = [("", NE_SOURCE, countries, shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1]))]
    archive = osm_borders.archive_path()
    if archive is not None:
        names = dict(zip(countries["iso_a2"], countries["name"]))
        oc, ob = osm_pair(codes, names, archive, shapely.union_all(countries.geometry.values))
        pairs.append(("osm", osm_borders.OSM_SOURCE, oc, ob))
    stem = "-".join(sorted(codes))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, source, frame, border in pairs:
        base = out_dir / (f"{stem}.{kind}" if kind else stem)
        frame = frame.assign(geometry=shapely.set_precision(frame.geometry.values, 10**-COORD_DECIMALS))
        border = shapely.set_precision(border, 10**-COORD_DECIMALS)
        cpath, bpath = Path(f"{base}.countries.geojson"), Path(f"{base}.border.geojson")
        _write_geojson(cpath, frame)
        _write_geojson(bpath, gpd.GeoDataFrame({"name": ["-".join(codes) + " border"], "source": [source]}, geometry=[border], crs="EPSG:4326"))
        written += [cpath, bpath]
    return written
