"""What the dask engine costs on one machine: geo.engine.check_points, in memory vs on dask partitions.

    .venv/bin/python bench/bench_engine.py [--sizes 100000,1000000] [--nparts 2,4,8] [--repeat 2] [--no-distributed]

Points are uniform in lon 60-75, lat 28-38 around the AF-PK border, checked against both of its
reference lines (OpenStreetMap, used, and Natural Earth 1:10m) with a location radius of 1 km.
Every run's result is checked equal to the in-memory one. Times are the best of ``--repeat``
runs, wall clock, with the lines' indexes already built in this process; that one-off build is
printed apart.

* memory: one pandas call (numpy/scipy/pyproj/shapely in threads over all cores);
* dask threads: ``from_pandas`` + ``map_partitions`` in this process (index shared);
* dask processes: dask's ``processes`` scheduler: a new pool of ``cpu_count`` spawned processes
  per compute, each importing geo and building the index once, partitions pickled both ways;
* distributed (warm): a ``LocalCluster`` of ``cpu_count`` one-thread worker processes started
  (and warmed by one run) before timing: what a long-lived cluster costs per call, less the network.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from geo.engine import Spec, _ensure_index, check_points
from geo.layers import Theatre
from geo.reference import load_reference

AFPK = Theatre(name="AF-PK", countries=("AF", "PK"), border_name="Durand Line")


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--nparts", default="2,4,8")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-distributed", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    nparts = [int(s) for s in args.nparts.split(",")]

    ref = load_reference(AFPK)
    kw = dict(reference=ref, radius_km=1.0)
    t = time.perf_counter()
    _ensure_index(Spec.make(ref))
    build = time.perf_counter() - t
    import dask

    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, dask {dask.__version__}; "
          f"border index + grid built once per process in {build:.2f} s (not in the times below)")

    client = cluster = None
    if not args.no_distributed:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)

    rows = []
    try:
        for n in sizes:
            rng = np.random.default_rng(n)
            lon, lat = rng.uniform(60, 75, n), rng.uniform(28, 38, n)
            t_mem, ref_out = best(lambda: check_points(lon, lat, **kw), args.repeat)
            rows.append((n, "memory", "-", t_mem))
            runs = [("dask threads", "threads"), ("dask processes", "processes")]
            if client is not None:
                runs.append(("distributed (warm)", client))
                check_points(lon[:1000], lat[:1000], engine="dask", npartitions=len(client.nthreads()), scheduler=client, **kw)
            for label, sched in runs:
                for p in nparts:
                    secs, out = best(lambda: check_points(lon, lat, engine="dask", npartitions=p, scheduler=sched, **kw), args.repeat)
                    pd.testing.assert_frame_equal(ref_out, out, check_exact=True)
                    rows.append((n, label, p, secs))
    finally:
        if client is not None:
            client.close()
            cluster.close()

    mem = {n: s for n, e, _, s in rows if e == "memory"}
    print()
    print(f"{'points':>9}  {'engine':<19} {'nparts':>6}  {'seconds':>8}  {'Mpts/s':>7}  {'x memory':>8}")
    for n, e, p, s in rows:
        print(f"{n:>9,}  {e:<19} {p!s:>6}  {s:8.3f}  {n / s / 1e6:7.2f}  {s / mem[n]:8.2f}")
    print()
    big = max(sizes)
    best_dask = min((s, e, p) for n, e, p, s in rows if n == big and e != "memory")
    print(f"conclusion: on this {os.cpu_count()}-CPU machine dask is never faster than the in-memory path "
          f"(best dask run for {big:,} points: {best_dask[1]}, {best_dask[2]} partitions, {best_dask[0] / mem[big]:.2f}x the "
          f"in-memory time; 'processes' pays a spawned pool, imports and one index build per worker on every call): "
          f"use --engine dask only for points that do not fit in memory (check_parquet) or to spread work over a cluster."
          if best_dask[0] >= mem[big] else
          f"conclusion: dask ({best_dask[1]}, {best_dask[2]} partitions) took {best_dask[0] / mem[big]:.2f}x the in-memory time "
          f"for {big:,} points on this {os.cpu_count()}-CPU machine.")


if __name__ == "__main__":
    main()
