"""Watch a layers directory and call back when its files change (polling: no extra dependency)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

WATCHED_SUFFIXES = {".csv", ".toml", ".geojson", ".json", ".gpkg"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Modification time and size of every input file in ``root`` (by name)."""
    out = {}
    for p in sorted(root.iterdir()) if root.is_dir() else []:
        if p.is_file() and p.suffix in WATCHED_SUFFIXES:
            st = p.stat()
            out[p.name] = (st.st_mtime_ns, st.st_size)
    return out


def changed_files(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Names added, removed or modified between two snapshots, sorted."""
    return sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))


def watch(root: Path, on_change: Callable[[list[str]], None], *, interval_s: float = 1.0,
          max_events: int | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    """Poll ``root`` every ``interval_s`` and call ``on_change(names)`` after each change.

    A change is acted on once the files have been stable for one interval, so an editor's
    save-in-several-writes triggers one rebuild. Returns the number of events handled
    (only returns by itself when ``max_events`` is reached).
    """
    seen = snapshot(root)
    events = 0
    while max_events is None or events < max_events:
        sleep(interval_s)
        now = snapshot(root)
        names = changed_files(seen, now)
        if not names:
            continue
        sleep(interval_s)
        settled = snapshot(root)
        if settled != now:
            continue  # still being written; look again next round
        seen = settled
        on_change(names)
        events += 1
    return events
