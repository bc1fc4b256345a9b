"""Claims: grouped per site and claimant, figures as low/best/high, contradictions between claimants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geo.columns import per_value, sort_rows
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


def _figures(low: pd.Series, best: pd.Series, high: pd.Series) -> np.ndarray:
    """:func:`format_figure` of each row's triple, called once per distinct triple (event files repeat their counts)."""
    cols = [low.to_numpy(dtype=object), best.to_numpy(dtype=object), high.to_numpy(dtype=object)]
    n = len(cols[0])
    if not n:
        return np.empty(0, dtype=object)
    key = np.zeros(n, dtype=np.int64)
    for c in cols:
        codes, uniques = pd.factorize(c, use_na_sentinel=True)  # None and NaN are both "missing" to format_figure
        key = key * (len(uniques) + 1) + (codes + 1)
        key, _ = pd.factorize(key)  # keep the key small
    _, first = np.unique(key, return_index=True)
    table = np.empty(len(first), dtype=object)
    table[:] = [format_figure(*(c[i] for c in cols)) for i in first.tolist()]
    return table[key]


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str, columns: list[str]) -> dict[str, object]:
    """``keys.map(table.set_index(key)[col])`` for each column, with one hash lookup for all of them.

    The index is kept as Python objects: pandas would otherwise copy a million ids into Arrow
    strings for each ``map``.
    """
    index = pd.Index(table[key].to_numpy(dtype=object), dtype=object)
    indexer = index.get_indexer(keys.to_numpy(dtype=object))  # raises on duplicate ids, as map does
    return {col: pd.api.extensions.take(table[col].array, indexer, allow_fill=True) for col in columns}


def enrich(claims: pd.DataFrame, claimants: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Claims with the claimant's name and country and the source's outlet, date and link."""
    out = claims.copy(deep=False)  # (copy-on-write: the columns set below leave `claims` as it was; sort_rows copies)
    by_claimant = _lookup(out["claimant_id"], claimants, "claimant_id", ["name", "country"])
    by_source = _lookup(out["source_id"], sources, "source_id", ["outlet", "title", "url", "published"])
    out["claimant"] = by_claimant["name"]
    out["claimant_country"] = by_claimant["country"]
    out["outlet"] = by_source["outlet"]
    out["source_title"] = by_source["title"]
    out["source_url"] = by_source["url"]
    out["published"] = by_source["published"]
    out["figure"] = _figures(out["low"], out["best"], out["high"])
    return sort_rows(out, ["site_id", "claimant_id", "claim_id"]).reset_index(drop=True)


def contradictions(claims: pd.DataFrame) -> list[dict]:
    """Quantities on which claimants give different figures for the same site (or the whole border).

    Vectorised: groups and their distinct claimants and figures are counted on integer codes,
    and only groups where two or more claimants give two or more different figures are looked
    at row by row, so a million single-claim events cost a few factorizations.

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
    val = value.to_numpy(dtype=float, na_value=np.nan)
    site = claims["site_id"].fillna("").to_numpy(dtype=object)
    qty = claims["quantity"].to_numpy(dtype=object)
    subj = per_value(claims["subject"].fillna(""), normalise)
    # Group of each row by (site, quantity, normalised subject); -1 where a key is missing (as groupby drops it).
    group = _group_codes([site, qty, subj])
    have = np.flatnonzero((group >= 0) & ~np.isnan(val))
    if not len(have):
        return []
    n_groups = int(group.max()) + 1
    n_claimants = _distinct_per_group(group[have], pd.factorize(claims["claimant_id"].to_numpy(dtype=object)[have])[0], n_groups)
    n_values = _distinct_per_group(group[have], pd.factorize(val[have])[0], n_groups)
    disputed = np.flatnonzero((n_claimants >= 2) & (n_values >= 2))
    # Rows of every disputed group, in file order within each group.
    idx = np.flatnonzero(np.isin(group, disputed))
    idx = idx[np.argsort(group[idx], kind="stable")]
    bounds = np.flatnonzero(np.diff(group[idx])) + 1
    keyed = [((site[rows[0]], qty[rows[0]], subj[rows[0]]), rows) for rows in np.split(idx, bounds)] if len(idx) else []
    out = []
    for (s, q, _), rows in sorted(keyed, key=lambda t: t[0]):  # groupby's order: by site, quantity, subject
        grp = claims.iloc[rows]
        valued = grp[~np.isnan(val[rows])]
        figures: dict[str, set[str]] = {}
        for name, fig in zip(valued["claimant"], valued["figure"]):
            figures.setdefault(name, set()).add(fig)
        vals = pd.Series(val[rows][~np.isnan(val[rows])])
        out.append({
            "site_id": s or None,
            "quantity": q,
            "subject": grp["subject"].dropna().iloc[0] if grp["subject"].notna().any() else "",
            "claim_ids": sorted(grp["claim_id"]),
            "figures": {k: sorted(v) for k, v in sorted(figures.items())},
            "ratio": round(float(vals.max()) / float(vals.min()), 2) if vals.min() > 0 else None,
        })
    return out


def _group_codes(keys: list[np.ndarray]) -> np.ndarray:
    """One integer per distinct combination of the keys (-1 where any key is missing)."""
    group = np.zeros(len(keys[0]), dtype=np.int64)
    missing = np.zeros(len(keys[0]), dtype=bool)
    for k in keys:
        codes, uniques = pd.factorize(k)
        missing |= codes < 0
        group, _ = pd.factorize(group * (len(uniques) + 1) + codes + 1)
    group[missing] = -1
    return group


def _distinct_per_group(group: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct non-missing ``codes`` (factorize codes, -1 missing) in each group."""
    ok = codes >= 0
    width = int(codes.max()) + 1 if ok.any() else 1
    pairs = pd.unique(group[ok].astype(np.int64) * width + codes[ok])
    return np.bincount(pairs // width, minlength=n_groups)


def quantity_label(quantity: str) -> str:
    """``posts_captured`` → ``posts captured``."""
    return quantity.replace("_", " ")
