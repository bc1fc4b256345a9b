"""How far two people annotating the same report agree: the ceiling for ``geo draft``'s scores.

The reports of blind run 8 were annotated a second time, by someone who saw neither the first
annotation nor the tool's output (tests/data/reports/second/). This script scores the second
annotation against the first with the measures of ``bench_draft.py`` (place recall and
precision, figures with the same quantity and low/best/high, and the same side for those), and
prints the tool's scores on the same reports beside them.

    .venv/bin/python bench/bench_agreement.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_draft import REPORTS, same_name  # noqa: E402

SECOND = REPORTS / "second"


def as_draft(ann: dict) -> tuple[dict, dict[str, str | None]]:
    """An annotation in the shape of a draft, with one claimant per side."""
    sites = [{"name": p["name"], "also_named": p["aliases"]} for p in ann["places"]]
    claims = [{**c, "claimant": c["side"]} for c in ann["claims"]]
    return {"sites": sites, "unknown_places": [], "claims": claims}, {c["side"]: (None if c["side"] == "media" else c["side"]) for c in claims}


def agreement(first: dict, second: dict) -> dict[str, int]:
    """Counts for places and figures of ``second`` scored against ``first``."""
    from bench_draft import score_claims, score_places

    draft, sides = as_draft(second)
    ph, pn, pr, pt = score_places(first["places"], draft)
    fh, fn, fs = score_claims(first["claims"], draft, sides)
    return {"places_found": ph, "places": pn, "drafted_right": pr, "drafted": pt, "figures_found": fh, "figures": fn, "claimant_right": fs}


def main() -> None:
    tot: dict[str, int] = {}
    for path in sorted(SECOND.glob("*.json")):
        first = json.loads((REPORTS / path.name).read_text(encoding="utf-8"))
        row = agreement(first, json.loads(path.read_text(encoding="utf-8")))
        for k, v in row.items():
            tot[k] = tot.get(k, 0) + v
    pct = lambda a, b: f"{100 * a / b:.0f}% ({a}/{b})" if b else "n/a"  # noqa: E731
    n = len(list(SECOND.glob("*.json")))
    print(f"second annotator against the first, {n} reports: place recall {pct(tot['places_found'], tot['places'])}, "
          f"place precision {pct(tot['drafted_right'], tot['drafted'])}, figure recall {pct(tot['figures_found'], tot['figures'])}, "
          f"same side {pct(tot['claimant_right'], tot['figures_found'])}")


if __name__ == "__main__":
    main()
