"""The panel's source list, assembled column by column for files of many sources."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from geo.columns import per_value
from geo.render._popup import _HTML, _clean

class _Slot:
    """Stands for one field while a macro is rendered once per pattern of truthy fields: it prints
    as a marker (left alone by escaping) and is true or false as the real values of its rows are."""

    def __init__(self, i: int, truthy: bool):
        self.marker, self.truthy = f"\ue000{i}\ue001", truthy

    def __html__(self) -> str:
        return self.marker

    def __bool__(self) -> bool:
        return self.truthy


def render_rows(macro, columns: dict[str, np.ndarray]) -> np.ndarray:
    """``str(macro(row))`` for every row of ``columns`` (a dict), without calling the macro per row.

    For a macro that only prints fields and tests their truth (``{% if s.url %}``), the output is
    literal text and escaped field values in an order fixed by which fields are true. So the macro
    is rendered once per such pattern, with markers in place of the fields, and each row's text is
    assembled from the pieces and its fields escaped once per distinct value.
    """
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    out = np.empty(n, dtype=object)
    if not n:
        return out
    truth = [per_value(columns[k], bool).astype(bool) for k in names]
    escaped = [per_value(columns[k], lambda v: str(escape(v))) for k in names]
    pattern = np.zeros(n, dtype=np.int64)
    for t in truth:
        pattern = pattern * 2 + t
    marker = re.compile("\ue000(\\d+)\ue001")
    for p in np.unique(pattern).tolist():
        rows = np.flatnonzero(pattern == p)
        flags = [bool((p >> (len(names) - 1 - i)) & 1) for i in range(len(names))]
        text = str(macro(dict(zip(names, (_Slot(i, f) for i, f in enumerate(flags))))))
        parts = marker.split(text)  # literal, field index, literal, ...
        acc = np.full(len(rows), parts[0], dtype=object)
        for j in range(1, len(parts), 2):
            acc = acc + escaped[int(parts[j])][rows] + parts[j + 1]
        out[rows] = acc
    return out


def sources_html(sources: pd.DataFrame) -> Markup:
    """The panel's list items, one per source (the ``source_item`` macro of ``source_item.html.j2``).

    An events file brings one source per event: the items are assembled column by column
    (:func:`render_rows`), not rendered one by one.
    """
    if not len(sources):
        return Markup("")
    item = _HTML.get_template("source_item.html.j2").module.source_item
    cols = ("url", "outlet", "published", "title", "notes")
    cleaned = {c: per_value(sources[c], _clean) if c in sources else np.full(len(sources), None, dtype=object) for c in cols}
    # A link only for a web address (render_rows' macros test truth only, so the scheme is checked here).
    cleaned["url"] = per_value(cleaned["url"], lambda u: u if _HTML.tests["web_url"](u) else None)
    return Markup("".join(render_rows(item, cleaned).tolist()))


#: A source file with more entries than this (a bulk events file brings one per event) is
#: summarised in the panel, not listed: every event's popup and claims.csv name its source.
SOURCE_LIST_MAX = 200


def panel_sources(sources: pd.DataFrame, *, list_max: int = SOURCE_LIST_MAX, top: int = 5) -> Markup:
    """The panel's sources: every source of the hand-made layers, bulk files summarised.

    Sources are grouped by the file they were read from (``source_file``). A file with at most
    ``list_max`` sources is listed item by item (:func:`sources_html`); a larger one becomes one
    item with its count and its ``top`` most cited outlets, so that a map of a million events does
    not carry a million list items.
    """
    if "source_file" not in sources or not len(sources):
        return sources_html(sources)
    files = sources["source_file"].fillna("").astype(str)
    counts = files.value_counts(sort=False)
    bulk = set(counts.index[counts > list_max])
    parts = [sources_html(sources[~files.isin(bulk)])]
    for name in sorted(bulk):
        outlets = sources.loc[files == name, "outlet"].fillna("(no outlet)").astype(str).value_counts()
        cited = ", ".join(f"{o} ({c:,})" for o, c in outlets.head(top).items())
        parts.append(Markup("<li>{:,} sources from {}, one per event, each named in its popup; most cited: {}{}</li>").format(
            int(counts[name]), Path(name).name, cited, "" if len(outlets) <= top else f", and {len(outlets) - top:,} more outlets"))
    return Markup("").join(parts)
