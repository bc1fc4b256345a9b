"""Who says it: the speaker a figure is attributed to, and the claimant (side) that speaker stands for."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_VERBS = (r"said|says|say|saying|told|tells|claimed|claims|claiming|reported|reports|reporting|added|adds|stated|states|noted|"
          r"confirmed|confirms|admitted|admits|asserted|alleged|alleges|announced|announces|accused|denied|insisted|warned|"
          r"maintained|has learnt|has learned|quoted|estimated|put the toll|blamed|confirming|confirmed")
_SPEECH = re.compile(rf"\b(?P<v>{_VERBS})\b", re.I)
_ACCORDING = re.compile(r"\b(?:according to|citing|as reported by|reported by|quoted by)\s+(?P<np>[^,.;:]{2,90})", re.I)
_TRIM_LEFT = re.compile(r"^(?:and|but|while|as|also|meanwhile|later|however|then|in a statement|on \w+|the official)\s*,?\s+", re.I)
_TRIM_RIGHT = re.compile(r"\s*,?\s*(?:has|have|had|also|later|then|on \w+|in a statement|earlier|first|further|meanwhile|on the phone)\s*$", re.I)
#: Pronouns and generic heads that point back at an earlier speaker.
GENERIC = re.compile(r"^(?:it|he|she|they|the (?:(?:health|defen[cs]e|interior|foreign|information|home|border)\s+)?(?:official|officials|spokesman|spokeswoman|spokesperson|ministry|military|army|"
                     r"statement|police|source|sources|governor|commander|minister|government|authorities|group|side|provincial administration))$", re.I)
#: Unnamed officials: their side is the report's dateline country when nothing else tells.
OFFICIAL = re.compile(r"^(?:(?:the|another|a|an|one|some|other)\s+)?(?:(?:security|military|government|senior|local|intelligence|defen[cs]e|border)\s+)?"
                      r"(?:officials?|sources?|military|army|spokesman|spokesperson|authorities)$", re.I)
#: Names and adjectives that tie a speaker to one country (lower case).
COUNTRY_CUES = {
    "AF": ("afghan", "afghanistan", "taliban", "kabul", "islamic emirate", "mujahid"),
    "PK": ("pakistan", "pakistani", "ispr", "inter-services", "islamabad", "frontier corps", "rawalpindi"),
    "TH": ("thai", "thailand", "bangkok", "royal thai"),
    "KH": ("cambodia", "cambodian", "khmer", "phnom penh", "hun sen", "hun manet"),
    "KG": ("kyrgyz", "kyrgyzstan", "bishkek"),
    "TJ": ("tajik", "tajikistan", "dushanbe"),
    "IN": ("india", "indian", "new delhi"),
    "CN": ("china", "chinese", "beijing", "people's liberation army", "pla"),
    "IR": ("iran", "iranian", "tehran"),
}
#: Words that are not the country speaking ("the Pakistan Taliban" is not Pakistan's government).
_NOT_A_SIDE = re.compile(r"pakistan(?:i)? taliban|tehr[ei]e?k[- ]?[ie]?[- ]?taliban|\bttp\b|state of|border of|side of", re.I)
#: "confirmed reports of", "the claims": the verb's spelling used as a noun.
_NOUN_USE = re.compile(r"\b(?:the|confirmed|unconfirmed|these|those|initial|earlier|some|no|such|similar|their|its)\s+$", re.I)
_PASSIVE = re.compile(r"\b(?:was|were|been|be|is|are|being)\s+$", re.I)
_NON_OFFICIAL = re.compile(r"\b(?:residents?|villagers?|witness(?:es)?|locals|eyewitness(?:es)?|analysts?|think tank)\b", re.I)
_STATE_MEDIA = re.compile(r"state[- ](?:run |owned )?(?:media|radio|television|tv|broadcaster|news agency)", re.I)
_MEDIA = re.compile(r"\b(?:news|news agency|channel|tv|television|newspaper|reporters?|correspondents?|reuters|afp|ap|associated press|"
                    r"al jazeera|bbc|rfe/rl|service|dawn|dawnnewstv|tolonews|outlet|media|broadcaster|daily|times|post|journalists?)\b", re.I)


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
    for m in _SPEECH.finditer(sentence):
        left = sentence[:m.start()]
        if any(abs(s.verb_start - m.start()) < 25 and s.verb_start <= m.start() for s in out) or _PASSIVE.search(left) \
                or _NOUN_USE.search(left) or re.match(r"\s+of\b", sentence[m.end():]):
            continue
        if m.group("v").lower().endswith("ing"):
            # "with the Afghan side confirming ...": the subject is right before; "while claiming": said before
            np = re.search(r"\bwith\s+((?:the\s+)?[\w'’ -]{2,60})$", left.rstrip())
            out.append(Speech(_clean(np.group(1)), m.start(), False) if np else Speech("", m.start(), True))
            continue
        right = _clean(re.split(r"[,.;:]", sentence[m.end():], maxsplit=1)[0])
        if re.search(r"[,\"”’]\s*$", left) and _inverted(right):
            np = right  # "..., said Mehmood Jan Babar"
        else:
            np = _left_phrase(left) or right
            rel = re.search(r"([A-Z][^,;:]{1,60}),\s+(?:which|who)\b[^,]*$", left)
            if re.fullmatch(r"(?:which|who|that)(?:\s.*)?", np, re.I) and rel:
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


def theatre_cues(claimants: list[dict], countries: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """:data:`COUNTRY_CUES` plus, for any other country, its name and the demonyms its claimant rows use.

    ``countries`` maps lower-case country names to ISO codes. A claimants.csv row "Armenian
    government and army" (AM) makes "armenian" and "armenia" speak for AM.
    """
    cues = {cc: set(words) for cc, words in COUNTRY_CUES.items()}
    for row in claimants:
        cc = row.get("country")
        if not cc:
            continue
        words = cues.setdefault(cc, set())
        words.update(name for name, code in countries.items() if code == cc)
        words.update(w.lower() for w in re.findall(r"\b[A-Z][a-z]+(?:an|ian|i|ese|ish|ic)\b", f"{row.get('name', '')}"))
    return {cc: tuple(sorted(w)) for cc, w in cues.items()}


def side_of(phrase: str, *, place_country: Callable[[str], str | None] | None = None,
            cues: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """ISO code of the country a speaker phrase speaks for, "media", or None when nothing tells.

    Examples
    --------
    >>> side_of("Inter-Services Public Relations (ISPR)"), side_of("Afghanistan's TOLOnews channel"), side_of("Sources")
    ('PK', 'media', None)
    """
    text = _NOT_A_SIDE.sub(" ", re.sub(r"media (?:wing|cell|office)", "", phrase, flags=re.I)).lower()
    if _NON_OFFICIAL.search(text):
        return "media"
    hits = sorted((text.find(c), cc) for cc, words in (cues or COUNTRY_CUES).items() for c in words
                  if re.search(rf"(?<![\w-]){re.escape(c)}", text))
    if _STATE_MEDIA.search(text) and hits:
        return hits[0][1]
    if _MEDIA.search(text):
        return "media"
    if hits:
        return hits[0][1]
    if place_country is not None:
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
