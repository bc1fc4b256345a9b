"""Column-wise text for the dialect converters: cells of a column, joins, first filled, prefixes.

Event files repeat their places, actors and types, so each text is built once per distinct value
or combination of values (:func:`geo.columns.per_value`, :func:`geo.columns.per_combination`):
a million rows need only thousands of joins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.columns import per_combination, per_value
from geo.geocode import PRECISION_CODES


def cells(df: pd.DataFrame, column: str) -> np.ndarray:
    """A column's cells as text (object array), as the file has them ("" when the file has no such column).

    Not stripped: both datasets write cells without padding, and stripping a million cells per
    column would cost more than reading them. Numbers and dates tolerate surrounding spaces.
    """
    if column not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[column].to_numpy(dtype=object)


def joined(parts: list, sep: str) -> np.ndarray:
    """Element-wise ``sep.join`` of the non-empty parts (each a str, or an array with one text per row)."""
    fixed = [p if isinstance(p, str) else None for p in parts]
    arrays = [p for p in parts if not isinstance(p, str)]

    def join(*values: object) -> str:
        row = iter(values)
        return sep.join([str(x) for x in (f if f is not None else next(row) for f in fixed) if x])

    return per_combination(join, *arrays)


def first_filled(*parts) -> np.ndarray:
    """First non-empty text of the given arrays (or a str, for all rows), element-wise."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = np.where(out == "", p if isinstance(p, str) else np.asarray(p, dtype=object), out)
    return out


def blank_to_none(values: np.ndarray) -> np.ndarray:
    """A copy of the texts with "" replaced by None."""
    out = np.asarray(values, dtype=object).copy()
    out[out == ""] = None
    return out


def prefixed(prefix: str, values: np.ndarray, suffix: str = "") -> np.ndarray:
    """``prefix + value + suffix`` where the value is not empty, else ""."""
    return per_value(values, lambda v: f"{prefix}{v}{suffix}" if v else "")


def precision_codes(precision: np.ndarray, scheme: int) -> np.ndarray:
    """UCDP ``where_prec`` (scheme 0) or ACLED ``geo_precision`` (scheme 1) of each precision name (0 when none)."""
    return per_value(precision, lambda p: PRECISION_CODES.get(p, (0, 0))[scheme]).astype(np.int64)
