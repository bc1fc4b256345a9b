"""Read and validate the editable layers in ``layers/`` (the only module that reads input files)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from geo.errors import LayerError, Problem
from geo.schema import SCHEMAS, Row, all_columns, required_columns

#: Largest CSV field accepted (bytes); the csv module's default (128 KiB) raises a bare error.
MAX_FIELD = 1_000_000
csv.field_size_limit(MAX_FIELD)


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
        Positional tolerance of the border geometry in use (about 1-2 km for Natural Earth 1:10m).
    bands_km
        Distances of the buffer bands drawn on each side.
    border_file, countries_file
        Optional overrides of the packaged geometry, paths inside ``layers/``.
    border_reference
        Which reference line decides sides: "finest" (default) or a line's key ("osm", "ne10m").
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


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LayerError(Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}")) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LayerError(Problem(str(path), 1, None, "UTF-16 text (byte-order mark at the start): save the file as UTF-8"))
    nul = raw.find(b"\0")
    if nul >= 0:
        # GDAL and most tools end a string at NUL: accepting it would silently cut text short.
        line = raw.count(b"\n", 0, nul) + 1
        raise LayerError(Problem(str(path), line, None, "NUL byte in the text (a binary or UTF-16 file?): save the file as UTF-8 text"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LayerError(Problem(str(path), line, None, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")) from None
    return text


def _pydantic_problems(path: str, line: int, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        col = ".".join(str(x) for x in err["loc"]) or None
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        value = err.get("input")
        if col and isinstance(value, str):
            shown = value if len(value) <= 60 else value[:57] + "..."
            msg = f"{shown!r}: {msg}"
        out.append(Problem(path, line, col, msg))
    return out


def read_table(path: Path, kind: str, *, id_column: str | None = None) -> pd.DataFrame:
    """Read one CSV layer and validate every row against its schema.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without BOM, any line endings).
    kind
        Key of :data:`geo.schema.SCHEMAS` ("sites", "claims", ...).
    id_column
        Column whose values must be unique.

    Returns
    -------
    pandas.DataFrame
        One row per record, columns of the schema plus ``source_file`` and ``source_line``
        (the physical line where the record starts, as an editor shows it).

    Raises
    ------
    LayerError
        With every problem of the file, each naming line and column.
    """
    model: type[Row] = SCHEMAS[kind]
    name = str(path)
    if path.is_dir():
        raise LayerError(Problem(name, None, None, f"is a directory, expected the {kind} layer as a CSV file"))
    if not path.is_file():
        raise LayerError(Problem(name, None, None, f"missing {kind} layer (expected a CSV file here)"))
    text = _decode(path)
    if not text.strip():
        raise LayerError(Problem(name, 1, None, f"empty file: expected a header line with {', '.join(required_columns(model))}"))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    records: list[dict] = []
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise LayerError(Problem(name, 1, None, f"malformed CSV header: {exc}")) from None
    missing = [c for c in required_columns(model) if c not in header]
    for col in missing:
        problems.append(Problem(name, 1, col, f"required column is missing (header has: {', '.join(header)})"))
    dupes = sorted({h for h in header if header.count(h) > 1})
    for col in dupes:
        problems.append(Problem(name, 1, col, "column appears more than once in the header"))
    if problems:
        raise LayerError(problems)
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, reader.line_num, None, f"malformed CSV: {exc}"))
            break
        line = start
        start = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(name, line, None, f"has {len(cells)} fields, header has {len(header)} (a comma inside an unquoted field?)"))
            continue
        data = dict(zip(header, cells))
        if id_column:
            key = data.get(id_column, "").strip()
            if key and key in seen:
                problems.append(Problem(name, line, id_column, f"duplicate id {key!r} (first used on line {seen[key]})"))
                continue
            seen.setdefault(key, line)
        try:
            rec = model.model_validate(data).model_dump()
        except ValidationError as exc:
            problems.extend(_pydantic_problems(name, line, exc))
            continue
        rec["source_file"] = name
        rec["source_line"] = line
        records.append(rec)
    if problems:
        raise LayerError(problems)
    columns = all_columns(model) + ["source_file", "source_line"]
    # object dtype keeps None as None (pandas 3 would turn missing text into NaN).
    return pd.DataFrame(records, columns=columns, dtype=object)


def _shown(value: object) -> str:
    """``repr(value)``, cut short for messages."""
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def read_theatre(path: Path) -> Theatre:
    """Read ``theatre.toml``: which two countries, which border geometry, what tolerance.

    Raises
    ------
    LayerError
        Naming the file and key on any missing or bad value.
    """
    name = str(path)
    if path.is_dir():
        raise LayerError(Problem(name, None, None, "is a directory, expected the theatre file (TOML)"))
    if not path.is_file():
        raise LayerError(Problem(name, None, None, "missing theatre file (say which two countries the border is between)"))
    try:
        data = tomllib.loads(_decode(path))
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has the line only in the message ("... (at line 3, column 9)").
        line = getattr(exc, "lineno", None) or (int(m.group(1)) if (m := re.search(r"at line (\d+)", str(exc))) else None)
        raise LayerError(Problem(name, line, None, f"malformed TOML: {exc}")) from None
    problems = []
    countries = data.get("countries")
    if not (isinstance(countries, list) and len(countries) == 2 and all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in countries) and countries[0] != countries[1]):
        problems.append(Problem(name, None, "countries", f"expected two different ISO 3166-1 alpha-2 codes like [\"AF\", \"PK\"], got {_shown(countries)}"))
    for key in ("name", "border_name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(Problem(name, None, key, "expected a non-empty string"))
    tol = data.get("tolerance_km", 2.0)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not 0 <= tol <= 100:
        problems.append(Problem(name, None, "tolerance_km", f"expected a number of km in [0, 100], got {_shown(tol)}"))
    bands = data.get("bands_km", [5, 25, 50])
    if not (isinstance(bands, list) and bands and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 < b <= 500 for b in bands)):
        problems.append(Problem(name, None, "bands_km", f"expected a list of distances in (0, 500] km, got {_shown(bands)}"))
    files = {}
    for key in ("border_file", "countries_file"):
        val = data.get(key)
        files[key] = None
        if val is None:
            continue
        if not isinstance(val, str) or not val.strip():
            problems.append(Problem(name, None, key, f"expected a file name (a string), got {_shown(val)}"))
            continue
        try:
            p = (path.parent / val).resolve()
            found = p.is_file()
        except (OSError, ValueError):  # NUL in the name, name too long, symlink loop, ...
            found = False
        if not found:
            problems.append(Problem(name, None, key, f"file {_shown(val)} not found next to {path.name}"))
            continue
        files[key] = p
    src = data.get("border_source")
    if src is not None and not isinstance(src, str):
        problems.append(Problem(name, None, "border_source", f"expected a string, got {_shown(src)}"))
    ref = data.get("border_reference", "finest")
    if ref not in ("finest", "osm", "ne10m"):
        problems.append(Problem(name, None, "border_reference", f"expected \"finest\", \"osm\" or \"ne10m\", got {_shown(ref)}"))
    if problems:
        raise LayerError(problems)
    return Theatre(
        name=data["name"].strip(),
        countries=(countries[0], countries[1]),
        border_name=data["border_name"].strip(),
        tolerance_km=float(tol),
        bands_km=tuple(sorted(float(b) for b in bands)),
        border_file=files["border_file"],
        countries_file=files["countries_file"],
        border_source=data.get("border_source"),
        border_reference=ref,
    )


def _check_refs(frame: pd.DataFrame, column: str, valid: set[str], what: str, *, multi: bool = False) -> list[Problem]:
    out = []
    for _, row in frame.iterrows():
        val = row[column]
        if val is None or (isinstance(val, float) and pd.isna(val)):
            continue
        keys = [k.strip() for k in str(val).split("|")] if multi else [val]
        for key in keys:
            if key not in valid:
                out.append(Problem(row["source_file"], int(row["source_line"]), column, f"unknown {what} {key!r} (known: {', '.join(sorted(valid)) or 'none'})"))
    return out


def read_layers(root: Path) -> Layers:
    """Read and cross-check every layer in ``root``.

    Parameters
    ----------
    root
        A layers directory with ``theatre.toml``, ``sources.csv``, ``claimants.csv``,
        ``sites.csv``, ``claims.csv``, ``figures.csv`` and optionally ``gazetteer.csv``.

    Returns
    -------
    Layers

    Raises
    ------
    LayerError
        Listing the problems of every file (all files are read before raising).
    """
    root = Path(root)
    if not root.is_dir():
        raise LayerError(Problem(str(root), None, None, "layers directory not found"))
    problems: list[Problem] = []
    out: dict[str, object] = {}

    def attempt(key, fn, *args, **kw):
        try:
            out[key] = fn(*args, **kw)
        except LayerError as exc:
            problems.extend(exc.problems)
            out[key] = None

    attempt("theatre", read_theatre, root / "theatre.toml")
    attempt("sources", read_table, root / "sources.csv", "sources", id_column="source_id")
    attempt("claimants", read_table, root / "claimants.csv", "claimants", id_column="claimant_id")
    attempt("sites", read_table, root / "sites.csv", "sites", id_column="site_id")
    attempt("claims", read_table, root / "claims.csv", "claims", id_column="claim_id")
    attempt("figures", read_table, root / "figures.csv", "figures", id_column="figure_id")
    gaz = root / "gazetteer.csv"
    if gaz.exists():
        attempt("gazetteer", read_table, gaz, "gazetteer", id_column="place_id")
    if out.get("sources") is not None:
        src = set(out["sources"]["source_id"])
        if out.get("sites") is not None:
            problems += _check_refs(out["sites"], "source_ids", src, "source", multi=True)
        if out.get("claims") is not None:
            problems += _check_refs(out["claims"], "source_id", src, "source")
        if out.get("figures") is not None:
            problems += _check_refs(out["figures"], "source_id", src, "source")
    if out.get("claims") is not None:
        if out.get("sites") is not None:
            problems += _check_refs(out["claims"], "site_id", set(out["sites"]["site_id"]), "site")
        if out.get("claimants") is not None:
            problems += _check_refs(out["claims"], "claimant_id", set(out["claimants"]["claimant_id"]), "claimant")
    if problems:
        raise LayerError(problems)
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in {".csv", ".toml", ".geojson", ".json", ".gpkg"})
    return Layers(root=root, files=files, **out)  # type: ignore[arg-type]
