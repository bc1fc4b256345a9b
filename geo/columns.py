"""Column helpers for many rows: Python's rounding and formatting, without a Python call per row.

Event files repeat their dates, places and files, so most per-row conversions are done once per
distinct value (:func:`per_value`). Rounding is numpy's, checked against Python's ``round`` where
the two could differ (:func:`round_floats`), so outputs equal those of a per-row ``round``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Above this magnitude (2**52) a float has no fractional part: numpy's rint is no help there.
_EXACT_LIMIT = 2.0**52


def per_value(values, fn) -> np.ndarray:
    """``fn(value)`` for each value (an object array), called once per distinct value.

    Missing values (None, NaN, NaT) are passed to ``fn`` as they are: each distinct kind once.
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values, dtype=object)
    out = np.empty(len(arr), dtype=object)
    if not len(arr):
        return out
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    table = np.empty(len(uniques), dtype=object)
    table[:] = [fn(u) for u in uniques]
    known = codes >= 0
    out[known] = table[codes[known]]
    missing = np.flatnonzero(~known)
    if len(missing):
        # None and NaN both factorize to -1: call fn on each distinct missing object once.
        cache: dict[tuple, object] = {}
        for i in missing.tolist():
            v = arr[i]
            key = (type(v), v is None)
            if key not in cache:
                cache[key] = fn(v)
            out[i] = cache[key]
    return out


def per_combination(fn, *arrays) -> np.ndarray:
    """``fn(a[i], b[i], ...)`` for each row (object array), called once per distinct combination of the values.

    Missing values (None, NaN) are one value here: clean them first where ``fn`` tells them apart.
    """
    n = len(arrays[0])
    if not n:
        return np.empty(0, dtype=object)
    arrays = tuple(a.to_numpy(dtype=object) if isinstance(a, (pd.Series, pd.Index)) else np.asarray(a, dtype=object) for a in arrays)
    key = np.zeros(n, dtype=np.int64)
    for a in arrays:
        c, u = pd.factorize(a, use_na_sentinel=False)
        key, _ = pd.factorize(key * max(len(u), 1) + c)
    _, first = np.unique(key, return_index=True)
    table = np.empty(len(first), dtype=object)
    table[:] = [fn(*(a[i] for a in arrays)) for i in first.tolist()]
    return table[key]


def round_floats(values, ndigits: int) -> np.ndarray:
    """``round(float(v), ndigits)`` for every value, as a float64 array.

    numpy's ``round`` scales, rounds and scales back, which can differ from Python's correctly
    rounded ``round`` when the scaled value lands within an ulp of a half; those values (and
    huge or non-finite ones) are rounded by Python, the rest by numpy. ``k / 10**ndigits`` with
    an integral ``k`` below 2**53 is the float nearest the decimal, as Python's is.
    """
    x = np.asarray(values, dtype=float)
    scale = 10.0**ndigits
    with np.errstate(invalid="ignore", over="ignore"):
        p = x * scale
        k = np.rint(p)
        out = k / scale
        frac = np.abs(p - np.trunc(p))
        suspect = ~np.isfinite(p) | (np.abs(p) >= _EXACT_LIMIT) | (np.abs(frac - 0.5) <= 4.0 * np.spacing(np.abs(p)))
    idx = np.flatnonzero(suspect)
    if len(idx):
        out[idx] = [round(v, ndigits) for v in x[idx].tolist()]
    return out


def rounded_list(values, ndigits: int) -> list[float]:
    """:func:`round_floats` as a list of Python floats (for JSON)."""
    return round_floats(values, ndigits).tolist()


def iso_dates(values) -> np.ndarray:
    """``value.isoformat()`` for each date (object array), once per distinct date."""
    return per_value(values, lambda d: d.isoformat())


def file_names(values) -> np.ndarray:
    """``Path(value).name`` for each path, once per distinct path."""
    return per_value(values, lambda p: Path(p).name)


def texts(values) -> np.ndarray:
    """``str(value)`` (as an f-string shows it) for each value, once per distinct value."""
    return per_value(values, lambda v: f"{v}")


def object_frame(data: dict, columns: list[str]) -> pd.DataFrame:
    """A DataFrame whose object arrays stay object columns (Python str and None), not pandas' str dtype.

    Converting a million texts to Arrow strings and back costs seconds in the pipeline (which
    works on object columns, as :func:`geo.layers.read_layers` gives them), and would turn None into NaN.
    """
    wrapped = {k: (pd.Series(v, dtype=object, copy=False) if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in data.items()}
    return pd.DataFrame(wrapped, columns=columns)


def sorted_codes(values) -> np.ndarray:
    """``pandas.factorize(values, sort=True)[0]``: the rank of each value among the distinct values
    in sorted order, -1 for missing ones.

    Texts are ranked by Arrow (its string order, by UTF-8 bytes, is Python's order by code
    point), several times faster than sorting a million Python strings; anything Arrow cannot
    take as one text column falls back to pandas.
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values, dtype=object)
    try:
        texts = pa.array(arr, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return pd.factorize(arr, sort=True)[0]
    codes = pc.rank(texts, sort_keys="ascending", tiebreaker="dense").to_numpy(zero_copy_only=False).astype(np.int64) - 1
    codes[pd.isna(arr)] = -1
    return codes


def sort_rows(frame: pd.DataFrame, by: list[str], *, na_position: str = "first") -> pd.DataFrame:
    """``frame.sort_values(by, na_position=...)`` on integer codes (stable, like pandas' multi-column sort).

    Each column is ranked (:func:`sorted_codes`, missing values first or last), then the rows
    are ordered with one ``np.lexsort``: what pandas does, without sorting Python strings.
    A column after the first is ranked only over rows that tie on the columns before it.
    """
    labels: list[np.ndarray] = []
    for i, col in enumerate(by):
        values = frame[col].to_numpy(dtype=object)
        if i == 0:
            codes = sorted_codes(values)
        else:
            prior = np.column_stack(labels) if len(labels) > 1 else labels[0][:, None]
            tied = pd.DataFrame(prior).duplicated(keep=False).to_numpy()
            codes = np.zeros(len(values), dtype=np.int64)
            if tied.any():
                codes[tied] = sorted_codes(values[tied])
        if na_position == "last":
            codes = np.where(codes < 0, np.iinfo(np.int64).max, codes)
        labels.append(codes)
    return frame.take(np.lexsort(labels[::-1]))
