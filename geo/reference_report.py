"""The reference lines in plain words for ``report.md``: a table of the lines and how their tolerances were found."""

from __future__ import annotations

from typing import Callable

from geo.scale_chart import LABELS
from geo.tolerance import FINEST_TOLERANCE_KM, PERCENTILE

OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def _name(ref: dict) -> str:
    return LABELS.get(ref.get("key", ""), ref["source"])


def method_text(border: dict) -> str:
    """How the tolerances were found and how sides are decided, in plain words (one paragraph)."""
    refs = border.get("references") or []
    if len(refs) < 2:
        tol = refs[0]["tolerance_km"] if refs else border["tolerance_km"]
        return (f"There is one reference line, so its tolerance (±{tol:g} km) is the figure stated in theatre.toml, "
                "not a measurement: nothing here checks it. A site closer to the line than that tolerance plus its own "
                "location radius gets no side.")
    used, others = refs[0], refs[1:]
    text = (f"Two sources draw this border. Sides and distances use the finest line, {_name(used)} "
            f"({used['vertices']:,} vertices, one every {used['vertex_spacing_km'] * 1000:,.0f} m at the median); "
            f"its tolerance of ±{used['tolerance_km']:g} km is a stated figure (about twice its vertex spacing; no "
            f"accuracy is published for it). ")
    for o in others:
        if o.get("offset_median_km") is None:
            continue
        text += (f"{_name(o)} was measured against it: half of the fine line's vertices lie within "
                 f"{o['offset_median_km']:,.2f} km of the {_name(o)} line, 90% within {o['offset_p90_km']:,.2f} km, "
                 f"99% within {o['offset_p99_km']:,.2f} km, all within {o['offset_max_km']:,.2f} km; its tolerance, "
                 f"±{o['tolerance_km']:g} km, is the {PERCENTILE:g}th percentile of those distances. ")
    text += (f"Along the line the tolerance is not one number: at each point it is the larger of {FINEST_TOLERANCE_KM:g} km "
             "and the distance to the other line there, so a site near a stretch where the sources agree can be given a "
             "side, and one near a stretch where they part cannot. A site that the two sources' country polygons put in "
             "different countries gets no side at all (flag sources_disagree), whichever line is finer.")
    return text


def markdown_lines(border: dict, md: Callable[[object], str]) -> list[str]:
    """``report.md`` lines: the reference lines table and the method; ``md`` escapes untrusted text."""
    refs = border.get("references") or []
    lines = ["## Reference lines", "",
             "| line | scale | licence | length (km) | vertices | median spacing (km) | tolerance (km) | used |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for r in refs:
        spacing = "" if r.get("vertex_spacing_km") is None else f"{r['vertex_spacing_km']:g}"
        lines.append(f"| {md(r['source'])} | {md(r['scale'])} | {md(r['licence'])} | {r['length_km']:,.1f} | {r['vertices']:,} | "
                     f"{spacing} | ±{r['tolerance_km']:g} | {'yes' if r['used'] else 'no'} |")
    lines += ["", md(method_text(border))]
    if any("openstreetmap" in str(r.get("licence", "")).lower() for r in refs):
        lines += ["", f"OpenStreetMap data {OSM_ATTRIBUTION}, under the Open Database License (ODbL 1.0)."]
    return lines
