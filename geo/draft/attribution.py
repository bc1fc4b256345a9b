"""Who each figure of a report is attributed to, sentence by sentence (the reader's running memory of speakers)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from geo.draft.claimants import OFFICIAL, TITLE, Cues, Speech, side_of, speech_for, speeches
from geo.draft.geocoding import Locator, country_names
from geo.draft.places import Mention
from geo.draft.sentences import Sentence

#: A short line ending in a colon: a heading over a list.
HEADING = re.compile(r"(?:\S+\s+){0,7}\S+:")
_PRONOUN = re.compile(r"^(?:it|he|she|they|we)$", re.I)
#: A sentence whose subject is an office holder, though it has no speech verb: "In Afghanistan, a spokesman
#: for Kandahar's governor, Ataullah Zaid, appeared to link ..." (a later "he said" is this speaker).
_OFFICE_SUBJECT = re.compile(
    r"^(?:(?:In|From)\s+[A-Z][\w'’ -]+,\s*)?(?P<np>(?:[Aa]n?|[Tt]he)\s+[^.;:\"“]{0,80}?\b(?:spokes(?:man|woman|person)|officials?|minister|governor|"
    r"commander|chief|officer)\b[^.;:\"“]{0,60}?(?:,\s*[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3},)?)\s+(?:has\s+|had\s+)?[a-z]+ed\b")


#: The subject of a sentence: "Rear Admiral Surasant Kongsiri, spokesperson for the Ministry of Defence, on Wednesday provided".
_SUBJECT = re.compile(r"^(?:(?:In|From)\s+[A-Z][\w'’ -]+,\s*)?(?P<np>[A-Z][^,.;:\"“]{1,80}?(?:,\s*[^,.;:\"“]{2,80}?,)?)\s+"
                      r"(?:on \w+\s+)?(?:has\s+|had\s+)?[a-z]+\b")
#: Someone else's claim inside a statement: "denied Afghan media claims that", "rejected Pakistan's reports of".
_THEIR_CLAIM = re.compile(r"\b(?:denied|denies|rejected|rejects|dismissed|dismisses|disputed|disputes)\s+(?:the\s+)?"
                          r"(?P<np>[A-Z][\w'’ -]{1,40}?)\s+(?:claims?|reports?|assertions?|allegations?|figures?)\s+(?:that|of)\b")
#: A sentence that goes on from the one before: its speaker is still speaking.
_GOES_ON = re.compile(r"\s*(?:As a result|Consequently|In addition|Additionally|Moreover|Furthermore|Also),?\s", re.I)
#: A headline that starts with who says it: "Sudan: ...", "Pakistan army: ...".
_COUNTRY_TAG = re.compile(r"^(?P<np>[A-Z][\w'’ .-]{1,30}):\s+\S")


@dataclass
class Attribution:
    """Reads a report's sentences in order and tells the speaker and side of each figure.

    Parameters
    ----------
    locator
        The report's place resolver (for "Kandahar police spokesman", "In Bangkok, ...").
    cues
        Words that tie a speaker to a country (:func:`geo.draft.claimants.theatre_cues`).
    mentions
        The report's place mentions: the dateline's country speaks for unnamed officials, and
        the incident's country for an office held there ("a local official").
    """

    locator: Locator
    cues: Cues
    mentions: list[Mention]
    dateline: str | None = None
    last: tuple[str | None, str | None] | None = None
    named: list[tuple[str, str]] = field(default_factory=list)
    paragraph: int | None = None
    intro: bool = False
    here: str | None = None

    def __post_init__(self) -> None:
        self.dateline = next((m.match.country for m in self.mentions if m.role == "dateline" and m.match is not None), None)
        self._incidents = [(m.sentence, m.match.country) for m in self.mentions
                           if m.role == "incident" and m.match is not None and m.match.country]
        counts = Counter(cc for _, cc in self._incidents)
        self.incident_country = counts.most_common(1)[0][0] if counts else None

    def start(self, index: int, sentences: list[Sentence]) -> bool:
        """Move to sentence ``index``; False when it is a heading that attributes nothing."""
        self._sentences, self._index = sentences, index
        self.intro = index > 0 and sentences[index - 1].text.rstrip().endswith(":")
        here = {cc for i, cc in self._incidents if i == index}
        self.here = here.pop() if len(here) == 1 else None
        return not HEADING.fullmatch(sentences[index].text.strip())

    def observe(self, sent: Sentence) -> None:
        """Remember the speaker of a sentence with no figure ("The ISPR said ...", "A spokesman, X, appeared to ...")."""
        if speeches(sent.text):
            self.figure(sent, len(sent.text))
            return
        subject = _OFFICE_SUBJECT.match(sent.text)
        if subject:
            self._resolve(Speech(subject.group("np").strip(" ,"), subject.end("np"), False), sent)

    def figure(self, sent: Sentence, pos: int) -> tuple[str | None, str | None]:
        """(speaker phrase, side) for a figure at ``pos`` in ``sent``."""
        quoted = self._quote_speaker(sent)
        if quoted is not None:
            return quoted  # '"We have reports six of their troops were killed. Three of ours were wounded," Arshad said.'
        sp = speech_for(speeches(sent.text), pos)
        if sp is not None and sp.verb_start < pos and re.search(r"\b(?:after|following|since)\b", sent.text[sp.verb_start:pos]):
            return None, None  # "Thailand announced it was suspending the deal after a blast injured two soldiers"
        denied = _THEIR_CLAIM.search(sent.text[sp.verb_start:pos]) if sp is not None and sp.verb_start < pos else None
        if denied:  # "He denied Afghan media claims that eight soldiers were killed": the claim is theirs
            sp = Speech(denied.group("np"), sp.verb_start + denied.start(), False)
        if sp is not None and sp.verb_start > pos and re.search(r",\s*(?:while|whereas|but)\b|;", sent.text[pos:sp.verb_start]):
            sp = None  # "three Pakistanis suffered minor injuries, while Afghan authorities reported ...": not theirs
        if sp is not None and not sp.phrase:
            subject = _SUBJECT.match(sent.text)  # "Rear Admiral X, spokesperson for the ministry, ..., saying that"
            if subject and (TITLE.search(subject.group("np")) or self.cues.find(subject.group("np"))):
                sp = Speech(subject.group("np").strip(" ,"), sp.verb_start, False)
        tag = _COUNTRY_TAG.match(sent.text) if sp is None and sent.start == 0 else None
        if tag and tag.group("np").lower() in country_names():  # a headline "Sudan: 400 Southern soldiers killed"
            return tag.group("np"), country_names()[tag.group("np").lower()]
        if sp is None and (re.match(r"[-*•]\s", sent.text) or self.intro):
            return self.last or (None, None)  # a list item after "The affected areas included:"
        if sp is None:
            if self.last and (self.paragraph == sent.paragraph or _GOES_ON.match(sent.text)):
                return self.last
            return None, None
        if sp.generic or not sp.phrase:
            earlier = self._same_head_before(sp.phrase)  # "the military" after "Pakistan's military"
            if earlier is not None:
                self.last = earlier
                return earlier
            if self.last or not sp.phrase or _PRONOUN.match(sp.phrase):
                return self.last or (sp.phrase or None, None)
        return self._resolve(sp, sent)

    def _quote_speaker(self, sent: Sentence) -> tuple[str | None, str | None] | None:
        """The speaker named where a quotation this sentence opens is closed ('"We have reports ... wounded," Arshad said.')."""
        text = sent.text.lstrip()
        if not text[:1] in "\"“" or text.count("”") + text.count('"') - (1 if text[:1] == '"' else 0) > 0:
            return None
        for later in self._sentences[self._index + 1:self._index + 4]:
            if later.paragraph != sent.paragraph:
                return None
            close = re.search(r"[”\"]", later.text)
            if close:
                after = [sp for sp in speeches(later.text) if sp.verb_start > close.start() and sp.phrase and not sp.generic]
                return self._resolve(after[0], later) if after else None
        return None

    def _resolve(self, sp: Speech, sent: Sentence) -> tuple[str | None, str | None]:
        side = side_of(sp.phrase, place_country=self.locator.country_of, cues=self.cues) or self._named_before(sp.phrase)
        self.paragraph = sent.paragraph
        base = re.match(r"\s*(?:In|From)\s+([A-Z][\w' -]+?),", sent.text[:sp.verb_start])
        if side is None and base:  # "In Bangkok, the Public Health Ministry said"
            side = self.locator.country_of(base.group(1), curated_only=False)
        if side is None and (OFFICIAL.match(sp.phrase) or TITLE.search(sp.phrase)):
            side = self._unnamed_office(sp.phrase, sent)
        # The last speaker, resolved or not: "it added" after "CRSS said" is CRSS, not an earlier minister.
        self.last = (sp.phrase, side)
        if side is not None:
            self.named.append((sp.phrase, side))
        return sp.phrase, side

    def _unnamed_office(self, phrase: str, sent: Sentence) -> str | None:
        """Unnamed officials: the dateline's country (KHYBER AGENCY, Islamabad).

        An office held somewhere ("a local official", "police officer X", "the provincial director")
        also takes the country where its sentence, or else the report, places the incident; bare
        "officials" or "sources" do not.
        """
        earlier = self._same_head_before(phrase)  # "another official" after "a security official in Dir"
        side = earlier[1] if earlier else self.dateline
        anonymous = re.search(r"\bsources?\b", phrase, re.I) or (OFFICIAL.match(phrase) and not re.search(r"\blocal\b", phrase, re.I))
        if side is None and not anonymous:
            side = self.here or self.incident_country
        if anonymous and re.search(r"\b(?:both|either) (?:sides|countries)\b", sent.text, re.I):
            side = None  # "wounding 30 others on both sides, officials said": no one side's figure
        return side

    def _named_before(self, phrase: str) -> str | None:
        """The side of an earlier speaker whose phrase contains this one's name ("Neth Pheaktra", "Ministry of Health")."""
        key = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(), flags=re.I).lower()
        if len(key) < 6:
            return None
        for earlier, side in reversed(self.named):
            if key in earlier.lower() and side != "media":
                return side
        return None

    def _same_head_before(self, phrase: str | None) -> tuple[str, str] | None:
        """The latest named speaker whose phrase has this generic phrase's head word ("military", "ministry")."""
        head = re.findall(r"[a-z]+", (phrase or "").lower())
        if not head or _PRONOUN.match(phrase or ""):
            return None
        for earlier, side in reversed(self.named):
            if side != "media" and re.search(rf"\b{head[-1]}\b", earlier.lower()):
                return earlier, side
        return None
