"""Reading an events file: what kind of file it is, its header, its cells as text, each record's line.

CSV files are read as UTF-8 text (with or without BOM), plain or gzip-compressed (by the gzip
magic bytes, whatever the name, so ``.csv.gz`` works); other compressed files (zip, bzip2, xz,
zstd) are refused with a one-line error saying what they are. Parquet and GeoParquet files are
recognised by their magic bytes and read with pyarrow. Every cell comes back as the text a CSV
export holds, so both kinds go through the same validation.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from geo.columns import object_frame
from geo.errors import LayerError, Problem

GZIP_MAGIC = b"\x1f\x8b"
#: Compressed files we do not open: magic bytes, what the file is, what to do.
OTHER_COMPRESSION = (
    (b"PK\x03\x04", "a zip archive", "unzip it and pass the CSV inside"),
    (b"PK\x05\x06", "an empty zip archive", "pass the CSV file itself"),
    (b"BZh", "bzip2-compressed", "decompress it (bunzip2) or compress it with gzip instead"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (unxz) or compress it with gzip instead"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it (unzstd) or compress it with gzip instead"),
)


def is_parquet(path: Path) -> bool:
    """True for a Parquet file (by its ``PAR1`` magic bytes, whatever its name)."""
    return _magic(path).startswith(b"PAR1")


def _magic(path: Path) -> bytes:
    """The file's first 8 bytes (none when it cannot be opened)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except OSError:
        return b""


def _is_gzip(path: Path) -> bool:
    """True for a gzip file; a :class:`LayerError` for another kind of compressed file."""
    magic = _magic(path)
    for prefix, what, todo in OTHER_COMPRESSION:
        if magic.startswith(prefix):
            raise LayerError(Problem(str(path), None, None, f"{what}, not CSV text: {todo} (a gzipped CSV, .csv.gz, is read as it is)"))
    return magic.startswith(GZIP_MAGIC)


def _gzip_error(path: Path, exc: Exception) -> LayerError:
    """The error for a gzip file that does not decompress (truncated or corrupt)."""
    return LayerError(Problem(str(path), None, None, f"cannot decompress the gzip file ({exc}): check that it is complete"))


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line (plain or gzip-compressed).

    Raises
    ------
    LayerError
        When the file is missing, compressed other than by gzip, not UTF-8, empty or its
        header is not CSV.
    """
    name = str(path)
    if not path.is_file():
        raise LayerError(Problem(name, None, None, "events file not found"))
    try:
        with (gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")) as fh:
            first = fh.readline(1_000_000)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _gzip_error(path, exc) from None
    except OSError as exc:
        raise LayerError(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}")) from None
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LayerError(Problem(name, 1, None, "UTF-16 text (byte-order mark at the start): save the file as UTF-8"))
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LayerError(Problem(name, 1, None, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")) from None
    if not text.strip():
        raise LayerError(Problem(name, 1, None, "empty file: expected a header line of an ACLED export or a UCDP GED CSV"))
    try:
        return [h.strip() for h in next(csv.reader([text.rstrip("\r\n")]))]
    except csv.Error as exc:
        raise LayerError(Problem(name, 1, None, f"malformed CSV header: {exc}")) from None


def _file_bytes(path: Path) -> bytes:
    """The whole file, decompressed when it is gzip."""
    try:
        if _is_gzip(path):
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _gzip_error(path, exc) from None
    except OSError as exc:
        raise LayerError(Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}")) from None


def _parse_csv(raw: bytes, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Every cell as text (object columns), and the rows pandas skipped as problems."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # object dtype (not pandas' str dtype): twice as fast to build, and None/"" stay as they are.
            df = pd.read_csv(io.BytesIO(raw), dtype=object, keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                             on_bad_lines="warn", engine="c", skip_blank_lines=True)
        except UnicodeDecodeError:
            try:
                raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                raise LayerError(Problem(name, line, None, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")) from None
            raise
        except pd.errors.ParserError as exc:
            raise LayerError(Problem(name, None, None, f"malformed CSV: {exc}")) from None
    problems = [Problem(name, int(m.group(1)), None, f"{m.group(2).strip()} (a comma inside an unquoted field?); row skipped")
                for w in caught for m in re.finditer(r"Skipping line (\d+): (.+)", str(w.message))]
    return df, problems


def read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """A CSV events file (plain or gzip) as text columns, each record's line, and the skipped rows.

    Raises
    ------
    LayerError
        When the file cannot be read or decompressed, holds a NUL byte, is not UTF-8 or is not CSV.
    """
    name = str(path)
    raw = _file_bytes(path)
    nul = raw.find(b"\0")
    if nul >= 0:
        raise LayerError(Problem(name, raw.count(b"\n", 0, nul) + 1, None, "NUL byte in the text (a binary or UTF-16 file?): save the file as UTF-8 text"))
    df, problems = _parse_csv(raw, name)
    df.columns = [str(c).strip() for c in df.columns]
    lines = _record_lines(raw, len(df)) if len(df) else np.zeros(0, dtype=np.int64)
    return df, lines, problems


def _record_lines(raw: bytes, n_records: int) -> np.ndarray:
    """Physical line where each record starts (as an editor shows it).

    Fast path: one record per line after the header (the usual case): ``i + 2``. Otherwise (quoted
    newlines, blank or skipped lines) the file is scanned once with the csv module.
    """
    newlines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    plain = newlines == n_records + 1 and b"\n\n" not in raw
    if plain and b"\r" in raw:  # Windows line ends are fine; lone CRs and blank CRLF lines are not
        plain = b"\n\r\n" not in raw and raw.count(b"\r") == raw.count(b"\r\n")
    if plain:
        return np.arange(2, n_records + 2, dtype=np.int64)
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = next(reader)
    lines = []
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not cells or not any(c for c in cells):
            continue  # pandas skips blank lines
        if len(cells) > len(header):
            continue  # skipped as a bad line by pandas (reported separately)
        lines.append(line)
    if len(lines) != n_records:  # pragma: no cover - csv and pandas disagree: fall back to record order
        return np.arange(2, n_records + 2, dtype=np.int64)
    return np.asarray(lines, dtype=np.int64)


def _parquet_text(column: pa.Array) -> np.ndarray:
    """A Parquet column as the texts a CSV export would hold ("" for null), for the same validation.

    Whole floats are written without ".0" (an id or a code stored as a float is "4", as in a CSV).
    """
    if pa.types.is_floating(column.type):
        v = column.to_numpy(zero_copy_only=False).astype(float)
        out = np.full(len(v), "", dtype=object)
        ok = ~np.isnan(v)
        whole = ok & np.isfinite(v) & (v == np.floor(np.nan_to_num(v))) & (np.abs(v) < 2**53)
        out[whole] = v[whole].astype(np.int64).astype(str).astype(object)
        rest = ok & ~whole
        out[rest] = [repr(x) for x in v[rest].tolist()]
        return out
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.large_string())
    return np.asarray(pc.fill_null(column, "").to_numpy(zero_copy_only=False), dtype=object)


def read_parquet(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A (Geo)Parquet file of events as text columns, like :func:`read_csv`'s, and row numbers.

    The geometry column of a GeoParquet file (``geo`` metadata) is not read: ``latitude`` and
    ``longitude`` are the event's coordinates, as in the CSV. Problems refer to the row number
    (1 = first row) where a CSV would give the line.
    """
    name = str(path)
    try:
        pf = pq.ParquetFile(path)
        meta = pf.schema_arrow.metadata or {}
        geo = json.loads(meta[b"geo"]) if b"geo" in meta else {}
        skip = set((geo.get("columns") or {}).keys())
        columns = [c for c in pf.schema_arrow.names if c not in skip and not c.startswith("__index_level_")]
        table = pf.read(columns=columns)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise LayerError(Problem(name, None, None, f"cannot read Parquet file: {exc}")) from None
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise LayerError([Problem(name, 1, c, "column appears more than once in the header") for c in dupes])
    data = {str(c).strip(): _parquet_text(table.column(i).combine_chunks() if table.column(i).num_chunks != 1 else table.column(i).chunk(0))
            for i, c in enumerate(table.column_names)}
    df = object_frame(data, list(data))
    return df, np.arange(1, len(df) + 1, dtype=np.int64)
