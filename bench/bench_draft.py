"""Score ``geo draft`` against the hand-annotated reports in tests/data/reports/.

Prints, per report and per split, place recall and precision, figure recall (quantity and
low/best/high all right) and claimant accuracy (the right side: a country's government, or the
media, for the figures found). Splits: ``dev`` (the reports the rules were first written
against), ``heldout`` (blind run 4) and ``blind-N`` (the reports of blind run N: annotated by
someone who had not seen the tool's output, scored once at the commit the README names, and
only afterwards used to mend rules, so their figures now are no longer blind).

    .venv/bin/python bench/bench_draft.py [--split dev|heldout|blind-5|...] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.draft import draft_report  # noqa: E402
from geo.layers import read_layers  # noqa: E402
from geo.pipeline import make_geocoder  # noqa: E402

REPORTS = ROOT / "tests" / "data" / "reports"
_SUFFIX = re.compile(r"\b(?:province|district|agency|temple|area|valley|river|region|prasat|the)\b")


def norm(name: str) -> str:
    return " ".join(_SUFFIX.sub(" ", name.lower().replace("-", " ")).split())


def same_name(a: str, b: str) -> bool:
    x, y = norm(a), norm(b)
    return bool(x) and bool(y) and (x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} ")


def score_places(gold: list[dict], draft: dict) -> tuple[int, int, int, int]:
    """(gold found, gold total, drafted right, drafted total); country names are left out of both."""
    found = [n for s in draft["sites"] for n in [s["name"], *s["also_named"]]] + [u["name"] for u in draft["unknown_places"]]
    names = [[g["name"], *g["aliases"]] for g in gold]
    hit = sum(any(same_name(f, n) for f in found for n in ns) for ns in names)
    right = sum(any(same_name(f, n) for ns in names for n in ns) for f in found)
    return hit, len(gold), right, len(found)


def side_of_claimant(cid: str, claimants: dict[str, str | None]) -> str:
    return claimants.get(cid) or "media"


def score_claims(gold: list[dict], draft: dict, claimants: dict[str, str | None]) -> tuple[int, int, int]:
    """(figures found with the right low/best/high, gold figures, of those with the right side)."""
    pool = list(draft["claims"])
    hit = side_ok = 0
    for g in gold:
        key = (g["quantity"], g["low"], g["best"], g["high"])
        cands = [c for c in pool if (c["quantity"], c["low"], c["best"], c["high"]) == key]
        if not cands:
            continue
        best = next((c for c in cands if side_of_claimant(c["claimant"], claimants) == g["side"]), cands[0])
        pool.remove(best)
        hit += 1
        side_ok += side_of_claimant(best["claimant"], claimants) == g["side"]
    return hit, len(gold), side_ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", help="only the reports of this split (dev, heldout, blind-5, ...)")
    ap.add_argument("--json", action="store_true", help="print the per-report figures as JSON")
    args = ap.parse_args()
    cache: dict[str, tuple] = {}
    rows = []
    for path in sorted(REPORTS.glob("*.json")):
        ann = json.loads(path.read_text(encoding="utf-8"))
        if args.split and ann["split"] != args.split:
            continue
        if ann["theatre"] not in cache:
            lay = read_layers(ROOT / ann["theatre"])
            cache[ann["theatre"]] = (lay, make_geocoder(lay))
        lay, gc = cache[ann["theatre"]]
        t0 = time.perf_counter()
        d = draft_report(path.with_suffix(".txt").read_text(encoding="utf-8"), published=ann["published"], layers=lay, geocoder=gc)
        secs = time.perf_counter() - t0
        out = d.as_dict()
        claimants = {c["claimant_id"]: c["country"] for c in [*lay.claimants.to_dict("records"), *out["claimants"]]}
        ph, pn, pr, pt = score_places(ann["places"], out)
        fh, fn, fs = score_claims(ann["claims"], out, claimants)
        rows.append({"id": ann["id"], "split": ann["split"], "places_found": ph, "places": pn, "drafted_right": pr, "drafted": pt,
                     "figures_found": fh, "figures": fn, "claimant_right": fs, "drafted_claims": len(out["claims"]), "seconds": round(secs, 2)})
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'report':32} {'split':8} {'place rec':>10} {'place prec':>11} {'figures':>9} {'claimant':>9} {'s':>6}")
    for r in rows:
        print(f"{r['id']:32} {r['split']:8} {r['places_found']:>4}/{r['places']:<5} {r['drafted_right']:>5}/{r['drafted']:<5} "
              f"{r['figures_found']:>3}/{r['figures']:<5} {r['claimant_right']:>3}/{r['figures_found']:<5} {r['seconds']:>6}")
    for split in dict.fromkeys(r["split"] for r in sorted(rows, key=lambda r: r["split"])):
        sel = [r for r in rows if r["split"] == split]
        if not sel:
            continue
        tot = {k: sum(r[k] for r in sel) for k in ("places_found", "places", "drafted_right", "drafted", "figures_found", "figures", "claimant_right")}
        pct = lambda a, b: f"{100 * a / b:.0f}%" if b else "n/a"  # noqa: E731
        print(f"{split:8} ({len(sel)} reports): place recall {pct(tot['places_found'], tot['places'])} ({tot['places_found']}/{tot['places']}), "
              f"place precision {pct(tot['drafted_right'], tot['drafted'])} ({tot['drafted_right']}/{tot['drafted']}), "
              f"figure recall {pct(tot['figures_found'], tot['figures'])} ({tot['figures_found']}/{tot['figures']}), "
              f"claimant accuracy {pct(tot['claimant_right'], tot['figures_found'])} ({tot['claimant_right']}/{tot['figures_found']})")


if __name__ == "__main__":
    main()
