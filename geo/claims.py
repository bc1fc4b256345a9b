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


def contradictions(claims: pd.DataFrame) -> list[dict]:
    """Quantities on which claimants give different figures for the same site (or the whole border).

    Vectorised: only groups where two or more claimants give two or more different figures are
    looked at row by row, so a million single-claim events cost one groupby.

    Returns
    -------
    list of dict
        ``site_id`` (None for border-wide), ``quantity``, ``subject``, ``claim_ids`` and
        ``figures`` (claimant name → figure texts), sorted for stable output.
    """
    if claims.empty:
        return []
    value = pd.to_numeric(claims["best"], errors="coerce")
    for col in ("low", "high"):
        value = value.fillna(pd.to_numeric(claims[col], errors="coerce"))
    df = claims.assign(
        _subj=claims["subject"].fillna("").map(normalise), _site=claims["site_id"].fillna(""), _val=value,
    )
    have = df[df["_val"].notna()]
    stats = have.groupby(["_site", "quantity", "_subj"], sort=True).agg(
        n_claimants=("claimant_id", "nunique"), n_values=("_val", "nunique"))
    disputed = stats[(stats["n_claimants"] >= 2) & (stats["n_values"] >= 2)].index
    out = []
    for site, qty, subj in disputed:
        grp = df[(df["_site"] == site) & (df["quantity"] == qty) & (df["_subj"] == subj)]
        valued = grp[grp["_val"].notna()]
        figures: dict[str, set[str]] = {}
        for name, fig in zip(valued["claimant"], valued["figure"]):
            figures.setdefault(name, set()).add(fig)
        vals = valued["_val"]
        out.append({
            "site_id": site or None,
            "quantity": qty,
            "subject": grp["subject"].dropna().iloc[0] if grp["subject"].notna().any() else "",
            "claim_ids": sorted(grp["claim_id"]),
            "figures": {k: sorted(v) for k, v in sorted(figures.items())},
            "ratio": round(float(vals.max()) / float(vals.min()), 2) if vals.min() > 0 else None,
        })
    return out


def quantity_label(quantity: str) -> str:
    """``posts_captured`` → ``posts captured``."""
    return quantity.replace("_", " ")
