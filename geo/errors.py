"""Exceptions: every problem names its file, line and field; the CLI maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Rendered as ``path:line: column: message`` (line and column when known).
    """

    path: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            return f"{where}: {self.column}: {self.message}"
        return f"{where}: {self.message}"


class GeoError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 2


class UsageError(GeoError, ValueError):
    """A command or function was called with arguments that cannot work."""


class LayerError(GeoError, ValueError):
    """One or more problems in input layers; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem] | Problem | str, *, path: str | Path | None = None):
        if isinstance(problems, str):
            problems = [Problem(str(path or "?"), None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.path = str(path) if path is not None else (self.problems[0].path if self.problems else None)
        super().__init__("\n".join(str(p) for p in self.problems))


class NotFoundError(GeoError, LookupError):
    """A place name resolved to nothing (exit code 1)."""

    exit_code = 1

    def __init__(self, query: str, suggestions: list[str] | None = None, *, where: str | None = None):
        self.query = query
        self.suggestions = list(suggestions or [])
        msg = f"unknown place name {query!r}"
        if where:
            msg = f"{where}: {msg}"
        if self.suggestions:
            msg += "; closest: " + ", ".join(self.suggestions)
        super().__init__(msg)


class AmbiguousError(GeoError, LookupError):
    """A place name matched several places equally well and no hint separates them."""

    exit_code = 1

    def __init__(self, query: str, candidates: list[str], *, where: str | None = None):
        self.query = query
        self.candidates = list(candidates)
        msg = f"ambiguous place name {query!r}: " + "; ".join(self.candidates)
        msg += " (add a country or province hint, or give lat/lon)"
        if where:
            msg = f"{where}: {msg}"
        super().__init__(msg)


class OutOfDateError(GeoError):
    """``geo build --check`` found outputs that differ from a fresh build."""

    exit_code = 1

    def __init__(self, message: str, changed: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        #: The outputs that differ, are missing or are extra (``"name (differs)"``, ...).
        self.changed = list(changed)

class OutputError(GeoError, OSError):
    """An output could not be written (``.path``: the file or directory; ``.cause``: why).

    Nothing was published: the output directory holds its previous outputs.
    """

    exit_code = 2

    def __init__(self, path: str | Path, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")

    def __str__(self) -> str:
        return f"{self.path}: {self.cause}"

    def __reduce__(self):  # pickled by forked writers to their parent
        return (type(self), (self.path, self.cause))
