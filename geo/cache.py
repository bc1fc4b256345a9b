"""A user cache of derived arrays (border indexes, OpenStreetMap border pairs), verified on every read.

Entries are ``.npz`` files (numpy arrays only, read with ``allow_pickle=False``: a cache file can
never run code) in ``platformdirs.user_cache_dir("geo")`` (``$XDG_CACHE_HOME/geo`` on Linux) or in
``$GEO_CACHE_DIR`` when set. Each file stores the key it was made for and a SHA-256 digest of its
arrays; a file that is unreadable, made for another key or whose digest does not match is treated
as absent (and rebuilt by the caller, with a warning), never trusted. Writes go to a temporary file
beside the target and are moved into place with ``os.replace``; a cache directory that cannot be
read or written is skipped (logged at debug level): the cache only saves time, it never changes a
result.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Bumped when the layout of any entry changes: old entries are then ignored.
CACHE_VERSION = "1"


def cache_dir() -> Path:
    """The directory entries live in (not created here)."""
    env = os.environ.get("GEO_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("geo", appauthor=False))


def key_of(*parts: bytes | str | float | int) -> str:
    """A hex SHA-256 over ``parts`` (and the cache version): the name of an entry."""
    h = hashlib.sha256(CACHE_VERSION.encode())
    for p in parts:
        b = p if isinstance(p, bytes) else repr(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _digest(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _path(kind: str, key: str) -> Path:
    return cache_dir() / kind / f"{key}.npz"


def load(kind: str, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``kind``/``key``, or None when absent, unreadable or not intact."""
    path = _path(kind, key)
    try:
        if not path.is_file():
            return None
    except OSError as exc:  # a cache directory this user may not read (another user's HOME): no cache
        log.debug("cannot read the cache entry %s (%s): continuing without it", path, exc)
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
        stored_key = str(arrays.pop("__key__"))
        stored_digest = str(arrays.pop("__digest__"))
    except Exception as exc:  # a truncated zip, a bad header, a missing member: all mean "rebuild"
        log.warning("cache entry %s is unreadable (%s): rebuilding it", path, exc)
        return None
    if stored_key != key or stored_digest != _digest(arrays):
        log.warning("cache entry %s does not match its key or digest: rebuilding it", path)
        return None
    return arrays


def save(kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``kind``/``key`` (atomically); failures are logged, not raised."""
    path = _path(kind, key)
    payload = dict(arrays, __key__=np.array(key), __digest__=np.array(_digest(arrays)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cannot write the cache entry %s (%s): continuing without it", path, exc)
