"""Draft sites from place mentions: one site per place, other names merged, existing sites reused."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from geo.draft.geocoding import distance_km
from geo.draft.places import Mention

#: Which role a site takes when its place is mentioned in several roles.
ROLE_ORDER = ("incident", "area", "other", "speaker_base", "metonym", "dateline")
#: Days apart within which a drafted site and an existing one are the same incident.
SAME_INCIDENT_DAYS = 7


def slug(text: str) -> str:
    """An id-safe slug: ``"Angoor Adda"`` -> ``"angoor-adda"``."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s or "site")[:48]


def category_of(sentence: str) -> str:
    """The site category a sentence's wording points to (clash unless it says otherwise)."""
    s = sentence.lower()
    if re.search(r"\b(?:blasts?|explosions?|bomb\w*|landmines?|mines?)\b", s):
        return "blast"
    if re.search(r"\b(?:air ?strikes?|strikes?|rockets?|shell\w*|missiles?|drones?|artillery)\b", s):
        return "strike"
    if re.search(r"\bdeploy\w*\b", s):
        return "deployment"
    return "clash"


def _same_place(a: Mention, b: Mention) -> bool:
    ma, mb = a.match, b.match
    if ma.place_id == mb.place_id:
        return True
    if ma.precision in ("point", "near") and mb.precision in ("point", "near"):
        return distance_km(ma.lat, ma.lon, mb.lat, mb.lon) <= max(ma.radius_km, mb.radius_km, 1.0)
    return False


def group_mentions(mentions: list[Mention]) -> list[list[Mention]]:
    """Resolved mentions grouped by place: one group per site, in order of first mention."""
    groups: list[list[Mention]] = []
    for m in mentions:
        if m.match is None or m.role == "country":
            continue
        for g in groups:
            if _same_place(g[0], m):
                g.append(m)
                break
        else:
            groups.append([m])
    return groups


def best_role(group: list[Mention]) -> str:
    return min((m.role for m in group), key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER))


def match_existing(site: dict, existing: pd.DataFrame | None) -> str | None:
    """The id of an existing located site that is this site (same place or within its radius, close dates)."""
    if existing is None or not len(existing) or site.get("lat") is None:
        return None
    when = dt.date.fromisoformat(site["event_date"])
    rows = [r for r in existing.to_dict("records")
            if r["event_date"] is None or abs((pd.Timestamp(r["event_date"]).date() - when).days) <= SAME_INCIDENT_DAYS]
    same = [r for r in rows if r.get("place_id") and r["place_id"] == site.get("place_id")]
    if same:
        # Several sites at one place: the closest in date, then the one of the same name.
        return min(same, key=lambda r: (abs((pd.Timestamp(r["event_date"]).date() - when).days) if r["event_date"] is not None else 99,
                                        slug(str(r["name"])) != slug(site["name"])))["site_id"]
    for row in rows:
        if row.get("lat") is None or pd.isna(row["lat"]):
            continue
        # Inside an existing site's extent, and not a wider area than it: the same place under another name.
        reach = max(float(row["radius_km"] or 0), 1.0)
        if distance_km(float(row["lat"]), float(row["lon"]), site["lat"], site["lon"]) <= reach and (site["radius_km"] or 0) <= 2 * reach:
            return row["site_id"]
    return None
