"""Popups of the hand-made sites: facts, checks and claims side by side, escaped by Jinja."""

from __future__ import annotations

import jinja2
import numpy as np
import pandas as pd
from markupsafe import escape

from geo.claims import quantity_label
from geo.pipeline import Dataset
from geo.render._style import CATEGORY_COLORS, LOUD_FLAGS, MAP_DECIMALS

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("geo", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


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


def _side_text(site: dict, countries: dict[str, str]) -> str:
    if site["side"] == "uncertain":
        return "side uncertain (too close to the line to tell)"
    if site["side"] == "outside":
        return "outside both countries"
    return f"{countries.get(site['side'], site['side'])} side"


def _clean(value):
    """NaN and NaT (pandas' missing values) as None, for templates and JSON."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return value


def site_features(ds: Dataset) -> dict[str, list[dict]]:
    """GeoJSON features per category, with escaped popup and tooltip HTML."""
    names = dict(zip(ds.reference.countries["iso_a2"], ds.reference.countries["name"]))
    claimants = [(r.claimant_id, r.name) for r in ds.layers.claimants.itertuples()]
    popup_t = _HTML.get_template("popup.html.j2")
    out: dict[str, list[dict]] = {}
    for site in ds.sites.drop(columns="geometry").to_dict("records"):
        site = {k: _clean(v) for k, v in site.items()}
        site["event_date"] = site["event_date"].isoformat()
        sc = ds.claims[ds.claims["site_id"] == site["site_id"]]
        disputed = {(c["quantity"], c["subject"].lower()) for c in ds.contradictions if c["site_id"] == site["site_id"]}
        located = ", ".join(str(x) for x in (site.get("admin2"), site.get("admin1"), names.get(site["country"] or "", site["country"])) if x)
        color = CATEGORY_COLORS[site["category"]]
        html = popup_t.render(
            site=site, color=color, flags=site["flags"], border_name=ds.border["name"],
            side_text=_side_text(site, names), matrix=claims_matrix(sc, claimants, disputed),
            located=f"{site['lat']:.4f}, {site['lon']:.4f}" + (f" — {located}" if located else ""),
        )
        loud = any(f.code in LOUD_FLAGS for f in site["flags"])
        style = {"color": "#000000" if loud else color, "fillColor": color, "weight": 3 if loud else 1.5,
                 "className": f"geo-site geo-site-{site['site_id']}"}
        props = {
            "site_id": site["site_id"], "name": site["name"], "category": site["category"], "date": site["event_date"],
            "side": site["side"], "distance_km": round(float(site["distance_km"]), 2), "precision": site["precision"],
            "_style": style, "_popup": html, "_tooltip": str(escape(site["name"])), "_date": site["event_date"],
            "_key": site["site_id"],
        }
        if site["precision"] in ("district", "province", "country", "near"):
            props["_extent_m"] = round(float(site["radius_km"]) * 1000.0)
        out.setdefault(site["category"], []).append({
            "type": "Feature", "id": site["site_id"], "properties": props,
            "geometry": {"type": "Point", "coordinates": [round(site["lon"], MAP_DECIMALS), round(site["lat"], MAP_DECIMALS)]},
        })
    return out
