"""Claims: grouped per site and claimant, figures as low/best/high, contradictions between claimants."""

from __future__ import annotations

import math

import pandas as pd

from geo.gazetteer import normalise


def _num(v) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def format_figure(low, best, high) -> str:
    """Human form of a low/best/high triple.

    Examples
    --------
    >>> format_figure(58, 58, None)
    'at least 58'
    >>> format_figure(None, 23, None)
    '23'
    >>> format_figure(10, 15, 20)
    '15 (10–20)'
    """
    low, best, high = _num(low), _num(best), _num(high)
    f = lambda x: f"{x:,.0f}" if x == int(x) else f"{x:,g}"  # noqa: E731
    if best is None and low is None and high is None:
        return ""
    if best is not None and low == best and high is None:
        return f"at least {f(best)}"
    if best is not None and high == best and low is None:
        return f"up to {f(best)}"
    if best is None:
        return "–".join(f(x) for x in (low, high) if x is not None)
    if low is not None or high is not None:
        return f"{f(best)} ({f(low) if low is not None else '?'}–{f(high) if high is not None else '?'})"
    return f(best)


def enrich(claims: pd.DataFrame, claimants: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Claims with the claimant's name and country and the source's outlet, date and link."""
    c = claimants.set_index("claimant_id")
    s = sources.set_index("source_id")
    out = claims.copy()
    out["claimant"] = out["claimant_id"].map(c["name"])
    out["claimant_country"] = out["claimant_id"].map(c["country"])
    out["outlet"] = out["source_id"].map(s["outlet"])
    out["source_title"] = out["source_id"].map(s["title"])
    out["source_url"] = out["source_id"].map(s["url"])
    out["published"] = out["source_id"].map(s["published"])
    out["figure"] = [format_figure(lo, be, hi) for lo, be, hi in zip(out["low"], out["best"], out["high"])]
    return out.sort_values(["site_id", "claimant_id", "claim_id"], na_position="first").reset_index(drop=True)


def _key_value(row) -> float | None:
    for col in ("best", "low", "high"):
        v = _num(row[col])
        if v is not None:
            return v
    return None


def contradictions(claims: pd.DataFrame) -> list[dict]:
    """Quantities on which claimants give different figures for the same site (or the whole border).

    Returns
    -------
    list of dict
        ``site_id`` (None for border-wide), ``quantity``, ``subject``, ``claim_ids`` and
        ``figures`` (claimant name → figure text), sorted for stable output.
    """
    out = []
    df = claims.assign(_subj=claims["subject"].fillna("").map(normalise), _site=claims["site_id"].fillna(""))
    for (site, qty, subj), grp in df.groupby(["_site", "quantity", "_subj"], sort=True):
        vals = {}
        for _, r in grp.iterrows():
            v = _key_value(r)
            if v is not None:
                vals.setdefault(r["claimant_id"], set()).add(v)
        if len(vals) < 2:
            continue
        all_vals = set().union(*vals.values())
        if len(all_vals) < 2:
            continue
        figures = {}
        for _, r in grp.iterrows():
            if _key_value(r) is not None:
                figures.setdefault(r["claimant"], []).append(r["figure"])
        out.append({
            "site_id": site or None,
            "quantity": qty,
            "subject": grp["subject"].dropna().iloc[0] if grp["subject"].notna().any() else "",
            "claim_ids": sorted(grp["claim_id"]),
            "figures": {k: sorted(set(v)) for k, v in sorted(figures.items())},
            "ratio": round(max(all_vals) / min(all_vals), 2) if min(all_vals) > 0 else None,
        })
    return out


def quantity_label(quantity: str) -> str:
    """``posts_captured`` → ``posts captured``."""
    return quantity.replace("_", " ")
