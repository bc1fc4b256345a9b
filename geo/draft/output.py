"""Review files: the drafted rows as CSVs with the layers' columns plus evidence, for a person to check."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from geo.draft.article import read_article
from geo.draft.core import Draft, draft_report
from geo.draft.sites import slug
from geo.schema import SCHEMAS, all_columns

EVIDENCE = ["evidence", "span_start", "span_end", "confidence"]
#: Review file of each layer, with the extra columns it carries.
REVIEW_FILES = {"sources": [], "claimants": [], "sites": ["role", "also_named", *EVIDENCE], "claims": ["event_date", *EVIDENCE]}


def _site_row(s: dict) -> dict:
    row = {"site_id": s["site_id"], "name": s["name"], "place": s["place"], "reported_location": s["evidence"][:400],
           "reported_country": s["country"], "reported_admin1": s["admin1"], "category": s["category"],
           "event_date": s["event_date"], "precision": s["precision"], "source_ids": s["source_ids"],
           "notes": "; ".join(x for x in ("drafted by geo draft", s.get("note")) if x),
           "role": s["role"], "also_named": "|".join(s["also_named"]), "confidence": s["confidence"]}
    if s.get("coordinates_needed"):
        # The place name alone would resolve elsewhere at build time: keep the located point.
        row.update(lat=s["lat"], lon=s["lon"], radius_km=s["radius_km"])
    return row


def _claim_row(c: dict) -> dict:
    return {**{k: c.get(k) for k in all_columns(SCHEMAS["claims"])}, "site_id": c["site"], "claimant_id": c["claimant"],
            "confidence": c["confidence"], "event_date": c["event_date"]}


def review_tables(draft: Draft) -> dict[str, list[dict]]:
    """Rows of each review file: new incident sites only (existing ones are referenced, not repeated)."""
    sites = [_site_row(s) for s in draft.sites if s["role"] == "incident" and not s["existing_site"]]
    out = {"sources": [draft.source], "claimants": list(draft.claimants), "sites": sites,
           "claims": [_claim_row(c) for c in draft.claims]}
    spans = {"sites": [s for s in draft.sites if s["role"] == "incident" and not s["existing_site"]], "claims": draft.claims}
    for kind, src in spans.items():
        for row, s in zip(out[kind], src, strict=True):
            row["evidence"], (row["span_start"], row["span_end"]) = s["evidence"], s["span"]
    return out


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, then ``os.replace`` it: a failed run loses nothing."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_review(draft: Draft, out_dir: str | Path) -> list[Path]:
    """Write ``sources.csv``, ``claimants.csv``, ``sites.csv``, ``claims.csv`` and ``unknown_places.csv`` to ``out_dir``.

    ``unknown_places.csv`` has the columns of ``gazetteer.csv``, with the name and its sentence filled in:
    complete a row (country, kind, feature, lat, lon, radius_km, source) and add it to ``layers/gazetteer.csv``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, rows in review_tables(draft).items():
        path = out / f"{kind}.csv"
        write_atomic(path, _csv_text(all_columns(SCHEMAS[kind]) + REVIEW_FILES[kind], rows))
        written.append(path)
    # Unknown places as gazetteer rows to complete (country, kind, coordinates and their cited source).
    path = out / "unknown_places.csv"
    unknown = [{"place_id": slug(u["name"]), "name": u["name"], "evidence": u["evidence"], "span_start": u["span"][0],
                "span_end": u["span"][1]} for u in draft.unknown_places]
    write_atomic(path, _csv_text(all_columns(SCHEMAS["gazetteer"]) + ["evidence", "span_start", "span_end"], unknown))
    written.append(path)
    return written


def draft_file(path: str | Path, *, published=None, source_id: str | None = None, layers: str | Path = "layers",
               out_dir: str | Path | None = None) -> Draft:
    """Read a report file ("-" for stdin), draft it, and write the review CSVs to ``out_dir`` when given."""
    d = draft_report(read_article(path), published=published, layers=layers, source_id=source_id)
    if out_dir is not None:
        write_review(d, out_dir)
    return d


def summary_lines(draft: Draft) -> list[str]:
    """A short, readable listing of a draft (the default output of ``geo draft``)."""
    src = draft.source
    lines = [f"source {src['source_id']}: {src['outlet']}, {src['published']}" + (f" — {src['title']}" if src.get("title") else "")]
    for s in draft.sites:
        where = f"{s['lat']:.4f}, {s['lon']:.4f} ±{s['radius_km']:g} km {s['precision']}"
        also = f" (also {', '.join(s['also_named'])})" if s["also_named"] else ""
        known = f" = existing site {s['existing_site']}" if s["existing_site"] else ""
        lines.append(f"site  {s['site_id']:24} {s['role']:12} {s['name']}{also} -> {s['place']} [{s['country']}] {where}{known}")
    for c in draft.claims:
        fig = "/".join("" if v is None else f"{v:g}" for v in (c["low"], c["best"], c["high"]))
        lines.append(f"claim {c['claim_id']:24} {c['quantity']:18} {fig:>12} {c['subject'] or '':28} {c['claimant']:12} "
                     f"{c['site'] or '-':20} {c['claim_date']}  ({c['speaker'][:40]})")
    for c in draft.claimants:
        lines.append(f"new claimant {c['claimant_id']}: {c['name']}")
    for u in draft.unknown_places:
        lines.append(f"unknown place {u['name']!r}: {u['evidence'][:90]}")
    return lines
