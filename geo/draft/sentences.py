"""Sentence segmentation with character spans into the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words ending in a full stop that do not end a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "brig", "cpl", "pvt", "adm", "gov", "sen", "rep",
    "st", "no", "vs", "etc", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "inc", "co", "corp", "ltd", "jr", "sr", "prof", "u.s", "u.k", "u.n", "a.m", "p.m", "e.g", "i.e", "mt",
}
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text, where it starts and ends in the article, and its paragraph."""

    text: str
    start: int
    end: int
    paragraph: int
    first_in_paragraph: bool


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in re.finditer(r"\n\s*\n|\n", text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences; a line break always ends one (headlines, datelines).

    Examples
    --------
    >>> [s.text for s in split_sentences("Lt. Gen. Ahmed said two died. Five were hurt.")]
    ['Lt. Gen. Ahmed said two died.', 'Five were hurt.']
    """
    out: list[Sentence] = []
    for pi, (p0, p1) in enumerate(_paragraphs(text)):
        para = text[p0:p1]
        cut = 0
        first = True
        for m in _END.finditer(para):
            word = re.search(r"([A-Za-z.]+)\.$", para[cut:m.start() + 1])
            if para[m.start()] == "." and word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
                continue
            if para[m.start()] == "." and word and (len(word.group(1)) == 1 or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word.group(1))):
                # an initial or initials: "Abdul R. Khan", "R.S. Pora", "K.K. Sharma"
                continue
            out.extend(_make(text, p0 + cut, p0 + m.end(), pi, first))
            first = False
            cut = m.end()
        out.extend(_make(text, p0 + cut, p1, pi, first))
    return out


def _make(text: str, start: int, end: int, paragraph: int, first: bool) -> list[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return []
    return [Sentence(text[start:end], start, end, paragraph, first)]
