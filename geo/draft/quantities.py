"""Figures with what they count: killed, wounded, captured, posts destroyed, evacuated, ... and of whom."""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.draft.numbers import Figure, find_figures

#: Trigger words and the quantity they report (for people; things get "<noun>_<verb>").
TRIGGERS = {
    "killed": r"killed|kill|killing|dead|died|die|deaths?|martyred|slain|perished|shot dead|fatalities|death toll|"
              r"(?:lethally|fatally|mortally) (?:wounded|injured)|succumbed|"
              r"embraced (?:shahadat|martyrdom)|martyrdom|"
              r"lost (?:their|his|her) lives?|(?:were|was) lost|lives were lost|bodies",
    "wounded": r"wounded|wounding|injured|injuring|injuries|injury|hurt|sustained injuries|suffered (?:wounds|injuries)|sustained wounds|"
               r"hospitali[sz]ed|admitted to (?:the |a )?hospital|in (?:serious|critical|grave|stable) condition|outpatients?",
    "captured": r"captured|capturing|seized|seizing|taken prisoner|detained|arrested|abducted|hostages?|taken captive|held captive",
    "destroyed": r"destroyed|destroying|demolished|razed|rendered inoperative",
    "evacuated": r"evacuated|evacuating|relocating|relocated",
    "displaced": r"displaced|displacement|to flee|forced to flee|fled|fleeing|sought refuge|sheltering|taken shelter",
    "casualties": r"casualties",
    "missing": r"missing",
}
_TRIGGER_RE = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in TRIGGERS.items()) + r")\b", re.I)
#: Things a figure can count, normalised to the noun used in the quantity name.
THINGS = {"posts": "posts", "post": "posts", "check posts": "posts", "checkposts": "posts", "outposts": "posts",
          "positions": "positions", "bases": "bases", "camps": "camps", "vehicles": "vehicles", "tanks": "vehicles",
          "houses": "houses", "homes": "houses", "drones": "drones", "aircraft": "aircraft", "jets": "aircraft",
          "checkpoints": "posts", "checkpoint": "posts", "tank": "vehicles", "vehicle": "vehicles", "armored vehicles": "vehicles",
          "armoured vehicles": "vehicles", "drone": "drones", "jet": "aircraft", "fighter jet": "aircraft", "helicopters": "aircraft",
          "base": "bases", "camp": "camps", "house": "houses", "position": "positions"}
PEOPLE = (r"soldiers?|troops|personnel|civilians?|people|persons|militants?|fighters?|terrorists|insurgents|taliban|"
          r"guards?|police(?:men)?|(?:police )?forces|officers?|officials?|commanders?|children|child|women|woman|men|man|"
          r"residents?|villagers?|assailants|attackers|members|others|majors?|colonels?|jawans?|servicem[ae]n|citizens|"
          r"nationals|rebels|policem[ae]n|personnel|individuals|students|workers|sons|daughters|villagers|volunteers")
_HEAD = rf"(?P<head>check posts|{'|'.join(k for k in THINGS if k != 'check posts')}|(?:{PEOPLE})(?:\s+(?:{PEOPLE}))*)"
_NP = re.compile(rf"^\s+(?:of\s+(?:its|their|his|her|our|the)\s+)?(?P<mods>(?:(?!(?:and|or|\d+)\s)[\w'’().“”\"-]+\s+){{0,4}}?){_HEAD}\b", re.I)
_BACK = re.compile(r"(?:(?P<t>killed|killing|kill|wounded|wounding|injuring|injured|captured|capturing|seized|destroyed|destroying|"
                   r"relocating|evacuated|evacuating|displaced|displacing|detained|arrested)|(?P<n>deaths? of|death toll (?:of|rose to|to|at)|"
                   r"toll (?:of|rose to|at)|injuries to|killing of|casualties of|displacements? of|evacuations? of))(?:\s+(?:a total of|the|some|another))?\s*$", re.I)
_BOUNDARY = re.compile(r";|:|\bwhile\b|\bwhereas\b|\bbut\b|—|\. |,\s+(?:there|which|who|it|this)\b", re.I)
_TOLL = re.compile(r"(?P<w>fatalities|deaths|death toll|toll|dead|killed|casualties|injured|wounded|injuries)\b[^.;]{0,60}?"
                   r"(?:has |have |had )?(?:risen|rose|rises|climbed|climbs|increased|reached|reaches|jumped|jumps|stands at|stood at)"
                   r"(?:\s+from\s+[\w,]+)?(?:\s+to)?\s*$", re.I)
#: A list after a count's trigger: "78 deaths: 12 Pakistani soldiers and one civilian", "destroyed two bases and 19 posts".
_TRIG_WORDS = r"deaths?|killed|dead|wounded|injured|casualties|destroyed|captured|seized"
_SMALL = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|a dozen|scores|hundreds"
_HEDGE_OR_ARTICLE = r"(?:(?:at least|about|some|another|an|a)\s+)?"
_LIST_OF = re.compile(rf"(?:(?P<t>{_TRIG_WORDS})\s*[:—–(]\s*(?:[^.;:]{{0,100}}?(?:,|\band\b|\balong with\b)\s*)?"
                      rf"|(?P<u>{_TRIG_WORDS})\s+(?:(?:[\w-]+\s+)?(?:\d[\d,]*|{_SMALL})\b[^.;:]{{0,40}}?\b(?:and|along with|as well as|including|among them)"
                      rf"|along with|as well as)\s+){_HEDGE_OR_ARTICLE}$", re.I)
#: Inside an "including ..." clause: "six people, including a mother and her three children, were killed".
_INSIDE_INCLUDING = re.compile(r"\b(?:including|among them)\b[^,;:.()]*$", re.I)
_SUBSET = re.compile(r"(?:including|among them|among whom|of whom|of which|in addition to|besides)\s*$", re.I)
_ARTICLE = re.compile(r"\b(?P<a>[Aa]n?|[Oo]ne|[Aa]nother)\s+(?P<mods>(?:[\w'’()-]+\s+){0,3}?)(?P<head>soldier|civilian|guard|officer|major|colonel|"
                      r"policeman|child|man|woman|resident|commander|jawan|militant|fighter|personnel|serviceman|citizen|journalist|reporter|farmer|"
                      r"tank|vehicle|drone|jet|helicopter|checkpoint)\b"
                      r"(?=\s*[,.;]|\s+(?:was|is|were|has|had|and|who|died|killed|injured|wounded|lost|in|at|on|near|from|during|after|by|of)\b)")

#: "one was killed and another injured": one more person.
_ANOTHER = re.compile(r"\b(?P<a>[Aa]nother)\s+(?=(?:(?:was|were|is|has been|had been)\s+)?(?:injured|wounded|killed|hurt|martyred)\b)")

#: One person named with a rank: "Sergeant Major Suwan Rao, aged 48, died", "Sepoy Ram Singh was martyred".
_NAMED = re.compile(r"\b(?P<a>(?:Staff |Master |First )?(?:Sergeant|Sgt|Corporal|Cpl|Private|Pvt|Captain|Capt|Lieutenant|Lt|Major|Maj|"
                    r"Colonel|Col|Sepoy|Naik|Lance Naik|Havildar|Subedar|Rifleman|Gunner|Constable|Jawan)\.?(?: Major| Colonel)?)"
                    r"(?=(?:\s+[A-Z][\w'’-]+){1,3}(?:,[^,.;]{1,40},)?\s+(?:(?:was|has been|had been)\s+)?"
                    r"(?:killed|died|martyred|embraced|injured|wounded|shot dead|lost his life)\b)")


@dataclass(frozen=True)
class Count:
    """A figure with what it counts, as found in one sentence (positions are in the sentence)."""

    quantity: str
    subject: str | None
    low: float | None
    best: float | None
    high: float | None
    unit: str
    start: int
    end: int
    #: Part of another figure of the sentence ("20 killed, including 12 children").
    subset: bool = False


def _counts_something_else(after: str) -> bool:
    """True when the words after a number name a thing no quantity is about ("the two countries", "three border provinces")."""
    words = re.findall(r"[A-Za-z]+", after[:40])[:2]
    for w in words:
        if _TRIGGER_RE.fullmatch(w) or re.fullmatch(PEOPLE, w, re.I) or w.lower() in THINGS or w.lower() in ("more", "others", "of"):
            return False
        if len(w) > 4 and w.islower() and w.endswith("s"):
            return True
    return False


def _trigger_kind(m: re.Match) -> str:
    return next(k for k, v in m.groupdict().items() if v)


def _forward_trigger(text: str, pos: int) -> tuple[str, int] | None:
    """First trigger after ``pos`` in the same clause (within ~20 words)."""
    window = text[pos:pos + 160]
    stop = _BOUNDARY.search(window)
    if stop:
        window = window[:stop.start()]
    m = _TRIGGER_RE.search(window)
    return (_trigger_kind(m), pos + m.end()) if m else None


_AND_WOUNDED = re.compile(r"\s*(?:,|and|or|,\s*and)\s*(?:wounded|injured)\b"
                          r"(?=\s*(?:[,.;:]|$|\s(?:in|by|at|as|during|after|when|near|on|since|from|while)\b))", re.I)


_LIVES = re.compile(r"\s+(?:more\s+|civilian\s+|innocent\s+)?lives\b", re.I)
_CLAIMED = re.compile(r"\b(?:claimed|claiming|claims|cost|costing|took|taking)\s+(?:the\s+|at least\s+|more than\s+|over\s+|nearly\s+|about\s+)?$", re.I)


def _trigger_end(text: str, pos: int) -> int:
    """End of the first "killed" trigger after ``pos`` in the clause (or ``pos``)."""
    m = re.compile(TRIGGERS["killed"], re.I).search(text, pos, pos + 120)
    return m.end() if m else pos


def _back_trigger(text: str, pos: int) -> str | None:
    m = _BACK.search(text[max(0, pos - 40):pos])
    if not m:
        toll = _TOLL.search(text[max(0, pos - 90):pos])
        if toll is None:
            return None
        word = toll.group("w").lower()
        return "wounded" if word in ("injured", "wounded", "injuries") else "casualties" if word == "casualties" else "killed"
    word = (m.group("t") or m.group("n")).lower()
    probe = _TRIGGER_RE.search(word)
    return _trigger_kind(probe) if probe else None


def _quantity(kind: str, head: str | None) -> tuple[str, str]:
    thing = THINGS.get((head or "").lower().split(" ")[-1]) or THINGS.get((head or "").lower())
    if thing and kind not in ("captured", "destroyed"):
        return "", ""
    if thing:
        verb = {"captured": "captured", "destroyed": "destroyed"}.get(kind, kind)
        return f"{thing}_{verb}", thing
    if kind == "destroyed":
        return "destroyed", "items"
    return kind, "people"


def _subject(np: re.Match | None) -> str | None:
    if np is None:
        return None
    text = (np.group("mods") + np.group("head")).strip(" ,")
    return " ".join(text.replace("“", "").replace("”", "").replace('"', "").split()) or None


def counts_in(sentence: str) -> list[Count]:
    """Every count in ``sentence`` tied to a trigger word; figures with no trigger are left out.

    Examples
    --------
    >>> [(c.quantity, c.subject, c.low, c.best) for c in counts_in("Afghan forces killed 58 Pakistani soldiers and captured 25 army posts.")]
    [('killed', 'Pakistani soldiers', None, 58), ('posts_captured', 'army posts', None, 25)]
    """
    figures: list[Figure] = find_figures(sentence)
    taken = [(f.start, f.end) for f in figures]
    for m in [*_ARTICLE.finditer(sentence), *_ANOTHER.finditer(sentence), *_NAMED.finditer(sentence)]:
        if not any(s <= m.start("a") < e for s, e in taken):
            figures.append(Figure(None, 1, None, m.start("a"), m.end("a"), m.group("a")))
    out = []
    for f in sorted(figures, key=lambda f: f.start):
        if re.match(r"\s+of\s+(?:the|these|those)\b", sentence[f.end:]):
            continue
        if re.match(r"\s+of\s+them\b", sentence[f.end:]) and out:  # "... injured, and 12 of them were in serious condition"
            out.append(Count(out[-1].quantity, "of them", f.low, f.best, f.high, out[-1].unit, f.start, f.end + 8, subset=True))
            continue
        subset = bool(_SUBSET.search(sentence[:f.start]) or _INSIDE_INCLUDING.search(sentence[:f.start]))
        np = _NP.match(sentence[f.end:])
        if np is None and _counts_something_else(sentence[f.end:]) and not _LIVES.match(sentence, f.end):
            continue  # "the two countries", "three border provinces": counts of something else
        if np and _TRIGGER_RE.search(np.group("mods")):
            np = None
        kind = _back_trigger(sentence, f.start)
        if kind is None and subset and out and out[-1].unit == "people":
            kind = out[-1].quantity  # "eight soldiers, including two commanders, and injuries to 16": the commanders died
        if kind is None and _LIVES.match(sentence, f.end) and _CLAIMED.search(sentence[:f.start]):
            kind = "killed"  # "the shelling claimed 40 lives"
        if kind is None:
            found = _forward_trigger(sentence, f.end + (np.end() if np else 0))
            if found is None and np and _TRIGGER_RE.fullmatch(np.group("head")):
                found = (_trigger_kind(_TRIGGER_RE.fullmatch(np.group("head"))), f.end + np.end())
            thing = np is not None and _quantity("destroyed", np.group("head"))[1] != "items"
            useless = found is None or (thing and found[0] not in ("captured", "destroyed"))  # "19 posts, forcing soldiers to flee"
            listed = _LIST_OF.search(sentence[max(0, f.start - 140):f.start]) if useless and np is not None else None
            if listed:
                found = (_trigger_kind(_TRIGGER_RE.search(listed.group("t") or listed.group("u"))), f.start)
            if found is None:
                continue
            kind = found[0]
        if np is None and f.best == 1 and f.text.lower() in ("a", "an"):
            continue
        if kind == "killed" and _AND_WOUNDED.match(sentence, _trigger_end(sentence, f.end)):
            kind = "casualties"  # "dozens killed and wounded": one figure for both
        quantity, unit = _quantity(kind, np.group("head") if np else None)
        if not quantity:
            continue
        out.append(Count(quantity, _subject(np), f.low, f.best, f.high, unit, f.start, f.end + (np.end() if np else 0), subset))
    return out
