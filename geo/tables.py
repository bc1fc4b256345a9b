"""Read one hand-edited CSV layer and validate every row against its schema (with the limits that protect the machine)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from geo.errors import LayerError, Problem
from geo.schema import SCHEMAS, Row, all_columns, required_columns

#: Largest CSV field accepted (characters); the csv module's default (131,072) raises a bare error.
MAX_FIELD = 1_000_000
#: Largest layer file read (bytes): hand-edited layers are far smaller; bulk data goes through ``--events``.
MAX_FILE_BYTES = 100_000_000


def shown(value: object) -> str:
    """``repr(value)``, cut short for messages."""
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


@contextlib.contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field size limit is process-wide: raise it for one read, then put it back."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_text(path: Path) -> str:
    """The text of a layer file: UTF-8 (BOM allowed), no NUL, at most :data:`MAX_FILE_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LayerError(Problem(str(path), None, None, f"file of {size:,} bytes is over the limit of {MAX_FILE_BYTES:,} "
                                     "for a layer (bulk data: use geo build --events)"))
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
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if value is None and err["type"] in ("string_type", "date_type", "float_type", "literal_error"):
            msg = "is empty; a value is required"  # pydantic would say "Input should be a valid string"
        if col and isinstance(value, str):
            cut = value if len(value) <= 60 else value[:57] + "..."
            msg = f"{cut!r}: {msg}"
        out.append(Problem(path, line, col, msg))
    return out


@dataclass
class Table:
    """What reading one CSV layer gave: the valid rows, every problem, and the ids of every row (valid or not)."""

    frame: pd.DataFrame | None
    problems: list[Problem]
    ids: set[str] = field(default_factory=set)


def read_table(path: Path, kind: str, *, id_column: str | None = None, today: dt.date | None = None,
               ignore: Collection[str] = ()) -> pd.DataFrame:
    """Read one CSV layer and validate every row against its schema.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without BOM, any line endings).
    kind
        Key of :data:`geo.schema.SCHEMAS` ("sites", "claims", ...).
    id_column
        Column whose values must be unique.
    today
        The date after which a report date is a typo (default: the machine's date).
    ignore
        Columns beyond the schema that this file may carry and that are left out (the evidence
        columns of ``geo draft``'s review files); any other unknown column is a problem.

    Returns
    -------
    pandas.DataFrame
        One row per record, columns of the schema plus ``source_file`` and ``source_line``
        (the physical line where the record starts, as an editor shows it). A file with only
        its header gives an empty frame with those columns.

    Raises
    ------
    LayerError
        With every problem of the file, each naming line and column.
    """
    table = read_rows(path, kind, id_column=id_column, today=today, ignore=ignore)
    if table.problems:
        raise LayerError(table.problems)
    return table.frame


def _column_name(text: str) -> str | None:
    """A header cell fit to print as the column of a problem (else None: the message shows its repr)."""
    return text if re.fullmatch(r"[^\W\d]\w{0,63}", text) else None


def _header_problems(name: str, header: list[str], model: type[Row], ignore: Collection[str] = ()) -> list[Problem]:
    known = all_columns(model)
    problems = []
    for col in [c for c in required_columns(model) if c not in header]:
        problems.append(Problem(name, 1, col, f"required column is missing (header has: {', '.join(header)})"))
    for col in sorted({h for h in header if header.count(h) > 1}):
        problems.append(Problem(name, 1, col, "column appears more than once in the header"))
    for i, col in enumerate(header, start=1):
        if col in known or col in ignore:
            continue
        if not col:
            problems.append(Problem(name, 1, None, f"column {i} of the header has no name (a trailing comma?)"))
            continue
        close = difflib.get_close_matches(col.lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"known columns: {', '.join(known)}"
        problems.append(Problem(name, 1, _column_name(col), f"{shown(col)}: unknown column; {hint}"
                                if _column_name(col) is None else f"unknown column; {hint}"))
    return problems


def read_rows(path: Path, kind: str, *, id_column: str | None = None, today: dt.date | None = None,
              ignore: Collection[str] = ()) -> Table:
    """Like :func:`read_table`, without raising: the valid rows, every problem, and every row's id."""
    model: type[Row] = SCHEMAS[kind]
    name = str(path)
    if path.is_dir():
        return Table(None, [Problem(name, None, None, f"is a directory, expected the {kind} layer as a CSV file")])
    if not path.is_file():
        return Table(None, [Problem(name, None, None, f"missing {kind} layer (expected a CSV file here)")])
    try:
        text = read_text(path)
    except LayerError as exc:
        return Table(None, exc.problems)
    if not text.strip():
        return Table(None, [Problem(name, 1, None, f"empty file: expected a header line with {', '.join(required_columns(model))}")])
    with _csv_field_limit(MAX_FIELD):
        return _parse_rows(name, text, model, id_column=id_column, context={"today": today or dt.date.today()}, ignore=ignore)


def _parse_rows(name: str, text: str, model: type[Row], *, id_column: str | None, context: dict,
                ignore: Collection[str] = ()) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        return Table(None, [Problem(name, 1, None, f"malformed CSV header: {exc}")])
    problems = _header_problems(name, header, model, ignore)
    if problems:
        return Table(None, problems)
    table = Table(None, problems)
    records: list[dict] = []
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
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            if id_column in header and header.index(id_column) < len(cells):
                table.ids.add(cells[header.index(id_column)].strip())  # so references to it are not "unknown" too
            problems.append(Problem(name, line, None, f"has {len(cells)} fields, header has {len(header)} (a comma inside an unquoted field?)"))
            continue
        data = {h: c for h, c in zip(header, cells) if h not in ignore}
        if id_column:
            key = data.get(id_column, "").strip()
            table.ids.add(key)
            if key and key in seen:
                problems.append(Problem(name, line, id_column, f"duplicate id {key!r} (first used on line {seen[key]})"))
                continue
            seen.setdefault(key, line)
        try:
            rec = model.model_validate(data, context=context).model_dump()
        except ValidationError as exc:
            problems.extend(_pydantic_problems(name, line, exc))
            continue
        rec["source_file"] = name
        rec["source_line"] = line
        records.append(rec)
    columns = all_columns(model) + ["source_file", "source_line"]
    # object dtype keeps None as None (pandas 3 would turn missing text into NaN).
    table.frame = pd.DataFrame(records, columns=columns, dtype=object)
    return table
