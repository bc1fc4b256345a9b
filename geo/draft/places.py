"""Place mentions in a report: find the names, resolve them in context, and tell their roles apart."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from geo.draft.geocoding import Locator, capital_country, country_names, demonyms, distance_km
from geo.draft.sentences import Sentence
from geo.geocode import Match

_WORD = r"(?:(?:[A-Z]\.){2,3}(?=\s+[A-Z])|[A-Z][\w’'.-]*[\w]|[A-Z])"
_RUN = re.compile(rf"{_WORD}(?:(?:\s+|-)(?:{_WORD}|(?:al|el|e|ul|i|de|du|la)(?=[\s-][A-Z])))*")
#: Lower-case words after a name that make it a place, and the precision they imply.
KEYWORDS = {"province": "province", "region": "province", "state": "province", "district": "district", "agency": "district",
            "tehsil": "district", "subdistrict": "district", "county": "district", "area": None, "village": "point",
            "town": "point", "city": "point", "valley": None, "crossing": "point", "border crossing": "point",
            "border post": "point", "post": "point", "pass": "point", "temple": "point", "river": None, "commune": "point",
            "market": "point", "bazaar": "point", "hill": "point", "mountains": None, "checkpoint": "point", "sector": None,
            "mahalla": "point", "jamoat": "district", "gorge": "point", "outpost": "point"}
_KEY_AFTER = re.compile(r"^\s+(" + "|".join(sorted(KEYWORDS, key=len, reverse=True)) + r")\b", re.I)
_KEY_OF = re.compile(r"\b(?:the\s+)?(?:villages?|towns?|city|districts?|provinces?|areas?|border posts?|posts?|regions?|crossing|bases?|camps?|"
                     r"positions?|outposts?|"
                     r"residents?|natives?)\s+of\s+$", re.I)
#: A keyword right before a name: "the provincial capital Goma", "the border town Chaman".
_KEY_BEFORE = re.compile(r"\b(?:capital|town|city|village|district|province|crossing|outpost|border post|checkpoint|frontier post|post)\s+[\"“]?$", re.I)
#: A name that heads a list ending in a keyword: "Uri, Karnah and Tangdhar sectors".
_LIST_AFTER = re.compile(r"^(?:,\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)*,?\s+(?:and|or)\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*\s+"
                         r"(?:sectors|districts|villages|provinces|areas|towns|regions|crossings|posts)\b")
_PREP = re.compile(r"\b(?:in|at|near|from|into|outside|across|toward|towards|around|to|of|between|including|included)\s+(?:the\s+)?"
                   r"(?:(?!(?:which|that|a|an|its|their|his|her)\b)[a-z]+\s+)?$", re.I)
#: Keywords kept in the geocoder query ("Preah Vihear temple" is the temple, not the province).
_KEEP = {"province": "province", "district": "district", "region": "region", "temple": "Temple", "pass": "Pass",
         "crossing": "crossing", "valley": "Valley", "river": "River"}
_NEAR = re.compile(r"\b(?:in|at|near|including|outside|close to)\s+(?:the\s+)?(?:[a-z]+\s+)?$", re.I)
_KEY_IN_NAME = re.compile(r"\s(?:Temple|District|Province|Village|Valley|River|Pass|Crossing|Area|Region|Camp|Post|Mosque|Masjid|"
                          r"Bridge|Dam|Airport|Airbase|Cantonment|Sector|Road|Street|Chowk|Gate|Custom House|Customs House|Mountains|Range|Gorge)$")
_TITLE = re.compile(r"\b(?:president|minister|general|gen|lt|col|maj|major|spokesman|spokeswoman|spokesperson|mr|mrs|ms|dr|maulavi|mullah|"
                    r"sheikh|captain|commander|chief|mna|senator|ambassador|analyst|governor|said|says|told|by)\.?\s+$", re.I)
#: Words that never start or make up a place name in the reports (days, months, bodies, titles).
NON_PLACE = set("""monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec the a an this that these those in on at but and or as if it its he she they we
ministry army forces force defence defense foreign affairs government police corps command council news agency reuters afp
press times service university party ttp ispr gmt utc islamic state prime minister president general gen lt col maj
durand line facebook twitter x telegram whatsapp taliban tehreek tehrik tehreek-i-taliban inter-services public relations
united nations un nato asean security centre center studies research crisis group international frontier constabulary
border guard guards regional military royal national assembly parliament senate office committee embassy mission brigade
regiment division battalion unit hospital democratic republic kingdom federal statement report update live breaking related comments advertisement
u.n u.s u.k himalayan africa asia europe america troops meanwhile rohingya colonel sergeant lieutenant captain private corporal soldier commander major general""".split())
EVENT = re.compile(r"\b(?:clash\w*|fight\w*|fought|battle\w*|fire|firing|fired|gunfire|attack\w*|strikes?|airstrikes?|air strikes?|struck|shell\w*|"
                   r"blasts?|explosions?|bomb\w*|killed|dead|died|wounded|injured|martyred|skirmish\w*|gunfight|shootout|rockets?|"
                   r"mortars?|deploy\w*|captured|destroyed|displaced|landmine|mine|drones?|assault|raid\w*|targeted|hit|violence|"
                   r"incident|face-off|exchange|conflict|took place|took positions|shot|injur\w*|casualt\w*|ceasefire violations?)\b", re.I)
_METONYM = re.compile(r"^(?:\s+(?:has\s+|had\s+|also\s+)?(?:denied|denies|said|says|accused|accuses|asked|responded|rejected|blamed|lodged|"
                      r"claimed|insisted|warned|urged|demanded|condemned|summoned|did not|does not|has not|had not|has viewed|"
                      r"views|wants|will|would|(?:has|had|have)\s+(?!been\b)(?:not\s+)?[a-z]+ed)\b|[’']s\s+(?:claim|position|engagement|decision|government|request|demand|response|"
                      r"accusations?|relations|ties|policy)\b)", re.I)
_BASE_BEFORE = re.compile(r"(?:news conference|press conference|briefing|reporting|contributed reporting|a resident)\s+(?:in|from|of)\s+(?:the\s+)?$", re.I)
_DATELINE_AFTER = re.compile(r"^(?:/[A-Z][A-Z ]+)*\s*(?:,[^—–:.\n]{0,40})?\s*(?:\([^)]{0,30}\))?\s*(?:—|–|--|-\s|:|\n|$)"
                             r"|^,\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I)


@dataclass(frozen=True)
class Mention:
    """A place name in the text, where it is, what it resolved to and what it is there for."""

    name: str
    start: int
    end: int
    sentence: int
    match: Match | None
    confidence: float
    role: str
    keyword: str | None = None
    cue: bool = False


_LEAD = re.compile(r"(?:In|At|On|From|Near|Across|Along|Inside|Outside|The|And|But|Meanwhile|Additionally|Also)\s+")


def _runs(text: str) -> list[tuple[int, int]]:
    """Spans of capitalised word runs; a possessive ("Pakistan's") ends a run."""
    out = []
    for m in _RUN.finditer(text):
        s, e = m.start(), m.end()
        piece = text[s:e]
        for part in re.finditer(r"[^’']+(?:[’']s\b)?", piece):
            ps, pe = s + part.start(), s + part.end()
            ps += len(text[ps:pe]) - len(text[ps:pe].lstrip())  # "Jammu’s R.S. Pora": the part after the possessive
            lead = _LEAD.match(text, ps, pe)
            if lead and lead.end() < pe:
                ps = lead.end()  # "In Ban Kut Chiang Mun": the sentence's first word is not part of the name
            chunk = text[ps:pe]
            if re.search(r"[’']s$", chunk):
                pe -= 2
            elif re.search(r"-based$", chunk):
                pe -= len("-based")
            out.append((ps, pe))
    return out


def _usable(words: list[str]) -> bool:
    if any(re.search(r"-[a-z]", w) for w in words):  # "UNESCO-listed", "Taliban-led": adjectives, not names
        return False
    if any(EVENT.fullmatch(w) for w in words):  # a title-cased headline: "... in Pakistan-Afghanistan Border Clash"
        return False
    if any("-" in w and all(p.lower() in country_names() for p in w.split("-")) for w in words):
        return False  # "Cambodia-Thailand": the pair, not a place
    low = [p for w in words for p in w.lower().strip(".").split("-") if p]
    if any(w in ("pak", "af-pak", "indo") for w in low):
        return False
    return bool(low) and low[0] not in NON_PLACE and not any(w in demonyms() for w in low) and not all(w in NON_PLACE for w in low)



def _candidates(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Sub-spans of a run, longest first, so "Kap Choeng District" wins over "Kap Choeng"."""
    words = list(re.finditer(r"\S+", text[s:e]))
    out = []
    for n in range(len(words), 0, -1):
        for i in range(0, len(words) - n + 1):
            out.append((s + words[i].start(), s + words[i + n - 1].end()))
    return out


def _title(name: str) -> str:
    return name.title() if name.isupper() and len(name) > 3 else name


def find_mentions(text: str, sentences: list[Sentence], locator: Locator) -> list[Mention]:
    """Every place the report names: resolved ones with their match, unknown ones with ``match`` None."""
    out: list[Mention] = []
    known: set[str] = set()  # names already taken as places: a later bare mention ("- Surin:") is one too
    for si, sent in enumerate(sentences):
        prev_cue, prev_end = False, -1
        for s0, e0 in _runs(sent.text):
            last_end = out[-1].end if out and out[-1].sentence == si else -1
            m = _mention_in_run(text, sent, si, (sent.start + s0, sent.start + e0), locator, (prev_cue, prev_end), known, last_end)
            if m is None:
                continue
            out.append(m)
            if m.role != "country" and (m.match is not None or m.cue):
                prev_cue, prev_end = True, m.end  # a list goes on from a place, not from a name only listed
            if m.match is not None:
                known.add(m.name.lower())
    return _drop_far_namesakes(out)


def _mention_in_run(text: str, sent: Sentence, si: int, run: tuple[int, int], locator: Locator, prev: tuple[bool, int],
                    known: set[str], last_end: int) -> Mention | None:
    """The place a capitalised run names (its longest part that is one), or None."""
    s, e = run
    for cs, ce in _candidates(text, s, e):
        if cs < last_end:
            continue
        name = text[cs:ce]
        if name.lower() in country_names():
            return Mention(name, cs, ce, si, None, 1.0, "country")
        if not _usable(name.split()):
            continue
        before, after = text[max(sent.start, cs - 60):cs], text[ce:ce + 40]
        capital = capital_country(name)
        if _TITLE.search(before) and not capital:  # "said Mujahid", "by Zaid" are people; "by Kinshasa" is a capital
            return None
        if re.match(r"\s+(?:news\b|agency\b|tv\b|television\b|radio\b)", after, re.I):
            return None  # "Fars news agency", "Tolo TV": an outlet
        kw = _KEY_AFTER.match(after)
        listed = prev[0] and re.fullmatch(r"(?:\s+(?:district|province|region|sector|area|village|town|city)s?)?\s*(?:,|,?\s+and|,?\s+or)\s*",
                                          text[prev[1]:cs] if prev[1] >= 0 else "x")
        cue = bool(kw or _KEY_OF.search(before) or _PREP.search(before) or listed or _KEY_BEFORE.search(before) or re.match(r"-based\b", after)
                   or name.lower() in known or re.fullmatch(r"[-*•]\s*", text[sent.start:cs]) or capital
                   or _LIST_AFTER.match(text[ce:ce + 120]) or re.search(r"\b[A-Z][\w-]+[’']s\s+$", before))
        query = _title(name) + (f" {_KEEP.get(kw.group(1).lower(), '')}".rstrip() if kw else "")
        hint = _context_hint(text, sent, cs, ce) or ({"country": capital} if capital else {})
        m, conf = locator.locate(query, **hint)
        if m is None and query != _title(name):
            m, conf = locator.locate(_title(name), **hint)
        if m is None and hint:
            m, conf = locator.locate(query)
        keyword = kw.group(1).lower() if kw else None
        if m is not None and (m.origin != "geonames" or cue or _dateline(text, sent, cs, ce)):
            return Mention(name, cs, ce, si, m, conf, "", keyword, cue)
        if m is None and capital:
            return Mention(name, cs, ce, si, None, 0.5, "unknown", None, True)  # "Moscow said", "MOSCOW, April 12": beyond the theatre
        if m is None and name.isupper() and (cs, ce) == (s, e) and _dateline(text, sent, cs, ce):
            return Mention(name, cs, ce, si, None, 0.5, "unknown", "dateline", True)
        if re.fullmatch(r"[A-Z]{2,5}", name):
            return None  # an acronym ("PTT", "UNESCO") is not an unknown place
        own = kw or _KEY_OF.search(before) or _KEY_BEFORE.search(before) or _KEY_IN_NAME.search(name) \
            or _LIST_AFTER.match(text[ce:ce + 120]) or (_NEAR.search(before) and EVENT.search(sent.text))
        person = re.match(r",?\s+(?:told|said|says|added|who|was|is)\b", after)  # "..., Muhammad Usman Mehsud, told Arab News"
        if m is None and (own or listed) and not person and (cs, ce) == (s, e):
            return Mention(name, cs, ce, si, None, 0.5, "unknown", keyword, bool(own or listed))
    return None


#: A GeoNames town this far from every other place its sentence names is a namesake, not the place meant.
NAMESAKE_KM = 150.0


def _drop_far_namesakes(mentions: list[Mention]) -> list[Mention]:
    """Turn a GeoNames-only match far from the other places of its sentence into an unknown place.

    "In Si Sa Ket, ... a petrol station in Ban Phue": GeoNames' only Ban Phue is 340 km away in
    Udon Thani; the report means a village it does not have.
    """
    out: list[Mention] = []
    for m in mentions:
        if m.match is not None and m.match.origin == "geonames" and m.match.precision in ("point", "near") and not capital_country(m.name):
            # Against the places kept before it: the first place a sentence names sets its context.
            others = [o.match for o in out if o.sentence == m.sentence and o.match is not None and o.match.place_id != m.match.place_id]
            if others and min(distance_km(m.match.lat, m.match.lon, o.lat, o.lon) - o.radius_km for o in others) > NAMESAKE_KM:
                m = replace(m, match=None, confidence=0.4, role="unknown")
        out.append(m)
    return out


_CTX_RIGHT = re.compile(r"^\s*(?:district|area|town|village|city|tehsil|agency)?\s*(?:,|\bin\b|\bof\b)\s+(?:the\s+)?(?:[a-z]+ern\s+)?"
                        r"(?:province of\s+)?(?P<y>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)")
_CTX_LEFT = re.compile(r"(?P<y>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)[’']s\s+(?:[a-z]+\s+){0,2}$")


def _context_hint(text: str, sent: Sentence, start: int, end: int) -> dict:
    """Country / province hints the text gives with a name: "X district of Y", "Y's X", "X, Y", "X in Y"."""
    from geo.geocode import parse_query

    ys = [m.group("y") for m in (_CTX_RIGHT.match(text[end:min(sent.end, end + 60)]), _CTX_LEFT.search(text[max(sent.start, start - 60):start])) if m]
    for y in ys:
        q = parse_query(f"X, {y}")
        if q.context is not None and (q.country or q.admin1):
            return {k: v for k, v in (("country", q.country), ("admin1", q.admin1)) if v}
    return {}


def _dateline(text: str, sent: Sentence, start: int, end: int) -> bool:
    """A dateline: the first words of an opening paragraph, before a dash or colon ("SURIN, Thailand —")."""
    if sent.paragraph > 2 or not sent.first_in_paragraph:
        return False
    lead = text[sent.start:start].strip(" (")
    return (not lead or bool(re.fullmatch(r"(?:[A-Z][A-Z ]+/)+", lead))) and bool(_DATELINE_AFTER.match(text[end:end + 60]))


def _contains(area: Match, other: Match) -> bool:
    if area.precision == "country":
        return other.country == area.country
    return other.country == area.country and bool(other.admin1) and other.admin1 == area.admin1 and other.place_id != area.place_id


def _role(text: str, sent: Sentence, m: Mention, same: list[Mention], previous: str) -> str:
    before, after = text[max(sent.start, m.start - 60):m.start], text[m.end:m.end + 40]
    if _dateline(text, sent, m.start, m.end):
        return "dateline"
    if m.role == "country":
        return "area"
    if re.match(r"-based\b", after) or re.match(r"-based\b", text[m.end:m.end + 7]) or _BASE_BEFORE.search(before) or (
            re.fullmatch(r"\s*(?:In|From)\s+", text[sent.start:m.start]) and re.search(r"\b(?:said|says|told)\b", sent.text)):
        return "speaker_base"
    if m.match is not None and m.match.precision == "point" and (_METONYM.match(after) and not _PREP.search(before)
                                                                 or re.search(r"(?:concerns|protest)\s+(?:to|with)\s+$", before)):
        return "metonym"
    if m.match is not None and m.match.precision in ("province", "country"):
        others = [o for o in same if o is not m and o.match is not None and o.match.precision not in ("province", "country")]
        context = re.match(r"^\s*(?:district|area|agency|province)?\s*(?:,|of|in)\s+$", text[same[same.index(m) - 1].end:m.start]) \
            if same.index(m) > 0 else None
        if any(_contains(m.match, o.match) for o in others) or context or re.search(r"\ball in\s+$", before):
            return "area"
    return "incident" if EVENT.search(sent.text) or EVENT.search(previous) else "other"


def assign_roles(text: str, sentences: list[Sentence], mentions: list[Mention]) -> list[Mention]:
    """Each mention with its role: incident, area, dateline, speaker_base, metonym, other or unknown."""
    out = []
    for m in mentions:
        if m.role == "unknown":
            out.append(m)
            continue
        same = [o for o in mentions if o.sentence == m.sentence]
        previous = sentences[m.sentence - 1].text if m.sentence > 0 else ""
        out.append(replace(m, role=_role(text, sentences[m.sentence], m, same, previous)))
    return out
