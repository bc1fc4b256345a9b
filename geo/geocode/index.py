"""Name indexes: exact, alias, word-order, skeleton and fuzzy look-ups, in memory or on disk, never a full scan."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from rapidfuzz import fuzz, process

from geo.gazetteer import skeleton

#: Score of each kind of match; a fuzzy match scores 0.95 x its rapidfuzz ratio (below 95).
KIND_SCORES = {"exact": 100.0, "alias": 98.0, "word order": 96.0, "skeleton": 92.0}
#: Words that many Thai and Khmer place names share (village, pond, hill, temple, pass, ...): a name is
#: told apart by its other words, so they do not count towards the length a fuzzy match needs.
COMMON_WORDS = frozenset({
    "ban", "nong", "phum", "phoum", "khao", "huai", "huay", "non", "don", "wat", "prasat", "phnom", "phu",
    "chong", "ta", "sala", "khok", "kok", "tha", "muang", "mueang", "bo", "sa", "pak", "kala", "kili", "kalay",
})
#: A skeleton or fuzzy match needs this many distinctive letters in the query ("Surin" has 5: exact only).
MIN_DISTINCT_LETTERS = 6
SKELETON_MIN_RATIO = 70.0
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


def key_hashes(keys) -> np.ndarray:
    """Stable 64-bit hashes of names (BLAKE2b), sorted: a membership test that reads nothing from disk."""
    out = np.fromiter((int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little") for k in keys),
                      np.uint64)
    out.sort()
    return out


def bucket_codes(key: str) -> tuple[int, int]:
    """The two fuzzy buckets of an ASCII name: first letter, and last two letters (each without length)."""
    last = ord(key[-2]) * 128 + ord(key[-1]) if len(key) > 1 else ord(key[-1])
    return ord(key[0]), last


def length_window(key: str, cutoff: float, *, window: bool) -> tuple[int, int]:
    """Name lengths that can reach ``cutoff`` with rapidfuzz ratio (2*LCS/(n+m)); half to double without ``window``."""
    if not window:
        return len(key) // 2, 2 * len(key)
    r = cutoff / 100.0
    return math.floor(len(key) * r / (2 - r)), math.ceil(len(key) * (2 - r) / r)


class Search:
    """Matching rules over four look-ups a storage provides (:class:`NameIndex`, :class:`DiskIndex`)."""

    def rows(self, ids: list[int]) -> dict[int, dict]:
        raise NotImplementedError

    def _exact_many(self, keys: list[str]) -> dict[str, list[tuple[int, bool]]]:
        """(row, primary) of every indexed name equal to each of ``keys`` (one look-up for all)."""
        raise NotImplementedError

    def _exact_rows(self, key: str) -> list[tuple[int, bool]]:
        return self._exact_many([key]).get(key, [])

    def _skeleton_rows(self, skel: str) -> list[tuple[str, int]]:
        raise NotImplementedError

    def _pool(self, key: str, lo: int, hi: int) -> list[str]:
        """Distinct ASCII names that may score against ``key`` (length in [lo, hi])."""
        raise NotImplementedError

    def row(self, i: int) -> dict:
        """Gazetteer row ``i`` as a dict."""
        return self.rows([i])[i]

    def exact(self, key: str) -> list[Hit]:
        """Rows whose own name (exact) or an alternate (alias) normalises to ``key``."""
        return [Hit(r, KIND_SCORES["exact" if p else "alias"], "exact" if p else "alias", key) for r, p in self._exact_rows(key)]

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
            hits = [Hit(r, KIND_SCORES["skeleton"], "skeleton", other) for other, r in self._skeleton_rows(sk)
                    if fuzz.ratio(key, other) >= SKELETON_MIN_RATIO]
        if not hits:
            cutoff = FUZZY_CUTOFF[len(key.replace(" ", "")) >= 8]
            found = self._fuzzy(key, cutoff, fuzz.ratio, window=True)
            rows = self._exact_many([k for k, _ in found])
            for other, sc in found:
                hits += [Hit(r, round(sc * 0.95, 1), "fuzzy", other) for r, _p in rows.get(other, [])]
        return _best_per_row(hits)

    def _word_order(self, key: str) -> list[Hit]:
        words = key.split()
        if not 1 < len(words) <= 4:
            return []
        others = [o for o in dict.fromkeys(" ".join(p) for p in itertools.permutations(words)) if o != key]
        rows = self._exact_many(others)
        return [Hit(r, KIND_SCORES["word order"], "word order", o) for o in others for r, _p in rows.get(o, [])]

    def suggest(self, key: str, limit: int = 5) -> list[tuple[int, float]]:
        """Closest rows to ``key`` by rapidfuzz WRatio, best first (for "did you mean")."""
        seen: dict[int, float] = {}
        found = self._fuzzy(key, SUGGEST_MIN, fuzz.WRatio, window=False, limit=limit * 4)
        rows = self._exact_many([k for k, _ in found])
        for other, sc in found:
            for r, _p in rows.get(other, []):
                seen[r] = max(seen.get(r, 0.0), sc)
        return sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def _fuzzy(self, key: str, cutoff: float, scorer, *, window: bool, limit: int | None = None) -> list[tuple[str, float]]:
        """Indexed names scoring at least ``cutoff`` against ``key``, best first, ties by name."""
        if not key or not key.isascii():
            return []
        pool = self._pool(key, *length_window(key, cutoff, window=window))
        found = process.extract(key, pool, scorer=scorer, limit=None, score_cutoff=cutoff)
        out = sorted(((c, float(sc)) for c, sc, _ in found), key=lambda t: (-t[1], t[0]))
        return out[:limit] if limit else out


def _span(sorted_list: list[str], key: str) -> range:
    lo = bisect.bisect_left(sorted_list, key)
    return range(lo, bisect.bisect_right(sorted_list, key, lo))


class NameIndex(Search):
    """Names of one gazetteer frame in memory (see :func:`geo.gazetteer.name_table`).

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
        self._names = names
        self._keys: list[str] = names["key"].tolist()
        self._rows = names["row"].to_numpy(np.int64)
        self._primary = names["primary"].to_numpy(bool)
        self._skel: tuple | None = None
        self._buckets: tuple | None = None

    def __len__(self) -> int:
        return len(self.places)

    def rows(self, ids: list[int]) -> dict[int, dict]:
        return {i: {c: v[i] for c, v in self.columns.items()} for i in ids}

    def _exact_many(self, keys: list[str]) -> dict[str, list[tuple[int, bool]]]:
        return {k: [(int(self._rows[p]), bool(self._primary[p])) for p in _span(self._keys, k)] for k in keys}

    def _skeleton_rows(self, skel: str) -> list[tuple[str, int]]:
        if self._skel is None:
            order = np.argsort(self._names["skel_rank"].to_numpy(), kind="stable")
            self._skel = (self._names["skel"].to_numpy(dtype=object)[order].tolist(), order)
        skels, order = self._skel
        return [(self._keys[int(order[p])], int(self._rows[order[p]])) for p in _span(skels, skel)]

    def _pool(self, key: str, lo: int, hi: int) -> list[str]:
        if self._buckets is None:
            uniq = sorted(dict.fromkeys(k for k in self._keys if k.isascii() and k), key=lambda k: (len(k), k))
            n = np.fromiter(map(len, uniq), np.int64, len(uniq))
            codes = np.array([bucket_codes(k) for k in uniq], dtype=np.int64).reshape(-1, 2)
            code_a, code_b = codes[:, 0] * 1024 + n, codes[:, 1] * 1024 + n
            oa, ob = np.argsort(code_a, kind="stable"), np.argsort(code_b, kind="stable")
            self._buckets = (uniq, n, code_a[oa], oa, code_b[ob], ob)
        uniq, n, code_a, oa, code_b, ob = self._buckets
        if len(uniq) < SCAN_ALL_BELOW:  # every name of a length that can reach the cutoff
            a, b = np.searchsorted(n, [lo, hi + 1])
            return uniq[a:b]
        sel: set[int] = set()
        for codes, order, base in zip((code_a, code_b), (oa, ob), bucket_codes(key)):
            a, b = np.searchsorted(codes, [base * 1024 + lo, base * 1024 + hi + 1])
            sel.update(order[a:b].tolist())
        return [uniq[i] for i in sorted(sel)]


class DiskIndex(Search):
    """The same look-ups over Parquet files sorted by the looked-up column (see :mod:`geo.geocode.world`).

    Each file's row-group statistics (min and max of its sort column) say which groups can hold a
    value; only those are read, and kept for later look-ups: the world's GeoNames names answer in
    milliseconds without being loaded.
    """

    SORTED_BY: ClassVar[dict[str, str]] = {"places.parquet": "row", "names.parquet": "key", "skels.parquet": "skel",
                 "bucket_a.parquet": "code", "bucket_b.parquet": "code"}
    #: Columns read from each file (None: all).
    COLUMNS: ClassVar[dict[str, list[str]]] = {"names.parquet": ["key", "row", "primary"], "skels.parquet": ["skel", "key", "row"],
               "bucket_a.parquet": ["code", "key"], "bucket_b.parquet": ["code", "key"]}

    def __init__(self, folder: Path):
        self.folder = folder
        self._hashes = {name: np.load(folder / f"{name}.hashes.npy", mmap_mode="r") for name in ("names", "skels")}
        self._files: dict[str, tuple] = {}
        self._groups: dict[tuple[str, int], pd.DataFrame] = {}

    def _file(self, name: str) -> tuple:
        if name not in self._files:
            pf = pq.ParquetFile(self.folder / name)
            col = pf.schema_arrow.get_field_index(self.SORTED_BY[name])
            stats = [pf.metadata.row_group(i).column(col).statistics for i in range(pf.num_row_groups)]
            self._files[name] = (pf, [st.min for st in stats], [st.max for st in stats])
        return self._files[name]

    def _group(self, name: str, g: int) -> tuple[list, dict[str, list]]:
        """Row group ``g`` of file ``name``: its sort column as a list, and every column as a list."""
        if (name, g) not in self._groups:
            table = self._file(name)[0].read_row_group(g, columns=self.COLUMNS.get(name))
            cols = {c: table.column(c).to_pylist() for c in table.column_names}
            self._groups[name, g] = (cols[self.SORTED_BY[name]], cols)
        return self._groups[name, g]

    def _between(self, name: str, lo, hi) -> list[dict]:
        """Rows of file ``name`` whose sort column lies in [lo, hi], as dicts."""
        _pf, mins, maxs = self._file(name)
        out = []
        for g in range(max(0, bisect.bisect_left(maxs, lo)), len(mins)):
            if mins[g] > hi:
                break
            keys, cols = self._group(name, g)
            for i in range(bisect.bisect_left(keys, lo), bisect.bisect_right(keys, hi)):
                out.append({c: v[i] for c, v in cols.items()})
        return out

    def rows(self, ids: list[int]) -> dict[int, dict]:
        return {i: self._between("places.parquet", i, i)[0] for i in sorted(set(ids))}

    def _known(self, which: str, value: str) -> bool:
        h = self._hashes[which]
        code = key_hashes([value])[0]
        i = int(np.searchsorted(h, code))
        return i < len(h) and h[i] == code

    def _exact_many(self, keys: list[str]) -> dict[str, list[tuple[int, bool]]]:
        return {k: sorted((int(r["row"]), bool(r["primary"])) for r in self._between("names.parquet", k, k))
                if self._known("names", k) else [] for k in set(keys)}

    def _skeleton_rows(self, skel: str) -> list[tuple[str, int]]:
        if not self._known("skels", skel):
            return []
        return sorted((r["key"], int(r["row"])) for r in self._between("skels.parquet", skel, skel))

    def _pool(self, key: str, lo: int, hi: int) -> list[str]:
        sel: set[str] = set()
        for name, base in zip(("bucket_a.parquet", "bucket_b.parquet"), bucket_codes(key)):
            sel.update(r["key"] for r in self._between(name, base * 1024 + lo, base * 1024 + hi))
        return sorted(sel)


def _best_per_row(hits: list[Hit]) -> list[Hit]:
    best: dict[int, Hit] = {}
    for h in hits:
        if h.row not in best or h.score > best[h.row].score:
            best[h.row] = h
    return sorted(best.values(), key=lambda h: (-h.score, h.row))
