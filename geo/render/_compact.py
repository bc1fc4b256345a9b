"""Compact layers: many sites packed as typed arrays and string tables in two base64 blobs."""

from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pandas as pd

from geo.columns import iso_dates, per_combination
from geo.render._style import COMPACT_SCALE

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
                        "distance_km", "lon", "lat", "category"]
COMPACT_CLAIM_COLUMNS = ["site_id", "claimant", "quantity", "subject", "outlet", "claim_date", "low", "best", "high"]


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
    # A site's claims in the order of the claims table (their file order).
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
        "area": _int_array(sites["precision"].isin(["near", "district", "province", "country"]).to_numpy(int)),
    }, {"dates": _pack_strings(date_values)}, compress=False)
    return draw, x0, y0


def compact_data(sites: pd.DataFrame, claims: pd.DataFrame, *, color: str) -> dict:
    """One category's sites and claims as two blobs (:func:`pack_blob`): what drawing needs, what popups show.

    ``draw`` (coordinates, dates, the area flag) is decoded as soon as the page opens, so it is not
    compressed (inflating is asynchronous and would delay the first picture); sites are ordered by
    longitude and their coordinates, integers of 1e-5 degree (about 1 m), stored as longitude steps
    and latitudes above the minimum, which mostly fit 16 and 32 bits. ``popup`` (ids, names, checks,
    claims) is gzip-compressed and inflated on the first click. Every repeated text is stored once
    and referenced by index; distances are integers of 0.1 km, the precision a popup shows. A map
    of 100,000 sites is then a few megabytes that open in a fraction of a second, where a JSON
    object per site would take seconds.
    """
    sites, cl = _ordered(sites, claims)
    dates = iso_dates(sites["event_date"]).tolist()
    cdates = iso_dates(cl["claim_date"]).tolist()
    date_codes, date_values = _codes(["" if d is None else d for d in dates + cdates], sort=True)  # ISO: code order is date order
    site_dates = date_codes[:len(dates)]
    name_codes, names = _codes(sites["name"])
    place_codes, places = _codes(sites["reported_location"])
    prec_codes, precs = _codes(sites["precision"])
    side_codes, sides = _codes(sites["side"])
    flag_codes, flags = _codes([", ".join([f.code for f in fl]) for fl in sites["flags"]])
    claimant_codes, claimant_names = _codes(cl["claimant"])
    q_codes, quantities = _codes(per_combination(lambda q, s: q.replace("_", " ") + (f": {s}" if isinstance(s, str) and s else ""), cl["quantity"], cl["subject"]))
    outlet_codes, outlets = _codes(cl["outlet"])
    draw, x0, y0 = _draw_blob(sites, site_dates, date_values)
    arrays = {
        "name": _int_array(name_codes), "prec": _int_array(prec_codes),
        "side": _int_array(side_codes), "flag": _int_array(flag_codes),
        "radius": ("f4", sites["radius_km"].to_numpy(float)),
        "dist": _int_array(np.round(sites["distance_km"].to_numpy(float) * 10)),
        # Claims are ordered by site: a count per site locates them, and a claim's date is the
        # difference of its date code from its site's, mostly 0 (both compress to almost nothing).
        "c_count": _int_array(np.bincount(cl["_i"].to_numpy(int), minlength=len(sites))),
        "c_claimant": _int_array(claimant_codes), "c_q": _int_array(q_codes), "c_outlet": _int_array(outlet_codes),
        "c_date": _int_array(date_codes[len(dates):] - site_dates[cl["_i"].to_numpy(int)]),
    }
    if not (np.array_equal(place_codes, name_codes) and places == names):  # else the page shows the name
        arrays["place"] = _int_array(place_codes)
    for col in ("low", "best", "high"):
        vals = pd.to_numeric(cl[col], errors="coerce").to_numpy(float)
        if np.isfinite(vals).any():  # a column nobody filled in is not shipped
            arrays[f"c_{col}"] = ("f4", vals)
    texts = {
        "ids": _pack_strings(sites["site_id"].astype(str).tolist()), "names": _pack_strings(names),
        "places": _pack_strings(places) if "place" in arrays else "", "precs": _pack_strings(precs), "sides": _pack_strings(sides),
        "flags": _pack_strings(flags), "claimants": _pack_strings(claimant_names), "quantities": _pack_strings(quantities),
        "outlets": _pack_strings(outlets),
    }
    return {
        "scale": COMPACT_SCALE, "color": color, "n": len(sites), "m": len(cl), "x0": x0, "y0": y0,
        "cat": sites["category"].iloc[0] if len(sites) else "",
        "draw": draw, "popup": pack_blob(arrays, texts),
    }
