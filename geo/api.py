"""The library's front door: load, check, build and export a theatre, and geocode names.

Every command of the ``geo`` CLI is one call of a function here; notebooks use the same calls.
"""

from __future__ import annotations

import filecmp
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geo.dataset import Dataset
from geo._guard import refuse_inputs
from geo.errors import LayerError, OutOfDateError, Problem

PathLike = str | os.PathLike


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did.

    Attributes
    ----------
    out_dir
        The output directory.
    files
        Names of the files the build made, sorted.
    changed
        With ``check=True``: the outputs that differ from ``out_dir`` as ``"name (differs)"``,
        ``"name (missing)"`` or ``"name (extra)"``; empty when ``out_dir`` is up to date.
    published
        Whether the files were published into ``out_dir`` (false for a check).
    """

    out_dir: Path
    files: list[str]
    changed: list[str] = field(default_factory=list)
    published: bool = False


def load(layers: PathLike = "layers", *, events: Sequence[PathLike] = (), events_format: str | None = None,
         skip_invalid: bool = False, engine: str = "memory") -> Dataset:
    """Read a layers directory (and bulk event files), locate every site and check it against the border.

    Parameters
    ----------
    layers
        Directory with ``theatre.toml``, ``sites.csv``, ``claims.csv``, ...
    events
        ACLED exports or UCDP GED files (CSV, CSV.gz, Parquet) added as sites with claims.
    events_format
        ``"acled"`` or ``"ucdp"``; detected from the header when not given.
    skip_invalid
        Keep the good rows of an events file; its bad rows become :attr:`Dataset.warnings`.
    engine
        ``"memory"`` or ``"dask"`` (needs the ``scale`` extra) for the side and distance checks.

    Returns
    -------
    Dataset

    Raises
    ------
    LayerError
        Listing every problem of every file (file, line, column), before anything is computed.

    Examples
    --------
    >>> import geo
    >>> ds = geo.load("layers")
    >>> ds.sites.loc[ds.sites["site_id"] == "kabul", ["side", "country"]].values.tolist()
    [['AF', 'AF']]
    """
    from geo.layers import read_layers
    from geo.pipeline import run

    layers_dir = Path(layers)
    if not events:
        return Dataset(run(read_layers(layers_dir), engine=engine))
    problems, warnings, tables = _read_event_files([Path(p) for p in events], events_format, skip_invalid)
    try:
        layer_set = read_layers(layers_dir)
    except LayerError as exc:
        problems += exc.problems
    if problems:
        raise LayerError(problems)
    return Dataset(run(layer_set, events=tables, engine=engine), warnings=warnings)


def _read_event_files(paths: list[Path], fmt: str | None, skip_invalid: bool) -> tuple[list[Problem], list[Problem], list]:
    """Every events file read: (problems, warnings, tables); the problems of every file, not just the first's."""
    from geo.events import read_events

    problems: list[Problem] = []
    warnings: list[Problem] = []
    tables = []
    for path in paths:
        try:
            table = read_events(path, fmt, skip_invalid=skip_invalid)
        except LayerError as exc:
            problems += exc.problems
            continue
        if table.problems:
            rows = len({(p.path, p.line) for p in table.problems})
            warnings += [*table.problems, Problem(str(path), None, None, f"skipped {rows} invalid row(s); kept {len(table.sites)} event(s)")]
        tables.append(table)
    return problems, warnings, tables


def check(layers: PathLike = "layers", **load_options) -> dict:
    """The border length check and the per-site checks of a layers directory (``geo check --json``).

    Examples
    --------
    >>> import geo
    >>> round(geo.check("layers")["border"]["length_km"])  # the OpenStreetMap line, in use
    2715
    """
    return load(layers, **load_options).check()


def build(layers: PathLike = "layers", out: PathLike = "maps", *, check: bool = False, self_contained: bool = False,
          parallel: bool | None = None, dataset: Dataset | None = None, **load_options) -> BuildResult:
    """Build every output (maps, GeoJSON, GeoPackage, CSV, check report) from ``layers`` into ``out``.

    The outputs are written to a staging directory inside ``out`` first and published all or
    nothing under a lock (:mod:`geo.export.publish`): after a failure or a kill, ``out`` holds
    the complete previous outputs or the complete new ones.

    Parameters
    ----------
    layers, out
        Input layers directory and output directory. ``out`` may not be ``layers`` or inside it.
    check
        Build into the staging directory only and compare with ``out``: the result's ``changed``
        lists what differs, is missing or is extra, and :class:`~geo.errors.OutOfDateError` is
        raised when anything does. Nothing is published.
    self_contained
        Make ``index.html`` work offline too (Leaflet inlined, no web tiles).
    parallel
        Write in forked processes (default: for big builds when memory allows).
    dataset
        An already loaded dataset of ``layers`` (skips loading).
    **load_options
        Passed to :func:`load` (``events``, ``events_format``, ``skip_invalid``, ``engine``).

    Returns
    -------
    BuildResult

    Examples
    --------
    >>> import geo, tempfile
    >>> result = geo.build("layers", tempfile.mkdtemp())
    >>> "offline.html" in result.files and result.published
    True
    >>> geo.build("layers", "maps", check=True).changed
    []
    """
    from geo import export, render

    layers_dir, out_dir = Path(layers), Path(out)
    refuse_inputs(out_dir, layers_dir, [Path(p) for p in load_options.get("events", ())], directory=True)
    ds = dataset or load(layers_dir, **load_options)
    writers = {}
    if self_contained:
        writers["index.html"] = lambda p: p.write_text(render.render_html(ds.checked, self_contained=True), encoding="utf-8")
    if check:
        # A check writes into a private temporary directory: it takes no lock and leaves ``out`` as it is.
        with tempfile.TemporaryDirectory(prefix="geo-check-") as tmp:
            files = export.write_all(ds.checked, Path(tmp), writers=writers, parallel=parallel)
            changed = compare_outputs(Path(tmp), out_dir)
        if changed:
            raise OutOfDateError(f"{len(changed)} output(s) in {out_dir} are out of date with {layers_dir}: run `geo build`",
                                 changed=changed)
        return BuildResult(out_dir, files)
    with export.staging(out_dir) as tmp:
        files = export.write_all(ds.checked, tmp, writers=writers, parallel=parallel)
        export.publish(tmp, out_dir)
    return BuildResult(out_dir, files, published=True)


def compare_outputs(new_dir: Path, out_dir: Path) -> list[str]:
    """Files of ``new_dir`` that differ from or are missing in ``out_dir``, and files only ``out_dir`` has.

    Hidden files (a leading dot) in ``out_dir`` are not outputs and are not compared.
    """
    new = {p.relative_to(new_dir) for p in new_dir.rglob("*") if p.is_file()}
    old = {p.relative_to(out_dir) for p in out_dir.rglob("*") if p.is_file()} if out_dir.is_dir() else set()
    old = {p for p in old if not any(part.startswith(".") for part in p.parts)}
    changed = []
    for rel in sorted(new | old):
        if rel not in old:
            changed.append(f"{rel} (missing)")
        elif rel not in new:
            changed.append(f"{rel} (extra: not made by this build)")
        elif not filecmp.cmp(new_dir / rel, out_dir / rel, shallow=False):
            changed.append(f"{rel} (differs)")
    return changed
