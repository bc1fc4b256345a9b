"""``geo draft --accept``: validate reviewed rows like ``geo build`` does and append them to layers/ atomically."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from geo.draft.output import REVIEW_FILES, write_atomic
from geo.errors import LayerError, Problem
from geo.layers import read_layers, read_table
from geo.schema import SCHEMAS, all_columns

#: Review files accepted, in the order their references need them, with their id column.
KINDS = {"sources": "source_id", "claimants": "claimant_id", "sites": "site_id", "claims": "claim_id"}
_REFS = [("sites", "source_ids", "sources", True), ("claims", "source_id", "sources", False),
         ("claims", "site_id", "sites", False), ("claims", "claimant_id", "claimants", False)]


def _read_reviews(review: Path) -> tuple[dict, list[Problem]]:
    tables, problems = {}, []
    for kind, id_col in KINDS.items():
        path = review / f"{kind}.csv"
        if not path.exists():
            continue
        try:
            tables[kind] = read_table(path, kind, id_column=id_col, ignore=REVIEW_FILES[kind])
        except LayerError as exc:
            problems.extend(exc.problems)
    return tables, problems


def _cross_check(tables: dict, layers) -> list[Problem]:
    """Ids already in layers/, and references to rows that exist neither in layers/ nor in the review."""
    problems = []
    existing = {k: {str(v): (r["source_file"], r["source_line"]) for v, r in zip(getattr(layers, k)[c], getattr(layers, k).to_dict("records"), strict=True)}
                for k, c in KINDS.items()}
    for kind, id_col in KINDS.items():
        for row in tables.get(kind, []).to_dict("records") if kind in tables else []:
            hit = existing[kind].get(row[id_col])
            if hit:
                problems.append(Problem(row["source_file"], row["source_line"], id_col,
                                        f"id {row[id_col]!r} is already used in {hit[0]}:{hit[1]} (rows are never overwritten: rename it)"))
    known = {k: set(existing[k]) | (set(tables[k][c]) if k in tables else set()) for k, c in KINDS.items()}
    for kind, col, target, multi in _REFS:
        if kind not in tables:
            continue
        for row in tables[kind].to_dict("records"):
            val = row[col]
            if val is None:
                continue
            for key in ([k.strip() for k in str(val).split("|")] if multi else [val]):
                if key not in known[target]:
                    problems.append(Problem(row["source_file"], row["source_line"], col, f"unknown {target[:-1]} {key!r}: not in layers/ nor in the review"))
    return problems


def _appended(target: Path, rows: list[dict], columns: list[str]) -> str:
    """The target file's text with ``rows`` added at the end, in its own column order and line ending.

    A layer column the file lacks but a row fills (an optional one such as ``actors``) is added
    at the end of the header, the existing rows left empty in it, so no reviewed value is lost.
    """
    text = target.read_text(encoding="utf-8-sig")
    header = [h.strip() for h in next(csv.reader(io.StringIO(text)))]
    eol = "\r\n" if "\r\n" in text else "\n"
    extra = [c for c in columns if c not in header and any(_cell(r.get(c)) for r in rows)]
    if extra:
        old = list(csv.reader(io.StringIO(text)))
        head = io.StringIO(newline="")
        csv.writer(head, lineterminator=eol).writerows([header + extra] + [row + [""] * len(extra) for row in old[1:]])
        text, header = head.getvalue(), header + extra
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator=eol)
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in w.fieldnames})
    return text + ("" if text.endswith(("\n", "\r")) else eol) + buf.getvalue()


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _raw_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if any((v or "").strip() for v in r.values())]


def accept(review_dir: str | Path, layers_dir: str | Path = "layers") -> dict[str, int]:
    """Validate the review CSVs in ``review_dir`` and append their rows to ``layers_dir``.

    Rows are validated with the layers' own schemas, ids must be new, references must resolve,
    new sites must geocode, and the layers as they would be after the append must read back
    cleanly; otherwise nothing is written. Each file is replaced atomically (temp file beside
    it, then ``os.replace``); the values of existing rows are never changed (an optional column
    a reviewed row fills and the file lacks, such as ``actors``, is added to its header).

    Returns
    -------
    dict
        Rows appended per layer.

    Raises
    ------
    LayerError
        Every problem found, each naming its review file, line and column.
    """
    from geo.pipeline import locate_sites, make_geocoder

    review, root = Path(review_dir), Path(layers_dir)
    if not review.is_dir():
        raise LayerError(Problem(str(review), None, None, "review directory not found (write one with geo draft --out DIR)"))
    layers = read_layers(root)
    tables, problems = _read_reviews(review)
    if not tables and not problems:
        raise LayerError(Problem(str(review), None, None, f"no review files ({', '.join(f'{k}.csv' for k in KINDS)})"))
    problems += _cross_check(tables, layers) if not problems else []
    if not problems and "sites" in tables and len(tables["sites"]):
        try:
            locate_sites(tables["sites"], make_geocoder(layers))
        except LayerError as exc:
            problems.extend(exc.problems)
    if problems:
        raise LayerError(problems)
    staged = {kind: _appended(root / f"{kind}.csv", _raw_rows(review / f"{kind}.csv"), all_columns(SCHEMAS[kind])) for kind in tables}
    _check_staged(root, staged)
    for kind, text in staged.items():
        write_atomic(root / f"{kind}.csv", text)
    return {kind: len(tables[kind]) for kind in tables}


def _check_staged(root: Path, staged: dict[str, str]) -> None:
    """Read the layers as they would be after the append, in a scratch copy beside them."""
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=f".{root.name}-accept-") as tmp:
        scratch = Path(tmp)
        for p in root.iterdir():
            if p.is_file():
                shutil.copy2(p, scratch / p.name)
        for kind, text in staged.items():
            (scratch / f"{kind}.csv").write_text(text, encoding="utf-8", newline="")
        try:
            read_layers(scratch)
        except LayerError as exc:
            raise LayerError([Problem(p.path.replace(str(scratch), str(root)), p.line, p.column, p.message) for p in exc.problems]) from None
