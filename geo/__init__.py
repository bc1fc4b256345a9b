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
>>> [m["name"] for m in geo.geocode_names(["Angur Ada"], layers_dir="layers")]
['Angoor Adda']
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

#: Names whose modules load heavier libraries (the geocoder's tables, the draft's parsers): imported
#: on first use (PEP 562), so ``import geo`` and ``geo check`` stay quick.
_LAZY = {
    "Geocoder": "geo.geocode",
    "Match": "geo.geocode",
    "geocode_names": "geo.geocode",
    "make_geocoder": "geo.geocode",
    "Draft": "geo.draft",
    "draft_report": "geo.draft",
    "accept_draft": ("geo.draft", "accept"),
    "read_events": "geo.events",
}


def __getattr__(name: str):
    import importlib

    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


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
    "Draft",
    "Geocoder",
    "Match",
    "accept_draft",
    "build",
    "check",
    "draft_report",
    "geocode_names",
    "load",
    "make_geocoder",
    "read_events",
]
