"""Import bulk conflict-event data (ACLED exports, UCDP GED) as sites with one fatality claim each.

Every event becomes a site at the coordinates the dataset gives (never geocoded), with the
dataset's own location precision code kept (ACLED ``geo_precision``, UCDP ``where_prec``) and
translated to our precision names, and one claim attributed to the dataset (claimant "ACLED" or
"UCDP GED") with the dataset's source text. Reading is vectorised (pandas' C CSV reader, column-wise
validation): a million rows take seconds. Bad rows are reported as :class:`geo.errors.Problem`
with the line and the dataset's column name.

Codebooks checked (column names, codes and their meaning):

- ACLED. Column list and descriptions as in ACLED's codebook, reproduced in the documentation of
  ACLED's own R package acledR (``acled_codebook``, ``acled_old_dummy``:
  https://dtacled.github.io/acledR/reference/acled_old_dummy.html and
  https://dtacled.r-universe.dev/acledR/data/acled_codebook/ndjson), and ACLED's "Guide to 2023
  ACLED column changes" (https://acleddata.com/knowledge-base/guide-to-2023-acled-column-changes):
  on 20 March 2023 ``event_id_no_cnty``, ``data_id`` and ``iso3`` were removed and
  ``disorder_type``, ``civilian_targeting`` and ``tags`` added. ``iso`` is the numeric ISO 3166
  code; older exports also carry ``inter1``/``inter2`` (accepted, unused). Event types: Battles,
  Violence against civilians, Protests, Riots, Strategic developments, Explosions/Remote violence,
  with the sub-event types listed in the codebook. ``geo_precision`` 1 = the source names a town
  and its coordinates are used; 2 = a small part of a region or "near" a town, coded to a town
  representing the area; 3 = a larger region, coded to a natural feature or the provincial
  capital. ``time_precision`` 1 = actual date, 2 = week, 3 = month (mid-point). (Definitions as
  quoted from the ACLED codebook in mapme.biodiversity's ``R/calc_fatalities_acled.R``.)
  ``event_date`` appears as ``YYYY-MM-DD`` (API), ``12 October 2025`` (export tool) or
  ``dd-mm-yyyy`` (acledR codebook); all three are accepted.
- UCDP GED. The 49 columns of the GED CSV (``GEDEvent_v25_1.csv`` has 49) as listed in the brief
  and in the UCDP GED codebook (https://ucdp.uu.se/downloads/ged/ged251.pdf, cited by the
  mcgirjau/ucdp and Our World in Data GED snapshot metadata). ``type_of_violence`` 1 = state-based,
  2 = non-state, 3 = one-sided. ``where_prec`` 1 = exact location; 2 = limited area around a
  location; 3 = second-order administrative division (ADM2 centroid); 4 = first-order
  division (ADM1 centroid); 5 = part of a country larger than ADM1, a point between two places,
  or a loosely described place; 6 = the whole country (centroid); 7 = over water or international
  airspace. ``date_prec`` 1 = exact day ... 5 = year. (Definitions as quoted from the codebook in
  mapme.biodiversity's ``R/calc_fatalities_ucdp.R``.) ``best``/``low``/``high`` are the
  estimates of total deaths; ``deaths_a``/``deaths_b``/``deaths_civilians``/``deaths_unknown``
  split ``best``.

Country codes: ACLED's numeric ISO 3166 and UCDP's country names are mapped to ISO 3166-1
alpha-2 with the Natural Earth admin-0 table already packaged for the border geometry
(``ISO_N3_EH``, ``ISO_A2_EH`` and its name columns) plus a few UCDP spellings ("DR Congo (Zaire)");
an unknown code or name leaves ``reported_country`` empty rather than failing the row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from geo.columns import gc_paused, object_frame, per_combination
from geo.errors import LayerError, Problem
from geo.geocode import PRECISION_CODES
from geo.schema import SiteRow, all_columns

FORMATS = ("acled", "ucdp")

#: Columns of an ACLED export (codebook order, after the March 2023 changes).
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "interaction", "civilian_targeting", "iso", "region",
    "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)
#: Columns of the UCDP GED CSV (49, GED 25.1).
UCDP_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
#: Columns without which a file cannot be imported; the others may be absent (treated as empty).
REQUIRED = {
    "acled": ("event_id_cnty", "event_date", "event_type", "latitude", "longitude", "geo_precision", "fatalities"),
    "ucdp": ("id", "date_start", "type_of_violence", "latitude", "longitude", "where_prec", "best"),
}
COLUMNS = {"acled": ACLED_COLUMNS, "ucdp": UCDP_COLUMNS}
CLAIMANTS = {
    "acled": {"claimant_id": "acled", "name": "ACLED", "country": None,
              "description": "Armed Conflict Location & Event Data (ACLED): events coded from the sources named in each event"},
    "ucdp": {"claimant_id": "ucdp-ged", "name": "UCDP GED", "country": None,
             "description": "Uppsala Conflict Data Program Georeferenced Event Dataset: low/best/high death estimates per event"},
}
ID_PREFIX = {"acled": "acled-", "ucdp": "ucdp-"}

#: ACLED ``geo_precision`` → our precision name.
ACLED_GEO_PRECISION = {1: "point", 2: "near", 3: "province"}
#: UCDP ``where_prec`` → our precision name (5: larger than a province; 7: water or airspace, an estimated point).
UCDP_WHERE_PREC = {1: "point", 2: "near", 3: "district", 4: "province", 5: "province", 6: "country", 7: "province"}
#: Uncertainty radius (km) per precision for imported events; area radii as the geocoder's
#: (a median district ~25 km, province ~75 km); a country ~500 km (Afghanistan's or Pakistan's area as a disc).
RADIUS_KM = {"point": 2.0, "near": 25.0, "district": 25.0, "province": 75.0, "country": 500.0}

ACLED_EVENT_CATEGORY = {
    "battles": "clash",
    "explosions/remote violence": "strike",
    "violence against civilians": "other",
    "strategic developments": "other",
    "protests": "other",
    "riots": "other",
}
#: Sub-event types that refine the event type's category.
ACLED_SUB_EVENT_CATEGORY = {
    "air/drone strike": "strike",
    "shelling/artillery/missile attack": "strike",
    "chemical weapon": "strike",
    "suicide bomb": "blast",
    "remote explosive/landmine/ied": "blast",
    "grenade": "blast",
    "headquarters or base established": "deployment",
}
UCDP_VIOLENCE = {1: ("clash", "state-based conflict"), 2: ("clash", "non-state conflict"), 3: ("other", "one-sided violence")}
#: UCDP country names Natural Earth does not spell the same way (after dropping the "(old name)" part).
COUNTRY_ALIASES = {
    "dr congo": "CD", "congo": "CG", "bosnia herzegovina": "BA", "kingdom of eswatini": "SZ", "eswatini": "SZ",
    "macedonia fyr": "MK", "north macedonia": "MK", "ivory coast": "CI", "cote d ivoire": "CI", "east timor": "TL",
    "timor leste": "TL", "cape verde": "CV", "gambia": "GM", "united states of america": "US", "kosovo": "XK",
    "russia": "RU", "syria": "SY", "laos": "LA", "iran": "IR", "vietnam": "VN", "south korea": "KR", "north korea": "KP",
}
#: ACLED numeric codes outside ISO 3166 (Kosovo is coded 0).
ACLED_ISO_EXTRA = {0: "XK"}

SOURCE_COLUMNS = ["source_id", "outlet", "title", "published", "url", "seed", "notes", "source_file", "source_line"]
CLAIMANT_COLUMNS = ["claimant_id", "name", "country", "description", "source_file", "source_line"]
CLAIM_COLUMNS = ["claim_id", "site_id", "claimant_id", "speaker", "claim_date", "quantity", "subject", "low", "best",
                 "high", "unit", "statement", "quote", "source_id", "source_file", "source_line"]
#: Site columns: those of ``layers/sites.csv``, where the row came from, and the dataset's precision codes.
SITE_COLUMNS = all_columns(SiteRow) + ["source_file", "source_line", "where_prec", "geo_precision"]
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*)?$")


class EventTables(NamedTuple):
    """What :func:`read_events` returns: layer-shaped frames plus the problems found."""

    sites: pd.DataFrame
    claims: pd.DataFrame
    sources: pd.DataFrame
    claimants: pd.DataFrame
    problems: list[Problem]


# --------------------------------------------------------------------------------------------
# countries


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@lru_cache(maxsize=1)
def country_tables() -> tuple[dict[int, str], dict[str, str]]:
    """ISO numeric → alpha-2 and normalised country name → alpha-2, from Natural Earth admin-0."""
    import pyogrio

    from geo.reference import natural_earth_path

    names = ["NAME", "NAME_LONG", "NAME_EN", "ADMIN", "FORMAL_EN", "NAME_SORT", "NAME_ALT", "BRK_NAME", "GEOUNIT", "SOVEREIGNT"]
    df = pyogrio.read_dataframe(natural_earth_path(), columns=["ISO_A2", "ISO_A2_EH", "ISO_N3", "ISO_N3_EH", *names], read_geometry=False)
    numeric: dict[int, str] = dict(ACLED_ISO_EXTRA)
    by_name: dict[str, str] = {}
    for r in df.to_dict("records"):
        a2 = r["ISO_A2"] if isinstance(r["ISO_A2"], str) and len(r["ISO_A2"]) == 2 else r["ISO_A2_EH"]
        if not (isinstance(a2, str) and re.fullmatch(r"[A-Z]{2}", a2)):
            continue
        for col in ("ISO_N3", "ISO_N3_EH"):
            n = r[col]
            if isinstance(n, str) and n.isdigit() and int(n) not in numeric:
                numeric[int(n)] = a2
        if r["SOVEREIGNT"] != r["ADMIN"] and r["ISO_A2"] == "-99":
            continue  # dependencies named after their sovereign would shadow it
        for col in names[:-1]:
            v = r[col]
            if isinstance(v, str) and v.strip():
                by_name.setdefault(_norm(v), a2)
    by_name.update(COUNTRY_ALIASES)
    return numeric, by_name


def iso2_from_numeric(codes: pd.Series) -> np.ndarray:
    """ACLED ``iso`` (numeric ISO 3166, as text) → alpha-2 (None when blank or unknown)."""
    numeric, _ = country_tables()
    keys, uniques = pd.factorize(codes)
    looked = []
    for u in uniques:
        try:
            looked.append(numeric.get(int(float(u))))
        except (TypeError, ValueError, OverflowError):
            looked.append(None)
    return _take(looked, keys)


def iso2_from_name(names: pd.Series) -> np.ndarray:
    """UCDP country names ("Pakistan", "Myanmar (Burma)") → alpha-2 (None when unknown)."""
    _, by_name = country_tables()
    codes, uniques = pd.factorize(names)
    looked = []
    for u in uniques:
        key = _norm(re.sub(r"\(.*?\)", " ", u))
        looked.append(by_name.get(key) or by_name.get(_norm(u)))
    return _take(looked, codes)


# --------------------------------------------------------------------------------------------
# reading


def _take(values: list, codes: np.ndarray) -> np.ndarray:
    """``values[code]`` for each code, None where code is -1 (pandas.factorize's missing)."""
    arr = np.empty(len(values) + 1, dtype=object)
    arr[: len(values)] = values
    arr[-1] = None
    return arr[codes]


def _header(path: Path) -> list[str]:
    name = str(path)
    if not path.is_file():
        raise LayerError(Problem(name, None, None, "events file not found"))
    with open(path, "rb") as fh:
        first = fh.readline(1_000_000)
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


def detect_format(header: list[str]) -> str | None:
    """"acled" or "ucdp" from a header line, None when it looks like neither."""
    h = set(header)
    score = {fmt: len(h & set(cols)) / len(cols) for fmt, cols in COLUMNS.items()}
    marks = {"acled": {"event_id_cnty", "geo_precision", "sub_event_type"}, "ucdp": {"where_prec", "type_of_violence", "date_start"}}
    for fmt in FORMATS:
        score[fmt] += len(h & marks[fmt])
    best = max(FORMATS, key=lambda f: score[f])
    return best if score[best] >= 1 else None


def _choose_format(name: str, header: list[str], fmt: str | None) -> str:
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise LayerError(Problem(name, None, None, f"unknown events format {fmt!r} (use acled or ucdp)"))
    else:
        fmt = detect_format(header)
        if fmt is None:
            raise LayerError(Problem(name, 1, None, "not an ACLED export or a UCDP GED CSV: the header has none of their columns "
                                                   f"(header: {', '.join(header[:12])}{', ...' if len(header) > 12 else ''})"))
    problems = [Problem(name, 1, col, f"required {fmt.upper()} column is missing") for col in REQUIRED[fmt] if col not in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem(name, 1, col, "column appears more than once in the header") for col in dupes]
    if problems:
        raise LayerError(problems)
    return fmt


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
    text = raw.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
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


def is_parquet(path: Path) -> bool:
    """True for a Parquet file (by its ``PAR1`` magic bytes, whatever its name)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def _parquet_text(column) -> np.ndarray:
    """A Parquet column as the texts a CSV export would hold ("" for null), for the same validation.

    Whole floats are written without ".0" (an id or a code stored as a float is "4", as in a CSV).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

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


def _read_parquet(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A (Geo)Parquet file of events as text columns, like :func:`_read_frame`'s, and row numbers.

    The geometry column of a GeoParquet file (``geo`` metadata) is not read: ``latitude`` and
    ``longitude`` are the event's coordinates, as in the CSV. Problems refer to the row number
    (1 = first row) where a CSV would give the line.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

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
    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()}, columns=list(data))
    return df, np.arange(1, len(df) + 1, dtype=np.int64)


def _read_frame(path: Path, header: list[str]) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    name = str(path)
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LayerError(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}")) from None
    nul = raw.find(b"\0")
    if nul >= 0:
        raise LayerError(Problem(name, raw.count(b"\n", 0, nul) + 1, None, "NUL byte in the text (a binary or UTF-16 file?): save the file as UTF-8 text"))
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
    for w in caught:
        for m in re.finditer(r"Skipping line (\d+): (.+)", str(w.message)):
            problems.append(Problem(name, int(m.group(1)), None, f"{m.group(2).strip()} (a comma inside an unquoted field?); row skipped"))
    df.columns = [str(c).strip() for c in df.columns]
    lines = _record_lines(raw, len(df)) if len(df) else np.zeros(0, dtype=np.int64)
    return df, lines, problems


# --------------------------------------------------------------------------------------------
# validation helpers (column-wise)


class _Check:
    """Collects problems per row, vectorised: masks in, Problems out only for the bad rows."""

    def __init__(self, name: str, lines: np.ndarray):
        self.name = name
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.problems: list[tuple[int, int, Problem]] = []

    def flag(self, mask, column: str, message, values=None) -> None:
        """Report ``message`` (a string, or a function of the cell) for every row where ``mask``."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return
        self.bad[idx] = True
        vals = None if values is None else np.asarray(values, dtype=object)
        for i in idx:
            msg = message(vals[i]) if callable(message) else message
            if vals is not None and not callable(message):
                shown = str(vals[i])
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                msg = f"{shown!r}: {msg}"
            self.problems.append((int(self.lines[i]), len(self.problems), Problem(self.name, int(self.lines[i]), column, msg)))

    def sorted(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.problems, key=lambda t: (t[0], t[1]))]


def _col(df: pd.DataFrame, column: str) -> pd.Series:
    """A column as text, as the file has it ("" when the file has no such column).

    Not stripped: both datasets write cells without padding, and stripping a million cells per
    column would cost more than reading them. Numbers and dates tolerate surrounding spaces.
    """
    if column not in df.columns:
        return pd.Series(np.full(len(df), "", dtype=object), index=df.index)
    return df[column]


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (float, NaN when blank or invalid), blank mask, invalid mask (not a finite number)."""
    arr = s.to_numpy(dtype=object)
    codes, uniques = pd.factorize(arr)
    if len(uniques) * 4 < len(arr):  # few distinct values (codes, counts): convert each once
        u = pd.to_numeric(pd.Series(uniques, dtype=object).str.strip().replace("", None), errors="coerce").to_numpy(dtype=float)
        vals = np.append(u, np.nan)[codes]
        blank = np.append(pd.Series(uniques, dtype=object).str.strip().to_numpy() == "", True)[codes]
    else:
        blank = arr == ""
        vals = pd.to_numeric(s.where(~blank, None), errors="coerce").to_numpy(dtype=float, copy=True)
    invalid = ~blank & ~np.isfinite(vals)
    vals[invalid] = np.nan
    return vals, blank, invalid


def _parse_date(text: str) -> dt.date | None:
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


def _dates(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates (object array of datetime.date / None), blank mask, invalid mask.

    Parsed once per distinct text (event files have few distinct dates), so a million rows
    cost one factorize.
    """
    codes, uniques = pd.factorize(s)
    out = _take([_parse_date(str(u).strip()) for u in uniques], codes)
    blank = np.append(np.array([str(u).strip() == "" for u in uniques], dtype=bool), True)[codes]
    invalid = ~blank & (out == None)  # noqa: E711
    return out, blank, invalid


def _objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _join(parts: list, sep: str) -> np.ndarray:
    """Element-wise ``sep.join`` of the non-empty parts (each a str, or an array with one text per row).

    Built once per distinct combination of the parts: event files repeat their places, actors
    and types, so a million rows need only thousands of joins.
    """
    arrays = [np.asarray(p, dtype=object) for p in parts if not isinstance(p, str)]
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    size = 1
    for a in arrays:
        c, u = pd.factorize(a, use_na_sentinel=False)
        m = max(len(u), 1)
        if size * m >= 2**62:  # keep the mixed-radix key in 64 bits
            key, uk = pd.factorize(key)
            size = len(uk)
        key = key * m + c
        size *= m
    codes, _ = pd.factorize(key)
    _, first = np.unique(codes, return_index=True)
    cols = [[p] * len(first) if isinstance(p, str) else np.asarray(p, dtype=object)[first] for p in parts]
    return _take([sep.join([str(x) for x in t if x]) for t in zip(*cols)], codes)


def _or(*parts) -> np.ndarray:
    """First non-empty text of the given arrays, element-wise."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = np.where(out == "", p if isinstance(p, str) else np.asarray(p, dtype=object), out)
    return out


def _none_if_blank(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=object).copy()
    a[a == ""] = None
    return a


def _map(values, fn) -> np.ndarray:
    """``fn(value)`` for each value, computed once per distinct value (object array)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return _take([fn(None if u is None or u != u else u) for u in uniques], codes)


def _prefix(prefix: str, a, suffix: str = "") -> np.ndarray:
    """``prefix + a + suffix`` where ``a`` is not empty, else "" (per distinct value)."""
    return _map(a, lambda v: f"{prefix}{v}{suffix}" if v else "")


def _check_coordinates(chk: _Check, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
        s = _col(df, column)
        vals, blank, invalid = _numbers(s)
        chk.flag(blank, column, "missing coordinate (imported events are never geocoded)")
        chk.flag(invalid, column, "not a number", s.to_numpy())
        chk.flag(np.abs(np.nan_to_num(vals)) > limit, column, f"out of range (must be between -{limit:g} and {limit:g})", s.to_numpy())
        out.append(vals)
    lat, lon = out
    zero = (lat == 0) & (lon == 0)
    chk.flag(zero, "latitude", "coordinates 0, 0 (a placeholder, not a location)")
    return lat, lon


def _check_ids(chk: _Check, ids: pd.Series, column: str) -> None:
    s = ids.to_numpy(dtype=object)
    blank = s == ""
    chk.flag(blank, column, "missing event id")
    # One regex scan over all ids joined by newlines finds the malformed ones (a per-cell match costs 1 s per million).
    text = "\n".join(s)
    ends = np.cumsum(np.fromiter(map(len, s), dtype=np.int64, count=len(s)) + 1)
    bad = np.zeros(len(s), dtype=bool)
    for m in re.finditer(rf"^(?!{_ID_RE.pattern[1:-1]}$).+$", text, re.M):
        bad[np.searchsorted(ends, m.start(), side="right")] = True
    chk.flag(~blank & bad, column, "event id must be letters, digits, '_', '.' or '-' (at most 41 characters)", s)
    dup = ids.duplicated(keep="first").to_numpy() & ~blank
    if dup.any():
        first_line = pd.Series(chk.lines).groupby(ids.to_numpy()).transform("min").to_numpy()
        idx = np.flatnonzero(dup)
        for i in idx:
            chk.bad[i] = True
            chk.problems.append((int(chk.lines[i]), len(chk.problems), Problem(
                chk.name, int(chk.lines[i]), column, f"duplicate id {s[i]!r} (first used on line {int(first_line[i])})")))


def _check_codes(chk: _Check, df: pd.DataFrame, column: str, table: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    s = _col(df, column)
    vals, blank, invalid = _numbers(s)
    known = np.isin(vals, list(table))
    allowed = ", ".join(str(k) for k in sorted(table))
    chk.flag(blank, column, f"missing precision code (one of {allowed})")
    chk.flag(~blank & ~known, column, f"unknown precision code (one of {allowed})", s.to_numpy())
    codes = np.where(known, vals, 0).astype(np.int64)
    names = np.array([table.get(int(c)) for c in range(max(table) + 1)], dtype=object)[codes]
    return codes, names


def _check_count(chk: _Check, s: pd.Series, column: str, *, required: bool) -> np.ndarray:
    vals, blank, invalid = _numbers(s)
    if required:
        chk.flag(blank, column, "missing figure (use 0 when none were reported)")
    chk.flag(invalid, column, "not a number", s.to_numpy())
    neg = np.nan_to_num(vals, nan=0.0) < 0
    chk.flag(neg, column, "must be 0 or more", s.to_numpy())
    frac = np.isfinite(vals) & (vals != np.floor(np.nan_to_num(vals)))
    chk.flag(frac & ~neg, column, "must be a whole number", s.to_numpy())
    return vals


# --------------------------------------------------------------------------------------------
# formats


def _text(df: pd.DataFrame, column: str) -> np.ndarray:
    return _col(df, column).to_numpy(dtype=object)


def _codes_of(precision: np.ndarray, scheme: int) -> np.ndarray:
    """UCDP (scheme 0) or ACLED (scheme 1) code of each precision name."""
    return _map(precision, lambda p: PRECISION_CODES.get(p, (0, 0))[scheme]).astype(np.int64)


def _acled(df: pd.DataFrame, chk: _Check) -> dict[str, np.ndarray]:
    n = len(df)
    ids = _col(df, "event_id_cnty")
    _check_ids(chk, ids, "event_id_cnty")
    date_text = _text(df, "event_date")
    event_date, blank, invalid = _dates(date_text)
    chk.flag(blank, "event_date", "missing date")
    chk.flag(invalid, "event_date", "not a date (expected YYYY-MM-DD, '12 October 2025' or DD-MM-YYYY)", date_text)
    lat, lon = _check_coordinates(chk, df)
    geo_prec, precision = _check_codes(chk, df, "geo_precision", ACLED_GEO_PRECISION)
    fatalities = _check_count(chk, _col(df, "fatalities"), "fatalities", required=True)
    etype, sub = _text(df, "event_type"), _text(df, "sub_event_type")
    chk.flag(_map(etype, lambda v: not str(v).strip()).astype(bool), "event_type", "missing event type")
    sub_cat = _map(sub, lambda v: ACLED_SUB_EVENT_CATEGORY.get(str(v).strip().lower()))
    type_cat = _map(etype, lambda v: ACLED_EVENT_CATEGORY.get(str(v).strip().lower(), "other"))
    category = np.where(sub_cat == None, type_cat, sub_cat)  # noqa: E711
    ts_text = _text(df, "timestamp")
    ts_vals, _, ts_invalid = _numbers(_col(df, "timestamp"))
    chk.flag(ts_invalid, "timestamp", "not a Unix timestamp", ts_text)
    day = np.where(np.isfinite(ts_vals), np.floor(np.nan_to_num(ts_vals) / 86400.0), np.nan)
    codes, uniques = pd.factorize(day)
    published = _take([dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in uniques], codes)
    published = np.where(published == None, event_date, published)  # noqa: E711

    location, admin1, admin2, admin3, country = (_text(df, c) for c in ("location", "admin1", "admin2", "admin3", "country"))
    eid = ids.to_numpy(dtype=object)
    site_id = ID_PREFIX["acled"] + eid
    what = _join([etype, sub], " / ")
    notes = "ACLED " + eid + "; " + _join([
        what,
        _join([_text(df, "actor1"), _text(df, "actor2")], " vs "),
        _prefix("civilian targeting: ", _text(df, "civilian_targeting")),
        _prefix("time_precision ", _text(df, "time_precision")),
        _prefix("geo_precision ", _text(df, "geo_precision")),
    ], "; ")
    where = _or(location, admin3, admin2, admin1, country, eid)
    statement = _text(df, "notes").copy()
    empty = statement == ""
    if empty.any():  # ACLED's own description, or failing that what and where
        statement[empty] = [f"ACLED codes this event as {w or 'an event'} at {p}" for w, p in zip(what[empty], where[empty])]
    return {
        "site_id": site_id,
        "name": where,
        "reported_location": _or(_join([location, admin3, admin2, admin1, country], ", "), eid),
        "reported_country": iso2_from_numeric(_col(df, "iso")),
        "reported_admin1": _none_if_blank(admin1),
        "category": category,
        "event_date": event_date,
        "lat": lat, "lon": lon,
        "precision": precision,
        "where_prec": _codes_of(precision, 0),
        "geo_precision": geo_prec,
        "notes": notes,
        "source_id": site_id,
        "outlet": _prefix("ACLED: ", _text(df, "source")),
        "title": _or(what, eid),
        "published": published,
        "source_notes": _none_if_blank(_prefix("source scale: ", _text(df, "source_scale"))),
        "low": np.full(n, np.nan), "best": fatalities, "high": np.full(n, np.nan),
        "statement": statement,
    }


def _ucdp(df: pd.DataFrame, chk: _Check) -> dict[str, np.ndarray]:
    n = len(df)
    ids = _col(df, "id")
    _check_ids(chk, ids, "id")
    start_text, end_text = _text(df, "date_start"), _text(df, "date_end")
    start, blank, invalid = _dates(start_text)
    chk.flag(blank, "date_start", "missing date")
    chk.flag(invalid, "date_start", "not a date (expected YYYY-MM-DD)", start_text)
    end, _, end_invalid = _dates(end_text)
    chk.flag(end_invalid, "date_end", "not a date (expected YYYY-MM-DD)", end_text)
    both = (start != None) & (end != None)  # noqa: E711
    before = np.zeros(n, dtype=bool)
    before[both] = end[both] < start[both]
    chk.flag(before, "date_end", "ends before date_start", end_text)
    lat, lon = _check_coordinates(chk, df)
    where_prec, precision = _check_codes(chk, df, "where_prec", UCDP_WHERE_PREC)
    tov_text = _text(df, "type_of_violence")
    tov, _, _ = _numbers(_col(df, "type_of_violence"))
    known = np.isin(tov, list(UCDP_VIOLENCE))
    chk.flag(~known, "type_of_violence", "must be 1 (state-based), 2 (non-state) or 3 (one-sided)", tov_text)
    tov_i = np.where(known, tov, 0).astype(np.int64)
    category = np.array([None, *(UCDP_VIOLENCE[k][0] for k in (1, 2, 3))], dtype=object)[tov_i]
    violence = np.array(["", *(UCDP_VIOLENCE[k][1] for k in (1, 2, 3))], dtype=object)[tov_i]
    best = _check_count(chk, _col(df, "best"), "best", required=True)
    low = _check_count(chk, _col(df, "low"), "low", required=False)
    high = _check_count(chk, _col(df, "high"), "high", required=False)
    with np.errstate(invalid="ignore"):
        chk.flag(low > best, "low", "low is above best (low <= best <= high)", _text(df, "low"))
        chk.flag(high < best, "high", "high is below best (low <= best <= high)", _text(df, "high"))
    for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        _check_count(chk, _col(df, c), c, required=False)

    # published: the first date in source_date ("2025-10-12;2025-10-13"), else date_end, else date_start
    src_date = _map(_text(df, "source_date"), lambda v: _parse_date(str(v).split(";")[0].strip()))
    published = np.where(src_date != None, src_date, np.where(end != None, end, start))  # noqa: E711

    wc, wd, adm1, adm2, country = (_text(df, c) for c in ("where_coordinates", "where_description", "adm_1", "adm_2", "country"))
    side_a, side_b = _text(df, "side_a"), _text(df, "side_b")
    eid = ids.to_numpy(dtype=object)
    site_id = ID_PREFIX["ucdp"] + eid
    day = lambda v: str(v).strip()[:10]  # noqa: E731 ("2025-10-12 00:00:00.000")
    span = _objects([a if a == b or not b else f"{a} to {b}" for a, b in zip(_map(start_text, day), _map(end_text, day))])
    notes = "UCDP GED " + eid + "; " + _join([
        violence,
        _or(_text(df, "dyad_name"), _join([side_a, side_b], " vs ")),
        _prefix("conflict: ", _text(df, "conflict_name")),
        _join([span, _prefix("(date_prec ", _text(df, "date_prec"), ")")], " "),
        _prefix("where_prec ", _text(df, "where_prec")),
        _prefix("event_clarity ", _text(df, "event_clarity")),
    ], "; ")
    split = _join([
        _join([_prefix("side A (", side_a, ")"), _text(df, "deaths_a")], " ") if "deaths_a" in df else "",
        _join([_prefix("side B (", side_b, ")"), _text(df, "deaths_b")], " ") if "deaths_b" in df else "",
        _prefix("civilians ", _text(df, "deaths_civilians")),
        _prefix("unknown ", _text(df, "deaths_unknown")),
    ], ", ")
    statement = _join([_prefix("UCDP GED best estimate ", _text(df, "best"), " deaths"), _prefix("of which ", split)], ": ") + "."
    where = _or(wc, adm2, adm1, country, eid)
    return {
        "site_id": site_id,
        "name": where,
        "reported_location": _or(wd, _join([wc, adm2, adm1, country], ", "), eid),
        "reported_country": iso2_from_name(_col(df, "country")),
        "reported_admin1": _none_if_blank(adm1),
        "category": category,
        "event_date": start,
        "lat": lat, "lon": lon,
        "precision": precision,
        "where_prec": where_prec,
        "geo_precision": _codes_of(precision, 1),
        "notes": notes,
        "source_id": site_id,
        "outlet": _join(["UCDP GED", _text(df, "source_office")], ": "),
        "title": _or(_text(df, "source_headline"), "UCDP GED event " + eid),
        "published": published,
        "source_notes": _none_if_blank(_text(df, "source_original")),
        "low": low, "best": best, "high": high,
        "statement": statement,
    }


_CONVERTERS = {"acled": _acled, "ucdp": _ucdp}


@gc_paused()
def read_events(path: str | Path, fmt: str | None = None, *, skip_invalid: bool = False) -> EventTables:
    """Read an ACLED export or a UCDP GED CSV as sites, claims, sources and claimants.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without BOM), or a Parquet/GeoParquet file with the same
        columns (any column types; problems then name the row number instead of the line).
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
        With every problem of the file, each with line and column, unless ``skip_invalid``
        (problems of the header or the encoding always raise).
    """
    path = Path(path)
    name = str(path)
    if is_parquet(path):
        df, lines = _read_parquet(path)
        header, problems = list(df.columns), []
        fmt = _choose_format(name, header, fmt)
    else:
        header = _header(path)
        fmt = _choose_format(name, header, fmt)
        df, lines, problems = _read_frame(path, header)
    chk = _Check(name, lines)
    cols = _CONVERTERS[fmt](df, chk) if len(df) else None
    problems = sorted(problems + chk.sorted(), key=lambda p: (p.line or 0))
    if problems and not skip_invalid:
        raise LayerError(problems)
    keep = ~chk.bad
    claimant = CLAIMANTS[fmt]
    claimants = pd.DataFrame([{**claimant, "source_file": name, "source_line": None}], columns=CLAIMANT_COLUMNS, dtype=object)
    if cols is None:
        empty = lambda columns: pd.DataFrame({c: pd.Series(dtype=object) for c in columns})  # noqa: E731
        return EventTables(empty(SITE_COLUMNS), empty(CLAIM_COLUMNS), empty(SOURCE_COLUMNS), claimants, problems)
    if not keep.all():
        cols = {k: np.asarray(v)[keep] for k, v in cols.items()}
    n = int(keep.sum())
    file_col = np.full(n, name, dtype=object)
    line_col = lines[keep]
    none = np.full(n, None, dtype=object)
    sites = object_frame({
        "site_id": cols["site_id"], "name": cols["name"], "place": none, "reported_location": cols["reported_location"],
        "reported_country": cols["reported_country"], "reported_admin1": cols["reported_admin1"], "category": cols["category"],
        "event_date": cols["event_date"], "lat": cols["lat"].astype(float), "lon": cols["lon"].astype(float),
        "radius_km": _map(cols["precision"], RADIUS_KM.get).astype(float), "precision": cols["precision"],
        "source_ids": cols["source_id"], "notes": cols["notes"], "source_file": file_col, "source_line": line_col,
        "where_prec": cols["where_prec"].astype(np.int64), "geo_precision": cols["geo_precision"].astype(np.int64),
    }, SITE_COLUMNS)
    claims = object_frame({
        "claim_id": cols["site_id"] + "-killed", "site_id": cols["site_id"], "claimant_id": np.full(n, claimant["claimant_id"], dtype=object),
        "speaker": none, "claim_date": cols["published"], "quantity": np.full(n, "killed", dtype=object),
        "subject": np.full(n, "all sides", dtype=object), "low": cols["low"].astype(float), "best": cols["best"].astype(float),
        "high": cols["high"].astype(float), "unit": np.full(n, "people", dtype=object), "statement": cols["statement"],
        "quote": none, "source_id": cols["source_id"], "source_file": file_col, "source_line": line_col,
    }, CLAIM_COLUMNS)
    sources = object_frame({
        "source_id": cols["source_id"], "outlet": cols["outlet"], "title": cols["title"], "published": cols["published"],
        "url": none, "seed": none, "notes": cols["source_notes"], "source_file": file_col, "source_line": line_col,
    }, SOURCE_COLUMNS)
    return EventTables(sites, claims, sources, claimants, problems)


# --------------------------------------------------------------------------------------------
# into the pipeline


def merge_events(layers, events: EventTables | list[EventTables]):
    """Layers with the events' sites, claims, sources and claimants appended.

    Raises
    ------
    LayerError
        When an event's site, claim or source id is already used by the layers or by
        another events file.
    """
    batches = [events] if isinstance(events, EventTables) else list(events)
    if not batches:
        return layers
    problems: list[Problem] = []
    frames = {}
    for key, id_col in (("sites", "site_id"), ("claims", "claim_id"), ("sources", "source_id")):
        parts = [getattr(layers, key)] + [getattr(b, key) for b in batches]
        merged = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
        dup = merged[id_col].duplicated(keep="first")
        if dup.any():
            first = merged.groupby(id_col)["source_line"].transform("first")
            first_file = merged.groupby(id_col)["source_file"].transform("first")
            for i in np.flatnonzero(dup.to_numpy()):
                r = merged.iloc[i]
                problems.append(Problem(r["source_file"], int(r["source_line"]), None,
                                        f"{id_col} {r[id_col]!r} is already used ({first_file.iloc[i]}:{first.iloc[i]})"))
        frames[key] = merged.astype({c: object for c in merged.columns if c not in ("lat", "lon", "radius_km", "low", "best", "high")})
    if problems:
        raise LayerError(problems)
    known = set(layers.claimants["claimant_id"])
    extra = []
    for b in batches:
        for r in b.claimants.to_dict("records"):
            if r["claimant_id"] not in known:
                known.add(r["claimant_id"])
                extra.append(r)
    claimants = layers.claimants
    if extra:
        claimants = pd.concat([claimants, pd.DataFrame(extra, columns=claimants.columns.union(CLAIMANT_COLUMNS, sort=False))[claimants.columns]],
                              ignore_index=True).astype(object)
    files = list(layers.files) + sorted({Path(b.sites["source_file"].iloc[0]) for b in batches if len(b.sites)})
    return replace(layers, sites=frames["sites"], claims=frames["claims"], sources=frames["sources"], claimants=claimants, files=files)


def imported_rows(sites: pd.DataFrame) -> np.ndarray:
    """Mask of site rows that came from an events file (they carry their own precision codes)."""
    if "where_prec" not in sites.columns:
        return np.zeros(len(sites), dtype=bool)
    return sites["where_prec"].notna().to_numpy(dtype=bool)


def locate_events(sites: pd.DataFrame) -> pd.DataFrame:
    """Imported sites as :func:`geo.pipeline.locate_sites` would return them, without geocoding.

    Coordinates, precision, radius and both precision codes are the dataset's; nothing is looked up.
    """
    out = sites.copy(deep=False)  # (copy-on-write: the columns set below leave `sites` as it was)
    n = len(out)
    none = np.full(n, None, dtype=object)
    ucdp = np.char.startswith(out["site_id"].to_numpy(dtype=object).astype(str), ID_PREFIX["ucdp"]) if n else np.zeros(0, dtype=bool)
    label = np.where(ucdp, "UCDP GED", "ACLED").astype(object)
    where_prec = out["where_prec"].astype(int)
    geo_precision = out["geo_precision"].astype(int)
    out["place_id"] = none
    out["admin1"] = none
    out["admin2"] = none
    out["country_geocoded"] = none
    # Few distinct (dataset, where_prec, geo_precision): each text is built once.
    out["geocode_source"] = pd.Series(per_combination(lambda lab, w, g: f"{lab} coordinates (where_prec {w}, geo_precision {g})",
                                                       label, where_prec.to_numpy(), geo_precision.to_numpy()), index=out.index, dtype=object)
    out["geocode_ref"] = none
    out["geocode_score"] = none
    out["geocode_note"] = none
    out["alternatives"] = np.full(n, "", dtype=object)
    out["where_prec"] = where_prec
    out["geo_precision"] = geo_precision
    return out.astype({c: object for c in out.columns})
