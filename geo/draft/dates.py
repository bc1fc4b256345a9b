"""Dates in a report's wording ("on Saturday night", "July 24", "yesterday") resolved against its publication date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dateparser

_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
DATE_RE = re.compile(
    rf"\b(?:(?:on|late on|early on|last|this|since|by)\s+)?(?P<expr>"
    rf"(?:(?:{_DAYS}),?\s+)?(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?(?:,?\s+\d{{4}})?)"
    rf"|(?:{_DAYS})(?:'s)?(?:\s+(?:night|morning|evening|afternoon))?"
    rf"|yesterday|today|last night|overnight|tonight|earlier this week|last week)\b",
    re.I,
)
_SAID = re.compile(r"\b(?:said|says|told|reported|reports|announced|added|stated|confirmed|claimed|admitted|denied)\s*(?:late\s+|early\s+)?(?:on\s+)?$", re.I)


@dataclass(frozen=True)
class DateMention:
    """A date expression in a sentence, its resolved date, and whether it dates a statement."""

    text: str
    date: dt.date
    start: int
    end: int
    of_statement: bool


def resolve(expr: str, published: dt.date) -> dt.date | None:
    """The date ``expr`` means in a report published on ``published``.

    A weekday is the latest such day on or before publication ("Saturday" in a Sunday paper is
    the day before; in a Saturday paper, the same day).

    Examples
    --------
    >>> resolve("Saturday night", dt.date(2025, 10, 12)), resolve("July 24", dt.date(2025, 7, 25))
    (datetime.date(2025, 10, 11), datetime.date(2025, 7, 24))
    """
    text = re.sub(r"'s\b", "", expr.strip().lower())
    text = re.sub(r"\s+(?:night|morning|evening|afternoon)$", "", text)
    if text in ("overnight", "last night"):
        return published - dt.timedelta(days=1)
    if text in ("today", "tonight"):
        return published
    day = re.fullmatch(_DAYS, text)
    if day:
        names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        back = (published.weekday() - names.index(text)) % 7
        return published - dt.timedelta(days=back)
    text = re.sub(rf"^(?:{_DAYS}),?\s+", "", text)
    base = dt.datetime.combine(published, dt.time(12))
    got = dateparser.parse(text, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": [] if re.search(r"\d", text) is None else ["day", "month"]})
    return got.date() if got else None


def dates_in(sentence: str, published: dt.date) -> list[DateMention]:
    """Every resolvable date expression in ``sentence``; those right after a verb of saying date the statement."""
    out = []
    for m in DATE_RE.finditer(sentence):
        d = resolve(m.group("expr"), published)
        if d is None or d > published + dt.timedelta(days=1):
            continue
        out.append(DateMention(m.group(0), d, m.start(), m.end(), bool(_SAID.search(sentence[:m.start()] + m.group(0)[: m.start("expr") - m.start()]))))
    return out
