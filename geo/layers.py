"""Read and validate the editable layers in ``layers/`` (CSV tables via :mod:`geo.tables`, and ``theatre.toml``)."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.errors import LayerError, Problem
from geo.tables import (
    MAX_FIELD,
    MAX_FILE_BYTES,
    read_rows,
    read_table,
    read_text,
    shown,
)

__all__ = ["MAX_FIELD", "MAX_FILE_BYTES", "THEATRE_KEYS", "VECTOR_FORMATS", "Layers", "Theatre", "TheatreKey", "read_layers",
           "read_table", "read_theatre"]

@dataclass(frozen=True)
class Theatre:
    """The border a build is about: two neighbouring countries and how to judge positions against it.

    Parameters
    ----------
    name
        Title shown on maps and reports.
    countries
        The two ISO 3166-1 alpha-2 codes whose shared boundary is the border.
    border_name
        What reports call the line (e.g. "Durand Line").
    tolerance_km
        Positional tolerance stated for a theatre with a single reference line (its own
        ``border_file``, or Natural Earth alone); with two lines, tolerances are measured.
    bands_km
        Distances of the buffer bands drawn on each side.
    border_file, countries_file
        Optional overrides of the packaged geometry: resolved paths of files inside ``layers/``
        (lines for the border, polygons for the countries; checked by :func:`read_theatre`).
    border_source
        Optional description of the border geometry's source, shown instead of the file name.
    border_reference
        Which reference line decides sides: "finest" (default) or a line's key ("osm", "ne10m").

    The fields are the keys of :data:`THEATRE_KEYS`, one for one.
    """

    name: str
    countries: tuple[str, str]
    border_name: str
    tolerance_km: float = 2.0
    bands_km: tuple[float, ...] = (5.0, 25.0, 50.0)
    border_file: Path | None = None
    countries_file: Path | None = None
    border_source: str | None = None
    border_reference: str = "finest"


@dataclass
class Layers:
    """Everything read from a layers directory, validated; frames keep ``source_file`` and ``source_line``."""

    root: Path
    theatre: Theatre
    sources: pd.DataFrame
    claimants: pd.DataFrame
    sites: pd.DataFrame
    claims: pd.DataFrame
    figures: pd.DataFrame
    gazetteer: pd.DataFrame | None = None
    files: list[Path] = field(default_factory=list)


def _text(v: object) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _number(v: object, lo: float, hi: float, *, open_lo: bool = False) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and (lo < v if open_lo else lo <= v) and v <= hi


def _two_codes(v: object) -> bool:
    return (isinstance(v, list) and len(v) == 2 and all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in v)
            and v[0] != v[1])


@dataclass(frozen=True)
class TheatreKey:
    """One key ``theatre.toml`` may hold (a row of :data:`THEATRE_KEYS`).

    Parameters
    ----------
    expected
        What the value must be, for messages ("expected ..., got ...").
    valid
        True when a TOML value is acceptable.
    required
        The key must be present; otherwise ``default`` is used.
    default
        The value when the key is absent.
    convert
        Turns a valid value into the :class:`Theatre` field of the same name.
    geometry
        For a geometry file key: "lines" or "polygons", the geometry the file must hold.
    """

    expected: str
    valid: Callable[[object], bool]
    required: bool = False
    default: object = None
    convert: Callable[[object], object] = lambda v: v
    geometry: str | None = None


#: Every key ``theatre.toml`` may hold; a key not here is an error naming the closest one. To add a
#: setting, add a row here and a :class:`Theatre` field of the same name.
THEATRE_KEYS: dict[str, TheatreKey] = {
    "name": TheatreKey("a non-empty string", _text, required=True, convert=str.strip),
    "border_name": TheatreKey("a non-empty string", _text, required=True, convert=str.strip),
    "countries": TheatreKey('two different ISO 3166-1 alpha-2 codes like ["AF", "PK"]', _two_codes, required=True, convert=tuple),
    "tolerance_km": TheatreKey("a number of km in [0, 100]", lambda v: _number(v, 0, 100), default=2.0, convert=float),
    "bands_km": TheatreKey("a list of distances in (0, 500] km", lambda v: isinstance(v, list) and bool(v)
                           and all(_number(b, 0, 500, open_lo=True) for b in v), default=[5, 25, 50],
                           convert=lambda v: tuple(sorted(float(b) for b in v))),
    "border_file": TheatreKey("a file name (a string)", _text, geometry="lines"),
    "countries_file": TheatreKey("a file name (a string)", _text, geometry="polygons"),
    "border_source": TheatreKey("a string", lambda v: isinstance(v, str)),
    "border_reference": TheatreKey('"finest", "osm" or "ne10m"', lambda v: v in ("finest", "osm", "ne10m"), default="finest"),
}
#: Geometry files ``theatre.toml`` may name, by extension (GDAL driver).
VECTOR_FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".fgb": "FlatGeobuf"}
_GEOMETRY_DIMENSION = {"lines": 1, "polygons": 2}


def _toml_line(text: str, key: str) -> int | None:
    """Line where ``key`` is set at the top level of a TOML text (tomllib gives no positions)."""
    pattern = re.compile(rf"""^\s*(\[+\s*)?(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[=\].]""")
    return next((i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)), None)


def read_theatre(path: Path) -> Theatre:
    """Read ``theatre.toml``: which two countries, which border geometry, what tolerance.

    Every key is checked against :data:`THEATRE_KEYS`; geometry files must lie inside the
    directory of ``theatre.toml`` and hold the geometry their key asks for.

    Raises
    ------
    LayerError
        Naming the file, line and key of every missing, unknown or bad value.
    """
    name = str(path)
    if path.is_dir():
        raise LayerError(Problem(name, None, None, "is a directory, expected the theatre file (TOML)"))
    if not path.is_file():
        raise LayerError(Problem(name, None, None, "missing theatre file (say which two countries the border is between)"))
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has the line only in the message ("... (at line 3, column 9)").
        line = getattr(exc, "lineno", None) or (int(m.group(1)) if (m := re.search(r"at line (\d+)", str(exc))) else None)
        raise LayerError(Problem(name, line, None, f"malformed TOML: {exc}")) from None
    problems = []
    for key in data.keys() - THEATRE_KEYS.keys():
        close = difflib.get_close_matches(key.lower(), list(THEATRE_KEYS), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(THEATRE_KEYS)}"
        col = key if re.fullmatch(r"[^\W\d]\w{0,63}", key) else None
        problems.append(Problem(name, _toml_line(text, key), col, f"unknown key; {hint}" if col else f"unknown key {shown(key)}; {hint}"))
    values = {}
    for key, spec in THEATRE_KEYS.items():
        line = _toml_line(text, key)
        if key not in data:
            if spec.required:
                problems.append(Problem(name, None, key, f"expected {spec.expected}, got nothing (the key is missing)"))
            values[key] = None if spec.default is None else spec.convert(spec.default)
        elif not spec.valid(data[key]):
            problems.append(Problem(name, line, key, f"expected {spec.expected}, got {shown(data[key])}"))
        elif spec.geometry:
            found, file_problems = _geometry_file(path.parent, data[key], spec.geometry, where=(name, line, key))
            problems += file_problems
            values[key] = found
        else:
            values[key] = spec.convert(data[key])
    if problems:
        raise LayerError(sorted(problems, key=lambda p: (p.line or 0)))
    return Theatre(**values)


def _geometry_file(root: Path, value: str, geometry: str, *, where: tuple[str, int | None, str]) -> tuple[Path | None, list[Problem]]:
    """The file a geometry key names, resolved inside ``root``, and the problems with its path or content."""
    name, line, key = where

    def problem(msg: str) -> tuple[None, list[Problem]]:
        return None, [Problem(name, line, key, f"{shown(value)}: {msg}")]

    if re.match(r"^([/\\]|[A-Za-z]:)", value):
        return problem("must be a path inside the layers directory, not an absolute path")
    if ".." in re.split(r"[/\\]", value):
        return problem("must be a path inside the layers directory ('..' leaves it)")
    try:
        base = root.resolve()
        found = (root / value).resolve()
        inside = found.is_relative_to(base)
        is_file = inside and found.is_file()
    except (OSError, ValueError):  # NUL in the name, name too long, symlink loop, ...
        inside, is_file = True, False
    if not inside:
        return problem("resolves outside the layers directory (a symbolic link?)")
    if not is_file:
        return None, [Problem(name, line, key, f"file {shown(value)} not found next to theatre.toml")]
    if found.suffix.lower() not in VECTOR_FORMATS:
        return problem(f"not a vector geometry file; give one of {', '.join(sorted(VECTOR_FORMATS))} "
                       "(GeoJSON, GeoPackage, Shapefile, FlatGeobuf)")
    return found, _geometry_problems(found, key, geometry)


def _geometry_problems(path: Path, key: str, geometry: str) -> list[Problem]:
    """Problems with the geometry types in ``path``: a border file holds lines, a countries file polygons.

    A file GDAL cannot read gives no problem here: :func:`geo.reference.load_reference` reads it
    and says why (with the line of a JSON syntax error).
    """
    import pyogrio
    import shapely

    try:
        if VECTOR_FORMATS[path.suffix.lower()] == "GeoJSON":
            json.loads(path.read_bytes())  # GDAL reads some broken JSON as empty: leave it to load_reference
        frame = pyogrio.read_dataframe(path, columns=[])
    except Exception:  # noqa: BLE001 - any reading error is reported by load_reference
        return []
    if "geometry" not in frame.columns:
        return [Problem(str(path), None, "geometry", f"no geometry column (a table without geometry?): {key} must hold a vector layer")]
    geoms = frame.geometry.values
    want = _GEOMETRY_DIMENSION[geometry]
    kinds = "LineString or MultiLineString" if want == 1 else "Polygon or MultiPolygon"
    present = ~shapely.is_missing(geoms)
    for i, g in enumerate(geoms, start=1):
        if present[i - 1] and not g.is_empty and (shapely.get_dimensions(shapely.get_parts(g)) != want).any():
            hint = " (the two countries' polygons go in countries_file)" if key == "border_file" and g.geom_type.endswith("Polygon") else ""
            return [Problem(str(path), None, "geometry", f"feature {i} is a {g.geom_type}: {key} must hold {kinds} geometry{hint}")]
    if not (present & ~shapely.is_empty(geoms)).any():
        return [Problem(str(path), None, "geometry", f"no {geometry} in the file: {key} must hold {kinds} geometry")]
    return []


def _check_refs(frame: pd.DataFrame, column: str, valid: set[str], what: str, *, multi: bool = False) -> list[Problem]:
    out = []
    known = sorted(k for k in valid if k)
    for val, path, line in zip(frame[column], frame["source_file"], frame["source_line"]):
        if val is None or (isinstance(val, float) and pd.isna(val)):
            continue
        for key in [k.strip() for k in str(val).split("|")] if multi else [val]:
            if key in valid:
                continue
            if len(known) <= 12:
                hint = f"known: {', '.join(known) or 'none'}"
            else:  # a long list helps nobody: the closest ids instead
                hint = f"closest: {', '.join(difflib.get_close_matches(key, known, n=3, cutoff=0.5)) or 'none'}; {len(known)} known"
            out.append(Problem(path, int(line), column, f"unknown {what} {key!r} ({hint})"))
    return out


#: The CSV layers of a directory: attribute of :class:`Layers`, file, id column; gazetteer.csv is optional.
TABLES = [("sources", "sources.csv", "source_id"), ("claimants", "claimants.csv", "claimant_id"), ("sites", "sites.csv", "site_id"),
          ("claims", "claims.csv", "claim_id"), ("figures", "figures.csv", "figure_id"), ("gazetteer", "gazetteer.csv", "place_id")]
#: References between layers: (layer, column, the layer it names, what to call it, several ids split by "|").
REFERENCES = [("sites", "source_ids", "sources", "source", True), ("claims", "source_id", "sources", "source", False),
              ("figures", "source_id", "sources", "source", False), ("claims", "site_id", "sites", "site", False),
              ("claims", "claimant_id", "claimants", "claimant", False)]


def read_layers(root: Path, *, today: dt.date | None = None) -> Layers:
    """Read and cross-check every layer in ``root``.

    Row problems and references between files (a claim naming an unknown site) are found in
    the same pass: references are checked among the rows that could be read, and an id on a
    row rejected for another reason still counts as known, so one mistake gives one problem.

    Parameters
    ----------
    root
        A layers directory with ``theatre.toml``, ``sources.csv``, ``claimants.csv``,
        ``sites.csv``, ``claims.csv``, ``figures.csv`` and optionally ``gazetteer.csv``.
    today
        The date after which a report date is a typo (default: the machine's date).

    Returns
    -------
    Layers

    Raises
    ------
    LayerError
        Listing the problems of every file (all files are read before raising), sorted by file and line.
    """
    root = Path(root)
    if not root.is_dir():
        raise LayerError(Problem(str(root), None, None, "layers directory not found"))
    problems: list[Problem] = []
    out: dict[str, object] = {}
    try:
        out["theatre"] = read_theatre(root / "theatre.toml")
    except LayerError as exc:
        problems += exc.problems
    tables = {}
    for key, file_name, id_column in TABLES:
        if key == "gazetteer" and not (root / file_name).exists():
            out[key] = None
            continue
        tables[key] = read_rows(root / file_name, key, id_column=id_column, today=today)
        problems += tables[key].problems
        out[key] = tables[key].frame
    for layer, column, target, what, multi in REFERENCES:
        # A file whose header could not be read has no rows to check and no ids to check against.
        if tables[layer].frame is not None and tables[target].frame is not None:
            problems += _check_refs(tables[layer].frame, column, tables[target].ids, what, multi=multi)
    if problems:
        raise LayerError(sorted(problems, key=lambda p: (p.path, p.line or 0)))
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in {".csv", ".toml", *VECTOR_FORMATS})
    return Layers(root=root, files=files, **out)  # type: ignore[arg-type]
