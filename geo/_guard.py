"""Outputs never overwrite inputs: the one check every writer of the library makes first."""

from __future__ import annotations

from pathlib import Path

from geo.errors import UsageError


def refuse_inputs(out: Path, layers_dir: Path, inputs: list[Path], *, directory: bool) -> None:
    """Refuse an output that would overwrite an input: ``layers_dir`` itself, a path inside it, or an input file.

    Raises
    ------
    UsageError
        Naming the output and the input it would overwrite.
    """
    target, layers_root = out.resolve(), layers_dir.resolve()
    if target == layers_root or layers_root in target.parents:
        what = "output directory" if directory else "output file"
        raise UsageError(f"{out}: the {what} is inside the layers directory {layers_dir}; "
                         "geo never writes into its inputs: choose another path")
    for p in inputs:
        if p.resolve() == target or (directory and target in p.resolve().parents):
            raise UsageError(f"{out}: would overwrite the input {p}; choose another path")
