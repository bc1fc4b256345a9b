"""Site records: the per-site check results of ``geo check --json`` and ``check.json``, one field list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.checks import flatten_flags
from geo.columns import file_names, iso_dates, round_floats, texts

if TYPE_CHECKING:
    from geo.pipeline import Checked


@dataclass(frozen=True)
class RecordField:
    """One member of a site record.

    ``kind`` is "value" (the column as it is), "date" (ISO text), "float" (rounded to
    ``decimals``), "int", "point" (``[lon, lat]`` of the columns ``near_lon``, ``near_lat``),
    "flags" (a list of ``{"code", "message"}``), "mapping" (a dict per site, e.g.
    ``side_by_reference``: ``{line key: side}``) or "source_line" (``file:line``).
    """

    name: str
    kind: str = "value"
    decimals: int | None = None


#: The members of a site record, in order. Both :func:`site_records` and the ``check.json``
#: writer (:mod:`geo.export.checkjson`) are made from this list.
SITE_RECORD_FIELDS: tuple[RecordField, ...] = (
    RecordField("site_id"), RecordField("name"), RecordField("category"), RecordField("event_date", "date"),
    RecordField("lat", "float", 5), RecordField("lon", "float", 5), RecordField("precision"),
    RecordField("where_prec", "int"), RecordField("geo_precision", "int"), RecordField("radius_km", "float", 1),
    RecordField("country"), RecordField("admin1"), RecordField("side"), RecordField("side_by_reference", "mapping"),
    RecordField("distance_km", "float", 2),
    RecordField("uncertainty_km", "float", 1), RecordField("nearest_border_point", "point", 5),
    RecordField("reported_location"), RecordField("reported_country"), RecordField("reported_admin1"),
    RecordField("geocode_source"), RecordField("flags", "flags"), RecordField("source_line", "source_line"),
)


@dataclass(frozen=True)
class Flags:
    """The flags of every site, flat: how many each site has, then each flag's code and message."""

    counts: np.ndarray
    codes: list[str]
    messages: list[str]


def site_flags(sites: pd.DataFrame) -> Flags:
    """The ``flags`` column of the sites, flat (:class:`Flags`).

    Raises
    ------
    TypeError
        When a flag is not a :class:`geo.checks.Flag` of texts.
    """
    flat = flatten_flags(sites["flags"].to_numpy(dtype=object).tolist())
    if flat is None:
        raise TypeError("column 'flags': every flag must be a geo.checks.Flag with a text code and message")
    return Flags(*flat)


def record_values(sites: pd.DataFrame) -> dict[str, object]:
    """Each field of :data:`SITE_RECORD_FIELDS` for every site, vectorised.

    Returns
    -------
    dict
        Field name -> an object array ("value", "date", "source_line"), a float64 array
        ("float"), an int64 array ("int"), a pair of float64 arrays ("point") or :class:`Flags`.

    Raises
    ------
    TypeError
        When a site's flags are not :class:`geo.checks.Flag` of texts.
    """
    out: dict[str, object] = {}
    for field in SITE_RECORD_FIELDS:
        name, kind = field.name, field.kind
        if kind in ("value", "mapping"):
            out[name] = sites[name].to_numpy(dtype=object)
        elif kind == "date":
            out[name] = iso_dates(sites[name])
        elif kind == "float":
            out[name] = round_floats(sites[name], field.decimals)
        elif kind == "int":
            out[name] = sites[name].astype(np.int64).to_numpy()
        elif kind == "point":
            out[name] = (round_floats(sites["near_lon"], field.decimals), round_floats(sites["near_lat"], field.decimals))
        elif kind == "flags":
            out[name] = site_flags(sites)
        else:  # source_line
            out[name] = file_names(sites["source_file"]) + ":" + texts(sites["source_line"])
    return out


def _flag_dicts(flags: Flags) -> list[list[dict]]:
    """:class:`Flags` as one list of ``{"code", "message"}`` dicts per site."""
    ends = np.cumsum(flags.counts).tolist()
    starts = [0, *ends[:-1]]
    pairs = [{"code": c, "message": m} for c, m in zip(flags.codes, flags.messages)]
    return [pairs[a:b] for a, b in zip(starts, ends)]


def site_records(ds: Checked) -> list[dict]:
    """Per-site check results as plain dicts (the ``sites`` list of ``geo check --json``).

    Built column by column (:func:`record_values`), then zipped into one dict per site.
    """
    if not len(ds.sites):
        return []
    values = record_values(ds.sites)
    columns = {}
    for field in SITE_RECORD_FIELDS:
        v = values[field.name]
        if field.kind == "point":
            columns[field.name] = [[x, y] for x, y in zip(v[0].tolist(), v[1].tolist())]
        elif field.kind == "flags":
            columns[field.name] = _flag_dicts(v)
        else:
            columns[field.name] = v.tolist()
    keys = list(columns)
    return [dict(zip(keys, row)) for row in zip(*columns.values())]
