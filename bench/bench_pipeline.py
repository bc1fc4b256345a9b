"""Time the whole pipeline on bulk ACLED-layout event files: reading, checks, check JSON, build.

Run: .venv/bin/python bench/bench_pipeline.py [--sizes 10000,100000,1000000] [--dir /tmp] [--layers layers]

For each size N it makes (once, reused later) ``DIR/acled_<N>.csv`` with ``bench/make_events.py``
and a Parquet copy of it (typed columns, as a GeoParquet-less Parquet export would have), then
measures, each in a fresh process so that peak memory is that step's own:

- ``read_events`` of the CSV and of the Parquet file (and both file sizes);
- ``run()`` (geo.pipeline: events placed, border checks, claims) on the CSV's events;
- ``geo check --json --events FILE`` end to end (output to a file), wall time and peak RSS;
- ``geo build --events FILE`` end to end into a temporary directory, wall time and peak RSS.

Prints one table (seconds; peak resident memory in GB). Not a test: figures are from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GEO = str(Path(PY).with_name("geo"))

#: Runs in a child: read both files, run the pipeline, print timings and peak RSS as JSON.
STAGES = r"""
import json, resource, sys, time
from pathlib import Path
from geo.events import read_events
from geo.layers import read_layers
from geo.pipeline import run
csv_path, pq_path, layers = sys.argv[1:4]
t = time.perf_counter(); read_events(pq_path); t_pq = time.perf_counter() - t
t = time.perf_counter(); ev = read_events(csv_path); t_csv = time.perf_counter() - t
lay = read_layers(Path(layers))
t = time.perf_counter(); ds = run(lay, events=[ev]); t_run = time.perf_counter() - t
print(json.dumps({"read_csv": t_csv, "read_parquet": t_pq, "run": t_run, "sites": len(ds.sites),
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def ensure_files(n: int, where: Path) -> tuple[Path, Path]:
    import pandas as pd

    csv_path = where / f"acled_{n}.csv"
    pq_path = where / f"acled_{n}.parquet"
    if not csv_path.exists():
        subprocess.run([PY, str(ROOT / "bench" / "make_events.py"), "--n", str(n), "--out", str(csv_path), "--no-read"], check=True,
                       stdout=subprocess.DEVNULL)
    if not pq_path.exists():
        df = pd.read_csv(csv_path, dtype=object, keep_default_na=False)
        for c in ("latitude", "longitude"):
            df[c] = df[c].astype(float)
        for c in ("year", "time_precision", "iso", "geo_precision", "fatalities", "interaction"):
            if c in df:
                df[c] = pd.to_numeric(df[c], errors="coerce")
        df.to_parquet(pq_path, index=False)
    return csv_path, pq_path


def timed(cmd: list[str], stdout) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of a command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024**2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated event counts")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the event files are made (and kept)")
    ap.add_argument("--layers", type=Path, default=ROOT / "layers")
    args = ap.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        csv_path, pq_path = ensure_files(n, args.dir)
        out = subprocess.run([PY, "-c", STAGES, str(csv_path), str(pq_path), str(args.layers)], check=True, capture_output=True, text=True, cwd=ROOT)
        st = json.loads(out.stdout.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as tmp:
            with open(Path(tmp) / "check.json", "wb") as fh:
                t_check, m_check = timed([GEO, "check", "--layers", str(args.layers), "--json", "--events", str(csv_path)], fh)
            t_build, m_build = timed([GEO, "build", "-q", "--layers", str(args.layers), "--out", str(Path(tmp) / "maps"), "--events", str(csv_path)],
                                     subprocess.DEVNULL)
        rows.append((n, csv_path.stat().st_size / 1e6, pq_path.stat().st_size / 1e6, st["read_csv"], st["read_parquet"], st["run"],
                     st["rss_gb"], t_check, m_check, t_build, m_build))
        print(f"done {n:,} events", file=sys.stderr, flush=True)
    head = ("events", "CSV MB", "Parquet MB", "read CSV s", "read Parquet s", "run() s", "peak GB (read+run)",
            "check --json s", "peak GB (check)", "build s", "peak GB (build)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for r in rows:
        n, *vals = r
        print(f"| {n:,} | " + " | ".join(f"{v:.1f}" for v in vals) + " |")


if __name__ == "__main__":
    main()
