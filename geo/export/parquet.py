"""GeoParquet of one layer (geopandas through pyarrow): typed columns, WKB geometry, ``geo`` metadata."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd


def write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """One layer as GeoParquet at ``path``."""
    frame.to_parquet(path, index=False)
