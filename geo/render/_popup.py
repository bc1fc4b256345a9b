"""Popups of the SVG site layer (up to the compact threshold): facts, checks and claims side by side, escaped by Jinja."""

from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from geo.claims import quantity_label
from geo.columns import per_value
from geo.pipeline import Checked
from geo.render import _texts
from geo.render._style import AREA_PRECISIONS, CATEGORY_COLORS, CATEGORY_SYMBOLS, LOUD_FLAGS, MAP_DECIMALS

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("geo", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
# Links only for web addresses: report text could carry "javascript:" URLs.
_HTML.tests["web_url"] = lambda u: isinstance(u, str) and u.strip().lower().startswith(("https://", "http://"))


def claims_matrix(claims, claimant_order: list[tuple[str, str]], disputed: set[tuple[str, str]]) -> dict:
    """Claims laid out side by side: one row per quantity (and subject), one column per claimant."""
    present = [c for c in claimant_order if c[0] in set(claims["claimant_id"])]
    rows = []
    keyed: dict[tuple[str, str], dict] = {}
    for c in claims.sort_values(["claim_date", "claim_id"]).to_dict("records"):
        c = {k: _clean(v) for k, v in c.items()}
        subj = c["subject"] or ""
        key = (c["quantity"], subj)
        if key not in keyed:
            label = quantity_label(c["quantity"]) + (f": {subj}" if subj else "")
            keyed[key] = {"label": label, "cells": {cid: [] for cid, _ in present}, "contradiction": (c["quantity"], subj.lower()) in disputed}
            rows.append(keyed[key])
        keyed[key]["cells"][c["claimant_id"]].append(c)
    for r in rows:
        r["cells"] = [r["cells"][cid] for cid, _ in present]
    return {"columns": [{"id": cid, "name": name} for cid, name in present], "rows": rows}


def _clean(value):
    """NaN and NaT (pandas' missing values) as None, for templates and JSON."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return value


def hand_made(sites: pd.DataFrame, root: Path) -> np.ndarray:
    """Which sites come from the layers' own ``sites.csv`` (not from an events file): those get labels."""
    own = Path(root) / "sites.csv"
    return per_value(sites["source_file"], lambda f: isinstance(f, str) and Path(f) == own).astype(bool)


def site_features(ds: Checked) -> dict[str, list[dict]]:
    """GeoJSON features per category: what the site layer, the filters and the list read, and escaped popup HTML."""
    names = dict(zip(ds.reference.countries["iso_a2"], ds.reference.countries["name"]))
    claimants = [(r.claimant_id, r.name) for r in ds.layers.claimants.itertuples()]
    popup_t = _HTML.get_template("popup.html.j2")
    s = ds.sites
    words = {"side_text": _texts.side_texts(s["side"], names), "precision_text": _texts.precision_texts(s["precision"], s["radius_km"]),
             "admin_text": _texts.admin_texts(s["admin2"], s["admin1"], s["country"], names), "actors": _texts.actors(s),
             "dist10": _texts.tenths(s["distance_km"]), "unc10": _texts.tenths(s["uncertainty_km"]), "own": hand_made(s, ds.layers.root)}
    by_site = dict(tuple(ds.claims.groupby("site_id", sort=False))) if len(ds.claims) else {}
    out: dict[str, list[dict]] = {}
    for k, site in enumerate(s.drop(columns="geometry").to_dict("records")):
        site = {key: _clean(v) for key, v in site.items()}
        site["event_date"] = site["event_date"].isoformat()
        sc = by_site.get(site["site_id"], ds.claims.iloc[:0])
        disputed = {(c["quantity"], c["subject"].lower()) for c in ds.contradictions if c["site_id"] == site["site_id"]}
        color = CATEGORY_COLORS[site["category"]]
        html = popup_t.render(
            site=site, color=color, symbol=CATEGORY_SYMBOLS[site["category"]], flags=site["flags"], side_text=words["side_text"][k], precision_text=words["precision_text"][k],
            check_text=_texts.check_text(int(words["dist10"][k]), int(words["unc10"][k]), ds.border["name"], site["country"]),
            matrix=claims_matrix(sc, claimants, disputed), own=bool(words["own"][k]),
            located=f"{site['lat']:.4f}, {site['lon']:.4f}" + (f" — {words['admin_text'][k]}" if words["admin_text"][k] else ""),
        )
        props = {
            "site_id": site["site_id"], "name": site["name"], "place": site["reported_location"] or "", "category": site["category"],
            "date": site["event_date"], "side": site["side"], "distance_km": int(words["dist10"][k]) / 10, "precision": site["precision"],
            "flags": [f.code for f in site["flags"]], "claimants": sorted(set(sc["claimant"].dropna())), "actors": words["actors"][k],
            "loud": any(f.code in LOUD_FLAGS for f in site["flags"]), "label": bool(words["own"][k]), "_popup": html,
        }
        if site["precision"] in AREA_PRECISIONS:
            props["_extent_m"] = round(float(site["radius_km"]) * 1000.0)
        out.setdefault(site["category"], []).append({
            "type": "Feature", "id": site["site_id"], "properties": props,
            "geometry": {"type": "Point", "coordinates": [round(site["lon"], MAP_DECIMALS), round(site["lat"], MAP_DECIMALS)]},
        })
    return out
