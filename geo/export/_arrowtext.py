"""Text of many rows at once, made by Arrow kernels: CSV cells, JSON values, ``%g`` numbers.

The exporters write millions of rows; formatting them cell by cell in Python costs a minute.
Here every column becomes one Arrow text array (``large_string``) by vectorised kernels, which
run without the GIL, and a row is the element-wise join of its columns. :func:`column` takes a
pandas column of every kind the exports hold (and names the column of any other); each formatter
gives exactly the text of a per-value one (``format(x, ".6g")``, ``orjson.dumps``, Python's
``csv`` module), and the tests compare them value by value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.columns import per_value

TEXT = pa.large_string()
#: Control characters JSON (as orjson writes it) escapes by name; the others as ``\\u00XX``.
_JSON_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
#: Above 10**22 a power of ten is not exact in a float: such numbers are formatted by Python.
_EXACT_POW10 = 22


#: Rows formatted and written at a time by the text writers (bounds the memory of the text).
BATCH_ROWS = 100_000


def batches(n: int, size: int = BATCH_ROWS) -> Iterator[tuple[int, int]]:
    """``(start, length)`` of consecutive slices covering ``n`` rows (one empty slice for none)."""
    yield from ((start, min(size, n - start)) for start in range(0, max(n, 1), size))


def lit(text: str) -> pa.Scalar:
    """A text scalar to join with text arrays."""
    return pa.scalar(text, TEXT)


def text_array(values) -> pa.Array:
    """A column of texts (Python ``str`` with None/NaN/NA/NaT for missing, or pandas' string
    dtype) as an Arrow text array with nulls."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return arr.cast(TEXT)
    values = np.asarray(values, dtype=object)
    missing = pd.isna(values)
    if missing.any():  # (pandas' NA and NaT are not nulls to Arrow)
        values = np.where(missing, None, values)
    return pa.array(values, type=TEXT)


@dataclass(frozen=True)
class Column:
    """A column of a frame, ready to be formatted in slices of rows.

    ``kind`` is "int" or "bool" (``values`` an Arrow array with nulls), "float" (``values`` a
    float64 numpy array, NaN where missing) or "text" (``values`` an Arrow text array with
    nulls, dictionary-encoded when its values repeat a lot, so that each distinct text is
    escaped once). Dates and times are "text" in ISO 8601.
    """

    kind: str
    values: np.ndarray | pa.Array

    def __len__(self) -> int:
        return len(self.values)


#: pandas' inferred kind of an object column -> the kind of :class:`Column` it becomes.
_INFERRED_KINDS = {"string": "text", "empty": "text", "integer": "int", "boolean": "bool", "floating": "float",
                   "mixed-integer-float": "float", "integer-na": "float", "date": "date", "datetime": "date",
                   "datetime64": "date"}


def column(s: pd.Series) -> Column:
    """A pandas column as a :class:`Column`, whatever its dtype.

    Numbers, booleans (numpy or pandas' nullable dtypes), texts, dates and categories of
    those are taken; missing values (None, NaN, NA, NaT) become nulls. A column of any other
    values (bytes, lists, dicts, objects of several kinds, integers beyond 64 bits) raises.

    Raises
    ------
    TypeError
        Naming the column and the kinds of value found in it.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = s.dtype.kind
    if isinstance(s.dtype, np.dtype) and kind in "iub":
        return Column("bool" if kind == "b" else "int", pa.array(s.to_numpy()))
    if kind == "f":
        return Column("float", s.to_numpy(dtype=float, na_value=np.nan))
    if isinstance(s.dtype, pd.StringDtype):
        return _text_column(text_array(s))
    if kind in "iub":  # pandas' nullable integers and booleans
        return Column("bool" if kind == "b" else "int", pa.array(s.array))
    if kind in "mM":
        return _text_column(pa.array(_iso_dates(s.astype(object)), TEXT))
    if s.dtype != object:
        raise TypeError(f"column {s.name!r}: values of dtype {s.dtype} cannot be exported; convert them to text first")
    return _object_column(s.name, s.to_numpy(dtype=object))


def _object_column(name, values: np.ndarray) -> Column:
    """:func:`column` of an object column: by the kind pandas infers for its values."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    kind = _INFERRED_KINDS.get(inferred)
    if kind == "text":
        return _text_column(values)
    try:
        if kind == "float":
            return Column("float", pd.to_numeric(pd.Series(values, dtype=object)).to_numpy(dtype=float, na_value=np.nan))
        if kind in ("int", "bool"):
            return Column(kind, pa.array(values, from_pandas=True))
        if kind == "date":
            return _text_column(pa.array(_iso_dates(values), TEXT))
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        raise TypeError(f"column {name!r}: {inferred} values cannot be exported ({exc})") from None
    kinds = sorted({type(v).__name__ for v in values[~pd.isna(values)][:10_000].tolist()})
    raise TypeError(f"column {name!r}: values of kind {', '.join(kinds)} ({inferred}) cannot be exported; convert them to text first")


def _iso_dates(values) -> np.ndarray:
    """``value.isoformat()`` of each date or time (None where missing), once per distinct value."""
    return per_value(values, lambda d: None if d is None or d is pd.NaT or d != d else d.isoformat())


def _text_column(values) -> Column:
    """A text :class:`Column` of texts (an object array or an Arrow text array), dictionary-encoded
    when a sample of them repeats a lot."""
    if isinstance(values, np.ndarray) and len(values) >= 1024 and _repetitive(values):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if len(uniques) <= len(values) // 4:
            return Column("text", pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0, type=pa.int32()), text_array(uniques)))
    if isinstance(values, np.ndarray):
        return Column("text", text_array(values))
    if len(values) >= 1024:  # (an Arrow array: encoding it is cheap)
        encoded = pc.dictionary_encode(values)
        if len(encoded.dictionary) <= len(values) // 4:
            return Column("text", encoded)
    return Column("text", values)


def _repetitive(values: np.ndarray, sample: int = 4096) -> bool:
    """Whether a sample of the values (evenly spaced) has few distinct ones: worth a dictionary."""
    part = values[:: max(1, len(values) // sample)]
    try:
        return len(pd.unique(part)) <= len(part) // 4
    except TypeError:  # unhashable objects
        return False


def per_text(col: Column, fn: Callable[[pa.Array], pa.Array], null: str) -> Callable[[int, int], pa.Array]:
    """``fn`` over a text column, one slice of rows at a time (``start, n``), nulls as ``null``.

    ``fn`` takes and gives text arrays of the same length, keeping nulls; on a dictionary-encoded
    column it runs once, over the distinct texts.
    """
    values = col.values
    if isinstance(values, pa.DictionaryArray):
        done = fn(values.dictionary)
        return lambda start, n: pc.fill_null(done.take(values.indices.slice(start, n)), lit(null))
    return lambda start, n: pc.fill_null(fn(values.slice(start, n)), lit(null))


def json_values(col: Column) -> Callable[[int, int], pa.Array]:
    """A column's values as JSON text, as ``orjson.dumps`` writes each one (nulls, NaN and
    infinities as ``null``), one slice of rows (``start, n``) at a time."""
    if col.kind == "float":
        return lambda start, n: json_numbers(col.values[start:start + n])
    if col.kind == "text":
        return per_text(col, json_strings, "null")
    if col.kind == "bool":
        texts = pc.if_else(col.values, lit("true"), lit("false"))
    else:
        texts = pc.cast(col.values, TEXT)
    texts = pc.fill_null(texts, lit("null"))
    return lambda start, n: texts.slice(start, n)


def _replace(arr: pa.Array, pairs: Sequence[tuple[str, str]]) -> pa.Array:
    """Each ``(old, new)`` of ``pairs`` replaced in every text, in turn."""
    for old, new in pairs:
        arr = pc.replace_substring(arr, old, new)
    return arr


def _data(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a (large) text array and each text's start offset into them (plus the end)."""
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64 if arr.type == TEXT else np.int32)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return data[offsets[0]:offsets[-1]] if len(offsets) else data[:0], offsets - (offsets[0] if len(offsets) else 0)


def has_bytes(arr: pa.Array, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """True for each text with a byte for which ``test`` (on a uint8 array) is true.

    One pass of numpy over the text bytes: much faster than a regular expression per text.
    """
    data, offsets = _data(arr)
    hits = np.flatnonzero(test(data))
    out = np.zeros(len(arr), dtype=bool)
    out[np.searchsorted(offsets, hits, side="right") - 1] = True
    return out


def json_strings(arr: pa.Array) -> pa.Array:
    """Each text as a JSON string literal, as ``orjson.dumps`` writes it (nulls stay null).

    orjson escapes ``"``, ``\\`` and the control characters below U+0020 (``\\n`` and the like
    by name, the rest as ``\\u00xx``) and nothing else.
    """
    data, _ = _data(arr)
    if (data == ord("\\")).any():
        arr = pc.replace_substring(arr, "\\", "\\\\")
    if (data == ord('"')).any():
        arr = pc.replace_substring(arr, '"', '\\"')
    if (data < 0x20).any():
        pairs = [(chr(c), _JSON_SHORT.get(chr(c), f"\\u{c:04x}")) for c in range(0x20)]
        arr = _replace(arr, pairs)
    return pc.binary_join_element_wise(lit('"'), arr, lit('"'), lit(""))


def json_numbers(values: np.ndarray) -> pa.Array:
    """Each number as ``orjson.dumps`` writes it (shortest round-trip form); ``null`` for NaN.

    orjson formats the whole array in one call; its output is split at the commas.
    """
    values = np.ascontiguousarray(values)
    if not len(values):
        return pa.array([], TEXT)
    body = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1]
    return pc.split_pattern(pa.array([body], pa.large_binary()).cast(TEXT), ",").flatten()


def format_g(values: np.ndarray, precision: int = 6) -> pa.Array:
    """``"%.{precision}g" % x`` for each float; null for NaN.

    The significand is rounded by numpy (scaled by an exact power of ten); values whose scaled
    form lies within a few ulps of a rounding tie, and values too large or small for an exact
    power of ten, are formatted by Python, so every text equals Python's.

    Examples
    --------
    >>> format_g(np.array([69.272245, -0.0, 1e-05, 1234567.0, np.nan])).to_pylist()
    ['69.2722', '-0', '1e-05', '1.23457e+06', None]
    """
    x = np.ascontiguousarray(values, dtype=float)
    n = len(x)
    a = np.abs(x)
    nonzero = np.isfinite(x) & (a != 0)
    e = np.zeros(n, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e[nonzero] = np.floor(np.log10(a[nonzero])).astype(np.int64)
        m, p = _significand(a, e, precision)
        tie = _near_tie(p)
        # log10 can be one off at powers of ten: move the exponent where the significand overflowed.
        for shift in (1, -1):
            fix = nonzero & ((m >= 10**precision) if shift == 1 else (m < 10 ** (precision - 1)))
            e[fix] += shift
            m[fix], p[fix] = _significand(a[fix], e[fix], precision)
            tie[fix] |= _near_tie(p[fix])
    python = np.isinf(x) | (nonzero & (tie | (np.abs(precision - 1 - e) > _EXACT_POW10)))
    text = _assemble_g(np.where(nonzero, m, 0).astype(np.int64), e, np.signbit(x), precision)
    zero = x == 0
    if zero.any():
        text = pc.replace_with_mask(text, pa.array(zero), pa.array(np.where(np.signbit(x[zero]), "-0", "0"), TEXT))
    if python.any():
        fixed = [f"%.{precision}g" % v for v in x[python].tolist()]
        text = pc.replace_with_mask(text, pa.array(python), pa.array(fixed, TEXT))
    return pc.if_else(pa.array(np.isnan(x)), pa.scalar(None, TEXT), text)


def _significand(a: np.ndarray, e: np.ndarray, precision: int) -> tuple[np.ndarray, np.ndarray]:
    """``a`` scaled to ``precision`` digits before the point (by an exact power of ten), and rounded."""
    k = np.clip(precision - 1 - e, -_EXACT_POW10, _EXACT_POW10)
    p = np.where(k >= 0, a * 10.0 ** np.maximum(k, 0), a / 10.0 ** np.maximum(-k, 0))
    m = np.rint(p)
    return np.nan_to_num(m, nan=0.0, posinf=0.0).astype(np.int64), p


def _near_tie(p: np.ndarray) -> np.ndarray:
    """True where ``p`` is within a few ulps of a half: its rounding could differ from the exact decimal's."""
    return np.abs(np.abs(p - np.trunc(p)) - 0.5) <= 4.0 * np.spacing(p)


def _assemble_g(m: np.ndarray, e: np.ndarray, negative: np.ndarray, precision: int) -> pa.Array:
    """The ``%g`` text of significand ``m`` (``precision`` digits) times ``10**(e - precision + 1)``:
    positional for ``-4 <= e < precision``, else scientific (each form made only where used)."""
    fixed = (e >= -4) & (e < precision)
    sign = lambda rows: pc.if_else(pa.array(negative[rows]), lit("-"), lit(""))  # noqa: E731
    dot = lambda digits: pc.if_else(pc.equal(digits, lit("")), lit(""), lit("."))  # noqa: E731
    digits = lambda ints: pc.cast(pa.array(ints), TEXT)  # noqa: E731
    tail = lambda ints, start: pc.utf8_rtrim(pc.utf8_slice_codeunits(digits(ints), start), "0")  # noqa: E731

    def positional(rows):
        d = precision - 1 - e[rows]
        fr = tail(m[rows] % 10**d + 10**d, 1)  # the leading 1 keeps the fraction's leading zeros
        return pc.binary_join_element_wise(sign(rows), digits(m[rows] // 10**d), dot(fr), fr, lit(""))

    def scientific(rows):
        ms, ae = digits(m[rows]), np.abs(e[rows])
        rest = pc.utf8_rtrim(pc.utf8_slice_codeunits(ms, 1), "0")
        exp = digits(np.where(ae < 100, ae + 100, ae))
        exp = pc.if_else(pa.array(ae < 100), pc.utf8_slice_codeunits(exp, 1), exp)
        return pc.binary_join_element_wise(sign(rows), pc.utf8_slice_codeunits(ms, 0, 1), dot(rest), rest,
                                           pc.if_else(pa.array(e[rows] < 0), lit("e-"), lit("e+")), exp, lit(""))

    if fixed.all():
        return positional(slice(None))
    if not fixed.any():
        return scientific(slice(None))
    text = pc.replace_with_mask(pa.nulls(len(m), TEXT), pa.array(fixed), positional(fixed))
    return pc.replace_with_mask(text, pa.array(~fixed), scientific(~fixed))


def _csv_quote_chars() -> str:
    """The ASCII characters that make Python's ``csv`` writer quote a field (as pandas drives it)."""
    found = []
    for c in map(chr, range(128)):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow([f"a{c}b", "x"])
        if buf.getvalue().startswith('"'):
            found.append(c)
    return "".join(found)


#: Characters that make a CSV field quoted (``"``, ``,`` and ``\\n`` for this Python).
CSV_QUOTE_CHARS = _csv_quote_chars()


def csv_cells(arr: pa.Array) -> pa.Array:
    """Each text as a CSV field the way Python's ``csv`` writer (QUOTE_MINIMAL) writes it: in
    double quotes, with quotes doubled, when it holds a quote, the delimiter or a line break
    (nulls stay null: pandas writes them as empty fields)."""
    special = np.zeros(256, dtype=bool)
    special[[ord(c) for c in CSV_QUOTE_CHARS]] = True
    need = has_bytes(arr, lambda data: special[data])
    if not need.any():
        return arr
    quoted = pc.binary_join_element_wise(lit('"'), pc.replace_substring(arr, '"', '""'), lit('"'), lit(""))
    return pc.if_else(pa.array(need), quoted, arr)


def starts_with_any(arr: pa.Array, prefixes: Sequence[str]) -> pa.Array:
    """True where a text starts with one of ``prefixes`` (false for a null)."""
    hit = pa.array(np.zeros(len(arr), dtype=bool))
    for prefix in prefixes:
        hit = pc.or_(hit, pc.fill_null(pc.starts_with(arr, prefix), False))
    return hit


def join_columns(columns: Sequence[pa.Array | pa.Scalar], sep: str = "") -> pa.Array:
    """Element-wise join of text arrays (and scalars) with ``sep`` between them."""
    return pc.binary_join_element_wise(*columns, lit(sep))


def join_lists(items: pa.Array, counts: np.ndarray, sep: str) -> pa.Array:
    """For each row, its ``counts[row]`` consecutive texts of ``items`` joined with ``sep`` ("" for none)."""
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
    return pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), items), lit(sep))


def per_distinct_text(values, fmt: Callable[[object], str]) -> pa.Array:
    """``fmt(value)`` for each value as an Arrow text array, ``fmt`` called once per distinct value
    (floats told apart by their bits, so ``-0.0`` is not ``0.0``)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        codes, uniques = pd.factorize(arr.view(np.int64), use_na_sentinel=False)
        done = pa.array([fmt(v) for v in uniques.view(np.float64).tolist()], TEXT)
        return done.take(pa.array(codes))
    return pa.array(per_value(values, fmt), TEXT)  # missing values (None, NaN) passed to fmt as they are


def text_bytes(arr: pa.Array) -> memoryview:
    """The concatenated texts of an Arrow text array, without a copy (for writing to a file)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("text with nulls cannot be written as one buffer")
    if not len(arr):
        return memoryview(b"")
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64 if arr.type == TEXT else np.int32)
    start, stop = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return memoryview(bufs[2])[start:stop]
