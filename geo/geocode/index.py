"""Name index of one gazetteer: exact, alias, word-order, skeleton and fuzzy look-ups, each a sorted-list search."""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geo.gazetteer import skeleton

#: Score of each kind of match; a fuzzy match scores 0.95 x its rapidfuzz ratio (below 95).
KIND_SCORES = {"exact": 100.0, "alias": 98.0, "word order": 96.0, "skeleton": 92.0}
#: Words that many Thai and Khmer place names share (village, pond, hill, temple, pass, ...): a name is
#: told apart by its other words, so they do not count towards the length a fuzzy match needs.
COMMON_WORDS = frozenset({
    "ban", "nong", "phum", "phoum", "khao", "huai", "huay", "non", "don", "wat", "prasat", "phnom", "phu",
    "chong", "o", "ta", "sala", "khok", "kok", "tha", "muang", "mueang", "bo", "sa", "pak", "kala", "kili", "kalay",
})
#: A skeleton or fuzzy match needs this many distinctive letters in the query ("Surin" has 5: exact only).
MIN_DISTINCT_LETTERS = 6
SKELETON_MIN_RATIO = 60.0
FUZZY_CUTOFF = {True: 86.0, False: 90.0}  # query of 8 letters or more: 86; 6-7 letters: 90
#: Above this many distinct names, fuzzy search looks only at names that share the query's first
#: letter or last two letters (and a length that can reach the cutoff); below it, at every name.
SCAN_ALL_BELOW = 50_000
SUGGEST_MIN = 55.0


@dataclass(frozen=True)
class Hit:
    """One gazetteer row matched by a name: how (``kind``), how well (``score``) and by which indexed name."""

    row: int
    score: float
    kind: str
    name: str


def distinct_letters(key: str) -> int:
    """Letters of a normalised name outside :data:`COMMON_WORDS` ("ban nong chan" has 4)."""
    return sum(len(w) for w in key.split() if w not in COMMON_WORDS)


def _span(sorted_list: list[str], key: str) -> range:
    lo = bisect.bisect_left(sorted_list, key)
    return range(lo, bisect.bisect_right(sorted_list, key, lo))


class NameIndex:
    """Names of one gazetteer frame (see :func:`geo.gazetteer.name_table`), searchable without a scan.

    Parameters
    ----------
    places
        Gazetteer rows; ``Hit.row`` is a position in it.
    names
        Its name table: ``key``, ``skel``, ``row``, ``primary``, ``skel_rank``, sorted by ``key``.
    """

    def __init__(self, places: pd.DataFrame, names: pd.DataFrame):
        self.places = places.reset_index(drop=True)
        self.columns = {c: self.places[c].to_numpy(dtype=object) for c in self.places.columns}
        self._keys: list[str] = names["key"].tolist()
        self._rows = names["row"].to_numpy(np.int64)
        self._primary = names["primary"].to_numpy(bool)
        by_skel = np.argsort(names["skel_rank"].to_numpy(), kind="stable")
        skels = names["skel"].to_numpy(dtype=object)[by_skel]
        keep = np.fromiter((len(s) >= 3 for s in skels), bool, len(skels))
        self._skels: list[str] = skels[keep].tolist()
        self._skel_pos = by_skel[keep]
        self._fuzzy: tuple | None = None

    def __len__(self) -> int:
        return len(self.places)

    def row(self, i: int) -> dict:
        """Gazetteer row ``i`` as a dict."""
        return {c: v[i] for c, v in self.columns.items()}

    def exact(self, key: str) -> list[Hit]:
        """Rows whose own name (exact) or an alternate (alias) normalises to ``key``."""
        return [Hit(int(self._rows[p]), KIND_SCORES["exact" if self._primary[p] else "alias"], "exact" if self._primary[p] else "alias", key)
                for p in _span(self._keys, key)]

    def lookup(self, key: str) -> list[Hit]:
        """Best hit per row for the normalised ``key``: exact or alias, else word order, else skeleton, else fuzzy.

        A skeleton or fuzzy match needs :data:`MIN_DISTINCT_LETTERS` distinctive letters; a skeleton
        match also needs a rapidfuzz ratio of :data:`SKELETON_MIN_RATIO` ("Surin" is not "Sharana").
        """
        hits = self.exact(key) or self._word_order(key)
        if hits or distinct_letters(key) < MIN_DISTINCT_LETTERS:
            return _best_per_row(hits)
        sk = skeleton(key)
        if len(sk) >= 3:
            for p in _span(self._skels, sk):
                pos = int(self._skel_pos[p])
                other = self._keys[pos]
                if fuzz.ratio(key, other) >= SKELETON_MIN_RATIO:
                    hits.append(Hit(int(self._rows[pos]), KIND_SCORES["skeleton"], "skeleton", other))
        if not hits:
            cutoff = FUZZY_CUTOFF[len(key.replace(" ", "")) >= 8]
            for other, sc in self._fuzzy_search(key, cutoff, fuzz.ratio, window=True):
                hits += [Hit(int(self._rows[p]), round(sc * 0.95, 1), "fuzzy", other) for p in _span(self._keys, other)]
        return _best_per_row(hits)

    def _word_order(self, key: str) -> list[Hit]:
        words = key.split()
        if not 1 < len(words) <= 4:
            return []
        hits = []
        for perm in itertools.permutations(words):
            other = " ".join(perm)
            if other != key:
                hits += [Hit(h.row, KIND_SCORES["word order"], "word order", other) for h in self.exact(other)]
        return hits

    def suggest(self, key: str, limit: int = 5) -> list[tuple[int, float]]:
        """Closest rows to ``key`` by rapidfuzz WRatio, best first (for "did you mean")."""
        seen: dict[int, float] = {}
        for other, sc in self._fuzzy_search(key, SUGGEST_MIN, fuzz.WRatio, window=False, limit=limit * 4):
            for p in _span(self._keys, other):
                i = int(self._rows[p])
                seen[i] = max(seen.get(i, 0.0), sc)
        return sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def _fuzzy_tables(self) -> tuple:
        if self._fuzzy is None:
            uniq = list(dict.fromkeys(k for k in self._keys if k.isascii()))
            n = np.fromiter(map(len, uniq), np.int64, len(uniq))
            first = np.fromiter((ord(k[0]) for k in uniq), np.int64, len(uniq))
            last = np.fromiter((ord(k[-2]) * 128 + ord(k[-1]) if len(k) > 1 else ord(k[-1]) for k in uniq), np.int64, len(uniq))
            code_a, code_b = first * 1024 + n, last * 1024 + n
            oa, ob = np.argsort(code_a, kind="stable"), np.argsort(code_b, kind="stable")
            self._fuzzy = (uniq, code_a[oa], oa, code_b[ob], ob)
        return self._fuzzy

    def _fuzzy_search(self, key: str, cutoff: float, scorer, *, window: bool, limit: int | None = None) -> list[tuple[str, float]]:
        """Indexed names scoring at least ``cutoff`` against ``key``, best first, ties by name."""
        if not key or not key.isascii():
            return []
        uniq, code_a, oa, code_b, ob = self._fuzzy_tables()
        if len(uniq) < SCAN_ALL_BELOW:
            pool = uniq
        else:
            r = cutoff / 100.0
            lo, hi = (math.floor(len(key) * r / (2 - r)), math.ceil(len(key) * (2 - r) / r)) if window else (len(key) // 2, 2 * len(key))
            last = ord(key[-2]) * 128 + ord(key[-1]) if len(key) > 1 else ord(key[-1])
            sel = set()
            for codes, order, base in ((code_a, oa, ord(key[0])), (code_b, ob, last)):
                a, b = np.searchsorted(codes, [base * 1024 + lo, base * 1024 + hi + 1])
                sel.update(order[a:b].tolist())
            pool = [uniq[i] for i in sorted(sel)]
        found = process.extract(key, pool, scorer=scorer, limit=None, score_cutoff=cutoff)
        out = sorted(((c, float(sc)) for c, sc, _ in found), key=lambda t: (-t[1], t[0]))
        return out[:limit] if limit else out


def _best_per_row(hits: list[Hit]) -> list[Hit]:
    best: dict[int, Hit] = {}
    for h in hits:
        if h.row not in best or h.score > best[h.row].score:
            best[h.row] = h
    return sorted(best.values(), key=lambda h: (-h.score, h.row))
