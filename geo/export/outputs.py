"""Every output of a build, and one layer in any format: the writers picked from one table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
from geo.export.tables import LAYER_NAMES, layer_tables

if TYPE_CHECKING:
    from geo.pipeline import Checked


#: A format's writer: ``write(layers, path, columns)`` writes ``layers`` (name -> frame) to ``path``;
#: ``columns`` are a single layer's :func:`geo.export.geojson.layer_columns` if already made (or None).
Writer = Callable[[Mapping[str, gpd.GeoDataFrame], Path, "dict | None"], None]


@dataclass(frozen=True)
class Format:
    """An export format: its name, file extension and writer; a format that is not ``multi_layer``
    takes exactly one layer."""

    name: str
    extension: str
    write: Writer
    multi_layer: bool = False


def _one(writer: Callable[..., None], *, takes_columns: bool) -> Writer:
    """A single-layer writer as a :class:`Format` writer."""
    def write(layers: Mapping[str, gpd.GeoDataFrame], path: Path, columns: dict | None = None) -> None:
        if len(layers) != 1:
            raise ValueError(f"{path}: this format holds one layer, not {len(layers)} ({', '.join(layers)})")
        frame = next(iter(layers.values()))
        writer(frame, path, columns=columns) if takes_columns else writer(frame, path)
    return write


#: Format name -> :class:`Format`: the one table both :func:`export_layers` and :func:`write_all` use.
FORMATS: dict[str, Format] = {
    "geojson": Format("geojson", ".geojson", _one(write_geojson, takes_columns=True)),
    "csv": Format("csv", ".csv", _one(write_csv, takes_columns=True)),
    "parquet": Format("parquet", ".parquet", _one(write_parquet, takes_columns=False)),
    "gpkg": Format("gpkg", ".gpkg", lambda layers, path, columns=None: write_gpkg(layers, path), multi_layer=True),
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


def export_layers(layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, fmt: str | None = None,
                  columns: dict | None = None) -> None:
    """Write ``layers`` (name -> frame; one unless the format holds several) to ``path`` in format
    ``fmt`` (default: from the extension, :data:`EXTENSION_TO_FORMAT`); errors writing it raise
    :class:`geo.errors.OutputError`. ``columns``: the single layer's
    :func:`geo.export.geojson.layer_columns`, if already made."""
    with output_errors(path):
        format_for(path, fmt).write(layers, path, columns)


#: The files of a build other than the maps, check.json and report: file name -> (format, layers).
BUILD_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{f"{name}.geojson": ("geojson", (name,)) for name in LAYER_NAMES},
    "sites.csv": ("csv", ("sites",)), "claims.csv": ("csv", ("claims",)),
    GPKG_NAME: ("gpkg", LAYER_NAMES),
}


def write_layers(tables: Mapping[str, gpd.GeoDataFrame], out: Path, *, names: Iterable[str] | None = None) -> None:
    """The files :data:`BUILD_FILES` (or those of them in ``names``) into directory ``out``; a
    layer's columns are converted once for all its single-layer files."""
    columns: dict[str, dict] = {}
    for file_name, (fmt, layers) in BUILD_FILES.items():
        if names is not None and file_name not in names:
            continue
        one = layers[0] if len(layers) == 1 else None
        if one is not None and one not in columns:
            columns[one] = layer_columns(tables[one])
        export_layers({name: tables[name] for name in layers}, out / file_name, fmt=fmt, columns=columns.get(one))


def write_checks(ds: Checked, out: Path) -> None:
    """``check.json`` and the report (``report.md`` and its chart)."""
    with output_errors(out / "check.json"):
        write_check_json(ds, out / "check.json")
    from geo.export.report import write_report  # matplotlib: loaded only when a report is written

    with output_errors(out / "report.md"):
        write_report(ds, out)


def write_maps(ds: Checked, out: Path) -> None:
    """``index.html`` (tiles and Leaflet from the web) and ``offline.html`` (self-contained)."""
    from geo import render

    parts: dict = {}  # the sites' map data, built once for both maps
    for name, self_contained in (("index.html", False), ("offline.html", True)):
        with output_errors(out / name):
            (out / name).write_text(render.render_html(ds, self_contained=self_contained, parts=parts), encoding="utf-8")


def write_all(ds: Checked, out: Path, *, writers: dict[str, Callable[[Path], None]] | None = None,
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
        (parallel, "gpkg", lambda: write_layers(tables, out, names=[GPKG_NAME])),
        (parallel, "layers", lambda: write_layers(tables, out, names=set(BUILD_FILES) - {GPKG_NAME})),
        (False, "maps", lambda: write_maps(ds, out)),
    ])
    for name, fn in (writers or {}).items():
        with output_errors(out / name):
            fn(out / name)
    return sorted(p.name for p in out.iterdir())

