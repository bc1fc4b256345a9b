"""Benchmark the offline geocoder: start-up, 10,000 names (exact, variant, unknown; ~1/3 each), and `geo geocode`
run as a user would (a known and an unknown name, in the world scope and in a theatre).

Run: .venv/bin/python bench/bench_geocode.py [--n 10000] [--seed 1] [--cli-runs 3]
Not a test: it prints two small tables. Targets: < 2 s for the 10,000 after start-up (2-core machine); an
unknown name answers within 1.5x the time of a known one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _variants(name: str, rng: random.Random) -> str:
    """A report-style variant of ``name``: case, punctuation, vowel swaps, a dropped or doubled letter, a suffix."""
    kind = rng.randrange(6)
    if kind == 0:
        return name.upper()
    if kind == 1:
        return name.replace(" ", "-") if " " in name else name.lower()
    if kind == 2:
        swaps = [("oo", "u"), ("u", "oo"), ("a", "o"), ("i", "e"), ("aj", "ajo"), ("dd", "d"), ("sh", "sch")]
        for a, b in rng.sample(swaps, len(swaps)):
            if a in name:
                return name.replace(a, b, 1)
        return name + "h"
    if kind == 3 and len(name) > 5:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1:]
    if kind == 4 and len(name) > 3:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i] + name[i:]
    return name + rng.choice([" district", " Agency", " province", ", Pakistan", ", Afghanistan", " area"])


def _unknown(rng: random.Random) -> str:
    """A random, plausible-looking place name (syllables of the region's names)."""
    syl = ["ka", "bul", "zai", "khel", "gar", "dara", "shah", "mir", "tor", "spin", "kot", "abad", "pur",
           "wal", "nar", "gul", "zar", "qal", "chak", "bagh", "ban", "dzi", "ghun", "lak", "mas"]
    n = rng.randint(2, 4)
    word = "".join(rng.choice(syl) for _ in range(n))
    if rng.random() < 0.3:
        word += " " + "".join(rng.choice(syl) for _ in range(rng.randint(1, 2)))
    if rng.random() < 0.2:
        word += rng.choice(string.ascii_lowercase)
    return word.title()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cli-runs", type=int, default=3, help="runs of each `geo geocode` timing (0: skip them)")
    ap.add_argument("--suggestions", action="store_true",
                    help="also read every NotFoundError's suggestions (computed on first use) inside the timed loop")
    args = ap.parse_args(argv)

    from geo.errors import AmbiguousError, NotFoundError
    from geo.gazetteer import build_gazetteer, name_variants
    from geo.geocode import Geocoder

    t0 = time.perf_counter()
    places = build_gazetteer()
    t1 = time.perf_counter()
    g = Geocoder(places, countries=("AF", "PK"))
    ref = g.reference()  # load the theatre's GeoNames names now, so the timed loop measures resolving only
    t2 = time.perf_counter()

    rng = random.Random(args.seed)
    exact_pool = [n for row in places.to_dict("records") for n in name_variants(row) if n.isascii()]
    exact_pool += [n for n in rng.sample(ref.places["name"].tolist(), 300) if n.isascii()]
    third = args.n // 3
    names = [rng.choice(exact_pool) for _ in range(third)]
    names += [_variants(rng.choice(exact_pool), rng) for _ in range(third)]
    names += [_unknown(rng) for _ in range(args.n - 2 * third)]
    rng.shuffle(names)

    counts = {"resolved": 0, "ambiguous": 0, "not found": 0}
    t3 = time.perf_counter()
    for name in names:
        try:
            g.resolve(name)
            counts["resolved"] += 1
        except AmbiguousError:
            counts["ambiguous"] += 1
        except NotFoundError as exc:
            counts["not found"] += 1
            if args.suggestions:
                exc.suggestions  # noqa: B018 - the "did you mean" search, timed on request
    t4 = time.perf_counter()

    elapsed = t4 - t3
    rows = [
        ("gazetteer load", f"{t1 - t0:.3f} s"),
        ("geocoder + GeoNames fallback", f"{t2 - t1:.3f} s"),
        ("start-up total", f"{t2 - t0:.3f} s"),
        (f"resolve {len(names):,} names" + (" + suggestions" if args.suggestions else ""), f"{elapsed:.3f} s"),
        ("names / second", f"{len(names) / elapsed:,.0f}"),
        ("distinct names", f"{len(set(names)):,}"),
        ("resolved", f"{counts['resolved']:,}"),
        ("ambiguous", f"{counts['ambiguous']:,}"),
        ("not found", f"{counts['not found']:,}"),
        ("target < 2 s", "met" if elapsed < 2.0 else "NOT met"),
    ]
    _table(rows)
    if args.cli_runs:
        print()
        _table(cli_rows(args.cli_runs))
    return 0


def _table(rows: list[tuple[str, str]]) -> None:
    w = max(len(k) for k, _ in rows)
    print(f"{'measure':<{w}}  value")
    print(f"{'-' * w}  {'-' * 12}")
    for k, v in rows:
        print(f"{k:<{w}}  {v}")


def _cli_seconds(args: list[str], cwd: str, runs: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geo", "geocode", *args], cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cli_rows(runs: int) -> list[tuple[str, str]]:
    """`geo geocode` in a fresh process, median of ``runs``: known vs unknown names (the world's names cached)."""
    cases = [
        ("world (no layers/)", None, "Kantharalak", "Prasat Ta Muen Thom"),
        ("theatre TH-KH (theatre.toml only)", "TH-KH", "Kantharalak", "Prasat Ta Muen Thom"),
        ("theatre AF-PK (bundled layers/)", str(ROOT / "layers"), "Angur Ada", "Xqzzyville"),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as empty:
        theatre = Path(empty) / "th-kh"
        theatre.mkdir()
        (theatre / "theatre.toml").write_text('name = "t"\nborder_name = "b"\ncountries = ["TH", "KH"]\n')
        _cli_seconds(["Kantharalak"], empty, 1)  # builds the name cache on a first run, not timed
        for label, layers, known, unknown in cases:
            extra = [] if layers is None else ["--layers", str(theatre) if layers == "TH-KH" else layers]
            k = _cli_seconds([known, *extra], empty, runs)
            u = _cli_seconds([unknown, *extra], empty, runs)
            rows += [(f"{label}: known {known!r}", f"{k:.2f} s"), (f"{label}: unknown {unknown!r}", f"{u:.2f} s ({u / k:.2f}x)")]
    return rows


if __name__ == "__main__":
    sys.exit(main())
