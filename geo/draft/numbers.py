"""Numbers in a report's wording: digits, numbers in words, ranges and hedges as low / best / high."""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import text2num

_UNITS = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
          "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million")
_WORDNUM = rf"(?:{_UNITS})(?:(?:[\s-]+|\s+and\s+)(?:{_UNITS}))*"
_DIGITS = r"(?<![\w.])(?<!\d,)(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!\d|,\d)"
_NUM = rf"(?:{_DIGITS}|\b{_WORDNUM}\b)"
#: Vague amounts: low bound (best None) or an exact best.
VAGUE = {"a dozen": (None, 12), "dozen": (None, 12), "dozens": (24, None), "scores": (40, None),
         "hundreds": (200, None), "thousands": (2000, None), "tens of thousands": (20000, None)}
_HEDGE_LOW = r"at least|no fewer than|not less than|a minimum of"
_HEDGE_MORE = r"more than|over|upwards of|in excess of|above"
_HEDGE_HIGH = r"up to|as many as|at most|a maximum of|no more than"
_HEDGE_BELOW = r"fewer than|less than|under|nearly|almost|just under|close to"
_HEDGE_ABOUT = r"about|around|some|roughly|approximately|an estimated"
FIGURE_RE = re.compile(
    rf"(?P<range>(?:(?:{_HEDGE_LOW}|{_HEDGE_ABOUT}|{_HEDGE_MORE})\s+)?(?:between\s+)?(?P<a>{_NUM})(?:\s+(?:and|to|or)\s+|(?<=\d)\s*[-–]\s*(?=\d))(?P<b>{_NUM})(?!\s*(?:-|–)?\s*year))"
    rf"|(?:\b(?P<hedge>{_HEDGE_LOW}|{_HEDGE_MORE}|{_HEDGE_HIGH}|{_HEDGE_BELOW}|{_HEDGE_ABOUT})\s+)?(?:(?P<vague>tens of thousands|dozens|scores|hundreds|thousands|a dozen)|(?P<n>{_NUM})(?P<dozen>\s+dozen)?)(?!\s*(?:-|–)\s*year|-)",
    re.I,
)
#: What follows a number that is not a count of people or things (units, times, ages).
_NOT_A_COUNT = re.compile(
    r"^\s*(?:%|percent|per cent|km|kilomet|metre|meter|mile|kg|hours?|hrs?|minutes?|days?|weeks?|months?|years?|decades?|"
    r"centur|a\.m|p\.m|am\b|pm\b|gmt|utc|o'clock|-year|-kilomet|-mile|[-–]\s*\d|:\d|\(\d|st\b|nd\b|rd\b|th\b|times\b|"
    r"battalions?\b|brigades?\b|regiments?\b|divisions?\b|corps\b|squadrons?\b|wing\b|sectors?\b|infantry\b)", re.I)


@dataclass(frozen=True)
class Figure:
    """A number as worded: its bounds and where it is in the sentence."""

    low: float | None
    best: float | None
    high: float | None
    start: int
    end: int
    text: str


def to_number(word: str) -> float | None:
    """``"2,640"`` -> 2640, ``"fifty-eight"`` -> 58; None when it is not a number.

    Examples
    --------
    >>> to_number("fifty-eight"), to_number("1,640"), to_number("a")
    (58, 1640, None)
    """
    w = word.strip().lower().replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", w):
        v = float(w)
        return int(v) if v.is_integer() else v
    w = re.sub(r"\s+and\s+", " ", w)
    for form in (w, w.replace("-", " "), re.sub(r"\s+", "-", w)):
        try:
            return text2num(form, "en")
        except ValueError:
            continue
    return None


def bounds(hedge: str | None, value: float) -> tuple[float | None, float | None, float | None]:
    """(low, best, high) for a single number and the hedge before it.

    "at least N" keeps N as low and best (as the bundled data set does), "more than N" is
    low N+1 (counts are whole), "up to N" is high N, "nearly N" and "close to N" high N-1,
    "about N" best N.
    """
    h = (hedge or "").lower().strip()
    if not h:
        return None, value, None
    if re.fullmatch(_HEDGE_LOW, h):
        return value, value, None
    if re.fullmatch(_HEDGE_MORE, h):
        return value + 1, None, None
    if re.fullmatch(_HEDGE_HIGH, h):
        return None, None, value
    if h in ("fewer than", "less than", "under", "just under", "nearly", "almost", "close to"):
        return None, None, value - 1
    return None, value, None


#: A change of a figure: "rose from 103 to 122" is 122, not a range.
_CHANGE = re.compile(r"\b(?:rose|risen|rises|climbed|climbs|increased|increases|jumped|jumps|went up|grew|doubled)\s+from\s+$", re.I)


def find_figures(text: str) -> list[Figure]:
    """Every count in ``text`` with its bounds; times, lengths, ages and percentages are left out.

    Examples
    --------
    >>> [(f.low, f.best, f.high) for f in find_figures("between 15 and 20 fighters, more than a dozen civilians")]
    [(15, None, 20), (13, None, None)]
    """
    out = []
    for m in FIGURE_RE.finditer(text):
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        if _NOT_A_COUNT.match(text[m.end():]) or _is_date_or_name(text, start, m.end()):
            continue
        if m.group("range"):
            a, b = to_number(m.group("a")), to_number(m.group("b"))
            whole = to_number(m.group("range"))
            if a is not None and b is not None and a < b and _CHANGE.search(text[:start]) and re.match(r"\s+to\s", text[m.end("a"):]):
                start = m.start("b")  # "rose from 103 to 122": the figure is now 122
                out.append(Figure(None, b, None, start, m.end(), text[start:m.end()]))
                continue
            if a is not None and b is not None and a < b:
                low, best, high = a, None, b
            elif whole is not None:  # "two hundred and five" is one number, not a range
                low, best, high = None, whole, None
            else:
                continue
        elif m.group("vague"):
            lo, be = VAGUE[m.group("vague").lower()]
            if m.group("hedge") and be is not None:
                low, best, high = bounds(m.group("hedge"), be)
            else:
                low, best, high = lo, be, None
        else:
            v = to_number(m.group("n"))
            if v is None:
                continue
            if m.group("dozen"):
                v *= 12
            low, best, high = bounds(m.group("hedge"), v)
        out.append(Figure(low, best, high, start, m.end(), text[start:m.end()]))
    return out


_MONTHS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"


def _is_date_or_name(text: str, start: int, end: int) -> bool:
    """A day of a month, a year, or a number inside a name ("BM-21", "Point 14", "F-16")."""
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    if re.search(r"\b(?:aged?|ages)\s*$", before, re.I):
        return True  # "aged 48"
    if re.search(rf"\b(?:{_MONTHS})\.?\s*$", before, re.I) or re.match(rf"\s*(?:{_MONTHS})\b", after, re.I):
        return True
    if re.search(r"(?:[A-Za-z]-|\d[-/.]|\bPoint\s|\bNo\.?\s|\bPP\s)$", before) or re.match(r"\s*\)", after) and re.search(r"\(\s*$", before):
        return True
    word = text[start:end].strip()
    return bool(re.fullmatch(r"(?:19|20)\d\d", word))
