"""Write a build to disk: GeoJSON (RFC 7946), GeoPackage, GeoParquet, CSV, check.json and report, published all or nothing.

One module per output format (:mod:`~geo.export.geojson`, :mod:`~geo.export.gpkg`,
:mod:`~geo.export.parquet`, :mod:`~geo.export.csv`, :mod:`~geo.export.checkjson`,
:mod:`~geo.export.report`), the layer tables they share (:mod:`~geo.export.tables`), the
site records (:mod:`~geo.export.records`), one table from format name and extension to writer
(:data:`FORMATS`, :mod:`~geo.export.outputs`) and publishing (:mod:`~geo.export.publish`).

Examples
--------
>>> from geo.export import staging, write_all, publish   # doctest: +SKIP
>>> with staging(Path("maps")) as tmp:                    # doctest: +SKIP
...     write_all(ds, tmp)
...     publish(tmp, Path("maps"))
"""

from geo.export._parallel import PARALLEL_MIN_ROWS, can_fork, memory_allows_fork
from geo.export.checkjson import check_report, dumps_json, dumps_json_bytes, stream_check_json, write_check_json
from geo.export.csv import FORMULA_START, neutralise_formula, write_csv
from geo.export.geojson import layer_columns, write_geojson
from geo.export.gpkg import GPKG_DATE, write_gpkg
from geo.export.outputs import EXTENSION_TO_FORMAT, FORMATS, GPKG_NAME, Format, export_layers, format_for, write_all
from geo.export.parquet import write_parquet
from geo.export.publish import publish, recover, staging
from geo.export.records import SITE_RECORD_FIELDS, site_records
from geo.export.tables import COORD_DECIMALS, LAYER_NAMES, layer_tables



def __getattr__(name: str):
    # The report draws its chart with matplotlib: loaded on first use, not by `geo check`.
    if name in ("markdown", "write_report"):
        from geo.export import report

        return getattr(report, name)
    raise AttributeError(f"module 'geo.export' has no attribute {name!r}")


__all__ = [
    "COORD_DECIMALS", "EXTENSION_TO_FORMAT", "FORMATS", "FORMULA_START", "Format", "GPKG_DATE", "GPKG_NAME", "LAYER_NAMES",
    "PARALLEL_MIN_ROWS", "SITE_RECORD_FIELDS", "can_fork", "check_report", "dumps_json", "dumps_json_bytes", "export_layers",
    "format_for", "layer_columns", "layer_tables", "markdown", "memory_allows_fork", "neutralise_formula", "publish", "recover",
    "site_records", "staging", "stream_check_json", "write_all", "write_check_json", "write_csv", "write_geojson", "write_gpkg",
    "write_parquet", "write_report",
]
