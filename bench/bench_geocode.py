"""Benchmark the offline geocoder: start-up, then 10,000 names (exact, variant, unknown; ~1/3 each).

Run: /work/venv/bin/python bench/bench_geocode.py [--n 10000] [--seed 1]
Not a test: it prints a small table. Target: < 2 s for the 10,000 after start-up (2-core machine).
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time


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
    ap.add_argument("--suggestions", action="store_true",
                    help="also read every NotFoundError's suggestions (computed on first use) inside the timed loop")
    args = ap.parse_args(argv)

    from geo.errors import AmbiguousError, NotFoundError
    from geo.gazetteer import build_gazetteer, name_variants, read_geonames
    from geo.geocode import Geocoder

    t0 = time.perf_counter()
    places = build_gazetteer()
    t1 = time.perf_counter()
    g = Geocoder(places, fallback=lambda: read_geonames(("AF", "PK")))
    g._fallback_index()  # load the GeoNames fallback now, so the timed loop measures resolving only
    t2 = time.perf_counter()

    rng = random.Random(args.seed)
    exact_pool = [n for row in places.to_dict("records") for n in name_variants(row) if n.isascii()]
    fb = g._fallback_index()
    exact_pool += [r["name"] for r in rng.sample(fb.rows, 300) if r["name"].isascii()]
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
    w = max(len(k) for k, _ in rows)
    print(f"{'measure':<{w}}  value")
    print(f"{'-' * w}  {'-' * 12}")
    for k, v in rows:
        print(f"{k:<{w}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
