"""geo: map border incidents from news reports — offline geocoding, border checks, Leaflet maps, GIS exports.

The library's front door; the ``geo`` command is a thin layer over these calls.

Examples
--------
>>> import geo
>>> ds = geo.load("layers")              # read, geocode and check layers/
>>> type(ds.sites).__name__              # GeoDataFrames: sites, claims, border, countries, bands
'GeoDataFrame'
>>> geo.build("layers", "maps", check=True).changed   # same as `geo build --check`
[]
"""

from geo.api import BuildResult, build, check, load
from geo.dataset import Dataset
from geo.errors import (
    AmbiguousError,
    GeoError,
    LayerError,
    NotFoundError,
    OutOfDateError,
    Problem,
    UsageError,
)

__all__ = [
    "AmbiguousError",
    "BuildResult",
    "Dataset",
    "GeoError",
    "LayerError",
    "NotFoundError",
    "OutOfDateError",
    "Problem",
    "UsageError",
    "build",
    "check",
    "load",
]
