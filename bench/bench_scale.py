"""One run, every scale figure: bulk ACLED events from import to a map a person opens.

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000,1000000] [--dir /tmp] [--fmc-max 100000] [--no-browser]

For each size N, a realistic synthetic ACLED export (``bench/make_events.py``: events within
150 km of the AF-PK line, ACLED columns, actors, sources, fatalities) is made once in ``--dir`` and
reused. Then, in the same run:

* **import**: ``geo.events.read_events`` of the CSV (events/second), in a child process whose peak
  resident memory is that of import + checks;
* **checks**: side + nearest point + geodesic distance for the events' coordinates with
  ``geo.checks`` (after the reference is loaded), next to two distance-only baselines on the same
  points: a per-point loop (STRtree nearest segment, nearest point, ``Geod.inv``; timed on a
  20,000-point subsample and scaled linearly) and ``GeoSeries.to_crs(UTM 42N)`` + ``distance``;
  speed-ups are printed as ratios;
* **accuracy**: our distances against a per-point geodesic reference (``Geod.inv`` to the line cut
  to ~50 m) on a random subsample: the largest error in metres for events within 100 km of the
  line, the largest relative error beyond;
* **build**: ``geo build --events FILE`` end to end (read, checks, claims, map, GeoJSON,
  GeoPackage, CSV, report; atomic publish), wall time and peak resident memory;
* **map**: size of the built ``offline.html`` and its first render in headless Chromium (navigation
  start to every site layer decoded and drawn, plus two animation frames; median of 3), with, up to
  ``--fmc-max`` events, folium's FastMarkerCluster over the same points with the same popup facts
  (``bench/bench_map.py``) for comparison, and a check that a popup opens for an event.

Prints a Markdown table (the README's "Scale" table comes from it). Not a test: figures are from
one run on whatever machine runs it; the script also prints the machine's CPU count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
GEO = str(Path(PY).with_name("geo"))

#: Runs in a child: import the CSV, then time our checks and both baselines on its coordinates.
CHILD = r"""
import json, resource, sys, time, gc
import numpy as np
sys.path.insert(0, sys.argv[3])
from bench_checks import accuracy, loop_baseline, reference_km, to_crs_baseline
from geo.checks import country_at, nearest_on_border
from geo.events import read_events
from geo.layers import read_layers
csv_path, layers_dir = sys.argv[1], sys.argv[2]
loop_sample, acc_sample = int(sys.argv[4]), int(sys.argv[5])
t = time.perf_counter(); ev = read_events(csv_path); t_import = time.perf_counter() - t
lon = ev.sites["lon"].to_numpy(float); lat = ev.sites["lat"].to_numpy(float); n = len(lon)
from geo.reference import load_reference
ref = load_reference(read_layers(__import__("pathlib").Path(layers_dir)).theatre)
from geo.nearest import border_index
t = time.perf_counter(); border_index(ref.border).grid; t_index = time.perf_counter() - t  # once per border and process (cached)
nearest_on_border(lon[:10], lat[:10], ref.border); country_at(lon[:10], lat[:10], ref.countries)
gc.collect(); t = time.perf_counter()
_, _, d = nearest_on_border(lon, lat, ref.border); side = country_at(lon, lat, ref.countries)
t_ours = time.perf_counter() - t
m = min(n, loop_sample)
gc.collect(); t = time.perf_counter(); loop_baseline(lon[:m], lat[:m], ref.border); t_loop = (time.perf_counter() - t) * n / m
gc.collect(); t = time.perf_counter(); d_crs = to_crs_baseline(lon, lat, ref.border); t_crs = time.perf_counter() - t
k = min(n, acc_sample)
sub = np.random.default_rng(1).choice(n, k, replace=False)
want = reference_km(lon[sub], lat[sub], ref.border)
near, far = accuracy(d[sub], want)
crs_near, crs_far = accuracy(d_crs[sub], want)
print(json.dumps({"n": n, "import": t_import, "index": t_index, "ours": t_ours, "loop": t_loop, "crs": t_crs, "acc_near_m": near * 1000,
                  "acc_far_rel": far, "crs_near_m": crs_near * 1000, "within_100": float((want <= 100).mean()), "acc_n": k,
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def event_file(n: int, where: Path) -> Path:
    """The synthetic ACLED CSV of ``n`` events in ``where``, made once."""
    path = where / f"acled_{n}.csv"
    if not path.exists():
        subprocess.run([PY, str(ROOT / "make_events.py"), "--n", str(n), "--out", str(path), "--no-read"], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def fmc_page(csv_path: Path, layers_dir: Path, out: Path) -> None:
    """folium FastMarkerCluster over the same events with the same popup facts (bench_map's baseline)."""
    from bench_map import fast_marker_cluster_html, popup_texts

    from geo.events import read_events
    from geo.layers import read_layers
    from geo.pipeline import run

    ds = run(read_layers(layers_dir), events=[read_events(csv_path)])
    lat, lon = ds.sites["lat"].to_numpy(float), ds.sites["lon"].to_numpy(float)
    out.write_text(fast_marker_cluster_html(lat, lon, popup_texts(ds)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated event counts")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where event files are made (and kept)")
    ap.add_argument("--layers", type=Path, default=ROOT.parent / "layers")
    ap.add_argument("--fmc-max", type=int, default=100_000, help="largest size also drawn with FastMarkerCluster")
    ap.add_argument("--loop-sample", type=int, default=20_000)
    ap.add_argument("--acc-sample", type=int, default=5_000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    browser = None
    chromium = shutil.which("chromium")
    if not args.no_browser and chromium:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    from bench_map import popup_opens, render_ms
    from bench_pipeline import timed

    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        csv_path = event_file(n, args.dir)
        child = subprocess.run([PY, "-c", CHILD, str(csv_path), str(args.layers), str(ROOT), str(args.loop_sample), str(args.acc_sample)],
                               check=True, capture_output=True, text=True, cwd=ROOT.parent)
        st = json.loads(child.stdout.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "maps"
            t_build, rss_build = timed([GEO, "build", "-q", "--layers", str(args.layers), "--out", str(out), "--events", str(csv_path)],
                                       subprocess.DEVNULL)
            page = out / "offline.html"
            html_mb = page.stat().st_size / 1e6
            r_ours = r_fmc = fmc_mb = float("nan")
            popup = "not run"
            if browser is not None:
                r_ours = float(np.median([render_ms(browser, page) for _ in range(3)]))
                ev = json.loads((out / "check.json").read_text())["sites"][-1]
                popup = "yes" if popup_opens(browser, page, ev["lat"], ev["lon"], ev["site_id"]) else "NO"
            if n <= args.fmc_max:
                fmc = Path(tmp) / "fmc.html"
                fmc_page(csv_path, args.layers, fmc)
                fmc_mb = fmc.stat().st_size / 1e6
                if browser is not None:
                    r_fmc = float(np.median([render_ms(browser, fmc) for _ in range(3)]))
        rows.append({**st, "build": t_build, "rss_build": rss_build, "html_mb": html_mb, "render": r_ours, "fmc_mb": fmc_mb,
                     "render_fmc": r_fmc, "popup": popup})
        print(f"done {n:,} events", file=sys.stderr, flush=True)
    if browser is not None:
        browser.close()

    print(f"machine: {os.cpu_count()} CPUs; Chromium {'yes' if browser else 'not run'}; "
          f"border index built once per process in {rows[-1]['index']:.2f} s (not in 'checks'); "
          f"accuracy on {rows[-1]['acc_n']:,}-event subsamples; loop baseline scaled from {args.loop_sample:,} events\n")
    head = ["events", "import s (ev/s)", "checks s (pts/s)", "× loop", "× to_crs", "max err ≤100 km", "max rel err >100 km",
            "peak GB import+checks", "build s", "peak GB build", "HTML MB (FMC)", "render ms (FMC)", "popup"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for r in rows:
        fmc_size = f" ({r['fmc_mb']:.1f})" if np.isfinite(r["fmc_mb"]) else ""
        fmc_time = f" ({r['render_fmc']:.0f}, {r['render_fmc'] / r['render']:.1f}×)" if np.isfinite(r["render_fmc"]) else ""
        print(f"| {r['n']:,} | {r['import']:.2f} ({r['n'] / r['import']:,.0f}) | {r['ours']:.3f} ({r['n'] / r['ours']:,.0f}) | "
              f"{r['loop'] / r['ours']:.1f} | {r['crs'] / r['ours']:.1f} | {r['acc_near_m']:.1f} m | {r['acc_far_rel']:.1e} | "
              f"{r['rss_gb']:.2f} | {r['build']:.1f} | {r['rss_build']:.2f} | {r['html_mb']:.1f}{fmc_size} | "
              f"{r['render']:.0f}{fmc_time} | {r['popup']} |")
    print("\nto_crs (UTM 42N) baseline, max error within 100 km of the line: "
          + ", ".join(f"{r['n']:,} events {r['crs_near_m'] / 1000:.1f} km" for r in rows))
    print("\nchecks = side (prepared contains_xy) + nearest point + geodesic distance; baselines are distance only."
          "\n× loop, × to_crs: how many times faster than each baseline on the same points."
          "\nrender: navigation start to all sites drawn + 2 frames, offline.html (Leaflet inlined, no tiles), median of 3;"
          " in brackets FastMarkerCluster with the same points and popup facts, and how many times slower it is.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
