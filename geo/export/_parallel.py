"""Writers in forked processes: the memory gate, and children that die with their parent."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable

#: From this many sites plus claims, writers run in forked processes (:func:`should_fork`)
#: when the machine has :data:`PARALLEL_MEMORY_FACTOR` times the builder's memory available.
PARALLEL_MIN_ROWS = 50_000
PARALLEL_MEMORY_FACTOR = 1.5
#: Linux ``prctl`` option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether writers can run in forked processes (POSIX ``fork``: they share the dataset, copy-on-write)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _meminfo_bytes(field: str) -> int | None:
    """A field of Linux's ``/proc/meminfo`` in bytes, or None where there is none."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _rss_bytes() -> int | None:
    """This process's resident memory in bytes (Linux ``/proc/self/statm``), or None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def memory_allows_fork(factor: float = PARALLEL_MEMORY_FACTOR) -> bool:
    """Whether the machine has room for forked writers: they copy most of the dataset as they
    write (measured at a million events: 9.2 GB in all against 4.5 GB serial), so ask for
    ``factor`` times this process's resident memory to be available. False where unknown."""
    available, rss = _meminfo_bytes("MemAvailable"), _rss_bytes()
    return available is not None and rss is not None and available >= factor * rss


def should_fork(n_rows: int) -> bool:
    """Whether a build of ``n_rows`` sites plus claims should run its writers in forked processes."""
    return can_fork() and n_rows >= PARALLEL_MIN_ROWS and memory_allows_fork()


def _die_with_parent(parent_pid: int) -> None:
    """In a forked child: ask Linux for SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``),
    and exit at once if it already has. Elsewhere nothing (the parent's ``terminate`` still applies)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def start_forked(name: str, fn: Callable[[], None]) -> Callable[[bool], None]:
    """Run ``fn`` in a forked child process, which is killed if this process dies.

    Returns a function that waits for the child (or, given True, stops it) and raises the
    child's exception, or a :class:`RuntimeError` when the child died without a word.
    """
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    parent = os.getpid()

    def target() -> None:
        _die_with_parent(parent)
        recv.close()
        try:
            fn()
            send.send(None)
        except BaseException as exc:  # noqa: BLE001 (sent to the parent, which raises it)
            try:
                send.send(exc)
            except Exception:  # an exception that does not pickle: its text
                send.send(RuntimeError(f"{name}: {type(exc).__name__}: {exc}"))
        finally:
            send.close()

    proc = ctx.Process(target=target, name=f"geo-{name}", daemon=True)
    proc.start()
    send.close()

    def wait(stop: bool = False) -> None:
        if stop:
            proc.terminate()
        try:
            err = None if stop else recv.recv()
        except EOFError:
            err = RuntimeError(f"{name}: writer process exited with code {proc.exitcode}")
        finally:
            proc.join()
            recv.close()
        if err is None and not stop and proc.exitcode:
            err = RuntimeError(f"{name}: writer process exited with code {proc.exitcode}")
        if err is not None:
            raise err
    return wait


def run_jobs(steps: list[tuple[bool, str, Callable[[], None]]]) -> None:
    """Run each ``(forked, name, fn)`` of ``steps`` in order: in a forked process when ``forked``
    (not waited for), else in this one (the next step starts when it is done).

    Every child is waited for before this returns or raises (the first error is raised), so
    nothing is still writing when the caller publishes or removes what they write.
    """
    waits = []
    error: BaseException | None = None
    try:
        for forked, name, fn in steps:
            if forked:
                waits.append(start_forked(name, fn))
            else:
                fn()
    except BaseException as exc:  # noqa: BLE001 (raised below, once the others have stopped)
        error = exc
    for wait in waits:
        try:
            wait(error is not None)
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error
