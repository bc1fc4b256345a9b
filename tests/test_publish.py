"""Publishing a build into its output directory (geo/export/publish.py): all or nothing, one build at a time,
every output error one line with exit code 2."""

import contextlib
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from geo import export
from geo.cli import cli
from geo.errors import OutputError

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
publish_mod = importlib.import_module("geo.export.publish")  # (geo.export.publish is the function)


def cli_build(layers: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q", *extra])


def build_command(layers: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "geo", "build", "--layers", str(layers), "--out", str(out), "-q", *extra]


def subprocess_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLCONFIGDIR": "/tmp/geo-test-mpl"}


def contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


@pytest.fixture(scope="module")
def old_and_new(tmp_path_factory):
    """Layers for two builds whose outputs differ, and each build's files."""
    base = tmp_path_factory.mktemp("builds")
    new_layers, old_layers = base / "layers-new", base / "layers-old"
    shutil.copytree(LAYERS, new_layers)
    shutil.copytree(LAYERS, old_layers)
    for name, old, new in (("theatre.toml", "October 2025", "(old build)"), ("sites.csv", "Border town", "Old town")):
        text = (old_layers / name).read_text(encoding="utf-8")
        (old_layers / name).write_text(text.replace(old, new), encoding="utf-8")
    built = {}
    for name, layers in (("old", old_layers), ("new", new_layers)):
        res = cli_build(layers, base / f"maps-{name}")
        assert res.exit_code == 0, res.output
        built[name] = contents(base / f"maps-{name}")
    assert built["old"].keys() == built["new"].keys() and built["old"] != built["new"]
    return new_layers, built["old"], built["new"]


def assert_old_or_new(out: Path, old: dict, new: dict) -> str:
    """After the next build's recovery, ``out`` holds exactly the old or exactly the new files."""
    with export.staging(out):
        pass  # (takes the lock, completes an interrupted publish, removes killed builds' leftovers)
    got = contents(out)
    assert not [name for name in got if name.startswith(".geo-")], sorted(got)
    mixed = {name for name in got if got[name] != old.get(name)} and {name for name in got if got[name] != new.get(name)}
    assert got in (old, new), f"mixed outputs: {sorted(mixed)}"
    return "old" if got == old else "new"


# --- all or nothing ----------------------------------------------------------------------------

def test_a_build_publishes_every_file_and_leaves_nothing_else(old_and_new, tmp_path):
    layers, _, new = old_and_new
    res = cli_build(layers, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert contents(tmp_path / "out") == new
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]


@pytest.fixture(scope="module")
def new_dataset(old_and_new):
    from geo.layers import read_layers
    from geo.pipeline import run

    return run(read_layers(old_and_new[0]))


@pytest.mark.parametrize("kill_after", [0, 1, 6, 12])
def test_a_build_killed_while_publishing_leaves_old_or_new_outputs(old_and_new, new_dataset, tmp_path, monkeypatch, kill_after):
    """A kill at each step of publishing (simulated: os.replace stops after ``kill_after`` files,
    or the commit rename never happens), then the next build's recovery."""
    layers, old, new = old_and_new
    out = tmp_path / "out"
    out.mkdir()
    for name, data in old.items():
        (out / name).write_bytes(data)
    (out / "notes.txt").write_text("mine")  # not an output: left alone
    calls = {"replace": 0}
    real_replace, real_rename = os.replace, os.rename

    class Killed(BaseException):
        pass

    def replace(src, dst):
        calls["replace"] += 1
        if calls["replace"] > kill_after:
            raise Killed
        real_replace(src, dst)

    def rename(src, dst):
        if kill_after == 0:
            raise Killed  # before the commit point
        real_rename(src, dst)

    monkeypatch.setattr(publish_mod.os, "replace", replace)
    monkeypatch.setattr(publish_mod.os, "rename", rename)
    with pytest.raises(Killed), export.staging(out) as tmp:
        export.write_all(new_dataset, tmp, parallel=False)
        export.publish(tmp, out)
    monkeypatch.undo()
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    assert assert_old_or_new(out, old, new) == ("old" if kill_after == 0 else "new")


def _kill_at_random_moments(command: list[str], out: Path, old: dict, new: dict, *, tries: int, seed: int) -> list[str]:
    """Start ``command`` (a build into ``out``, which holds ``old``) ``tries`` times, SIGKILL it at a
    random moment of its run, and check ``out`` each time."""
    env = subprocess_env()
    t0 = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    duration = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    seen = []
    for i in range(tries):
        shutil.rmtree(out)
        out.mkdir()
        for name, data in old.items():
            (out / name).write_bytes(data)
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep((0.2 + (i + rng.random()) / tries) * duration)  # spread from early on to past the end
        proc.send_signal(signal.SIGKILL)  # the builder only: its forked writers must follow
        proc.wait()  # (its forked writers get SIGKILL from the kernel; the next build waits for them)
        seen.append(assert_old_or_new(out, old, new))
    return seen


def test_builds_killed_at_random_moments_leave_old_or_new_outputs(old_and_new, tmp_path):
    layers, old, new = old_and_new
    out = tmp_path / "out"
    _kill_at_random_moments(build_command(layers, out), out, old, new, tries=5, seed=11)


@pytest.mark.slow
def test_big_builds_killed_at_random_moments_leave_old_or_new_outputs(synthetic_events, tmp_path):
    """100,000 events, forked writers: killed at random moments, the outputs are never mixed,
    and no writer process outlives its builder."""
    events = synthetic_events(100_000, seed=2)
    old_dir, new_dir, out = tmp_path / "old", tmp_path / "new", tmp_path / "out"
    env = subprocess_env()
    subprocess.run(build_command(LAYERS, old_dir), env=env, check=True)
    subprocess.run(build_command(LAYERS, new_dir, "--events", str(events)), env=env, check=True)
    old, new = contents(old_dir), contents(new_dir)
    _kill_at_random_moments(build_command(LAYERS, out, "--events", str(events)), out, old, new, tries=3, seed=5)
    leftover = subprocess.run(["pgrep", "-f", f"--out {out}"], capture_output=True, text=True).stdout.split()
    assert not leftover, f"writer processes left running: {leftover}"


def test_leftovers_of_killed_builds_are_removed_by_the_next(old_and_new, tmp_path):
    layers, _, new = old_and_new
    out = tmp_path / "out"
    (out / ".geo-stage-killed").mkdir(parents=True)
    (out / ".geo-stage-killed" / "index.html").write_text("half")
    res = cli_build(layers, out)
    assert res.exit_code == 0, res.output
    assert contents(out) == new


def test_publish_only_takes_a_staging_directory_of_the_output(tmp_path):
    with pytest.raises(ValueError, match="not a staging directory"):
        export.publish(tmp_path, tmp_path / "out")


# --- one build at a time -----------------------------------------------------------------------

def test_a_second_build_on_the_same_output_is_refused(old_and_new, tmp_path):
    layers, _, _ = old_and_new
    out = tmp_path / "out"
    with export.staging(out):
        res = cli_build(layers, out)
        assert res.exit_code == 2
        assert res.stderr.strip().splitlines() == [f"error: {out}: another geo build (process {os.getpid()}) is writing here; "
                                                   "try again when it has finished"]
    assert cli_build(layers, out).exit_code == 0


def test_the_lock_of_a_killed_build_is_waited_for_while_its_writers_exit(tmp_path):
    """A killed builder's forked writers hold its lock for a moment: the next build waits for
    them (the pid in the lock file is dead), where it refuses a live build."""
    out = tmp_path / "out"
    out.mkdir()
    holder = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); "
              "os.write(fd, b'999999999\\n'); print('locked', flush=True); time.sleep(1.5)")
    proc = subprocess.Popen([sys.executable, "-c", holder, str(out / ".geo-build.lock")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    t0 = time.perf_counter()
    with export.staging(out) as tmp:
        assert tmp.parent == out
    assert time.perf_counter() - t0 > 0.5
    proc.wait()


def test_concurrent_builds_leave_one_complete_build(old_and_new, tmp_path):
    layers, old, new = old_and_new
    out = tmp_path / "out"
    env = subprocess_env()
    procs = [subprocess.Popen(build_command(layers, out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        assert code == 0 or (code == 2 and "another geo build" in err and "Traceback" not in err), (code, err)
    assert contents(out) == new


# --- output errors: one line, exit 2, nothing half-written -------------------------------------

def error_line(res) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def test_out_that_is_a_file(old_and_new, tmp_path):
    layers, _, _ = old_and_new
    (tmp_path / "maps").write_text("not a directory")
    assert error_line(cli_build(layers, tmp_path / "maps")) == f"error: {tmp_path / 'maps'}: exists and is not a directory"
    assert error_line(cli_build(layers, tmp_path / "maps" / "sub")).startswith(f"error: {tmp_path / 'maps' / 'sub'}: a part of the path is a file")
    assert (tmp_path / "maps").read_text() == "not a directory"


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str):
    """A tmpfs mounted at ``path`` (needs root); skips the test where mounting fails."""
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if res.returncode:
        pytest.skip(f"cannot mount a tmpfs: {res.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_out_on_a_mount_point(old_and_new, tmp_path):
    """The staging directory is inside the output directory, so a mount point works (no cross-device rename)."""
    layers, _, new = old_and_new
    with mounted_tmpfs(tmp_path / "mnt", "size=20m") as out:
        res = cli_build(layers, out)
        assert res.exit_code == 0, res.output
        assert contents(out) == new


def test_disk_full(old_and_new, tmp_path):
    layers, _, _ = old_and_new
    with mounted_tmpfs(tmp_path / "small", "size=200k") as out:
        (out / "notes.txt").write_text("kept")
        line = error_line(cli_build(layers, out))
        assert line.startswith(f"error: {out}/") and line.endswith((": no space left on device", "disk is full")), line
        assert ".geo-stage" not in line  # (the file it would have been, not its staging copy)
        assert contents(out) == {"notes.txt": b"kept"}


def test_read_only_output(old_and_new, tmp_path):
    layers, _, _ = old_and_new
    with mounted_tmpfs(tmp_path / "ro", "ro,size=1m") as out:
        assert error_line(cli_build(layers, out)) == f"error: {out / '.geo-build.lock'}: read-only file system"


@pytest.mark.skipif(not shutil.which("setpriv") or os.geteuid() != 0, reason="needs root and setpriv to run as another user")
def test_permission_denied():
    base = Path(tempfile.mkdtemp(prefix="geo-test-", dir="/tmp"))  # (pytest's directories are private to root)
    try:
        base.chmod(0o755)
        shutil.copytree(LAYERS, base / "layers")
        out = base / "maps"
        out.mkdir()
        res = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", *build_command(base / "layers", out)],
                             env=subprocess_env(), capture_output=True, text=True)
        assert res.returncode == 2, res.stderr
        assert res.stderr.strip().splitlines() == [f"error: {out / '.geo-build.lock'}: permission denied"]
        assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_output_error_is_a_geo_error_with_a_path():
    exc = OutputError("/maps/x.csv", "no space left on device")
    assert exc.exit_code == 2 and exc.path == "/maps/x.csv" and str(exc) == "/maps/x.csv: no space left on device"
    assert isinstance(exc, OSError)
