"""``check.json`` (and ``geo check --json``): border check, site records and contradictions as stable JSON."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.export import _arrowtext as at
from geo.export.records import SITE_RECORD_FIELDS, Flags, record_values, site_records

if TYPE_CHECKING:
    from geo.pipeline import Checked

#: Sorted keys, two-space indent; dates, datetimes and dataclasses go to :func:`_json_default` (``str``).
_JSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
#: Indentation of a site record's members in ``check.json`` (orjson's two spaces a level; sites are at level 2).
_MEMBER = " " * 6


def check_report(ds: Checked, records: list[dict] | None = None) -> dict:
    """The ``geo check --json`` document: border length check, per-site checks, contradictions.

    ``records`` are :func:`geo.export.records.site_records` of ``ds`` if already made.
    """
    return {
        "theatre": ds.layers.theatre.name,
        "border": ds.border,
        "sites": site_records(ds) if records is None else records,
        "contradictions": ds.contradictions,
    }


def _json_default(value):
    """Values JSON has no type for, as the standard library's encoder with ``default=str`` writes them."""
    if isinstance(value, np.generic) and not isinstance(value, (np.integer, np.bool_)):
        value = value.item()
        if isinstance(value, float):
            return value
    return str(value)


def dumps_json_bytes(obj) -> bytes:
    """Stable JSON as UTF-8 bytes: sorted keys, two-space indent, final newline (orjson)."""
    return orjson.dumps(obj, default=_json_default, option=_JSON_OPTIONS) + b"\n"


def dumps_json(obj) -> str:
    """Stable JSON text: sorted keys, two-space indent, final newline."""
    return dumps_json_bytes(obj).decode("utf-8")


def _flag_texts(flags: Flags) -> Callable[[int, int], pa.Array]:
    """The ``flags`` member of each site record (a list of ``{"code", "message"}`` objects) as
    orjson writes it at its depth in ``check.json``."""
    pad = _MEMBER + "  "
    strings = lambda values: at.json_strings(pa.array(values, at.TEXT))  # noqa: E731
    one = at.join_columns([at.lit(f"{pad}{{\n{pad}  \"code\": "), strings(flags.codes),
                           at.lit(f",\n{pad}  \"message\": "), strings(flags.messages), at.lit(f"\n{pad}}}")])
    counts = flags.counts
    offsets = np.concatenate([[0], np.cumsum(counts)])

    def texts(start: int, n: int) -> pa.Array:
        items = one.slice(offsets[start], offsets[start + n] - offsets[start])
        joined = at.join_columns([at.lit("[\n"), at.join_lists(items, counts[start:start + n], ",\n"), at.lit(f"\n{_MEMBER}]")])
        return pc.if_else(pa.array(counts[start:start + n] == 0), at.lit("[]"), joined)
    return texts


def _point_texts(lon: np.ndarray, lat: np.ndarray) -> Callable[[int, int], pa.Array]:
    """``[lon, lat]`` pairs as orjson writes them at their depth in ``check.json``."""
    inner = f"\n{_MEMBER}  "
    return lambda start, n: at.join_columns([
        at.lit("[" + inner), at.json_numbers(lon[start:start + n]), at.lit("," + inner),
        at.json_numbers(lat[start:start + n]), at.lit(f"\n{_MEMBER}]")])


def _mapping_texts(values: np.ndarray) -> Callable[[int, int], pa.Array]:
    """Dicts (``side_by_reference``) as orjson writes them at their depth in ``check.json``,
    each distinct dict formatted once."""
    keys = np.empty(len(values), dtype=object)
    keys[:] = [tuple(sorted(d.items())) if isinstance(d, dict) else None for d in values]

    def fmt(key) -> str:
        if key is None:
            return "null"
        return orjson.dumps(dict(key), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode().replace("\n", "\n" + _MEMBER)

    texts = at.per_distinct_text(keys, fmt)
    return lambda start, n: texts.slice(start, n)


def record_texts(ds: Checked) -> dict[str, Callable[[int, int], pa.Array]]:
    """Each member of the site records (:data:`geo.export.records.SITE_RECORD_FIELDS`) as the JSON
    text :func:`dumps_json_bytes` gives it inside ``check.json``, one slice of sites at a time."""
    values = record_values(ds.sites)
    out = {}
    for field in SITE_RECORD_FIELDS:
        v = values[field.name]
        if field.kind == "point":
            out[field.name] = _point_texts(*v)
        elif field.kind == "flags":
            out[field.name] = _flag_texts(v)
        elif field.kind == "mapping":
            out[field.name] = _mapping_texts(v)
        else:
            out[field.name] = at.json_values(at.column(pd.Series(v, name=field.name, copy=False)))
    return out


def _site_batches(ds: Checked) -> Iterator[pa.Array]:
    """The ``sites`` of ``check.json`` (sorted keys, two-space indent), each site preceded by
    ``",\\n"``, in slices of :data:`geo.export._arrowtext.BATCH_ROWS`."""
    columns = record_texts(ds)
    keys = sorted(columns)
    for start, n in at.batches(len(ds.sites)):
        parts = [at.lit(",\n    {\n")]
        for i, key in enumerate(keys):
            parts += [at.lit((",\n" if i else "") + f"{_MEMBER}{orjson.dumps(key).decode()}: "), columns[key](start, n)]
        parts.append(at.lit("\n    }"))
        yield at.join_columns(parts)


def stream_check_json(ds: Checked, out: BinaryIO) -> None:
    """The bytes of ``dumps_json_bytes(check_report(ds))`` written to ``out``: the site records are
    made column by column by Arrow kernels instead of a million dicts; orjson writes the rest."""
    doc = check_report(ds, [])
    if not len(ds.sites):
        out.write(dumps_json_bytes(doc))
        return
    doc["sites"] = mark = "geo-sites-" + os.urandom(8).hex()
    head, tail = dumps_json_bytes(doc).split(orjson.dumps(mark))
    out.write(head + b"[")
    for i, batch in enumerate(_site_batches(ds)):
        out.write(at.text_bytes(batch)[0 if i else 1:])  # no comma before the first site
    out.write(b"\n  ]" + tail)


def write_check_json(ds: Checked, path: Path) -> None:
    """``check.json`` in file ``path`` (:func:`stream_check_json`)."""
    with open(path, "wb") as f:
        stream_check_json(ds, f)
