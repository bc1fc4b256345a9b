"""Border length: geodesic length, reported figures, and the measurement-scale (divider) analysis."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo import cache
from geo.schema import UNIT_KM

GEOD = Geod(ellps="WGS84")
#: Divider steps (km) for the Richardson analysis, coarse to fine.
DEFAULT_STEPS_KM = (100.0, 50.0, 20.0, 10.0, 5.0, 2.0, 1.0)
#: Finer steps added for a detailed line (median vertex spacing under FINE_SPACING_KM).
FINE_STEPS_KM = (0.5, 0.2)
FINE_SPACING_KM = 0.1
#: Vertex spacing (km) the line is densified to before walking dividers.
DENSIFY_KM = 0.1


def steps_for(line: shapely.Geometry) -> tuple[float, ...]:
    """Divider steps for a line: :data:`DEFAULT_STEPS_KM`, plus :data:`FINE_STEPS_KM` when its
    vertices are closer than :data:`FINE_SPACING_KM` (median), so that the steps reach its detail."""
    spacing = [GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])[2] for c in (shapely.get_coordinates(p) for p in shapely.get_parts(line)) if len(c) > 1]
    median_km = float(np.median(np.concatenate(spacing))) / 1000.0 if spacing else float("inf")
    return DEFAULT_STEPS_KM + FINE_STEPS_KM if median_km < FINE_SPACING_KM else DEFAULT_STEPS_KM


@dataclass(frozen=True)
class ScaleAnalysis:
    """Length of the line measured with dividers of several step sizes.

    Attributes
    ----------
    steps_km, lengths_km
        Divider step and the length it measures (same order).
    vertex_spacing_km
        Mean distance between the line's own vertices: below about twice that, dividers measure
        the polyline's straight segments, not the border, so those steps are left out of the fit.
    fit_steps_km
        The steps the fit used.
    dimension
        Fractal dimension D from the Richardson fit ``L(s) = a * s**(1 - D)``.
    log_a
        Intercept of that fit (natural log of km).
    """

    steps_km: tuple[float, ...]
    lengths_km: tuple[float, ...]
    vertex_spacing_km: float
    fit_steps_km: tuple[float, ...]
    dimension: float
    log_a: float

    def step_for_length(self, length_km: float) -> float | None:
        """Divider step (km) at which the fitted law reaches ``length_km``; None if it never does."""
        slope = 1.0 - self.dimension
        if slope >= 0 or length_km <= 0:
            return None
        exponent = (math.log(length_km) - self.log_a) / slope
        # Far outside the fitted range the law means nothing (and exp would overflow).
        if not -50.0 < exponent < 50.0:
            return None
        return math.exp(exponent)


def geodesic_length_km(line: shapely.Geometry) -> float:
    """Length on the WGS84 ellipsoid, km (pyproj.Geod, lon/lat input)."""
    return GEOD.geometry_length(line) / 1000.0


def compare_reported(length_km: float, figures: pd.DataFrame, sources: pd.DataFrame) -> list[dict]:
    """Each reported length against the measured one.

    ``diff_km`` is reported minus measured (positive: the report is longer);
    ``diff_pct`` is that difference as a percentage of the measured length.
    """
    src = sources.set_index("source_id")
    rows = []
    for _, f in figures[figures["quantity"] == "border_length"].sort_values("figure_id").iterrows():
        km = float(f["value"]) * UNIT_KM[f["unit"]]  # units are canonical ("km", "mi", "m") once read
        s = src.loc[f["source_id"]]
        rows.append({
            "figure_id": f["figure_id"],
            "km": km,
            "source": s["outlet"],
            "source_id": f["source_id"],
            "published": s["published"].isoformat(),
            "statement": f["statement"],
            "diff_km": round(km - length_km, 1),
            "diff_pct": round(100.0 * (km - length_km) / length_km, 1),
        })
    return rows


def _densify(coords: np.ndarray, step_km: float) -> np.ndarray:
    """Insert geodesic intermediate points so no segment exceeds ``step_km``."""
    out = [coords[:1]]
    lon1, lat1, lon2, lat2 = coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    for i, d in enumerate(dist):
        n = int(d / 1000.0 // step_km)
        if n > 0:
            pts = GEOD.npts(lon1[i], lat1[i], lon2[i], lat2[i], n)
            out.append(np.asarray(pts))
        out.append(coords[i + 1:i + 2])
    return np.vstack(out)


def divider_length_km(coords: np.ndarray, step_km: float) -> float:
    """Length measured by walking dividers of geodesic opening ``step_km`` along a densified line.

    Each divider placement is the first point along the line at least ``step_km`` (geodesic)
    from the previous one, interpolated within the segment; the last partial step is added.
    """
    step_m = step_km * 1000.0
    n = len(coords)
    count = 0
    anchor = coords[0]
    i = 1
    window = int(step_km / DENSIFY_KM * 1.5) + 16
    while i < n:
        # Look ahead through a window of vertices for the first one outside the divider's reach.
        j_end = min(n, i + window)
        _, _, d = GEOD.inv(np.full(j_end - i, anchor[0]), np.full(j_end - i, anchor[1]), coords[i:j_end, 0], coords[i:j_end, 1])
        beyond = np.nonzero(d >= step_m)[0]
        if len(beyond) == 0:
            if j_end == n:
                break
            i = j_end
            continue
        j = i + int(beyond[0])
        prev = coords[j - 1]
        _, _, d_prev = GEOD.inv(anchor[0], anchor[1], prev[0], prev[1])
        frac = (step_m - d_prev) / max(d[beyond[0]] - d_prev, 1e-9)
        anchor = prev + frac * (coords[j] - prev)
        count += 1
        i = j
    _, _, rest = GEOD.inv(anchor[0], anchor[1], coords[-1, 0], coords[-1, 1])
    return count * step_km + rest / 1000.0


def scale_analysis(line: shapely.Geometry, steps_km: tuple[float, ...] = DEFAULT_STEPS_KM) -> ScaleAnalysis:
    """Richardson analysis: the line's length at each divider step and the fitted fractal dimension.

    Parts of a MultiLineString are measured separately and summed.

    Examples
    --------
    >>> import shapely
    >>> a = scale_analysis(shapely.LineString([(0, 0), (1, 0)]), (50.0, 10.0))
    >>> round(a.lengths_km[0]), round(a.dimension, 3)
    (111, 1.0)
    """
    key = cache.key_of("scale", shapely.to_wkb(line), *map(float, steps_km))
    stored = cache.load("scale", key)
    if stored is not None:  # a detailed line's dividers take a second or more: kept per geometry
        return ScaleAnalysis(tuple(stored["steps_km"].tolist()), tuple(stored["lengths_km"].tolist()),
                             float(stored["spacing_km"]), tuple(stored["fit_steps_km"].tolist()),
                             float(stored["fit"][0]), float(stored["fit"][1]))
    result = _scale_analysis(line, tuple(steps_km))
    cache.save("scale", key, {"steps_km": np.array(result.steps_km, float), "lengths_km": np.array(result.lengths_km, float),
                              "spacing_km": np.array(result.vertex_spacing_km), "fit_steps_km": np.array(result.fit_steps_km, float),
                              "fit": np.array([result.dimension, result.log_a])})
    return result


def _scale_analysis(line: shapely.Geometry, steps_km: tuple[float, ...]) -> ScaleAnalysis:
    """:func:`scale_analysis`, computed."""
    parts = [np.asarray(p.coords) for p in shapely.get_parts(line)]
    dense = [_densify(c[:, :2], DENSIFY_KM) for c in parts]
    lengths = tuple(sum(divider_length_km(c, s) for c in dense) for s in steps_km)
    n_segments = sum(len(c) - 1 for c in parts)
    spacing = geodesic_length_km(line) / max(n_segments, 1)
    fit = [(s, l) for s, l in zip(steps_km, lengths) if s >= 2 * spacing]
    if len(fit) < 2:
        fit = list(zip(steps_km, lengths))
    slope, log_a = np.polyfit(np.log([s for s, _ in fit]), np.log([l for _, l in fit]), 1)
    return ScaleAnalysis(tuple(steps_km), lengths, spacing, tuple(s for s, _ in fit), float(1.0 - slope), float(log_a))


def verdict(length_km: float, reported: list[dict], analysis: ScaleAnalysis | None, *, border_name: str, source: str,
            others: list[tuple[str, float, ScaleAnalysis | None]] = ()) -> str:
    """A few plain sentences on what the length comparison does and does not show.

    ``others`` are the other reference lines as ``(label, length_km, analysis)``: the reported
    figures are placed between the lines' lengths, and each line's step reaching them is named.
    """
    if not reported:
        return f"The {border_name} measures {length_km:,.0f} km geodesic on {source}; no reported length to compare."
    kms = sorted(r["km"] for r in reported)
    text = (
        f"Measured on {source}, the {border_name} is {length_km:,.0f} km long (geodesic, WGS84). "
        f"Reports give {', '.join(f'{k:,.0f}' for k in kms)} km: "
        f"{min(r['diff_pct'] for r in reported):+.0f}% to {max(r['diff_pct'] for r in reported):+.0f}% of the measured length"
    )
    if len(kms) > 1:
        text += f", and {kms[-1] - kms[0]:,.0f} km ({100 * (kms[-1] - kms[0]) / kms[0]:.1f}%) apart from each other"
    text += ". "
    lengths = [length_km] + [km for _, km, _ in others]
    for label, km, _ in others:
        text += f"{label} measures the same border at {km:,.0f} km. "
    if others:
        lo, hi = min(lengths), max(lengths)
        inside = [k for k in kms if lo <= k <= hi]
        text += ("The reported figures lie between the scales: the coarse line is shorter than both, the detailed one longer. "
                 if len(inside) == len(kms) else f"{len(inside)} of {len(kms)} reported figures lie between the lines' lengths. ")
    for label, a in [("the line in use", analysis)] + [(lb, an) for lb, _, an in others]:
        if a is None:
            continue
        text += (f"With dividers, {label} grows from {a.lengths_km[0]:,.0f} km at a {a.steps_km[0]:g} km step "
                 f"to {a.lengths_km[-1]:,.0f} km at {a.steps_km[-1]:g} km (fractal dimension {a.dimension:.3f})")
        steps = [a.step_for_length(k) for k in kms]
        if all(st is not None for st in steps):
            text += "; its fitted law reaches " + ", ".join(f"{k:,.0f} km at about {_fmt_step(st)}" for k, st in zip(kms, steps))
        text += ". "
    text += (
        "A border's length depends on the scale it is measured at: a generalised line cuts the corners that a detailed "
        "one follows. Reported lengths come from surveys or compilations at scales they do not state, so a difference "
        "is not evidence that a report is wrong"
        + (f"; nor can this geometry decide between {kms[0]:,.0f} and {kms[-1]:,.0f} km." if len(kms) > 1 else ".")
    )
    return text


def _fmt_step(step_km: float) -> str:
    if step_km >= 1:
        return f"{step_km:,.1f} km steps"
    if step_km >= 0.001:
        return f"{step_km * 1000:,.0f} m steps"
    return f"{step_km * 1e5:.2g} cm steps"
