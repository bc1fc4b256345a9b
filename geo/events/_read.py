"""Reading an events file: its format from the header, its rows checked and converted by the format's dialect."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from geo.errors import LayerError, Problem
from geo.events import acled, ucdp
from geo.events._files import is_parquet, read_csv, read_header, read_parquet
from geo.events._tables import EventTables, event_tables
from geo.events._validate import RowChecks, check_text_lengths

#: Format name → dialect module (``COLUMNS``, ``REQUIRED``, ``MARKS``, ``CLAIMANT``, ``ID_PREFIX``, ``convert``).
DIALECTS: dict[str, ModuleType] = {"acled": acled, "ucdp": ucdp}
FORMATS = tuple(DIALECTS)


def detect_format(header: list[str]) -> str | None:
    """"acled" or "ucdp" from a header line, None when it looks like neither.

    Examples
    --------
    >>> detect_format(["id", "date_start", "where_prec", "type_of_violence", "best"])
    'ucdp'
    """
    h = set(header)
    score = {fmt: len(h & set(d.COLUMNS)) / len(d.COLUMNS) + len(h & d.MARKS) for fmt, d in DIALECTS.items()}
    best = max(FORMATS, key=lambda f: score[f])
    return best if score[best] >= 1 else None


def _choose_format(name: str, header: list[str], fmt: str | None) -> str:
    """The format asked for, or detected; its required columns present, no column twice."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise LayerError(Problem(name, None, None, f"unknown events format {fmt!r} (use acled or ucdp)"))
    else:
        fmt = detect_format(header)
        if fmt is None:
            raise LayerError(Problem(name, 1, None, "not an ACLED export or a UCDP GED CSV: the header has none of their columns "
                                                   f"(header: {', '.join(header[:12])}{', ...' if len(header) > 12 else ''})"))
    problems = [Problem(name, 1, col, f"required {fmt.upper()} column is missing") for col in DIALECTS[fmt].REQUIRED if col not in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem(name, 1, col, "column appears more than once in the header") for col in dupes]
    if problems:
        raise LayerError(problems)
    return fmt


def _read_table(path: Path, fmt: str | None) -> tuple[pd.DataFrame, np.ndarray, list[Problem], str]:
    """The file's cells as text, each row's line, the rows the CSV reader skipped, and the format."""
    if is_parquet(path):
        df, lines = read_parquet(path)
        return df, lines, [], _choose_format(str(path), list(df.columns), fmt)
    fmt = _choose_format(str(path), read_header(path), fmt)  # a wrong header fails before the whole file is read
    df, lines, problems = read_csv(path)
    return df, lines, problems, fmt


def read_events(path: str | Path, fmt: str | None = None, *, skip_invalid: bool = False) -> EventTables:
    """Read an ACLED export or a UCDP GED CSV as sites, claims, sources and claimants.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without BOM, plain or gzip-compressed), or a
        Parquet/GeoParquet file with the same columns (any column types; problems then name
        the row number instead of the line).
    fmt
        "acled" or "ucdp"; None detects the format from the header.
    skip_invalid
        Keep the good rows and return the problems of the bad ones (as warnings) instead of
        raising.

    Returns
    -------
    EventTables
        ``(sites, claims, sources, claimants, problems)``. ``sites`` has the columns of
        ``layers/sites.csv`` plus ``source_file``, ``source_line`` and the dataset's precision
        codes ``where_prec`` and ``geo_precision`` (the other scheme's code derived from the
        precision name); ``site_id`` is the event id prefixed with ``acled-`` or ``ucdp-``.
        ``claims`` has one ``killed`` claim per event (ACLED ``fatalities`` as best; UCDP
        ``low``/``best``/``high``), attributed to the claimant "ACLED" or "UCDP GED"; ``sources``
        one row per event with the dataset's source text as outlet.

    Raises
    ------
    LayerError
        With every problem of the file, each with line and column (a cell longer than
        20,000 characters is one), unless ``skip_invalid`` (problems of the header, the
        encoding or the compression always raise).
    """
    path = Path(path)
    df, lines, problems, fmt = _read_table(path, fmt)
    checks = RowChecks(str(path), lines)
    check_text_lengths(checks, df)
    cols = DIALECTS[fmt].convert(df, checks) if len(df) else None
    problems = sorted(problems + checks.sorted(), key=lambda p: (p.line or 0))
    if problems and not skip_invalid:
        raise LayerError(problems)
    return event_tables(cols, keep=~checks.bad, name=str(path), lines=lines, claimant=DIALECTS[fmt].CLAIMANT, problems=problems)
