"""Draft sites, claims and a source row from one report's text (the library entry point)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.draft.article import Article, parse_article
from geo.draft.attribution import Attribution
from geo.draft.claimants import pick_claimant, theatre_cues
from geo.draft.dates import dates_in
from geo.draft.geocoding import Locator, country_names
from geo.draft.places import Mention, assign_roles, find_mentions
from geo.draft.quantities import counts_in
from geo.draft.sentences import Sentence, split_sentences
from geo.draft.sites import best_role, category_of, group_mentions, match_existing, slug
from geo.errors import LayerError, UsageError
from geo.geocode import Geocoder
from geo.layers import Layers, read_layers

log = logging.getLogger(__name__)


@dataclass
class Draft:
    """What :func:`draft_report` found: a source row, sites, claims, new claimants and unknown places."""

    source: dict
    sites: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    claimants: list[dict] = field(default_factory=list)
    unknown_places: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready dict (``geo draft --json``)."""
        return {"source": self.source, "sites": self.sites, "claims": self.claims,
                "claimants": self.claimants, "unknown_places": self.unknown_places}


def _published(value: dt.date | str | None, article: Article) -> dt.date:
    raw = value if value is not None else article.source.get("published")
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw
    if raw:
        try:
            return dt.date.fromisoformat(str(raw)[:10])
        except ValueError:
            raise UsageError(f"published: expected a date as YYYY-MM-DD, got {raw!r}") from None
    raise UsageError("the article gives no publication date: pass --published YYYY-MM-DD (relative dates are resolved against it)")


def _evidence(text: str, sent: Sentence) -> dict:
    return {"evidence": sent.text, "span": [sent.start, sent.end]}


def _event_dates(sentences: list[Sentence], published: dt.date) -> list[dt.date]:
    """Per sentence, the date of what it reports: its own date, else the last one the text gave before."""
    out, current = [], published
    for s in sentences:
        own = [d for d in dates_in(s.text, published) if not d.of_statement]
        if own:
            current = own[0].date
        out.append(current)
    return out


def draft_report(text: str | Article, *, published: dt.date | str | None = None, layers: Layers | Path | str = "layers",
                 source_id: str | None = None, geocoder: Geocoder | None = None) -> Draft:
    """Draft the sites, claims and source row a report supports.

    Parameters
    ----------
    text
        The report: plain text (Markdown and HTML are reduced first), or an :class:`Article`.
    published
        Publication date; relative dates ("on Saturday night") are resolved against it.
        Defaults to the date the page gives; one of the two is needed.
    layers
        The theatre's layers (a directory or :class:`geo.layers.Layers`): its countries scope the
        geocoder, its claimants are matched, its sites reused.
    source_id
        Id of the drafted source row (default: outlet slug and date).
    geocoder
        Reuse a geocoder (default: :func:`geo.pipeline.make_geocoder` over ``layers``).

    Raises
    ------
    UsageError
        No publication date given or found.
    """
    from geo.pipeline import locate_sites, make_geocoder

    article = text if isinstance(text, Article) else parse_article(text)
    lay = layers if isinstance(layers, Layers) else read_layers(Path(layers))
    when = _published(published, article)
    geocoder = geocoder or make_geocoder(lay)
    locator = Locator(geocoder, lay.theatre.countries)
    body = article.text
    sentences = split_sentences(body)
    mentions = assign_roles(body, sentences, find_mentions(body, sentences, locator))
    outlet = article.source.get("outlet") or "Unknown outlet (fill in)"
    sid = source_id or f"{slug(outlet)[:40]}-{when.isoformat()}"
    source = {"source_id": sid, "outlet": outlet, "title": article.source.get("title") or (sentences[0].text[:200] if sentences else None),
              "published": when.isoformat(), "url": article.source.get("url"), "seed": None, "notes": "drafted by geo draft; review before accepting"}
    try:
        existing = locate_sites(lay.sites, geocoder) if len(lay.sites) else None
    except LayerError:
        existing = None
    events = _event_dates(sentences, when)
    sites, by_mention = _sites(body, sentences, mentions, events, existing, sid, geocoder)
    claimants = [c for c in lay.claimants.to_dict("records")]
    claims, new_claimants = _claims(sentences, mentions, by_mention, claimants, locator, when, sid, outlet)
    for c in claims:
        c["event_date"] = events[c.pop("_sentence")].isoformat()  # when what the claim is about happened
    unknown = [{"name": m.name, **_evidence(body, sentences[m.sentence]), "keyword": m.keyword} for m in mentions if m.role == "unknown"]
    log.info("%s: %d sites, %d claims, %d unknown places", sid, len(sites), len(claims), len(unknown))
    return Draft(source=source, sites=sites, claims=claims, claimants=new_claimants, unknown_places=_dedupe(unknown, "name"))


def _dedupe(rows: list[dict], key: str) -> list[dict]:
    seen, out = set(), []
    for r in rows:
        if r[key].lower() not in seen:
            seen.add(r[key].lower())
            out.append(r)
    return out


def _resolves_alone(geocoder: Geocoder, name: str, place_id: str) -> bool:
    """True when ``geo build`` would locate ``name`` with no hints at the same place."""
    try:
        return geocoder.resolve(name).place_id == place_id
    except (LookupError, ValueError):
        return False


def _sites(body: str, sentences: list[Sentence], mentions: list[Mention], events: list[dt.date],
           existing: pd.DataFrame | None, source_id: str, geocoder: Geocoder) -> tuple[list[dict], dict[int, str]]:
    """One site per place (names merged), and the site id of every mention (by its start)."""
    sites, by_mention = [], {}
    used = set(existing["site_id"]) if existing is not None else set()  # a new site never takes an existing id
    for group in group_mentions(mentions):
        role = best_role(group)
        first = next((m for m in group if m.role == role), group[0])
        m, sent = first.match, sentences[first.sentence]
        names = list(dict.fromkeys(g.name for g in group))
        site = {"site_id": None, "name": names[0], "also_named": names[1:], "place": m.name, "place_id": m.place_id,
                "lat": round(m.lat, 5), "lon": round(m.lon, 5), "country": m.country, "admin1": m.admin1,
                "precision": m.precision, "radius_km": m.radius_km, "role": role, "category": category_of(sent.text),
                "event_date": events[first.sentence].isoformat(), **_evidence(body, sent),
                "confidence": round(max(g.confidence for g in group), 2), "existing_site": None, "source_ids": source_id,
                "note": m.note}
        site["existing_site"] = match_existing(site, existing) if role == "incident" else None
        site["coordinates_needed"] = not _resolves_alone(geocoder, m.name, m.place_id)
        base = site["existing_site"] or slug(m.name if m.precision in ("district", "province") else names[0])
        sid, n = base, 2
        while sid in used and not site["existing_site"]:
            sid, n = f"{base}-{n}", n + 1
        used.add(sid)
        site["site_id"] = sid
        sites.append(site)
        for g in group:
            by_mention[g.start] = sid
    return sites, by_mention


def _claimant_row(side: str, phrase: str) -> dict:
    if side == "media":
        return {"claimant_id": "media", "name": "News media", "country": None, "description": "Outlets' own reporting (drafted)"}
    name = next((n.title() for n, c in country_names().items() if c == side), side)
    return {"claimant_id": f"{side.lower()}-govt", "name": f"{name} government (drafted)", "country": side,
            "description": f"Drafted from the speaker {phrase!r}; review"}


def _claims(sentences: list[Sentence], mentions: list[Mention], by_mention: dict[int, str], claimants: list[dict],
            locator: Locator, published: dt.date, source_id: str, outlet: str) -> tuple[list[dict], list[dict]]:
    """Claims for every count in the text, attributed, dated and tied to the one site their sentence names."""
    out, new, seen = [], {}, set()
    who = Attribution(locator, theatre_cues(claimants, country_names()), mentions)
    for si, sent in enumerate(sentences):
        if not who.start(si, sentences):
            continue  # "Cities Affected and Reported Damage:" introduces a list; it says nothing itself
        counts = counts_in(sent.text)
        if not counts:
            who.observe(sent)
            continue
        sites = {by_mention[m.start] for m in mentions if m.sentence == si and m.role == "incident" and m.start in by_mention}
        said = [d for d in dates_in(sent.text, published) if d.of_statement]
        for c in counts:
            phrase, side = who.figure(sent, c.start)
            side = side or "media"
            row = pick_claimant(side, phrase or "", claimants) or new.get(side)
            if row is None:
                row = new[side] = _claimant_row(side, phrase or outlet)
            site = next(iter(sites)) if len(sites) == 1 else None
            head = (c.subject or "").lower().split(" ")[-1]  # "one civilian" and "one soldier" killed are two claims
            key = (row["claimant_id"], c.quantity, c.low, c.best, c.high, site, head)
            if key in seen:
                continue
            seen.add(key)
            conf = 0.5 + (0.2 if phrase and side != "media" else 0.0) + (0.1 if c.subject else 0.0) + (0.1 if site else 0.0)
            conf -= 0.1 if c.subset else 0.0  # part of another figure: keep it if the breakdown matters
            out.append({
                "claim_id": f"{source_id}-c{len(out) + 1:02d}", "site": site, "claimant": row["claimant_id"],
                "speaker": phrase or outlet, "quantity": c.quantity, "subject": c.subject, "low": c.low, "best": c.best,
                "high": c.high, "unit": c.unit, "claim_date": (said[0].date if said else published).isoformat(),
                "statement": re.sub(r"\s+", " ", sent.text)[:400], "source_id": source_id, "evidence": sent.text,
                "span": [sent.start + c.start, sent.start + c.end], "confidence": round(conf, 2), "_sentence": si,
            })
    return out, list(new.values())
