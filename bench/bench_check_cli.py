"""``geo check --json --events FILE`` against a plain geopandas script doing the same job, in one run.

Run (from the repository root, with the project's virtualenv):

    .venv/bin/python bench/bench_check_cli.py [--sizes 100000,1000000] [--dir /tmp] [--repeat 3]

For each size N it makes (once, reused later) ``DIR/acled_<N>.csv`` with ``bench/make_events.py``
(synthetic ACLED events within 150 km of the Durand Line), then times, each in a fresh process
and the best of ``--repeat`` rounds (the two alternate), writing the JSON to a file:

- ``geo check --json --events FILE`` (layers/ plus the events: side, geodesic distance with a
  certified error bound, the nearest border point, flags, report agreement);
- the plain script below, on the same line ``geo check`` uses for sides and distances (the
  finest reference line: OpenStreetMap, about 29,000 vertices on AF–PK): pandas reads the CSV,
  the points and the line go to UTM zone 42N, ``distance`` to the line, ``sjoin`` with the two
  countries for the side, ``json.dump`` of one record per event. It does less (planar distance in
  one UTM zone, no nearest point, no flags, no second line);
- the same plain script on the coarse Natural Earth 1:10m line (584 vertices), which answers a
  different, less precise question: shown so the fixed cost of ``geo check`` is visible too.

Prints the seconds of each and the ratios (plain / geo: above 1 means ``geo check`` is faster).
``--plain-max`` skips the plain script on the finest line above that many events (it is
quadratic in effect: every point against every segment).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: The subprocesses import this checkout's ``geo``, whatever the caller's PYTHONPATH or installed copy.
ENV = dict(os.environ, PYTHONPATH=str(ROOT))

#: The plain geopandas script (argv: events CSV, output JSON).
PLAIN = r"""
import json, sys
import geopandas as gpd, pandas as pd
from geo.reference import load_reference
from geo.layers import read_layers
events, out, key = sys.argv[1:4]
ref = load_reference(read_layers("layers").theatre)
lines = ref.lines.set_index("key")
line_ll = ref.border if key == "used" else lines.loc[key, "geometry"]
df = pd.read_csv(events, usecols=["event_id_cnty", "latitude", "longitude"])
pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs="EPSG:4326")
utm = pts.to_crs("EPSG:32642")
line = gpd.GeoSeries([line_ll], crs="EPSG:4326").to_crs("EPSG:32642").iloc[0]
dist_km = utm.distance(line) / 1000.0
side = gpd.sjoin(pts, ref.countries[["iso_a2", "geometry"]], how="left", predicate="within")["iso_a2"]
side = side[~side.index.duplicated()]
recs = [{"id": i, "side": s if isinstance(s, str) else None, "distance_km": round(d, 2)}
        for i, s, d in zip(df["event_id_cnty"], side.reindex(df.index), dist_km)]
with open(out, "w") as f:
    json.dump({"sites": recs}, f)
"""


def ensure_events(n: int, where: Path) -> Path:
    path = where / f"acled_{n}.csv"
    if not path.exists():
        subprocess.run([PY, str(ROOT / "bench" / "make_events.py"), "--n", str(n), "--out", str(path), "--no-read"], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def timed(cmd: list[str], out: Path) -> float:
    """Seconds one run of ``cmd`` takes, its stdout written to ``out``."""
    t = time.perf_counter()
    with out.open("wb") as f:
        subprocess.run(cmd, check=True, stdout=f, cwd=ROOT, env=ENV)
    return time.perf_counter() - t


def best_of(cmds: list[tuple[list[str], Path]], repeat: int) -> list[float]:
    """Best time of each command over ``repeat`` rounds; the commands alternate within a round,
    so a change in the machine's load (it may be shared) hits them alike."""
    times = [[timed(cmd, out) for cmd, out in cmds] for _ in range(repeat)]
    return [min(column) for column in zip(*times)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated event counts")
    ap.add_argument("--dir", type=Path, default=Path("/tmp"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plain-max", type=int, default=100_000, help="largest size for the plain script on the finest line")
    args = ap.parse_args()
    geo = [PY, "-m", "geo", "check", "--json", "--layers", "layers", "--events"]
    where = subprocess.run([PY, "-c", "import geo; print(geo.__file__)"], check=True, capture_output=True, text=True, cwd=ROOT, env=ENV)
    print(f"geo imported from {where.stdout.strip()}")
    print(f"{'events':>10} {'geo check s':>12} {'plain, same line s':>19} {'ratio':>7} {'plain, NE 1:10m s':>18} {'ratio':>7}")
    for n in map(int, args.sizes.split(",")):
        events = ensure_events(n, args.dir)
        runs = [([*geo, str(events)], args.dir / "bench_check_geo.json"),
                ([PY, "-c", PLAIN, str(events), str(args.dir / "bench_check_plain_ne.json"), "ne10m"], args.dir / "bench_plain.log")]
        if n <= args.plain_max:
            runs.append(([PY, "-c", PLAIN, str(events), str(args.dir / "bench_check_plain.json"), "used"], args.dir / "bench_plain.log"))
        times = best_of(runs, args.repeat)
        t_geo, t_ne = times[0], times[1]
        same = f"{times[2]:>19.2f} {times[2] / t_geo:>6.2f}x" if len(times) > 2 else f"{'(skipped)':>19} {'':>7}"
        print(f"{n:>10,} {t_geo:>12.2f} {same} {t_ne:>18.2f} {t_ne / t_geo:>6.2f}x", flush=True)

if __name__ == "__main__":
    main()
