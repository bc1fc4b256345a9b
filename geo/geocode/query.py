"""Read a place reference as reports write it: the name, and the country, province or "near" around it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from geo.gazetteer import admin1_table, countries_table, normalise

#: Country words reports use besides the countries' names (adjectives are not place context).
EXTRA_COUNTRY_WORDS = {"afghanistan": "AF", "pakistan": "PK", "thailand": "TH", "cambodia": "KH", "kampuchea": "KH", "siam": "TH"}
PROVINCE_WORDS = {"province", "wilayat", "welayat", "changwat", "khaet", "khet"}
DISTRICT_WORDS = {"district", "agency", "tehsil", "woluswali", "wuleswali", "amphoe", "amphur", "srok"}


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


@functools.lru_cache(maxsize=1)
def country_words() -> dict[str, str]:
    """Normalised country name or alternate -> ISO code (from ``countries.csv``)."""
    out: dict[str, str] = {}
    for r in countries_table().itertuples():
        for n in [r.name, *str(r.alt_names).split("|")]:
            key = normalise(n)
            if len(key) > 3:  # "USA" yes, "AND" (Andorra's alpha-3) no
                out.setdefault(key, r.country)
    out.update(EXTRA_COUNTRY_WORDS)
    return out


@functools.lru_cache(maxsize=1)
def admin1_words() -> dict[str, tuple[tuple[str, str], ...]]:
    """Normalised province name or alternate -> every (country, province name) it names."""
    out: dict[str, dict[tuple[str, str], None]] = {}
    for r in admin1_table().itertuples():
        for n in [r.name, *str(r.alt_names).split("|")]:
            key = normalise(n)
            if key:
                out.setdefault(key, {})[(r.country, r.name)] = None
    return {k: tuple(v) for k, v in out.items()}


def admin1_of(text: str, country: str | None = None) -> tuple[str, str] | None:
    """The (country, province) a province name means, if it means exactly one (within ``country``)."""
    found = [c for c in admin1_words().get(normalise(text), ()) if country is None or c[0] == country]
    return found[0] if len(found) == 1 else None


def _is_context(text: str) -> bool:
    key = normalise(text)
    return key in country_words() or key in admin1_words()


def parse_query(text: str, *, country: str | None = None, admin1: str | None = None) -> Query:
    """Split "X in Balochistan", "Nangarhar's X", "X, Kunar", "near X" into name and hints.

    Examples
    --------
    >>> q = parse_query("Nangarhar's Behsud district")
    >>> q.name, q.country, q.admin1
    ('Behsud district', 'AF', 'Nangarhar')
    >>> parse_query("near Torkham").near
    True
    >>> parse_query("Kap Choeng district of Surin").admin1
    'Surin'
    """
    raw = " ".join(text.split())
    name, near, ctx = raw, False, None
    m = re.match(r"^(?:near|outside|outskirts of|close to|around)\s+(.+)$", name, re.IGNORECASE)
    if m:
        name, near = m.group(1), True
    m = re.match(r"^(.+?)[’']s\s+(.+)$", name)
    if m and _is_context(m.group(1)):
        ctx, name = m.group(1), m.group(2)
    else:
        m = re.match(r"^(.+?)\s*(?:,|\bin\b|\bof\b|\()\s*(.+?)\)?$", name, re.IGNORECASE)
        if m and _is_context(m.group(2)):
            name, ctx = m.group(1), m.group(2)
    if ctx is not None:
        key = normalise(ctx)
        if key in country_words():
            country = country or country_words()[key]
        else:
            found = admin1_of(ctx, country)
            if found:
                country, admin1 = country or found[0], admin1 or found[1]
            else:  # a province name shared by several countries: the name alone narrows the search
                admin1 = admin1 or ctx
    elif admin1 is not None:
        found = admin1_of(admin1, country)
        if found:
            country, admin1 = country or found[0], found[1]
    words = set(re.findall(r"[a-z]+", name.lower()))
    precision = "province" if words & PROVINCE_WORDS else ("district" if words & DISTRICT_WORDS else None)
    return Query(text=text, name=name.strip(), country=country, admin1=admin1, near=near, context=ctx, precision=precision)
