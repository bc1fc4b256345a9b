"""The words of a popup, formatted once in Python for the small map's popups and the big map's blobs alike.

Figures come from :func:`geo.claims.format_figure` (the ``figure`` column of claims); every other
sentence a popup shows about a site is made here, column by column (once per distinct value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.claims import quantity_label
from geo.columns import per_combination, per_value


def side_texts(side, countries: dict[str, str]) -> np.ndarray:
    """"Afghanistan side", "side uncertain (too close to the line to tell)" or "outside both countries"."""
    def one(s):
        if s == "uncertain":
            return "side uncertain (too close to the line to tell)"
        if s == "outside":
            return "outside both countries"
        return f"{countries.get(s, s)} side"
    return per_value(side, one)


def precision_texts(precision, radius_km) -> np.ndarray:
    """``precision: district (UCDP where_prec 3, ACLED geo_precision 2), ±25 km``."""
    from geo.geocode import PRECISION_CODES

    def one(p, r):
        w, g = PRECISION_CODES.get(p, ("?", "?"))
        return f"precision: {p} (UCDP where_prec {w}, ACLED geo_precision {g}), ±{float(r):g} km"
    return per_combination(one, precision, radius_km)


def admin_texts(admin2, admin1, country, countries: dict[str, str]) -> np.ndarray:
    """"South Waziristan, Khyber Pakhtunkhwa, Pakistan": the administrative areas a site lies in."""
    def clean(v):
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v
    return per_combination(lambda a2, a1, c: ", ".join(str(x) for x in (clean(a2), clean(a1), countries.get(clean(c) or "", clean(c))) if x),
                           admin2, admin1, country)


def tenths(km) -> np.ndarray:
    """Kilometres as integers of 0.1 km: what both popups print (``x / 10`` to one decimal)."""
    return np.round(pd.to_numeric(pd.Series(km), errors="coerce").fillna(0).to_numpy(float) * 10).astype(np.int64)


def check_text(distance_tenths: int, uncertainty_tenths: int, border_name: str, country: str | None) -> str:
    """The border check's detail line; the compact layer's script writes the same words from the same numbers."""
    text = f"{distance_tenths / 10:.1f} km from the {border_name} (±{uncertainty_tenths / 10:.1f} km combined uncertainty)"
    return text + (f"; point lies in {country}" if country else "")


def row_labels(quantity, subject) -> np.ndarray:
    """A claims table's row label: "Killed", "Killed: soldiers"."""
    return per_combination(lambda q, s: quantity_label(q) + (f": {s}" if isinstance(s, str) and s else ""), quantity, subject)


def actors(sites: pd.DataFrame) -> np.ndarray:
    """Each site's ``actors`` column as the page reads it: "A; B", or "" where none are given.

    Examples
    --------
    >>> list(actors(pd.DataFrame({"actors": ["Pakistan Army ;Afghan Taliban", None]})))
    ['Pakistan Army; Afghan Taliban', '']
    """
    if "actors" not in sites:
        return np.full(len(sites), "", dtype=object)
    return per_value(sites["actors"], lambda v: "; ".join(p.strip() for p in v.split(";") if p.strip()) if isinstance(v, str) else "")


def actor_names(actor_texts) -> list[str]:
    """Every actor named in ``actor_texts`` ("A; B" → A, B), most frequent first."""
    counts = pd.Series(actor_texts, dtype=object).value_counts()
    out: dict[str, int] = {}
    for text, n in counts.items():
        for name in str(text).split("; "):
            if name:
                out[name] = out.get(name, 0) + int(n)
    return [k for k, _ in sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))]


#: Stands for a site's event id inside its notes in the compact blobs (see :func:`notes_without_ids`).
ID_MARK = "\ue000"


def event_ids(site_ids) -> np.ndarray:
    """The importer's event id of each site ("acled-PAK123" → "PAK123"); "" for hand-made sites."""
    from geo.events import DIALECTS

    ids = pd.Series(np.asarray(site_ids, dtype=object)).astype(str)
    out = np.full(len(ids), "", dtype=object)
    for prefix in (d.ID_PREFIX for d in DIALECTS.values()):
        hit = ids.str.startswith(prefix).to_numpy(bool)
        out[hit] = ids[hit].str.slice(len(prefix)).to_numpy(dtype=object)
    return out


def notes_without_ids(notes, site_ids) -> np.ndarray:
    """Notes with the site's event id replaced by :data:`ID_MARK`, so that the notes of events that
    differ only by id are stored once (and read once, e.g. by :func:`actors`); the page puts the id back."""
    eids = event_ids(site_ids).tolist()
    texts = [n.replace(ID_MARK, " ") if isinstance(n, str) else "" for n in np.asarray(notes, dtype=object).tolist()]
    out = np.empty(len(texts), dtype=object)
    out[:] = [n.replace(e, ID_MARK, 1) if e else n for n, e in zip(texts, eids)]
    return out


#: Stand for a site's name and its distance ("10.7 km") inside its flag messages in the compact blobs.
NAME_MARK, KM_MARK = "\ue001", "\ue002"


def flag_texts(flags, names, distance_tenths) -> list[str]:
    """Each site's flags as "code message" lines, its name and distance replaced by :data:`NAME_MARK`
    and :data:`KM_MARK` (the page puts them back): messages that differ only by those are stored once."""
    out = []
    for fl, name, d10 in zip(flags, names, np.asarray(distance_tenths).tolist()):
        if not fl:
            out.append("")
            continue
        km = f"{d10 / 10:.1f} km"
        lines = []
        for f in fl:
            msg = f.message.replace(NAME_MARK, " ").replace(KM_MARK, " ")
            if isinstance(name, str) and name:
                msg = msg.replace(name, NAME_MARK)
            lines.append(f"{f.code} {msg.replace(km, KM_MARK)}")
        out.append("\n".join(lines))
    return out
