"""Geocode place names offline: normalisation, aliases, spelling skeletons, fuzzy matching, hints."""

from __future__ import annotations

import bisect
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
#: Uncertainty radius for a district or province the query names but the gazetteer has only as a town:
#: about the radius of a median Afghan district (~1,500 km2) and province (~18,000 km2).
AREA_RADIUS_KM = {"district": 25.0, "province": 75.0}
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
        #: One dict per row, made once: ``DataFrame.iloc[i]`` per match is slow.
        self.rows: list[dict] = self.places.to_dict("records")
        for i, row in enumerate(self.rows):
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
        # Fuzzy search helpers; every search returns what process.extract over all of ``choices`` would.
        # token_sort_ratio is ratio() of the space-joined sorted words: sort the choices' words once.
        self.sorted_choices = [" ".join(sorted(c.split())) for c in self.choices]
        # A name with no ASCII letter or digit (Arabic, Cyrillic, ...) shares at most spaces with an
        # ASCII query, which scores below every cutoff used here: ASCII queries skip those names.
        all_pos = list(range(len(self.choices)))
        ascii_pos = [p for p, c in enumerate(self.choices) if any(ch.isascii() and ch.isalnum() for ch in c)]
        self._pools = {}
        for is_ascii, positions in ((True, ascii_pos), (False, all_pos)):
            # By length, so a ratio() search with a cutoff only scores names of a length that can reach it.
            by_len = sorted(positions, key=lambda p: (len(self.choices[p]), p))
            self._pools[is_ascii] = (
                by_len, [len(self.choices[p]) for p in by_len],
                [self.choices[p] for p in by_len], [self.sorted_choices[p] for p in by_len],
                positions, [self.choices[p] for p in positions],
            )

    def _ratio_search(self, key: str, limit: int, cutoff: float, *, sorted_words: bool = False) -> list[tuple[float, int]]:
        """``process.extract(key, choices, scorer=fuzz.ratio, limit, score_cutoff)`` as (score, position), best first.

        ratio() is 2*LCS/(len1+len2), so a name scores ``cutoff`` only if its length lies within
        [len*r/(2-r), len*(2-r)/r] (r = cutoff/100): only names of those lengths are scored.
        Ties are ordered by position, as process.extract orders them.
        """
        by_len, lens, plain, sortd, _pos, _names = self._pools[key.isascii()]
        query = " ".join(sorted(key.split())) if sorted_words else key
        n, r = len(query), cutoff / 100.0
        lo = bisect.bisect_left(lens, math.floor(n * r / (2 - r)))
        hi = bisect.bisect_right(lens, math.ceil(n * (2 - r) / r))
        pool = (sortd if sorted_words else plain)[lo:hi]
        found = [(float(sc), by_len[lo + j]) for _c, sc, j in process.extract(query, pool, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff)]
        found.sort(key=lambda t: (-t[0], t[1]))
        return found[:limit]

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
            for sc, pos in self._ratio_search(key, 8, FUZZY_ACCEPT):
                i = self.choice_row[pos]
                out[i] = max(out.get(i, 0.0), float(sc) * 0.95)
            # Word order varies ("Dir Upper" / "Upper Dir"): token_sort_ratio, as ratio() of sorted words.
            for sc, pos in self._ratio_search(key, 8, 95, sorted_words=True):
                i = self.choice_row[pos]
                out[i] = max(out.get(i, 0.0), float(sc) * 0.95)
        return out

    def suggest(self, key: str, limit: int = 5) -> list[tuple[int, float]]:
        """Closest rows to ``key`` by fuzzy score, best first (for "did you mean")."""
        seen: dict[int, float] = {}
        _by_len, _lens, _plain, _sortd, positions, names = self._pools[key.isascii()]
        for _c, sc, j in process.extract(key, names, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=SUGGEST_MIN):
            pos = positions[j]
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


_CONTEXT_RE = re.compile(r"^(.+?)\s*(?:,|\bin\b|\()\s*(.+?)\)?$", re.I)


def _in_area(area: dict, m: Match) -> bool:
    """True when ``m`` lies in the gazetteer area row ``area`` (its admin2 names it, or it is within its radius)."""
    if m.country != area["country"]:
        return False
    names = {normalise(n) for n in name_variants(area)}
    if m.admin2 and normalise(m.admin2) in names:
        return True
    if area["feature"] == "province" and m.admin1 and normalise(m.admin1) == normalise(str(area["admin1"])):
        return True
    return _km(float(area["lat"]), float(area["lon"]), m.lat, m.lon) <= float(area["radius_km"])


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


class _NotFound(NotFoundError):
    """:class:`NotFoundError` whose ``suggestions`` are searched for on first use, not when raised.

    The "did you mean" search scores every known name and costs far more than the lookup
    that failed; a caller that only counts or skips unknown names does not pay for it.
    """

    def __init__(self, query: str, suggest: Callable[[], list[str]], *, where: str | None = None):
        LookupError.__init__(self, query)
        self.query, self.where = query, where
        self._suggest, self._suggestions = suggest, None

    @property
    def suggestions(self) -> list[str]:
        if self._suggestions is None:
            self._suggestions = list(self._suggest())
        return self._suggestions

    @suggestions.setter
    def suggestions(self, value: list[str]) -> None:
        self._suggestions = list(value)

    def __str__(self) -> str:
        return str(NotFoundError(self.query, self.suggestions, where=self.where))

    def __reduce__(self):
        return (_not_found, (self.query, self.suggestions, self.where))


def _not_found(query: str, suggestions: list[str], where: str | None) -> NotFoundError:
    return NotFoundError(query, suggestions, where=where)


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
            row = index.rows[i]
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
        return self._candidates(text, country, admin1)[1]

    def _candidates(self, text: str, country: str | None, admin1: str | None) -> tuple[Query, list[Match]]:
        """The parsed query (as it was matched) and its candidates; cached per (text, hints)."""
        key_cache = (text, country, admin1)
        hit = self._cache.get(key_cache)
        if hit is not None:
            return hit
        q = parse_query(text, country=country, admin1=admin1)
        result = self._lookup(q)
        if not result or result[0].score < 98.0:
            # "Parachinar, Kurram", "Miranshah (North Waziristan)": the context is a district, not a province.
            split = self._area_context(q)
            if split is not None and split[1]:
                q, result = split
        self._cache[key_cache] = (q, result)
        return q, result

    def _lookup(self, q: Query) -> list[Match]:
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
        return result

    def _area_context(self, q: Query) -> tuple[Query, list[Match]] | None:
        """Read "X, <district>" / "X in <district>" / "X (<district>)" as X inside a curated area.

        :func:`parse_query` only knows provinces and countries; a district named as context
        would otherwise be searched as part of the name and found nowhere. Only areas of the
        curated gazetteer matched exactly by name count as context.
        """
        m = _CONTEXT_RE.match(q.name)
        if not m:
            return None
        head, tail = m.group(1).strip(), m.group(2).strip()
        tq = parse_query(tail, country=q.country, admin1=q.admin1)
        rows = [self.curated.rows[i] for i in sorted(self.curated.exact.get(normalise(tq.name), ()))]
        areas = [r for r in rows if r["kind"] == "area" and r["feature"] in ("district", "province")
                 and (tq.country is None or r["country"] == tq.country)
                 and (tq.admin1 is None or normalise(str(r["admin1"])) == normalise(tq.admin1))]
        if not areas or not normalise(head):
            return None
        hq = replace(parse_query(head, country=tq.country, admin1=tq.admin1), text=q.text, near=q.near, context=tail)
        found = [replace(c, query=q.text) for c in self._lookup(hq) if c.note is None]
        inside = [c for c in found if any(_in_area(a, c) for a in areas)]
        if inside:
            return hq, inside
        want = areas[0]["name"]
        return hq, [replace(c, note=f"no {head!r} in {want}; this one is in {c.admin2 or c.admin1 or '?'}, {c.country}") for c in found]

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
        q, cands = self._candidates(text, country, admin1)
        if not cands:
            raise _NotFound(text, lambda: self.suggest(text), where=where)
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
        wanted = q.precision
        best = min(groups[0], key=lambda m: (m.precision != wanted, PRECISION_CODES[m.precision][0], m.radius_km, m.place_id))
        if wanted in AREA_RADIUS_KM and best.precision in ("point", "near") and PRECISION_CODES[wanted][0] > PRECISION_CODES[best.precision][0]:
            # "Spin Boldak district" with only the town in the gazetteer: the place is the district,
            # located by its centre; claiming point precision would overstate what the report says.
            wp, gp = PRECISION_CODES[wanted]
            best = replace(best, precision=wanted, where_prec=wp, geo_precision=gp,
                           radius_km=max(best.radius_km, AREA_RADIUS_KM[wanted]),
                           note=best.note or f"no {wanted} row for {best.name!r}; located by {best.name} ({best.kind} {best.feature})")
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
                out.append((sc, _label(idx.rows[i])))
        seen, labels = set(), []
        for sc, lab in sorted(out, key=lambda t: -t[0]):
            if lab not in seen:
                seen.add(lab)
                labels.append(lab)
        return labels[:limit]
