"""Country codes: ACLED's numeric ISO 3166 and UCDP's country names to ISO 3166-1 alpha-2.

The tables come from the Natural Earth admin-0 file already packaged for the border geometry
(``ISO_N3_EH``, ``ISO_A2_EH`` and its name columns), plus a few UCDP spellings
("DR Congo (Zaire)") and ACLED's code 0 for Kosovo. An unknown code or name gives None.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyogrio

from geo.columns import per_value
from geo.reference import natural_earth_path

#: UCDP country names Natural Earth does not spell the same way (after dropping the "(old name)" part).
COUNTRY_ALIASES = {
    "dr congo": "CD", "congo": "CG", "bosnia herzegovina": "BA", "kingdom of eswatini": "SZ", "eswatini": "SZ",
    "macedonia fyr": "MK", "north macedonia": "MK", "ivory coast": "CI", "cote d ivoire": "CI", "east timor": "TL",
    "timor leste": "TL", "cape verde": "CV", "gambia": "GM", "united states of america": "US", "kosovo": "XK",
    "russia": "RU", "syria": "SY", "laos": "LA", "iran": "IR", "vietnam": "VN", "south korea": "KR", "north korea": "KP",
}
#: ACLED numeric codes outside ISO 3166 (Kosovo is coded 0).
ACLED_ISO_EXTRA = {0: "XK"}
_NAME_COLUMNS = ["NAME", "NAME_LONG", "NAME_EN", "ADMIN", "FORMAL_EN", "NAME_SORT", "NAME_ALT", "BRK_NAME", "GEOUNIT", "SOVEREIGNT"]


def country_key(name: str) -> str:
    """A country name as a lookup key: no accents, lower case, words of letters and digits.

    Unlike :func:`geo.gazetteer.normalise`, no word is dropped ("Republic", "Island" name countries).

    Examples
    --------
    >>> country_key("Côte d'Ivoire")
    'cote d ivoire'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@lru_cache(maxsize=1)
def country_tables() -> tuple[dict[int, str], dict[str, str]]:
    """ISO numeric → alpha-2 and :func:`country_key` of a country name → alpha-2, from Natural Earth admin-0."""
    df = pyogrio.read_dataframe(natural_earth_path(), columns=["ISO_A2", "ISO_A2_EH", "ISO_N3", "ISO_N3_EH", *_NAME_COLUMNS],
                                read_geometry=False)
    numeric: dict[int, str] = dict(ACLED_ISO_EXTRA)
    by_name: dict[str, str] = {}
    for r in df.to_dict("records"):
        a2 = r["ISO_A2"] if isinstance(r["ISO_A2"], str) and len(r["ISO_A2"]) == 2 else r["ISO_A2_EH"]
        if not (isinstance(a2, str) and re.fullmatch(r"[A-Z]{2}", a2)):
            continue
        for col in ("ISO_N3", "ISO_N3_EH"):
            n = r[col]
            if isinstance(n, str) and n.isdigit() and int(n) not in numeric:
                numeric[int(n)] = a2
        if r["SOVEREIGNT"] != r["ADMIN"] and r["ISO_A2"] == "-99":
            continue  # dependencies named after their sovereign would shadow it
        for col in _NAME_COLUMNS[:-1]:
            v = r[col]
            if isinstance(v, str) and v.strip():
                by_name.setdefault(country_key(v), a2)
    by_name.update(COUNTRY_ALIASES)
    return numeric, by_name


def _numeric_to_iso2(code: object) -> str | None:
    """One numeric code ("586", "4.0") → alpha-2."""
    try:
        return country_tables()[0].get(int(float(code)))
    except (TypeError, ValueError, OverflowError):
        return None


def _name_to_iso2(name: object) -> str | None:
    """One country name → alpha-2, tried without its "(old name)" part first."""
    if not isinstance(name, str):
        return None
    by_name = country_tables()[1]
    return by_name.get(country_key(re.sub(r"\(.*?\)", " ", name))) or by_name.get(country_key(name))


def iso2_from_numeric(codes: pd.Series | np.ndarray) -> np.ndarray:
    """ACLED ``iso`` (numeric ISO 3166, as text) → alpha-2 (None when blank or unknown)."""
    return per_value(codes, _numeric_to_iso2)


def iso2_from_name(names: pd.Series | np.ndarray) -> np.ndarray:
    """UCDP country names ("Pakistan", "Myanmar (Burma)") → alpha-2 (None when unknown)."""
    return per_value(names, _name_to_iso2)
