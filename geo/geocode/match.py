"""A resolved place (:class:`Match`), precision codes, and when two matches are the same place."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from geo.errors import NotFoundError
from geo.gazetteer import normalise

#: Location precision, with the UCDP GED ``where_prec`` and ACLED ``geo_precision`` codes it maps to.
PRECISION_CODES = {
    "point": (1, 1),      # the exact place
    "near": (2, 2),       # within about 25 km of a known point
    "district": (3, 2),   # a second-order administrative area
    "province": (4, 3),   # a first-order administrative area
    "country": (6, 3),    # only the country is known
}
FEATURE_PRECISION = {"district": "district", "province": "province", "country": "country"}
NEAR_RADIUS_KM = 25.0
#: Uncertainty radius for a district or province the query names but the gazetteer has only as a town:
#: about the radius of a median Afghan district (~1,500 km2) and province (~18,000 km2).
AREA_RADIUS_KM = {"district": 25.0, "province": 75.0}


@dataclass(frozen=True)
class Match:
    """A resolved place name.

    ``precision`` is one of point, near, district, province, country; ``where_prec`` and
    ``geo_precision`` are the UCDP GED and ACLED codes for it; ``radius_km`` is the
    uncertainty radius the border checks use. ``match`` says how the name matched (exact,
    alias, word order, skeleton, fuzzy); ``runner_up`` is the best other place, if any;
    ``claimed_by`` lists the other countries claiming a disputed place ("KH|TH").
    """

    query: str
    place_id: str
    name: str
    lat: float
    lon: float
    country: str
    admin1: str | None
    admin2: str | None
    kind: str
    feature: str
    precision: str
    where_prec: int
    geo_precision: int
    radius_km: float
    score: float
    source: str
    source_ref: str | None
    origin: str
    match: str = "exact"
    matched_name: str | None = None
    population: int | None = None
    claimed_by: str | None = None
    note: str | None = None
    alternatives: tuple[str, ...] = field(default_factory=tuple)
    runner_up: dict | None = None

    def as_dict(self) -> dict:
        """JSON-ready dict (alternatives as a list)."""
        d = self.__dict__.copy()
        d["alternatives"] = list(self.alternatives)
        return d

    def label(self) -> str:
        """"Name (admin2, admin1, CC; lat, lon)": how a candidate is named in messages."""
        where = ", ".join(x for x in (self.admin2, self.admin1, self.country) if x)
        return f"{self.name} ({where}; {self.lat:.4f}, {self.lon:.4f})"

    def claimants(self) -> set[str]:
        """Countries that hold or claim the place."""
        return {self.country, *(self.claimed_by.split("|") if self.claimed_by else [])}


class OutOfScopeError(NotFoundError):
    """The name is known only outside the theatre's countries (exit code 1); ``candidates`` names them."""

    def __init__(self, query: str, candidates: list[str], scope: tuple[str, ...], *, where: str | None = None):
        self.query, self.candidates, self.suggestions, self.scope = query, list(candidates), list(candidates), scope
        msg = (f"{query!r} is not a known place in {', '.join(scope)}; outside the theatre it is "
               + "; ".join(self.candidates) + " (add the place to layers/gazetteer.csv, or give lat/lon)")
        Exception.__init__(self, f"{where}: {msg}" if where else msg)


class HintError(NotFoundError):
    """Places of that name exist, but none in or near the country or province the report gives (exit code 1)."""

    def __init__(self, query: str, want: str, candidates: list[str], *, where: str | None = None):
        self.query, self.candidates, self.suggestions = query, list(candidates), list(candidates)
        msg = (f"no {query!r} in or near {want}; places of that name lie far from it: " + "; ".join(self.candidates)
               + " (check the report's country and province, add the place to layers/gazetteer.csv, or give lat/lon)")
        Exception.__init__(self, f"{where}: {msg}" if where else msg)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle km, only to tell "the same place" from "another place with the same name"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def contains(area: Match, m: Match) -> bool:
    """True when the area ``area`` holds the place ``m`` (same province, district, or within its radius)."""
    if area.kind != "area" or area.country != m.country:
        return False
    if area.precision == "country":
        return True
    if area.precision == "province":
        # GeoNames has towns filed under a province hundreds of km away: the name alone is not enough.
        return (m.admin1 is not None and normalise(m.admin1) == normalise(area.admin1 or area.name)
                and km(area.lat, area.lon, m.lat, m.lon) <= 2 * area.radius_km)
    if area.precision == "district" and m.admin2:
        return normalise(m.admin2) == normalise(area.name)
    return km(area.lat, area.lon, m.lat, m.lon) <= area.radius_km


def same_place(a: Match, b: Match) -> bool:
    """True when ``a`` and ``b`` are one place at two precisions, or two records of one place."""
    if contains(a, b) or contains(b, a):
        return True
    return km(a.lat, a.lon, b.lat, b.lon) <= max(a.radius_km, b.radius_km) + 5.0


def in_area(area: dict, m: Match, names: set[str]) -> bool:
    """True when ``m`` lies in the gazetteer area row ``area`` whose normalised names are ``names``."""
    if m.country != area["country"]:
        return False
    if m.admin2 and normalise(m.admin2) in names:
        return True
    if area["feature"] == "province" and m.admin1 and normalise(m.admin1) == normalise(str(area["admin1"])):
        return True
    return km(float(area["lat"]), float(area["lon"]), m.lat, m.lon) <= float(area["radius_km"])
