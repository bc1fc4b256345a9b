"""Column-wise validation of event rows: masks in, one :class:`geo.errors.Problem` per bad cell out.

The checks shared by both dialects: text length, ids, coordinates, precision codes, counts and
dates. Each takes a :class:`RowChecks`, flags the bad rows and returns the parsed values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from geo.columns import per_value
from geo.errors import Problem
from geo.events._cells import cells
from geo.schema import MAX_TEXT_CHARS
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*)?$")


class RowChecks:
    """Collects problems per row, vectorised: masks in, Problems out only for the bad rows.

    Parameters
    ----------
    name
        The file, as problems name it.
    lines
        The line (or Parquet row number) of each row.
    """

    def __init__(self, name: str, lines: np.ndarray):
        self.name = name
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self._found: list[tuple[int, int, Problem]] = []

    def report(self, row: int, column: str, message: str) -> None:
        """Report ``message`` for one row."""
        self.bad[row] = True
        line = int(self.lines[row])
        self._found.append((line, len(self._found), Problem(self.name, line, column, message)))

    def flag(self, mask, column: str, message: str | Callable[[object], str], values=None) -> None:
        """Report ``message`` (a string, or a function of the cell) for every row where ``mask``.

        With ``values`` and a string message, the cell (cut to 60 characters) is quoted first.
        """
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return
        vals = None if values is None else np.asarray(values, dtype=object)
        for i in idx.tolist():
            msg = message(vals[i]) if callable(message) else message
            if vals is not None and not callable(message):
                shown = str(vals[i])
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                msg = f"{shown!r}: {msg}"
            self.report(i, column, msg)

    def sorted(self) -> list[Problem]:
        """The problems by line, in the order found within a line."""
        return [p for _, _, p in sorted(self._found, key=lambda t: (t[0], t[1]))]


def check_text_lengths(checks: RowChecks, df: pd.DataFrame) -> None:
    """Flag every cell longer than :data:`MAX_TEXT_CHARS` characters, in any column."""
    for column in df.columns:
        values = df[column].to_numpy(dtype=object)
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        checks.flag(lengths > MAX_TEXT_CHARS, column,
                    lambda v: f"text of {len(v):,} characters: longer than the {MAX_TEXT_CHARS:,} a cell may hold", values)


def numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (float, NaN when blank or invalid), blank mask, invalid mask (not a finite number).

    Each distinct text is converted once, by pandas in one call (a column of codes or counts has
    a handful of them); blank means empty or spaces only.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    stripped = pd.Series(uniques, dtype=object).str.strip()
    vals = np.append(pd.to_numeric(stripped.replace("", None), errors="coerce").to_numpy(dtype=float), np.nan)[codes]
    blank = np.append((stripped == "").to_numpy(dtype=bool), True)[codes]
    invalid = ~blank & ~np.isfinite(vals)
    vals[invalid] = np.nan
    return vals, blank, invalid


def parse_date(text: str) -> dt.date | None:
    """A date written ``YYYY-MM-DD`` (time part ignored), ``12 October 2025``, ``12-Oct-2025`` or ``DD-MM-YYYY``."""
    m = _ISO_DATE.match(text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for fmt in ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    except ValueError:
        return None
    return None


_NOT_A_DATE = "not a date"  # a marker no parsed date equals


def _date_or_marker(cell: object) -> dt.date | str | None:
    """The cell's date, None when blank, :data:`_NOT_A_DATE` when it is not a date."""
    text = cell.strip() if isinstance(cell, str) else ""
    if not text:
        return None
    return parse_date(text) or _NOT_A_DATE


def dates(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates (object array of datetime.date / None), blank mask, invalid mask; each distinct text parsed once."""
    parsed = per_value(values, _date_or_marker)
    blank = parsed == None  # noqa: E711
    invalid = parsed == _NOT_A_DATE
    return np.where(invalid, None, parsed), blank, invalid


def checked_dates(checks: RowChecks, df: pd.DataFrame, column: str, expected: str, *, required: bool) -> np.ndarray:
    """A date column's dates, flagging invalid ones (and blank ones when ``required``)."""
    text = cells(df, column)
    values, blank, invalid = dates(text)
    if required:
        checks.flag(blank, column, "missing date")
    checks.flag(invalid, column, f"not a date (expected {expected})", text)
    return values


def check_coordinates(checks: RowChecks, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``latitude`` and ``longitude``: present, numbers, in range, not the 0, 0 placeholder."""
    out = []
    for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
        text = cells(df, column)
        vals, blank, invalid = numbers(text)
        checks.flag(blank, column, "missing coordinate (imported events are never geocoded)")
        checks.flag(invalid, column, "not a number", text)
        checks.flag(np.abs(np.nan_to_num(vals)) > limit, column, f"out of range (must be between -{limit:g} and {limit:g})", text)
        out.append(vals)
    lat, lon = out
    checks.flag((lat == 0) & (lon == 0), "latitude", "coordinates 0, 0 (a placeholder, not a location)")
    return lat, lon


def check_ids(checks: RowChecks, ids: np.ndarray, column: str) -> None:
    """Event ids: present, of id characters, unique in the file."""
    blank = ids == ""
    checks.flag(blank, column, "missing event id")
    # One regex scan over all ids joined by newlines finds the malformed ones (a per-cell match costs 1 s per million).
    text = "\n".join(ids)
    ends = np.cumsum(np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)) + 1)
    bad = np.zeros(len(ids), dtype=bool)
    for m in re.finditer(rf"^(?!{_ID_RE.pattern[1:-1]}$).+$", text, re.M):
        bad[np.searchsorted(ends, m.start(), side="right")] = True
    checks.flag(~blank & bad, column, "event id must be letters, digits, '_', '.' or '-' (at most 41 characters)", ids)
    dup = pd.Index(ids).duplicated(keep="first") & ~blank
    if dup.any():
        first_line = pd.Series(checks.lines).groupby(ids).transform("min").to_numpy()
        for i in np.flatnonzero(dup).tolist():
            checks.report(i, column, f"duplicate id {ids[i]!r} (first used on line {int(first_line[i])})")


def check_codes(checks: RowChecks, df: pd.DataFrame, column: str, table: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """A precision-code column: the codes (0 when bad) and their precision names (None when bad)."""
    text = cells(df, column)
    vals, blank, _ = numbers(text)
    known = np.isin(vals, list(table))
    allowed = ", ".join(str(k) for k in sorted(table))
    checks.flag(blank, column, f"missing precision code (one of {allowed})")
    checks.flag(~blank & ~known, column, f"unknown precision code (one of {allowed})", text)
    codes = np.where(known, vals, 0).astype(np.int64)
    names = np.array([table.get(int(c)) for c in range(max(table) + 1)], dtype=object)[codes]
    return codes, names


def check_count(checks: RowChecks, df: pd.DataFrame, column: str, *, required: bool) -> np.ndarray:
    """A count of people: a whole number, 0 or more (blank allowed unless ``required``); NaN when blank."""
    text = cells(df, column)
    vals, blank, invalid = numbers(text)
    if required:
        checks.flag(blank, column, "missing figure (use 0 when none were reported)")
    checks.flag(invalid, column, "not a number", text)
    neg = np.nan_to_num(vals, nan=0.0) < 0
    checks.flag(neg, column, "must be 0 or more", text)
    frac = np.isfinite(vals) & (vals != np.floor(np.nan_to_num(vals)))
    checks.flag(frac & ~neg, column, "must be a whole number", text)
    return vals
