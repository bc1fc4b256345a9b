"""CSV of one layer without its geometry, safe to open in a spreadsheet, made a column at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.export import _arrowtext as at
from geo.export.geojson import layer_columns

#: Leading characters a spreadsheet would read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Significant digits of CSV numbers (``format(x, ".6g")``).
CSV_FLOAT_PRECISION = 6


def neutralise_formula(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("-12 km")
    "'-12 km"
    >>> neutralise_formula(-12.5)
    -12.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _neutralised(texts: pa.Array) -> pa.Array:
    """:func:`neutralise_formula` on a text array; then carriage returns as newlines: with ``\\n``
    line ends the csv module does not quote a bare ``\\r``, and a reader would split the row there."""
    hit = at.starts_with_any(texts, FORMULA_START)
    if pc.any(hit).as_py():
        texts = pc.if_else(hit, pc.utf8_replace_slice(texts, 0, 0, "'"), texts)
    if pc.any(pc.match_substring(texts, "\r")).as_py():
        texts = pc.replace_substring(pc.replace_substring(texts, "\r\n", "\n"), "\r", "\n")
    return texts


def _per_distinct(values: np.ndarray, fn: Callable[[np.ndarray], pa.Array]) -> pa.Array:
    """``fn(values)``, applied to the distinct values (by bit pattern) when they repeat a lot."""
    if len(values) < 1024:
        return fn(values)
    codes, uniques = pd.factorize(np.ascontiguousarray(values).view(np.int64), use_na_sentinel=False)
    if len(uniques) > len(values) // 4:
        return fn(values)
    return fn(uniques.view(values.dtype)).take(pa.array(codes))


def csv_fields(col: at.Column) -> Callable[[int, int], pa.Array]:
    """A column's CSV fields, one slice of rows (``start, n``) at a time, as Python's ``csv`` module
    writes the cells: numbers as ``format(x, ".6g")`` (``inf``, ``-inf``), integers in full,
    booleans as ``True``/``False``, texts neutralised (:func:`neutralise_formula`) and quoted when
    needed, missing values (and NaN) as empty fields."""
    if col.kind == "float":
        fmt = lambda x: at.format_g(x, CSV_FLOAT_PRECISION)  # noqa: E731
        return lambda start, n: pc.fill_null(_per_distinct(col.values[start:start + n], fmt), at.lit(""))
    if col.kind == "text":
        return at.per_text(col, lambda t: at.csv_cells(_neutralised(t)), "")
    if col.kind == "bool":
        texts = pc.if_else(col.values, at.lit("True"), at.lit("False"))
    else:
        texts = pc.cast(col.values, at.TEXT)
    texts = pc.fill_null(texts, at.lit(""))
    return lambda start, n: texts.slice(start, n)


def write_csv(frame: pd.DataFrame, path: Path, *, columns: dict[str, at.Column] | None = None) -> None:
    """CSV without geometry (UTF-8, ``\\n`` line ends), formula-like cells neutralised.

    Each row is what ``csv.writer(f, lineterminator="\\n").writerow`` writes for its cells
    (:func:`csv_fields`), made column by column by Arrow kernels (:mod:`geo.export._arrowtext`);
    ``columns`` are the frame's :func:`geo.export.geojson.layer_columns` if already made.
    """
    if columns is None:
        columns = layer_columns(frame)
    if not columns:
        raise ValueError(f"{path}: the layer has no columns besides its geometry; CSV has nothing to write")
    fields = [csv_fields(c) for c in columns.values()]
    header = at.csv_cells(pa.array([str(name) for name in columns], at.TEXT)).to_pylist()
    if len(fields) == 1:  # the csv module writes a lone empty field as "" (an empty line would be no row)
        header = [h or '""' for h in header]
        one = fields[0]
        fields = [lambda start, n: pc.if_else(pc.equal(one(start, n), at.lit("")), at.lit('""'), one(start, n))]
    n_rows = len(frame)
    with open(path, "wb") as f:
        f.write((",".join(header) + "\n").encode("utf-8"))
        for start, n in at.batches(n_rows) if n_rows else ():
            rows = at.join_columns([at.join_columns([c(start, n) for c in fields], ","), at.lit("")], "\n")
            f.write(at.text_bytes(rows))
