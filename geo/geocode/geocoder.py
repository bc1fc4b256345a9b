"""The geocoder: a theatre's scope, curated gazetteers before GeoNames, ranking, hints and ambiguity."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.errors import AmbiguousError, NotFoundError
from geo.gazetteer import (
    admin1_table,
    countries_table,
    name_table,
    name_variants,
    normalise,
)
from geo.geocode.index import DiskIndex, Hit, NameIndex, Search
from geo.geocode.match import (
    AREA_RADIUS_KM,
    FEATURE_PRECISION,
    NEAR_RADIUS_KM,
    PRECISION_CODES,
    HintError,
    Match,
    OutOfScopeError,
    in_area,
    km,
    same_place,
)
from geo.geocode.query import Query, admin1_of, parse_query
from geo.geocode.world import scope_tables, world_folder

log = logging.getLogger(__name__)

#: A hint may pick a candidate scoring less than the best one by less than this (an alias over an exact
#: name), never a skeleton or fuzzy match over an exact one.
HINT_MAX_GAP = 8.0
#: Candidates within this many points of a skeleton or fuzzy best match make the answer ambiguous.
WEAK_TIE = 4.0
#: An exact name (100) and an alias (98) are equal evidence: places far apart that match either way tie.
NAME_TIE = 2.5
#: A last word naming the kind of place, with the gazetteer features that are that place itself.
FEATURE_WORDS = {
    "temple": {"temple"}, "checkpoint": {"crossing"}, "pass": {"pass"}, "hill": {"hill", "mountain"},
    "village": {"village", "town"}, "hospital": set(), "market": set(), "school": set(),
}
#: ``note`` of the candidates :meth:`Geocoder.candidates` returns when the name is known only outside the scope.
OUTSIDE = "outside the scope"
_CONTEXT_RE = re.compile(r"^(.+?)\s*(?:,|\bin\b|\()\s*(.+?)\)?$", re.IGNORECASE)


def _text(v) -> str | None:
    return v if isinstance(v, str) and v else None


class Geocoder:
    """Resolve place names within a theatre: its curated gazetteers first, then GeoNames.

    Parameters
    ----------
    places
        Curated gazetteer rows (packaged plus the user's; :func:`geo.gazetteer.build_gazetteer`).
        Only rows of the scope's countries are searched.
    countries
        ISO codes that bound the search; None searches the world. A name known only outside
        raises :class:`OutOfScopeError` naming the place.
    """

    def __init__(self, places: pd.DataFrame, *, countries: Iterable[str] | None = None):
        self.scope = tuple(sorted(set(countries))) if countries is not None else None
        places = places.reset_index(drop=True)
        inside = places["country"].isin(self.scope).to_numpy() if self.scope else np.ones(len(places), bool)
        self.curated = NameIndex(places[inside], name_table(places[inside]))
        self._curated_out = NameIndex(places[~inside], name_table(places[~inside]))
        self._reference: Search | None = None
        self._world: DiskIndex | None = None
        self._cache: dict[tuple, tuple[Query, list[Match]]] = {}

    def reference(self) -> Search:
        """GeoNames towns, provinces and countries of the scope: in memory, or the world's on disk."""
        if self._reference is None:
            self._reference = DiskIndex(world_folder()) if self.scope is None else NameIndex(*scope_tables(self.scope))
        return self._reference

    def _outside(self) -> DiskIndex:
        if self._world is None:
            self._world = DiskIndex(world_folder())
        return self._world

    def _matches(self, index: Search, hits: list[Hit], q: Query) -> list[Match]:
        out = []
        rows = index.rows([h.row for h in hits])
        for h in hits:
            row = rows[h.row]
            feature = row["feature"]
            precision = "near" if q.near else FEATURE_PRECISION.get(feature, "point" if row["kind"] == "point" else "district")
            radius = round(float(row["radius_km"]), 1)
            if q.near:
                radius = max(radius, NEAR_RADIUS_KM)
            wp, gp = PRECISION_CODES[precision]
            out.append(Match(
                query=q.text, place_id=row["place_id"], name=row["name"], lat=float(row["lat"]), lon=float(row["lon"]),
                country=row["country"], admin1=_text(row["admin1"]), admin2=_text(row["admin2"]), kind=row["kind"],
                feature=feature, precision=precision, where_prec=wp, geo_precision=gp, radius_km=radius, score=h.score,
                source=row["source"], source_ref=_text(row["source_ref"]), origin=row["origin"], match=h.kind,
                matched_name=h.name, claimed_by=_text(row.get("claimed_by")), population=_population(row.get("population")),
            ))
        return out

    def candidates(self, text: str, *, country: str | None = None, admin1: str | None = None) -> list[Match]:
        """Every plausible place in scope for ``text``, best first; hints narrow the list when they can.

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
        if not result or result[0].note == OUTSIDE:
            q, result = self._feature_word(q, result)
        self._cache[key_cache] = (q, result)
        return q, result

    def _feature_word(self, q: Query, result: list[Match]) -> tuple[Query, list[Match]]:
        """"Ta Muen Thom temple", "Kap Choeng hospital": the named place, when only it is known.

        Only points are accepted ("Preah Vihear temple" is not the province). A point of another
        kind (the town for its hospital) is the place's surroundings: precision "near", at least 5 km.
        """
        words = q.name.rsplit(None, 1)
        kinds = FEATURE_WORDS.get(words[-1].lower()) if len(words) == 2 else None
        if kinds is None:
            return q, result
        sq = replace(q, name=words[0])
        found = [m for m in self._lookup(sq) if m.kind == "point" and m.note != OUTSIDE]
        if not found:
            return q, result
        wp, gp = PRECISION_CODES["near"]
        return sq, [m if m.feature in kinds or m.precision == "near" else replace(
            m, precision="near", where_prec=wp, geo_precision=gp, radius_km=max(m.radius_km, 5.0),
            note=m.note or f"located by {m.name} ({m.feature}); the {words[-1]} itself is not in the gazetteer") for m in found]

    def _lookup(self, q: Query) -> list[Match]:
        key = normalise(q.name)
        if not key:
            return []
        result = self._matches(self.curated, self.curated.lookup(key), q)
        hinted = _apply_hints(result, q)
        if not hinted or hinted[0].score < 98.0:
            # No curated name (in the hinted area) matched exactly: GeoNames too, ranked together.
            result += self._matches(self.reference(), self.reference().lookup(key), q)
            result.sort(key=_rank)
            hinted = _apply_hints(result, q)
        if hinted and hinted[0].score > (result[0].score - HINT_MAX_GAP):
            result = hinted
        elif result and (q.country or q.admin1):
            result = self._near_hint(result, q)
        result.sort(key=_rank)
        if self.scope is not None and (not result or result[0].match == "fuzzy"):
            outside = self._outside_matches(key, q)
            if outside and result:
                result = [replace(m, note=m.note or f"a place outside {', '.join(self.scope)} has this exact name: {outside[0].label()}")
                          for m in result]
            elif outside:
                return [replace(m, note=OUTSIDE) for m in outside]
        return result

    def _near_hint(self, result: list[Match], q: Query) -> list[Match]:
        """Candidates outside the hinted area but within twice its radius, each with a note saying so.

        A report may put a place just across a line (Bahram Chah "in Balochistan", a disputed temple
        "in Surin"): kept, and the checks flag the disagreement. A place of that name hundreds of km
        away is not what the report meant: :class:`HintError`.
        """
        want = ", ".join(x for x in (q.admin1, q.country) if x)
        area = _hint_area(q)
        near = [m for m in result if area is None or km(area[0], area[1], m.lat, m.lon) <= 2 * area[2]]
        if not near:
            raise HintError(q.text, want, [f"{m.label()}, {km(area[0], area[1], m.lat, m.lon):,.0f} km away" for m in result[:5]])
        return [replace(m, note=f"no {q.name!r} in {want}; this one is in {m.admin1 or '?'}, {m.country}") for m in near]

    def _outside_matches(self, key: str, q: Query) -> list[Match]:
        """Exact or alias matches of ``key`` outside the scope (curated rows first, then GeoNames)."""
        found = self._matches(self._curated_out, self._curated_out.exact(key), q)
        world = self._outside()
        found += [m for m in self._matches(world, world.exact(key), q) if m.country not in self.scope]
        return sorted(found, key=_rank)

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
        rows = [self.curated.row(h.row) for h in sorted(self.curated.exact(normalise(tq.name)), key=lambda h: h.row)]
        areas = [r for r in rows if r["kind"] == "area" and r["feature"] in ("district", "province")
                 and (tq.country is None or r["country"] == tq.country)
                 and (tq.admin1 is None or normalise(str(r["admin1"])) == normalise(tq.admin1))]
        if not areas or not normalise(head):
            return None
        hq = replace(parse_query(head, country=tq.country, admin1=tq.admin1), text=q.text, near=q.near, context=tail)
        found = [replace(c, query=q.text) for c in self._lookup(hq) if c.note is None]
        names = [{normalise(n) for n in name_variants(a)} for a in areas]
        inside = [c for c in found if any(in_area(a, c, n) for a, n in zip(areas, names))]
        if inside:
            return hq, inside
        want = areas[0]["name"]
        return hq, [replace(c, note=f"no {head!r} in {want}; this one is in {c.admin2 or c.admin1 or '?'}, {c.country}") for c in found]

    def resolve(self, text: str, *, country: str | None = None, admin1: str | None = None, where: str | None = None) -> Match:
        """The one place ``text`` means.

        An exact name or alias beats a skeleton or fuzzy match; places of equal rank farther apart
        than their radii (Behsud in Nangarhar and in Wardak) raise :class:`AmbiguousError`; nested
        places (Kabul city inside Kabul province) resolve to the most precise one unless the query
        names the area ("Kabul province"), the others kept as ``alternatives``.

        Raises
        ------
        NotFoundError
            Nothing matched well enough; carries the closest names as suggestions.
        OutOfScopeError
            The name is known only outside the scope's countries.
        AmbiguousError
            Several distinct places match equally well.
        """
        q, cands = self._candidates(text, country, admin1)
        if cands and cands[0].note == OUTSIDE:
            raise OutOfScopeError(text, [m.label() for m in cands[:5]], self.scope or (), where=where)
        if not cands:
            raise _NotFound(text, lambda: self.suggest(text), where=where)
        top = cands[0].score
        tier = [m for m in cands if m.score >= top - (WEAK_TIE if cands[0].match in ("skeleton", "fuzzy") else NAME_TIE)]
        if any(m.origin != "geonames" for m in tier):
            tier = [m for m in tier if m.origin != "geonames"]
        groups: list[list[Match]] = []
        for m in tier:
            for g in groups:
                if any(same_place(m, x) for x in g):
                    g.append(m)
                    break
            else:
                groups.append([m])
        groups = _dominant(groups)
        best = _pick(groups[0], q.precision)
        if len(groups) > 1:
            raise AmbiguousError(text, [m.label() for m in [best, *(g[0] for g in groups[1:])]], where=where)
        others = [c for c in cands if c.place_id != best.place_id]
        alts = tuple(f"{m.name} ({m.admin1 or '?'}, {m.country})" for m in others[:5])
        rival = next((c for c in others if not same_place(c, best)), None)
        return replace(best, alternatives=alts, runner_up=_runner_up(rival))

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Closest known names in scope, as labels, for an unknown ``text``."""
        key = normalise(parse_query(text).name) or text.lower()
        out: list[tuple[float, str]] = []
        for idx in (self.curated, self.reference()):
            for i, sc in idx.suggest(key, limit):
                out.append((sc, _label(idx.row(i))))
        seen, labels = set(), []
        for _sc, lab in sorted(out, key=lambda t: -t[0]):
            if lab not in seen:
                seen.add(lab)
                labels.append(lab)
        return labels[:limit]


def _rank(m: Match) -> tuple:
    return (-m.score, m.origin == "geonames", -(m.kind == "point"), m.radius_km, m.place_id)


def _hint_area(q: Query) -> tuple[float, float, float] | None:
    """Centre and radius (km) of the province or country a query's hints name, if known."""
    if q.admin1:
        found = admin1_of(q.admin1, q.country)
        if found:
            t = admin1_table()
            r = t[(t["country"] == found[0]) & (t["name"] == found[1])].iloc[0]
            return float(r["lat"]), float(r["lon"]), float(r["radius_km"])
    if q.country:
        t = countries_table()
        rows = t[t["country"] == q.country]
        if len(rows):
            return float(rows.iloc[0]["lat"]), float(rows.iloc[0]["lon"]), float(rows.iloc[0]["radius_km"])
    return None


def _apply_hints(matches: list[Match], q: Query) -> list[Match]:
    """Candidates in the hinted country (held or claimed) and province."""
    out = matches
    if q.country:
        out = [m for m in out if q.country in m.claimants()]
    if q.admin1:
        want = admin1_of(q.admin1, q.country) or (None, q.admin1)
        out = [m for m in out if m.admin1 and normalise(m.admin1) == normalise(want[1])]
    return out


def _population(v) -> int | None:
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def _dominant(groups: list[list[Match]]) -> list[list[Match]]:
    """The one group holding an exact GeoNames name of a town 10 times larger than any other place so named.

    "Siem Reap" is the city (139,458 people), not the village whose alternate name it is (5,480).
    Both signals must agree: where the larger place matched only by an alternate name ("Samrong"
    for Samraong) or a curated row is involved, the places stay ambiguous.
    """
    if len(groups) < 2 or any(m.origin != "geonames" for g in groups for m in g):
        return groups
    sizes = [max((m.population or 0) for m in g) for g in groups]
    exact = [any(m.match == "exact" and (m.population or 0) == size for m in g) for g, size in zip(groups, sizes)]
    for i, (g, size) in enumerate(zip(groups, sizes)):
        if exact[i] and size > 0 and all(size >= 10 * other for j, other in enumerate(sizes) if j != i):
            return [g]
    return groups


def _pick(group: list[Match], wanted: str | None) -> Match:
    """The one answer of a group of nested places: the precision the query names, else the most precise."""
    best = min(group, key=lambda m: (m.precision != wanted, PRECISION_CODES[m.precision][0], m.radius_km, m.place_id))
    if wanted in AREA_RADIUS_KM and best.precision in ("point", "near") and PRECISION_CODES[wanted][0] > PRECISION_CODES[best.precision][0]:
        # "Spin Boldak district" with only the town in the gazetteer: the place is the district,
        # located by its centre; claiming point precision would overstate what the report says.
        wp, gp = PRECISION_CODES[wanted]
        best = replace(best, precision=wanted, where_prec=wp, geo_precision=gp,
                       radius_km=max(best.radius_km, AREA_RADIUS_KM[wanted]),
                       note=best.note or f"no {wanted} row for {best.name!r}; located by {best.name} ({best.kind} {best.feature})")
    return best


def _runner_up(m: Match | None) -> dict | None:
    if m is None:
        return None
    return {"name": m.name, "place_id": m.place_id, "country": m.country, "admin1": m.admin1, "lat": m.lat, "lon": m.lon,
            "score": m.score, "match": m.match}


def _label(row: dict) -> str:
    where = ", ".join(x for x in (_text(row.get("admin2")), _text(row.get("admin1")), _text(row.get("country"))) if x)
    return f"{row['name']} ({where})" if where else str(row["name"])


class _NotFound(NotFoundError):
    """:class:`NotFoundError` whose ``suggestions`` are searched for on first use, not when raised."""

    def __init__(self, query: str, suggest, *, where: str | None = None):
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
