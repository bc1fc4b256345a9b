"""Time each writer of ``geo.export`` and the publish step on N synthetic events.

Usage: ``.venv/bin/python bench/bench_export.py [N ...]`` (default 100000). For each N, the bundled layers
plus N events of ``bench/make_events.py`` are run through the pipeline once; then, serially,
the layer tables, each layer's GeoJSON and CSV, the GeoPackage, check.json, the report, and
publishing the files from a staging directory into a fresh directory are timed (best of two runs each).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_events import make_events  # noqa: E402

from geo import export  # noqa: E402
from geo.events import read_events  # noqa: E402
from geo.layers import read_layers  # noqa: E402
from geo.pipeline import run  # noqa: E402


def best_of(fn, repeat: int = 2) -> float:
    """Least wall time of ``repeat`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench(n: int, work: Path) -> dict[str, float]:
    """Seconds per writer for the bundled layers plus ``n`` events."""
    events = work / f"events_{n}.csv"
    make_events(n, seed=1).to_csv(events, index=False)
    ds = run(read_layers(HERE.parent / "layers"), events=[read_events(events)])
    tables = export.layer_tables(ds)
    out = work / f"out_{n}"
    out.mkdir()
    figures = {"layer tables": best_of(lambda: export.layer_tables(ds))}
    for name in ("sites", "claims"):
        figures[f"{name}.geojson"] = best_of(lambda name=name: export.write_geojson(tables[name], out / f"{name}.geojson"))
        figures[f"{name}.csv"] = best_of(lambda name=name: export.write_csv(tables[name], out / f"{name}.csv"))
    gpkg = out / "all.gpkg"
    figures["gpkg"] = best_of(lambda: (gpkg.unlink(missing_ok=True), export.write_gpkg(tables, gpkg)))
    figures["check.json"] = best_of(lambda: export.write_check_json(ds, out / "check.json"))
    figures["report"] = best_of(lambda: export.write_report(ds, out))

    publish_s = []

    def stage_and_publish() -> None:
        target = work / f"published_{n}_{time.perf_counter_ns()}"
        with export.staging(target) as tmp:
            for p in out.iterdir():
                (tmp / p.name).write_bytes(p.read_bytes())
            t0 = time.perf_counter()
            export.publish(tmp, target)  # fsync of every file, the commit rename, the moves
            publish_s.append(time.perf_counter() - t0)
    best_of(stage_and_publish)
    figures["publish"] = min(publish_s)
    return figures


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            figures = bench(n, Path(tmp))
            print(f"{n:,} events")
            for name, seconds in figures.items():
                print(f"  {name:<16} {seconds:7.2f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])
