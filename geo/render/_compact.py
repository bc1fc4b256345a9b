"""Compact layers: many sites packed as typed arrays and string tables in two base64 blobs."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd

from geo.columns import file_names, iso_dates, per_combination, per_value
from geo.events import DIALECTS
from geo.render import _texts
from geo.render._popup import hand_made
from geo.render._style import AREA_PRECISIONS, CATEGORY_COLORS, CATEGORY_SYMBOLS, COMPACT_SCALE


def _codes(values, sort: bool = False) -> tuple[np.ndarray, list]:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=object)
    elif not isinstance(values, np.ndarray):
        values = list(values)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, uniques = pd.factorize(arr, use_na_sentinel=False, sort=sort)
    return codes, ["" if u is None or (isinstance(u, float) and np.isnan(u)) else str(u) for u in uniques]


#: Separator of strings packed into one text (ASCII unit separator; never in report text we keep).
UNIT_SEP = "\u001f"


#: Typed-array codes understood by the compact layer's decoder, and their little-endian dtypes.
ARRAY_TYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "i4": "<i4", "f4": "<f4"}


def _int_array(values) -> tuple[str, np.ndarray]:
    """``values`` in the smallest unsigned/signed 32-bit-or-less little-endian type that holds them."""
    a = np.asarray(values, dtype=np.int64)
    lo, hi = (int(a.min()), int(a.max())) if len(a) else (0, 0)
    for code in ("u1", "u2", "u4", "i4"):
        info = np.iinfo(np.dtype(ARRAY_TYPES[code]))
        if info.min <= lo and hi <= info.max:
            return code, a.astype(ARRAY_TYPES[code])
    raise ValueError("integers out of 32-bit range")


def _pack_strings(values: list[str]) -> str:
    return UNIT_SEP.join(v.replace(UNIT_SEP, " ") for v in values)


def pack_blob(arrays: dict[str, tuple[str, np.ndarray]], texts: dict[str, str], *, compress: bool = True) -> str:
    """Typed arrays and texts as one buffer, base64-encoded, gzip-compressed unless ``compress`` is false.

    Layout before compression: a little-endian ``uint32`` header length, the header (UTF-8 JSON
    ``{"arrays": {name: [type, byte offset, length]}, "texts": {...}}``), then the arrays' raw
    little-endian bytes back to back. ``mtime=0`` keeps the output identical for identical input.
    The page decodes an uncompressed buffer at once and inflates a compressed one asynchronously.

    Parameters
    ----------
    arrays
        Name to ``(type code, array)``, type codes as in :data:`ARRAY_TYPES`.
    texts
        Name to text (packed string dictionaries).
    """
    spec, chunks, offset = {}, [], 0
    for name, (code, a) in arrays.items():
        raw = np.ascontiguousarray(a, dtype=ARRAY_TYPES[code]).tobytes()
        spec[name] = [code, offset, len(a)]
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps({"arrays": spec, "texts": texts}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = len(header).to_bytes(4, "little") + header + b"".join(chunks)
    return base64.b64encode(gzip.compress(payload, compresslevel=6, mtime=0) if compress else payload).decode("ascii")


#: The columns a compact layer reads.
COMPACT_SITE_COLUMNS = ["site_id", "name", "reported_location", "event_date", "precision", "side", "flags", "radius_km",
                        "distance_km", "uncertainty_km", "lon", "lat", "category", "admin1", "admin2", "country", "notes",
                        "geocode_source", "source_file", "source_line"]
COMPACT_CLAIM_COLUMNS = ["claim_id", "site_id", "claimant", "speaker", "quantity", "subject", "outlet", "source_url", "published", "claim_date",
                         "figure", "statement", "quote"]


def _ordered(sites: pd.DataFrame, claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sites in longitude order, and their claims grouped by site (``_i``: the site's position)."""
    site_ids = sites["site_id"].astype(str).to_numpy()
    order = np.lexsort((site_ids, sites["lon"].to_numpy(float)))
    sites = sites[[c for c in COMPACT_SITE_COLUMNS if c in sites]].iloc[order].reset_index(drop=True)
    index = pd.Series(np.arange(len(sites)), index=site_ids[order])
    site_of_claim = claims["site_id"].map(index)
    keep = site_of_claim.notna().to_numpy()
    cl = claims[[c for c in COMPACT_CLAIM_COLUMNS if c in claims]][keep]
    at = site_of_claim.to_numpy()[keep].astype(np.int64)
    # A site's claims by date and id, as the small map's claims table has them.
    if "claim_date" in cl and "claim_id" in cl:
        by_date = np.lexsort((cl["claim_id"].astype(str).to_numpy(), iso_dates(cl["claim_date"]).astype(str)))
        cl, at = cl.iloc[by_date], at[by_date]
    by_site = np.argsort(at, kind="stable")
    cl = cl.iloc[by_site].assign(_i=at[by_site])
    return sites, cl


def _draw_blob(sites: pd.DataFrame, site_dates: np.ndarray, date_values: list[str]) -> tuple[str, int, int]:
    """The uncompressed ``draw`` blob of sites in longitude order, with its origin ``x0``, ``y0``."""
    x = np.round(sites["lon"].to_numpy(float) * COMPACT_SCALE).astype(np.int64)
    y = np.round(sites["lat"].to_numpy(float) * COMPACT_SCALE).astype(np.int64)
    x0 = int(x[0]) if len(x) else 0
    y0 = int(y.min()) if len(y) else 0
    draw = pack_blob({
        "dx": _int_array(np.diff(x, prepend=x0)), "y": _int_array(y - y0), "date": _int_array(site_dates),
        "area": _int_array(sites["precision"].isin(AREA_PRECISIONS).to_numpy(int)),
    }, {"dates": _pack_strings(date_values)}, compress=False)
    return draw, x0, y0


class _Columns:
    """Arrays and string tables of a blob under construction: a text column becomes codes plus a table."""

    def __init__(self):
        self.arrays: dict[str, tuple[str, np.ndarray]] = {}
        self.texts: dict[str, str] = {}

    def text(self, name: str, values) -> None:
        codes, table = _codes(values)
        self.arrays[name] = _int_array(codes)
        self.texts[name] = _pack_strings(table)

    def ints(self, name: str, values) -> None:
        self.arrays[name] = _int_array(values)


def _site_columns(b: _Columns, sites: pd.DataFrame, countries: dict[str, str], layers_root: Path | None) -> None:
    b.texts["ids"] = _pack_strings(sites["site_id"].astype(str).tolist())
    b.text("name", sites["name"])
    same = sites["reported_location"].fillna("").astype(str).to_numpy() == sites["name"].fillna("").astype(str).to_numpy()
    if not same.all():  # else the page shows the name
        b.text("place", sites["reported_location"])
    b.text("prec", _texts.precision_texts(sites["precision"], sites["radius_km"]))
    b.text("gsrc", sites["geocode_source"] if "geocode_source" in sites else [""] * len(sites))
    b.text("side", sites["side"])
    b.text("sidetext", _texts.side_texts(sites["side"], countries))
    b.text("admin", _texts.admin_texts(sites.get("admin2", pd.Series([None] * len(sites))), sites.get("admin1", pd.Series([None] * len(sites))),
                                       sites["country"] if "country" in sites else [None] * len(sites), countries))
    b.text("country", sites["country"] if "country" in sites else [None] * len(sites))
    b.text("flag", [", ".join(f.code for f in fl) for fl in sites["flags"]])
    b.text("flagmsg", _texts.flag_texts(sites["flags"], sites["name"], _texts.tenths(sites["distance_km"])))
    notes = sites["notes"] if "notes" in sites else pd.Series([None] * len(sites))
    notes = _texts.notes_without_ids(notes, sites["site_id"])
    b.text("notes", notes)
    b.text("actors", _texts.actors(sites))
    # The row of a hand-made site (the layers' own sites.csv); an event is known by its id.
    own = hand_made(sites, layers_root) if layers_root is not None and "source_file" in sites else np.zeros(len(sites), bool)
    b.text("file", np.where(own, file_names(sites["source_file"]) if own.any() else "", ""))
    b.ints("line", np.where(own, pd.to_numeric(sites["source_line"], errors="coerce").fillna(0).astype(np.int64), 0) if own.any() else np.zeros(len(sites)))
    b.ints("dist", _texts.tenths(sites["distance_km"]))
    b.ints("unc", _texts.tenths(sites["uncertainty_km"]) if "uncertainty_km" in sites else np.zeros(len(sites)))


#: A missing date among day offsets.
NO_DAY = -(2**31)


def _days(values) -> np.ndarray:
    """Days since 1970-01-01 of dates (or ISO date strings); :data:`NO_DAY` where missing."""
    def one(d):
        if isinstance(d, str) and d:
            d = dt.date.fromisoformat(d[:10])
        return (d - dt.date(1970, 1, 1)).days if isinstance(d, dt.date) else NO_DAY
    return per_value(values, one).astype(np.int64)


def _claim_columns(b: _Columns, cl: pd.DataFrame, site_days: np.ndarray, disputed: set[str]) -> None:
    def col(name):
        return cl[name] if name in cl else pd.Series([None] * len(cl), dtype=object)
    # Claims are ordered by site: a count per site locates them.
    b.ints("c_count", np.bincount(cl["_i"].to_numpy(int), minlength=len(site_days)))
    b.text("c_claimant", col("claimant"))
    b.ints("c_disp", col("claim_id").isin(disputed).to_numpy(int))
    b.text("c_who", per_combination(lambda sp, c: sp if isinstance(sp, str) and sp else c, col("speaker"), col("claimant")))
    b.text("c_q", _texts.row_labels(col("quantity"), col("subject")))
    b.text("c_fig", col("figure"))
    b.text("c_stmt", col("statement"))
    b.text("c_quote", col("quote"))
    b.text("c_outlet", col("outlet"))
    b.text("c_url", per_value(col("source_url"), lambda u: u if isinstance(u, str) and u.lower().startswith(("https://", "http://")) else None))
    # A claim's date as days after its site's (mostly 0); publication dates are few: a table.
    claim_day = _days(col("claim_date"))
    b.ints("c_date", np.where(claim_day == NO_DAY, NO_DAY, claim_day - site_days[cl["_i"].to_numpy(int)]))
    b.text("c_pub", per_value(col("published"), lambda d: d.isoformat() if hasattr(d, "isoformat") else (d or "")))


def compact_data(sites: pd.DataFrame, claims: pd.DataFrame, *, category: str, countries: dict[str, str] | None = None,
                 claimants: list[str] | None = None, disputed: set[str] | None = None, layers_root: Path | None = None) -> dict:
    """One category's sites and claims as two blobs (:func:`pack_blob`): what drawing needs, what popups show.

    ``draw`` (coordinates, dates, the area flag) is decoded as soon as the page opens, so it is not
    compressed (inflating is asynchronous and would delay the first picture); sites are ordered by
    longitude and their coordinates, integers of 1e-5 degree (about 1 m), stored as longitude steps
    and latitudes above the minimum, which mostly fit 16 and 32 bits. ``popup`` (ids, names, checks,
    claims, in the words of :mod:`geo.render._texts` and :func:`geo.claims.format_figure`, as the
    small map's popups) is gzip-compressed and inflated on the first click, search or filter. Every
    repeated text is stored once and referenced by index; distances are integers of 0.1 km, the
    precision a popup shows. A map of 100,000 sites is then a few megabytes that open in a
    fraction of a second, where a JSON object per site would take seconds.

    Parameters
    ----------
    countries
        ISO code to country name, for the side texts.
    claimants
        Claimant names in the order of the claims table's columns.
    disputed
        Ids of the claims in a contradiction (their rows are marked "disputed").
    layers_root
        The layers directory: its own sites' popups name their row in its ``sites.csv``.
    """
    countries = countries or {}
    sites, cl = _ordered(sites, claims)
    dates = iso_dates(sites["event_date"]).tolist()
    date_values = sorted(set(d for d in dates if d))  # ISO: code order is date order
    site_dates = np.searchsorted(np.array(date_values, dtype=object), np.array(dates, dtype=object)) if dates else np.zeros(0, int)
    draw, x0, y0 = _draw_blob(sites, site_dates, date_values)
    b = _Columns()
    _site_columns(b, sites, countries, layers_root)
    _claim_columns(b, cl, _days(sites["event_date"]), disputed or set())
    return {
        "scale": COMPACT_SCALE, "color": CATEGORY_COLORS.get(category, "#666666"), "symbol": CATEGORY_SYMBOLS.get(category, ""),
        "n": len(sites), "m": len(cl), "x0": x0, "y0": y0, "cat": category, "id_prefixes": sorted(d.ID_PREFIX for d in DIALECTS.values()), "claimants": claimants or [],
        "draw": draw, "popup": pack_blob(b.arrays, b.texts),
    }
