"""All-or-nothing publishing of a build's files into an output directory, one build at a time.

The design, and why. ``maps/`` must stay a plain directory of plain files (git commits them, users
open them), and may itself be a mount point, so neither a symlink to a versioned directory nor a
rename of ``maps/`` itself can be the atomic step. Instead everything happens inside ``out/``
(always one filesystem, so every rename is atomic) under a lock:

1. :func:`staging` takes ``out/.geo-build.lock`` (``fcntl.flock``: a second build on the same
   ``out/`` is refused with a clear message; the lock of a killed build, whose forked writers
   hold it until the kernel has killed them too, is waited for), finishes or removes what killed
   builds left (:func:`recover`), and gives the build a fresh ``out/.geo-stage-<id>/`` to write into.
2. :func:`publish` syncs the staged files, then renames the whole staging directory to
   ``out/.geo-publish-<id>/``: that one rename is the commit point. It then moves each file
   into ``out/`` with ``os.replace`` and removes the empty directory.
3. A build killed before the commit point leaves a ``.geo-stage-*`` directory: the next build
   removes it, and ``out/`` keeps the complete old outputs. Killed after it, it leaves a
   ``.geo-publish-*`` directory: the next build (or :func:`recover`) moves its remaining files
   into place first, so ``out/`` holds the complete new outputs of the killed build.

Between a kill during step 2 and the next run, ``out/`` holds a mix; the next run's recovery
always completes it, and nothing else is ever visible after a run ends. Files in ``out/`` that
a build does not write are left alone. The hidden ``.geo-*`` entries (there only during a build, or after a kill) are in ``.gitignore``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from geo.errors import OutputError

try:
    import fcntl
except ImportError:  # not POSIX: builds are not locked
    fcntl = None

LOCK_NAME = ".geo-build.lock"
STAGE_PREFIX = ".geo-stage-"
PUBLISH_PREFIX = ".geo-publish-"


def describe(exc: BaseException) -> str:
    """The cause of an error writing outputs, in a few words (``strerror`` of an ``OSError``)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__


@contextlib.contextmanager
def output_errors(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` (disk full, permission denied, ...) or a GDAL write error raised in the
    block into an :class:`geo.errors.OutputError` naming ``path`` (or the error's own file)."""
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    try:
        yield
    except OutputError:
        raise
    except (OSError, DataLayerError, DataSourceError, FieldError, GeometryError) as exc:
        where = getattr(exc, "filename", None) or path
        why = describe(exc)
        if not isinstance(exc, OSError) and _disk_full(Path(where)):
            why = "no space left on device"  # GDAL/SQLite report a full disk in many words (a failed ROLLBACK, ...)
        raise OutputError(Path(where), why) from exc


def _disk_full(path: Path) -> bool:
    """True when the file system of ``path``'s directory has no free space left (under 64 KiB)."""
    try:
        return shutil.disk_usage(path.parent).free < 65536
    except OSError:
        return False


def _output_dir(out_dir: Path) -> Path:
    """``out_dir``, made with its parents if missing; :class:`OutputError` when it cannot be."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(out_dir, "exists and is not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(out_dir, "a part of the path is a file, not a directory") from None
    except OSError as exc:
        raise OutputError(out_dir, f"cannot create the directory: {describe(exc)}") from exc
    return out_dir


#: Seconds to wait for the lock of a killed build whose forked writers are still exiting.
KILLED_BUILD_WAIT_S = 30.0


def _alive(pid_text: str) -> bool:
    """Whether the process of a lock file's pid text runs (True when unknown)."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, OverflowError, PermissionError):
        return True
    except ProcessLookupError:
        return False
    return True


def _try_lock(fd: int, path: Path, out_dir: Path, deadline: float) -> bool:
    """Lock ``fd`` without blocking; False to try again (the holder is a killed build whose forked
    writers the kernel is still killing, until ``deadline``), else :class:`OutputError` when held."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise OutputError(path, describe(exc)) from exc
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
        if not _alive(holder) and time.monotonic() < deadline:
            time.sleep(0.05)
            return False
        raise OutputError(out_dir, f"another geo build (process {holder}) is writing here; "
                                   "try again when it has finished") from None


def _lock_fd(path: Path, out_dir: Path) -> int:
    """An open descriptor of the lock file ``path``, exclusively locked; refuse when it is held."""
    deadline = time.monotonic() + KILLED_BUILD_WAIT_S
    while True:
        with output_errors(path):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _try_lock(fd, path, out_dir, deadline)
            same = locked and os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)  # not locked yet, or locked a file its holder removed as it finished: again


@contextlib.contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir``'s build lock (the file :data:`LOCK_NAME`, removed again at the end) for the
    block; refuse with an :class:`geo.errors.OutputError` when another build holds it."""
    path = out_dir / LOCK_NAME
    fd = _lock_fd(path, out_dir)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # while still locked: a build waiting on this file will see it is gone
        os.close(fd)  # (releases the lock)


def _fsync(path: Path, *, directory: bool = False) -> None:
    """Flush a file (or a directory's entries) to disk, so a crash of the machine keeps the order of steps."""
    if directory and not hasattr(os, "O_DIRECTORY"):
        return  # (Windows cannot open a directory to sync it)
    fd = os.open(path, (os.O_RDONLY | os.O_DIRECTORY) if directory else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(root: Path) -> list[Path]:
    """Every file under ``root``, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def _move_into(src_dir: Path, out_dir: Path) -> list[Path]:
    """Move every file of ``src_dir`` into the same place under ``out_dir``, then remove ``src_dir``."""
    moved = []
    for src in _files(src_dir):
        dst = out_dir / src.relative_to(src_dir)
        with output_errors(dst):
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
        moved.append(dst)
    _fsync(out_dir, directory=True)
    shutil.rmtree(src_dir, ignore_errors=True)
    return moved


def recover(out_dir: Path) -> list[Path]:
    """Complete a publish a killed build began, and remove killed builds' staging directories.

    Call with the build lock held (:func:`staging` does). Returns the files moved into place.
    """
    moved = []
    for interrupted in sorted(out_dir.glob(PUBLISH_PREFIX + "*"), key=lambda p: p.stat().st_mtime):
        moved += _move_into(interrupted, out_dir)
    for left in out_dir.glob(STAGE_PREFIX + "*"):
        shutil.rmtree(left, ignore_errors=True)
    return moved


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh staging directory inside ``out_dir`` (made if missing), with ``out_dir``'s build lock held.

    Write a build's files there, then :func:`publish` them; the directory and the lock are
    gone when the block ends (whether or not it published).

    Raises
    ------
    geo.errors.OutputError
        When ``out_dir`` is not a directory, cannot be written, or another build holds it.
    """
    out_dir = _output_dir(Path(out_dir))
    with build_lock(out_dir):
        recover(out_dir)
        with output_errors(out_dir):
            stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out_dir))
        try:
            yield stage
        except OutputError as exc:  # name the output, not its staging copy
            if not Path(exc.path).is_relative_to(stage):
                raise
            raise OutputError(out_dir / Path(exc.path).relative_to(stage), exc.cause) from exc
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def publish(staged: Path, out_dir: Path) -> list[Path]:
    """Move every file of ``staged`` (from :func:`staging` of ``out_dir``) into ``out_dir``, all or nothing.

    Returns
    -------
    list of Path
        The published files, sorted.
    """
    out_dir = Path(out_dir)
    if staged.parent.resolve() != out_dir.resolve() or not staged.name.startswith(STAGE_PREFIX):
        raise ValueError(f"{staged} is not a staging directory of {out_dir} (use geo.export.staging)")
    with output_errors(staged):
        for path in _files(staged):
            _fsync(path)
        committed = out_dir / (PUBLISH_PREFIX + staged.name[len(STAGE_PREFIX):])
        os.rename(staged, committed)  # the commit point: from here on, the new outputs win
        _fsync(out_dir, directory=True)
    return _move_into(committed, out_dir)
