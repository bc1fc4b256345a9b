"""``geo check --json --events FILE`` against a plain geopandas script doing the same job, in one run.

Run (from the repository root, with the project's virtualenv):

    .venv/bin/python bench/bench_check_cli.py [--sizes 100000,1000000] [--dir /tmp] [--repeat 3]

For each size N it makes (once, reused later) ``DIR/acled_<N>.csv`` with ``bench/make_events.py``
(synthetic ACLED events within 150 km of the Durand Line), then times, each in a fresh process
and the best of ``--repeat`` runs, writing the JSON to a file:

- ``geo check --json --events FILE`` (layers/ plus the events: side, geodesic distance with a
  certified error bound, the nearest border point, flags, report agreement);
- the plain script below: pandas reads the CSV, the points and the border go to UTM zone 42N,
  ``distance`` to the line, ``sjoin`` with the two countries for the side, ``json.dump`` of one
  record per event. It does less (planar distance in one UTM zone, no nearest point, no flags).

Prints the seconds of both and the ratio (plain / geo: above 1 means ``geo check`` is faster).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

#: The plain geopandas script (argv: events CSV, output JSON).
PLAIN = r"""
import json, sys
import geopandas as gpd, pandas as pd
from geo.reference import load_reference
from geo.layers import read_layers
events, out = sys.argv[1:3]
ref = load_reference(read_layers("layers").theatre)
df = pd.read_csv(events, usecols=["event_id_cnty", "latitude", "longitude"])
pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs="EPSG:4326")
utm = pts.to_crs("EPSG:32642")
line = gpd.GeoSeries([ref.border], crs="EPSG:4326").to_crs("EPSG:32642").iloc[0]
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


def best_of(cmd: list[str], out: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        with out.open("wb") as f:
            subprocess.run(cmd, check=True, stdout=f, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated event counts")
    ap.add_argument("--dir", type=Path, default=Path("/tmp"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    geo = [PY, "-m", "geo", "check", "--json", "--layers", "layers", "--events"]
    print(f"{'events':>10} {'geo check s':>12} {'plain s':>9} {'plain/geo':>10}")
    for n in map(int, args.sizes.split(",")):
        events = ensure_events(n, args.dir)
        t_geo = best_of([*geo, str(events)], args.dir / "bench_check_geo.json", args.repeat)
        plain_out = args.dir / "bench_check_plain.json"
        t_plain = best_of([PY, "-c", PLAIN, str(events), str(plain_out)], args.dir / "bench_check_plain.log", args.repeat)
        print(f"{n:>10,} {t_geo:>12.2f} {t_plain:>9.2f} {t_plain / t_geo:>9.2f}x", flush=True)


if __name__ == "__main__":
    main()
