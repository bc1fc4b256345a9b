"""GeoPackage of every layer (pyogrio through Arrow), byte-identical for identical input."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pyogrio

#: Fixed timestamp GDAL writes into GeoPackage metadata, so identical input gives identical bytes.
GPKG_DATE = "2025-01-01T00:00:00Z"


@contextlib.contextmanager
def gdal_config(options: Mapping[str, str]) -> Iterator[None]:
    """GDAL configuration options set for the block, then each restored to its previous value
    (GDAL's configuration is process-wide: the caller's values are kept)."""
    previous = {name: pyogrio.get_gdal_config_option(name) for name in options}
    pyogrio.set_gdal_config_options(dict(options))
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
    """All ``layers`` (name -> frame) in one new GeoPackage at ``path``, with a fixed metadata timestamp.

    SQLite gets a larger page cache and no fsync while the file is written (a new file in a
    staging directory, synced when published); the bytes are the same.
    """
    options = {"OGR_CURRENT_DATE": GPKG_DATE, "OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_CACHE": "512"}
    with gdal_config(options):
        for i, (name, frame) in enumerate(layers.items()):
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=i > 0, use_arrow=True)
