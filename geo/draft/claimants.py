"""Who says it: the speaker a figure is attributed to, and the claimant (side) that speaker stands for."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_VERBS = (r"said|says|say|saying|told|tells|claimed|claims|claim|claiming|mentioned|disclosed|revealed|informed|reported|reports|reporting|added|adds|stated|states|noted|"
          r"confirmed|confirms|admitted|admits|acknowledged|acknowledges|conceded|asserted|alleged|alleges|announced|announces|accused|denied|insisted|warned|"
          r"maintained|has learnt|has learned|quoted|estimated|put the toll|blamed|confirming|confirmed|posted|tweeted|wrote")
_SPEECH = re.compile(rf"\b(?P<v>{_VERBS})\b", re.I)
_ACCORDING = re.compile(r"\b(?:according to|citing|as reported by|reported by|quoted by)\s+(?P<np>[^,.;:]{2,90})", re.I)
_TRIM_LEFT = re.compile(r"^(?:and|but|while|as|also|meanwhile|later|however|then|in a statement|on \w+|the official)\s*,?\s+", re.I)
_TRIM_RIGHT = re.compile(r"\s*,?\s*(?<![\w-])(?:has|have|had|also|later|then|on \w+|in a statement|earlier|first|further|meanwhile|on the phone)\s*$", re.I)
#: Pronouns and generic heads that point back at an earlier speaker.
GENERIC = re.compile(r"^(?:it|he|she|they|the (?:(?:health|defen[cs]e|interior|foreign|information|home|border)\s+)?(?:official|officials|spokesman|spokeswoman|spokesperson|ministry|military|army|"
                     r"statement|police|source|sources|governor|commander|minister|government|authorities|group|side|provincial administration))$", re.I)
#: Unnamed officials: their side is the report's dateline country when nothing else tells.
OFFICIAL = re.compile(r"^(?:(?:the|another|a|an|one|some|other)\s+)?(?:(?:security|military|government|senior|local|intelligence|defen[cs]e|border)\s+)?"
                      r"(?:officials?|sources?|military|army|spokesman|spokesperson|authorities)$", re.I)
#: Institutions and people that tie a speaker to one country, beyond the country's own names,
#: demonyms and capitals (``geo/data/country_words.csv``, every country); lower case.
COUNTRY_CUES = {
    "AF": ("taliban", "islamic emirate", "mujahid"),
    "PK": ("ispr", "inter-services", "frontier corps", "rawalpindi"),
    "TH": ("royal thai",),
    "KH": ("khmer", "hun sen", "hun manet"),
    "CN": ("people's liberation army", "pla"),
}


class Cues:
    """Words that tie a phrase to a country, matched as whole words in one pass.

    ``first`` lists countries whose words win where a word names several (Congolese).

    Examples
    --------
    >>> Cues({"SD": ["sudan", "sudanese"], "SS": ["south sudan", "south sudanese"]}).find("the South Sudanese army")
    [(4, 'SS')]
    """

    def __init__(self, words: dict[str, Iterable[str]], first: Iterable[str] = (), own: Iterable[str] = ()):
        self.country: dict[str, str] = {}
        self.own = frozenset(w.lower() for w in own)  # the theatre's own names for its bodies ("Khmer Times")
        order = [*first, *(cc for cc in words if cc not in set(first))]
        for cc in order:
            for w in words.get(cc, ()):
                self.country.setdefault(w.lower(), cc)
        alts = "|".join(re.escape(w) for w in sorted(self.country, key=len, reverse=True))
        self._re = re.compile(rf"(?<![\w-])(?:{alts})(?=(?:s|'s|’s)?(?![\w]))", re.I) if alts else None

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, ISO code) of every cue in ``text``, longest cue first where they overlap."""
        return [(pos, cc) for pos, cc, _ in self.find_words(text)]

    def find_words(self, text: str) -> list[tuple[int, str, str]]:
        """(position, ISO code, the cue as written in the table) of every cue in ``text``."""
        if self._re is None:
            return []
        return [(m.start(), self.country[m.group(0).lower()], m.group(0).lower()) for m in self._re.finditer(text)]


@functools.lru_cache(maxsize=1)
def country_words() -> dict[str, tuple[str, ...]]:
    """ISO code -> the country's English names, demonyms and capitals (``geo/data/country_words.csv``)."""
    from geo.draft.geocoding import country_rows

    out: dict[str, tuple[str, ...]] = {}
    for row in country_rows():
        words = [row["name"], row["official_name"], *row["demonyms"].split(";"), *row["capitals"].split(";")]
        out[row["iso2"]] = tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
    return out


@functools.lru_cache(maxsize=1)
def default_cues() -> Cues:
    """:data:`COUNTRY_CUES` and every country's names, demonyms and capitals."""
    return Cues(_merge(country_words(), COUNTRY_CUES))


def _merge(*tables: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table in tables:
        for cc, words in table.items():
            out.setdefault(cc, []).extend(words)
    return out


#: Words that are not the country speaking ("the Pakistan Taliban" is not Pakistan's government).
_NOT_A_SIDE = re.compile(r"pakistan(?:i)? taliban|tehr[ei]e?k[- ]?[ie]?[- ]?taliban|\bttp\b|state of|border of|side of", re.I)
#: "confirmed reports of", "the claims": the verb's spelling used as a noun.
_NOUN_USE = re.compile(r"(?<!had )(?<!has )(?<!have )(?<!was )\b(?:the|confirmed|unconfirmed|these|those|initial|earlier|some|no|such|"
                       r"similar|their|its|latest|newly|recently|most|widely|first)\s+$", re.I)
_PASSIVE = re.compile(r"\b(?:was|were|been|be|is|are|being)\s+(?:\w+ly\s+)?$", re.I)
#: Speakers who are no government: people (residents, analysts, doctors) ...
_PEOPLE = re.compile(r"\b(?:residents?|villagers?|witness(?:es)?|locals|eyewitness(?:es)?|analysts?|think tank|tribesmen|"
                     r"tribal elders?|elders?|doctors?|dr|hospitals?|medical superintendent)\b", re.I)
#: ... and bodies (the UN, aid groups, armed groups, militias).
_BODIES = re.compile(r"\b(?:united nations|un|unicef|unhcr|ocha|red cross|red crescent|icrc|msf|ngos?|aid (?:group|agency|workers?)|"
                     r"human rights watch|amnesty|ttp|tehr[ei]e?k|jaish|lashkar|militants?|rebels?|insurgents?|separatists?|"
                     r"baloch(?:istan)? liberation|militias?)\b", re.I)
_OFFICE_WORD = re.compile(r"\b(?:government(?!-)|officials?|ministry|army|police|spokes(?:man|woman|person))\b", re.I)
#: A headline's attribution after a colon: "... kill six Afghans: official", "...: Pakistan army".
_HEADLINE_TAG = re.compile(r":\s*(?P<np>(?:an?\s+)?(?:[\w'’-]+\s+){0,3}(?:officials?|police|army|military|ministry|sources?|governor|"
                           r"spokesman|spokesperson|report|media|ISPR))\s*$", re.I)
#: A speaker's office: an unnamed holder speaks for the report's dateline country when nothing else tells.
TITLE = re.compile(r"\b(?:officials?|spokes(?:man|woman|person)|minist(?:er|ry)|governor|lawmaker|legislator|mp|mna|mpa|senator|"
                   r"mayor|commander|chief|police|army|military|border guards?|authorities|administration|administrator|director|head|"
                   r"commissioner|superintendent|inspector|officer|provincial|district|forces|troops|border (?:agency|service|force))\b", re.I)
_STATE_MEDIA = re.compile(r"state[- ](?:run |owned )?(?:media|radio|television|tv|broadcaster|news agency)|"
                          r"\b(?:semi-?)?official\b[\w ,-]{0,30}\b(?:news agency|newspaper|media|television|tv|radio)", re.I)
_MEDIA = re.compile(r"\b(?:news|news agency|channel|tv|television|newspaper|reporters?|correspondents?|reuters|afp|ap|associated press|"
                    r"al jazeera|bbc|rfe/rl|(?:urdu|persian|pashto|dari|world|news) service|dawn|dawnnewstv|tolonews|outlet|media|broadcaster|daily|times|post|journalists?)\b", re.I)


@dataclass(frozen=True)
class Speech:
    """A speaker phrase in a sentence and where its verb is (positions in the sentence)."""

    phrase: str
    verb_start: int
    generic: bool


def _clean(np: str) -> str:
    for _ in range(3):
        np = _TRIM_LEFT.sub("", _TRIM_RIGHT.sub("", np.strip(" ,\"'“”‘’"))).strip(" ,\"'“”‘’")
    while np.endswith(")") and np.count(")") > np.count("("):
        np = np[:-1]
    while np.startswith("(") and np.count("(") > np.count(")"):
        np = np[1:]
    return " ".join(np.split())


def _left_phrase(left: str) -> str:
    """The subject before a speech verb: the last clause, keeping an appositive ("X, Y, said")."""
    seg = re.split(r"[\"“”;:]|\bthat\b|\bwhen\b|\bafter\b|\bwhile\b|\bbecause\b", left)[-1]
    seg = seg.rstrip()
    parts = [p.strip() for p in seg.rstrip(",").split(",")]
    if seg.endswith(",") and len(parts) >= 2 and len(parts[-2].split()) <= 8:
        return _clean(", ".join(parts[-2:]))
    if len(parts) >= 2 and re.search(r"\b(?:were|was|is|are|had|have|has|been)\b", ", ".join(parts[:-1])):
        return _clean(parts[-1])  # "..., the army said": the clause before the comma is what was said
    if len(parts) == 2 and re.fullmatch(r"(?:[Tt]he|[Aa]n?)\s+[\w-]+(?:\s+[\w-]+)?", parts[0]):
        return _clean(", ".join(parts))  # "The semiofficial, English-language newspaper Tehran Times"
    return _clean(" ".join(parts[-1].split()[-12:]))


def speeches(sentence: str) -> list[Speech]:
    """Every attribution in ``sentence``: "X said", "..., said X", "according to X".

    Examples
    --------
    >>> [s.phrase for s in speeches("At least three were injured when rockets hit, the army said.")]
    ['the army']
    """
    out = []
    for m in _ACCORDING.finditer(sentence):
        np = _clean(m.group("np"))
        out.append(Speech(np, m.start(), bool(GENERIC.match(np))))
    tag = _HEADLINE_TAG.search(sentence)
    if tag:  # "Rockets fired by Pakistani forces kill six Afghans: official"
        out.append(Speech(_clean(tag.group("np")), tag.start(), False))
    prev_end = 0
    for m in _SPEECH.finditer(sentence):
        # The subject of this verb is after the previous one: "Islamabad warned ... over actions the Afghan Taliban say ..."
        left = sentence[prev_end:m.start()]
        if not m.group("v").lower().endswith("ing"):  # "a communique reporting the downing said": one subject
            prev_end = m.end()
        if re.match(r"\s+(?:nothing|no comment)\b", sentence[m.end():]):
            continue  # "Hun Sen has said nothing since the clash, in which ..."
        if m.group("v").lower() == "reported" and re.search(r"\b(?:deaths?|casualties|injuries|killings?|cases|clashes|incidents?)\s+$", left, re.I):
            continue  # "Two more deaths reported": a participle, no speaker
        if m.group("v").lower() in ("reports", "claims") and re.search(r"\b(?:have|has|had|of|no|more|unconfirmed|there are)\s+$", left, re.I):
            continue  # "We have reports six of their troops were killed": a noun
        if any(abs(s.verb_start - m.start()) < 25 and s.verb_start <= m.start() for s in out) or _PASSIVE.search(left) \
                or _NOUN_USE.search(left) or re.match(r"\s+of\b", sentence[m.end():]):
            continue
        if m.group("v").lower().endswith("ing"):
            # "with the Afghan side confirming ...": the subject is right before; "while claiming": said before
            np = re.search(r"\bwith\s+((?:the\s+)?[\w'’ -]{2,60})$", sentence[:m.start()].rstrip())
            out.append(Speech(_clean(np.group(1)), m.start(), False) if np else Speech("", m.start(), True))
            continue
        right = _clean(re.split(r"[,.;:]", sentence[m.end():], maxsplit=1)[0])
        if re.search(r"[,\"”’]\s*$", left) and _inverted(right):
            np = right  # "..., said Mehmood Jan Babar"
        else:
            np = _left_phrase(left) or right
            rel = re.search(r"([A-Z][^,;:]{1,60}),\s+(?:which|who)\b[^,]*$", sentence[:m.start()])
            subject = re.match(r"\s*((?:The\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)", sentence)
            if re.fullmatch(r"(?:which|that)\s+(?:it|they)", np, re.I) and subject:
                np = _clean(subject.group(1))  # "Pakistan has railed against ... attacks, which it says have killed dozens"
            elif re.fullmatch(r"(?:which|who|that)(?:\s.*)?", np, re.I) and rel:
                np = _clean(rel.group(1))  # "News agency ANI, which on Tuesday reported"
        if np:
            out.append(Speech(np, m.start(), bool(GENERIC.match(np))))
    return sorted(out, key=lambda s: s.verb_start)


def _inverted(right: str) -> bool:
    """True when the words after a verb read as its speaker (short, no verb, not a clause)."""
    words = right.split()
    return 0 < len(words) <= 8 and not re.match(r"(?:that|\d|at least|more than)", right, re.I) and \
        not re.search(r"\b(?:were|was|is|are|had|have|has|will|would|killed|wounded)\b", right, re.I)


def speech_for(found: list[Speech], position: int) -> Speech | None:
    """The attribution that governs a figure at ``position``: the nearest verb before it, else after."""
    before = [s for s in found if s.verb_start <= position]
    if before:
        return before[-1]
    return found[0] if found else None


#: Words of a claimant's description that name no one in particular ("Ministry of Defence").
_GENERIC_NAME_WORDS = frozenset("""ministry defence defense army government prime minister foreign interior health public border guard guards
service services police force forces military office affairs national security committee state council lt gen col maj brig general
colonel major spokesman spokeswoman spokesperson the of for and armed region regional provincial province district information centres
centers relations media radio television tv news agency press department directorate command headquarters officials president
federal royal republic islamic people's peoples""".split())


def _description_cues(text: str) -> list[str]:
    """Acronyms and proper names in a claimants.csv description ("ISPR", "Zabihullah Mujahid", "Suranaree Task Force").

    Examples
    --------
    >>> _description_cues("Government spokesman Zabihullah Mujahid, Inter-Services Public Relations (ISPR), Ministry of Defence")
    ['zabihullah mujahid', 'mujahid', 'inter-services public relations', 'ispr']
    """
    out = []
    for m in re.finditer(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|for\s+|the\s+)*[A-Z][\w'’-]*)*", text):
        titled = re.search(r"\b(?:spokes(?:man|woman|person)|minister|gen|general|president|chief|commander|director|secretary|"
                           r"lt|col|maj|brig|adm)\.?\s+$", text[:m.start()], re.I)
        words = m.group(0).split()
        if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]):
            out.append(words[0].lower())
            continue
        while len(words) > 2 and words[0].lower().strip(".") in _GENERIC_NAME_WORDS:
            words = words[1:]  # "Lt Gen Maly Socheata" -> "Maly Socheata"
        named = [w for w in words if w.lower() not in _GENERIC_NAME_WORDS]
        if len(words) < 2 or not named:
            continue
        out.append(" ".join(words).lower())
        if titled and len(named) == len(words) <= 3 and len(words[-1]) >= 5:
            out.append(words[-1].lower())  # "Mujahid said" after "Zabihullah Mujahid"
    return list(dict.fromkeys(out))


def theatre_cues(claimants: list[dict], countries: dict[str, str] | None = None) -> Cues:
    """Cues for a theatre: :func:`default_cues` plus what its ``claimants.csv`` rows name.

    A row "Armenian government and army" (AM) makes "Armenian" speak for AM; a description
    "Inter-Services Public Relations (ISPR), spokesman Zabihullah Mujahid" makes "ISPR" and
    "Mujahid" speak for that row's country. Where a word names several countries, the theatre's win.
    ``countries`` (lower-case names -> ISO codes) adds names the packaged table lacks.
    """
    own: dict[str, set[str]] = {}
    described: set[str] = set()
    for row in claimants:
        cc = row.get("country")
        if not cc or not isinstance(cc, str):
            continue
        words = own.setdefault(cc, set())
        words.update(w.lower() for w in re.findall(r"\b[A-Z][a-z]+(?:an|ian|i|ese|ish|ic)\b", f"{row.get('name', '')}"))
        named = _description_cues(str(row.get("description") or ""))
        words.update(named)
        described.update(named)
    extra = {cc: [n for n, code in (countries or {}).items() if code == cc] for cc in own}
    return Cues(_merge(own, extra, country_words(), COUNTRY_CUES), first=sorted(own), own=described)


def side_of(phrase: str, *, place_country: Callable[[str], str | None] | None = None,
            cues: Cues | None = None) -> str | None:
    """ISO code of the country a speaker phrase speaks for, "media", or None when nothing tells.

    Examples
    --------
    >>> side_of("Inter-Services Public Relations (ISPR)"), side_of("Afghanistan's TOLOnews channel"), side_of("Sources")
    ('PK', 'media', None)
    >>> side_of("a Sudanese army spokesman"), side_of("officials in Baku")
    ('SD', 'AZ')
    """
    text = _NOT_A_SIDE.sub(" ", re.sub(r"media (?:wing|cell|office)|(?:on |via )?social media", "", phrase, flags=re.I))
    cues = cues or default_cues()
    own = [cc for _, cc, word in cues.find_words(text) if word in cues.own]
    if own and not _BODIES.search(text):
        return own[0]  # a body the theatre's claimants.csv names: "the Khmer Times newspaper" relaying Phnom Penh
    hits = cues.find(text)
    unofficial_sources = re.search(r"\bsources?\b", text, re.I) and not re.search(
        r"\b(?:official|government|military|security|army|intelligence|diplomatic|ministry|police)\b", text, re.I)
    if _BODIES.search(text) or (_PEOPLE.search(text) and not _OFFICE_WORD.search(text)):
        return "media"  # "a resident said"; but "an Afghan government official and a resident" is the official
    if re.search(r"\bboth\b|\beach side\b", text, re.I) or (len({cc for _, cc in hits}) > 1 and re.search(r"\band\b", text)):
        return "media"  # "officials from both countries", "Thai and Cambodian officials": no one side's claim
    if _STATE_MEDIA.search(text) and hits:
        return hits[0][1]
    if _MEDIA.search(text):
        return "media"
    if hits:
        return hits[0][1]
    if place_country is not None and not unofficial_sources:  # "sources in Nimroz" are not Nimroz's government
        return place_country(phrase)
    return None


def pick_claimant(side: str | None, phrase: str, claimants: list[dict]) -> dict | None:
    """The claimants.csv row for ``side`` (the best name match among several), or None."""
    if side is None:
        return None
    if side == "media":
        rows = [c for c in claimants if not c.get("country")]
    else:
        rows = [c for c in claimants if c.get("country") == side]
    if not rows:
        return None
    words = set(re.findall(r"[a-z]{3,}", phrase.lower()))

    def overlap(c: dict) -> int:
        return len(words & set(re.findall(r"[a-z]{3,}", f"{c.get('name', '')} {c.get('description') or ''}".lower())))

    return max(rows, key=overlap)
