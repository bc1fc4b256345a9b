"""The length-at-every-scale chart: each reference line's divider curve and the reported lengths (PNG).

Drawn on a :class:`matplotlib.figure.Figure` with the Agg canvas directly: no pyplot, no backend
chosen for the process, nothing global changed.
"""

from __future__ import annotations

import io
import math
import re

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

#: What the chart calls each line (by its key in ``border["references"]``).
LABELS = {"osm": "OpenStreetMap", "ne10m": "Natural Earth 1:10m", "user": "the theatre's line"}
LINE_COLORS = ("#333333", "#8c6d31", "#6a51a3")
REPORT_COLORS = ("#d7301f", "#2c7fb8", "#41ab5d", "#7a0177")


def _no_math(text) -> str:
    r"""Text from layers as matplotlib shows it literally.

    "$...$" would be parsed as math (and can raise); control characters have no glyph and are
    shown as U+FFFD, as the terminal output shows them.

    Examples
    --------
    >>> _no_math("Dawn $5\x1b[31m")
    'Dawn \\$5�[31m'
    """
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "\ufffd", str(text)).replace("$", r"\$")


def _km(v: float, _pos=None) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def length_chart_png(border: dict) -> bytes:
    """PNG of ``border`` (the ``border`` dict of ``check.json``): length against divider step, log-log.

    One curve per reference line (the line in use solid, the others dashed), each line's own
    geodesic length as a point at its median vertex spacing, the fitted Richardson laws dotted,
    the reported lengths as horizontal lines, and where each line's law reaches each reported
    length marked on it.
    """
    fig = Figure(figsize=(8.0, 5.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    refs = border.get("references") or [{"key": "", "source": border["source"], "length_km": border["length_km"],
                                         "tolerance_km": border["tolerance_km"], "used": True, "dividers": border["scale"]}]
    lo = min(min(r["dividers"]["steps_km"]) for r in refs)
    hi = max(max(r["dividers"]["steps_km"]) for r in refs)
    for i, r in enumerate(refs):
        sc, color = r["dividers"], LINE_COLORS[i % len(LINE_COLORS)]
        name = _no_math(LABELS.get(r["key"], r["source"]))
        style = "o-" if r["used"] else "s--"
        ax.loglog(sc["steps_km"], sc["lengths_km"], style, color=color, ms=4,
                  label=f"{name}{' (in use)' if r['used'] else ''}: dividers; {r['length_km']:,.1f} km, ±{r['tolerance_km']:g} km")
        d, la = sc["fractal_dimension"], sc["fit_log_intercept"]
        xs = [lo / 10, hi]
        ax.loglog(xs, [math.exp(la) * x ** (1 - d) for x in xs], ":", color=color, lw=1, label=f"{name}: Richardson fit, D = {d:.3f}")
        ax.loglog([sc["vertex_spacing_km"]], [r["length_km"]], "D", color=color, ms=6)
        for j, rep in enumerate(border.get("reported", [])):
            step = sc["step_km_to_reach"].get(f"{rep['km']:g}")
            if step is not None:
                ax.loglog([step], [rep["km"]], "x", color=REPORT_COLORS[j % len(REPORT_COLORS)], ms=8, mew=2)
    for j, rep in enumerate(border.get("reported", [])):
        ax.axhline(rep["km"], color=REPORT_COLORS[j % len(REPORT_COLORS)], lw=1,
                   label=f"reported: {_no_math(rep['source'])}, {rep['km']:,.0f} km")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(_km))
    ax.yaxis.set_minor_formatter(FuncFormatter(_km))
    ax.set_xlabel("divider step (km)   ◆ a line's own length, at its vertex spacing   × where its fit reaches a report", fontsize=8)
    ax.set_ylabel("measured length (km)")
    ax.set_title(f"{_no_math(border['name'])}: length at every scale")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
