"""Geocode place names offline: normalisation, aliases, spelling skeletons, fuzzy matching, hints."""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from rapidfuzz import fuzz, process

from geo.errors import AmbiguousError, NotFoundError
from geo.gazetteer import admin1_table, name_variants, normalise, skeleton

log = logging.getLogger(__name__)

#: Location precision, with the UCDP GED ``where_prec`` and ACLED ``geo_precision`` codes it maps to.
PRECISION_CODES = {
    "point": (1, 1),      # the exact place
    "near": (2, 2),       # within about 25 km of a known point
    "district": (3, 2),   # a second-order administrative area
    "province": (4, 3),   # a first-order administrative area
    "country": (6, 3),    # only the country is known
}
FEATURE_PRECISION = {"district": "district", "province": "province", "country": "country"}
FUZZY_ACCEPT = 86.0
SUGGEST_MIN = 55.0
NEAR_RADIUS_KM = 25.0
COUNTRY_WORDS = {
    "afghanistan": "AF", "pakistan": "PK", "iran": "IR", "india": "IN", "china": "CN",
    "tajikistan": "TJ", "thailand": "TH", "cambodia": "KH",
}


@dataclass(frozen=True)
class Match:
    """A resolved place name.

    ``precision`` is one of point, near, district, province, country; ``where_prec`` and
    ``geo_precision`` are the UCDP GED and ACLED codes for it; ``radius_km`` is the
    uncertainty radius the border checks use.
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
    note: str | None = None
    alternatives: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """JSON-ready dict (alternatives as a list)."""
        d = self.__dict__.copy()
        d["alternatives"] = list(self.alternatives)
        return d


@dataclass(frozen=True)
class Query:
    """A place reference split into the name and the context a report gives with it."""

    text: str
    name: str
    country: str | None = None
    admin1: str | None = None
    near: bool = False
    context: str | None = None
    precision: str | None = None


def _admin1_lookup() -> dict[str, tuple[str, str]]:
    out = {}
    for r in admin1_table().itertuples():
        for n in [r.name, *str(r.alt_names).split("|")]:
            if n.strip():
                out[normalise(n)] = (r.country, r.name)
    return out


def parse_query(text: str, *, country: str | None = None, admin1: str | None = None) -> Query:
    """Split "X in Balochistan", "Nangarhar's X", "X, Kunar", "near X" into name and hints.

    Examples
    --------
    >>> q = parse_query("Nangarhar's Behsud district")
    >>> q.name, q.country, q.admin1
    ('Behsud district', 'AF', 'Nangarhar')
    >>> parse_query("near Torkham").near
    True
    """
    _ensure_admin1()
    raw = " ".join(text.split())
    name, near, ctx = raw, False, None
    m = re.match(r"^(?:near|outside|outskirts of|close to|around)\s+(.+)$", name, re.I)
    if m:
        name, near = m.group(1), True
    m = re.match(r"^(.+?)[’']s\s+(.+)$", name)
    if m and normalise(m.group(1)) in _ADMIN1 | {k: None for k in COUNTRY_WORDS}:
        ctx, name = m.group(1), m.group(2)
    else:
        m = re.match(r"^(.+?)\s*(?:,|\bin\b|\bof\b|\()\s*(.+?)\)?$", name, re.I)
        if m and (normalise(m.group(2)) in _ADMIN1 or normalise(m.group(2)) in COUNTRY_WORDS):
            name, ctx = m.group(1), m.group(2)
    if ctx is not None:
        key = normalise(ctx)
        if key in COUNTRY_WORDS:
            country = country or COUNTRY_WORDS[key]
        elif key in _ADMIN1:
            cc, adm = _ADMIN1[key]
            country, admin1 = country or cc, admin1 or adm
    elif admin1 is not None and normalise(admin1) in _ADMIN1:
        cc, adm = _ADMIN1[normalise(admin1)]
        country, admin1 = country or cc, adm
    words = set(re.findall(r"[a-z]+", name.lower()))
    precision = "province" if words & {"province", "wilayat", "welayat"} else (
        "district" if words & {"district", "agency", "tehsil", "woluswali", "wuleswali"} else None)
    return Query(text=text, name=name.strip(), country=country, admin1=admin1, near=near, context=ctx, precision=precision)


_ADMIN1: dict[str, tuple[str, str]] = {}


def _ensure_admin1() -> None:
    if not _ADMIN1:
        _ADMIN1.update(_admin1_lookup())


class Index:
    """Name index over one gazetteer frame: exact keys, skeleton keys, and a list for fuzzy search."""

    def __init__(self, places: pd.DataFrame):
        self.places = places.reset_index(drop=True)
        self.exact: dict[str, set[int]] = defaultdict(set)
        self.primary: dict[str, set[int]] = defaultdict(set)
        self.skel: dict[str, set[int]] = defaultdict(set)
        self.choices: list[str] = []
        self.choice_row: list[int] = []
        for i, row in enumerate(self.places.to_dict("records")):
            for j, n in enumerate(name_variants(row)):
                key = normalise(n)
                if not key:
                    continue
                self.exact[key].add(i)
                if j == 0:
                    self.primary[key].add(i)
                sk = skeleton(key)
                if len(sk) >= 3:
                    self.skel[sk].add(i)
                self.choices.append(key)
                self.choice_row.append(i)

    def score(self, key: str) -> dict[int, float]:
        """Best score (0-100) of every row that plausibly matches the normalised ``key``."""
        out: dict[int, float] = {}
        for i in self.primary.get(key, ()):
            out[i] = 100.0
        for i in self.exact.get(key, ()):
            out.setdefault(i, 98.0)
        sk = skeleton(key)
        if len(sk) >= 3:
            for i in self.skel.get(sk, ()):
                out.setdefault(i, 92.0)
        if not out:
            for choice, sc, pos in process.extract(key, self.choices, scorer=fuzz.ratio, limit=8, score_cutoff=FUZZY_ACCEPT):
                i = self.choice_row[pos]
                out[i] = max(out.get(i, 0.0), float(sc) * 0.95)
            # Word order varies ("Dir Upper" / "Upper Dir").
            for choice, sc, pos in process.extract(key, self.choices, scorer=fuzz.token_sort_ratio, limit=8, score_cutoff=95):
                i = self.choice_row[pos]
                out[i] = max(out.get(i, 0.0), float(sc) * 0.95)
        return out

    def suggest(self, key: str, limit: int = 5) -> list[tuple[int, float]]:
        """Closest rows to ``key`` by fuzzy score, best first (for "did you mean")."""
        seen: dict[int, float] = {}
        for choice, sc, pos in process.extract(key, self.choices, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=SUGGEST_MIN):
            i = self.choice_row[pos]
            seen[i] = max(seen.get(i, 0.0), float(sc))
        return sorted(seen.items(), key=lambda kv: -kv[1])[:limit]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Only to tell "the same place" from "another place with the same name": a sphere is enough.
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def _contains(area: Match, m: Match) -> bool:
    if area.kind != "area" or area.country != m.country:
        return False
    if area.precision == "province":
        return m.admin1 is not None and normalise(m.admin1) == normalise(area.admin1 or area.name)
    if area.precision == "district" and m.admin2:
        return normalise(m.admin2) == normalise(area.name)
    return _km(area.lat, area.lon, m.lat, m.lon) <= area.radius_km


def _same_place(a: Match, b: Match) -> bool:
    """True when ``a`` and ``b`` are one place at two precisions, or two records of one place."""
    if _contains(a, b) or _contains(b, a):
        return True
    return _km(a.lat, a.lon, b.lat, b.lon) <= max(a.radius_km, b.radius_km) + 5.0


def _label(row: dict) -> str:
    parts = [row["name"]]
    where = ", ".join(x for x in (row.get("admin2"), row.get("admin1"), row.get("country")) if isinstance(x, str) and x)
    if where:
        parts.append(f"({where})")
    return " ".join(parts)


class Geocoder:
    """Resolve place names against the curated gazetteer first, then a GeoNames fallback.

    Parameters
    ----------
    places
        Curated gazetteer frame (see :func:`geo.gazetteer.build_gazetteer`).
    fallback
        Called once, lazily, for the GeoNames frame when the curated gazetteer has no match.
    """

    def __init__(self, places: pd.DataFrame, *, fallback: Callable[[], pd.DataFrame] | None = None):
        _ensure_admin1()
        self.curated = Index(places)
        self._fallback_loader = fallback
        self._fallback: Index | None = None
        self._cache: dict[tuple, list[Match]] = {}

    def _fallback_index(self) -> Index | None:
        if self._fallback is None and self._fallback_loader is not None:
            log.info("loading GeoNames fallback")
            self._fallback = Index(self._fallback_loader())
            self._fallback_loader = None
        return self._fallback

    def _matches(self, index: Index, scores: dict[int, float], q: Query) -> list[Match]:
        out = []
        for i, sc in scores.items():
            row = index.places.iloc[i].to_dict()
            precision = "near" if q.near else FEATURE_PRECISION.get(row["feature"], "point" if row["kind"] == "point" else "district")
            radius = round(float(row["radius_km"]), 1)
            if q.near:
                radius = max(radius, NEAR_RADIUS_KM)
            wp, gp = PRECISION_CODES[precision]
            out.append(Match(
                query=q.text, place_id=row["place_id"], name=row["name"], lat=float(row["lat"]), lon=float(row["lon"]),
                country=row["country"], admin1=row["admin1"] if isinstance(row["admin1"], str) else None,
                admin2=row["admin2"] if isinstance(row["admin2"], str) else None, kind=row["kind"], feature=row["feature"],
                precision=precision, where_prec=wp, geo_precision=gp, radius_km=radius, score=round(sc, 1),
                source=row["source"], source_ref=row["source_ref"] if isinstance(row["source_ref"], str) else None,
                origin=row["origin"],
            ))
        return out

    def candidates(self, text: str, *, country: str | None = None, admin1: str | None = None) -> list[Match]:
        """Every plausible place for ``text``, best first; hints narrow the list when they can.

        When the hints exclude every candidate the unhinted ones are returned, each with a
        ``note`` saying the hint did not match (a report's context can be wrong).
        """
        key_cache = (text, country, admin1)
        if key_cache in self._cache:
            return self._cache[key_cache]
        q = parse_query(text, country=country, admin1=admin1)
        key = normalise(q.name)
        result: list[Match] = []
        if key:
            result = self._matches(self.curated, self.curated.score(key), q)
            hinted = self._apply_hints(result, q)
            if not hinted:
                fb = self._fallback_index()
                if fb is not None:
                    more = self._matches(fb, fb.score(key), q)
                    result += more
                    hinted = self._apply_hints(result, q)
            if hinted:
                result = hinted
            elif result and (q.country or q.admin1):
                want = ", ".join(x for x in (q.admin1, q.country) if x)
                result = [replace(m, note=f"no {q.name!r} in {want}; this one is in {m.admin1 or '?'}, {m.country}") for m in result]
        result.sort(key=lambda m: (-m.score, m.origin == "geonames", -(m.kind == "point"), m.radius_km, m.place_id))
        self._cache[key_cache] = result
        return result

    @staticmethod
    def _apply_hints(matches: list[Match], q: Query) -> list[Match]:
        out = matches
        if q.country:
            out = [m for m in out if m.country == q.country]
        if q.admin1:
            want = normalise(q.admin1)
            out = [m for m in out if m.admin1 and normalise(m.admin1) == want]
        return out

    def resolve(self, text: str, *, country: str | None = None, admin1: str | None = None, where: str | None = None) -> Match:
        """The one place ``text`` means.

        Ties between places far apart (Behsud in Nangarhar and in Wardak) raise
        :class:`AmbiguousError`; ties between nested places (Kabul city inside Kabul province)
        resolve to the most precise one, the others kept as ``alternatives``.

        Raises
        ------
        NotFoundError
            Nothing matched well enough; carries the closest names as suggestions.
        AmbiguousError
            Several distinct places match equally well.
        """
        cands = self.candidates(text, country=country, admin1=admin1)
        if not cands:
            raise NotFoundError(text, self.suggest(text), where=where)
        top = cands[0].score
        tier = [m for m in cands if m.score >= top - 0.5]
        if any(m.origin != "geonames" for m in tier):
            tier = [m for m in tier if m.origin != "geonames"]
        groups: list[list[Match]] = []
        for m in tier:
            for g in groups:
                if any(_same_place(m, x) for x in g):
                    g.append(m)
                    break
            else:
                groups.append([m])
        # Nested places (a town inside the district or province of the same name) are one answer:
        # the one of the precision the query names ("Kabul province"), else the most precise.
        # Places that are not nested are different places: ambiguous.
        wanted = parse_query(text).precision
        best = min(groups[0], key=lambda m: (m.precision != wanted, PRECISION_CODES[m.precision][0], m.radius_km, m.place_id))
        distinct = [g[0] for g in groups[1:]]
        if distinct:
            labels = [f"{m.name} ({', '.join(x for x in (m.admin2, m.admin1, m.country) if x)}; {m.lat:.4f}, {m.lon:.4f})" for m in [best, *distinct]]
            raise AmbiguousError(text, labels, where=where)
        alts = tuple(f"{m.name} ({m.admin1 or '?'}, {m.country})" for m in [c for c in cands if c.place_id != best.place_id][:5])
        return replace(best, alternatives=alts)

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Closest known names, as labels, for an unknown ``text``."""
        key = normalise(parse_query(text).name) or text.lower()
        out: list[tuple[float, str]] = []
        for idx in (self.curated, self._fallback_index()):
            if idx is None:
                continue
            for i, sc in idx.suggest(key, limit):
                out.append((sc, _label(idx.places.iloc[i].to_dict())))
        seen, labels = set(), []
        for sc, lab in sorted(out, key=lambda t: -t[0]):
            if lab not in seen:
                seen.add(lab)
                labels.append(lab)
        return labels[:limit]
