"""Every output of a build, and one layer in any format: the writers picked from one table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from geo.export import _parallel
from geo.export.checkjson import write_check_json
from geo.export.csv import write_csv
from geo.export.geojson import layer_columns, write_geojson
from geo.export.gpkg import write_gpkg
from geo.export.parquet import write_parquet
from geo.export.publish import output_errors
from geo.export.report import write_report
from geo.export.tables import layer_tables

if TYPE_CHECKING:
    from geo.pipeline import Dataset


@dataclass(frozen=True)
class Format:
    """An export format: its file extension and its writer.

    ``write(layers, path)`` writes the layers given (name -> frame) to ``path``; a format that
    is not ``multi_layer`` takes exactly one.
    """

    name: str
    extension: str
    write: Callable[[Mapping[str, gpd.GeoDataFrame], Path], None]
    multi_layer: bool = False


def _one(writer: Callable[[gpd.GeoDataFrame, Path], None]) -> Callable[[Mapping[str, gpd.GeoDataFrame], Path], None]:
    """A single-layer writer as a :class:`Format` writer."""
    def write(layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
        if len(layers) != 1:
            raise ValueError(f"{path}: this format holds one layer, not {len(layers)} ({', '.join(layers)})")
        writer(next(iter(layers.values())), path)
    return write


#: Format name -> :class:`Format`: the one table both :func:`export_layers` and :func:`write_all` use.
FORMATS: dict[str, Format] = {
    "geojson": Format("geojson", ".geojson", _one(write_geojson)),
    "csv": Format("csv", ".csv", _one(write_csv)),
    "parquet": Format("parquet", ".parquet", _one(write_parquet)),
    "gpkg": Format("gpkg", ".gpkg", write_gpkg, multi_layer=True),
}
#: File extension -> format name (as geopandas' ``_EXTENSION_TO_DRIVER``).
EXTENSION_TO_FORMAT: dict[str, str] = {f.extension: name for name, f in FORMATS.items()} | {".json": "geojson", ".geoparquet": "parquet"}
#: File name of the GeoPackage of a build.
GPKG_NAME = "border_incidents.gpkg"


def format_for(path: Path, fmt: str | None = None) -> Format:
    """The :class:`Format` named ``fmt``, or the one of ``path``'s extension.

    Raises
    ------
    ValueError
        For an unknown format name or extension.
    """
    name = fmt or EXTENSION_TO_FORMAT.get(Path(path).suffix.lower())
    if name not in FORMATS:
        wanted = fmt if fmt else f"extension {Path(path).suffix!r}"
        raise ValueError(f"{path}: unknown format {wanted}; expected one of {', '.join(FORMATS)} "
                         f"({', '.join(sorted(EXTENSION_TO_FORMAT))})")
    return FORMATS[name]


def export_layers(layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, fmt: str | None = None) -> None:
    """Write ``layers`` (name -> frame; one unless the format holds several) to ``path`` in format
    ``fmt`` (default: from the extension, :data:`EXTENSION_TO_FORMAT`); errors writing it raise
    :class:`geo.errors.OutputError`."""
    with output_errors(path):
        format_for(path, fmt).write(layers, path)


def write_layers(tables: Mapping[str, gpd.GeoDataFrame], out: Path) -> None:
    """One GeoJSON file per layer and the sites and claims CSV files (each table's columns
    converted once for both)."""
    for name, frame in tables.items():
        columns = layer_columns(frame)
        with output_errors(out / f"{name}.geojson"):
            write_geojson(frame, out / f"{name}.geojson", columns=columns)
        if name in ("sites", "claims"):
            with output_errors(out / f"{name}.csv"):
                write_csv(frame, out / f"{name}.csv", columns=columns)


def write_checks(ds: Dataset, out: Path) -> None:
    """``check.json`` and the report (``report.md`` and its chart)."""
    with output_errors(out / "check.json"):
        write_check_json(ds, out / "check.json")
    with output_errors(out / "report.md"):
        write_report(ds, out)


def write_maps(ds: Dataset, out: Path) -> None:
    """``index.html`` (tiles and Leaflet from the web) and ``offline.html`` (self-contained)."""
    from geo import render

    parts: dict = {}  # the sites' map data, built once for both maps
    for name, self_contained in (("index.html", False), ("offline.html", True)):
        with output_errors(out / name):
            (out / name).write_text(render.render_html(ds, self_contained=self_contained, parts=parts), encoding="utf-8")


def write_all(ds: Dataset, out: Path, *, writers: dict[str, Callable[[Path], None]] | None = None,
              parallel: bool | None = None) -> list[str]:
    """Write every output of a build into directory ``out`` (a :func:`geo.export.staging` directory).

    ``parallel`` (default: :func:`geo.export._parallel.should_fork` of the sites plus claims)
    runs the checks, the GeoPackage and the layer files in forked processes (each with its
    own GIL; they share the dataset copy-on-write) and the maps here; the files are the same,
    the peak memory about twice the serial one. ``writers`` (file name -> function of its
    path) run last, here. Errors writing a file raise :class:`geo.errors.OutputError`.

    Returns
    -------
    list of str
        File names written, sorted.
    """
    with output_errors(out):
        out.mkdir(parents=True, exist_ok=True)
    if parallel is None:
        parallel = _parallel.should_fork(len(ds.sites) + len(ds.claims))
    tables: dict[str, gpd.GeoDataFrame] = {}
    _parallel.run_jobs([
        (parallel, "checks", lambda: write_checks(ds, out)),  # needs no tables: starts first
        (False, "tables", lambda: tables.update(layer_tables(ds))),  # here: made in a child, they would be copied
        (parallel, "gpkg", lambda: export_layers(tables, out / GPKG_NAME, fmt="gpkg")),
        (parallel, "layers", lambda: write_layers(tables, out)),
        (False, "maps", lambda: write_maps(ds, out)),
    ])
    for name, fn in (writers or {}).items():
        with output_errors(out / name):
            fn(out / name)
    return sorted(p.name for p in out.iterdir())

