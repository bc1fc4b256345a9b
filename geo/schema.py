"""Row schemas of the editable layers (pydantic models; one per CSV file) and the limits they enforce."""

from __future__ import annotations

import datetime as dt
import math
import typing
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from geo.urls import url_problem

CATEGORIES = ("clash", "strike", "blast", "deployment", "crossing", "other")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: Longest free text accepted in any layer cell (characters).
MAX_TEXT_CHARS = 20_000
#: Longest place name accepted: the ``place`` and ``name`` columns of sites and gazetteer rows, and
#: the names given to ``geo geocode`` (fuzzy matching costs grow with the length of the query).
MAX_NAME_CHARS = 300
#: Earliest date accepted in a date column: an earlier one is a typo (1025 for 2025).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: Units a reported length may be given in (case-insensitive, spelling variants allowed) and their canonical form.
UNIT_ALIASES = {
    "km": "km", "kms": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "mi": "mi", "mile": "mi", "miles": "mi",
    "m": "m", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
}
#: Kilometres per canonical unit.
UNIT_KM = {"km": 1.0, "mi": 1.609344, "m": 0.001}


class _UrlMark:
    """Marks a column whose text may become a link (see :func:`url_columns`)."""


def _safe_url(value: str) -> str:
    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _report_date(value: dt.date, info: ValidationInfo) -> dt.date:
    # "Today" comes from the validation context so tests (and re-runs of old data) can fix it.
    today = (info.context or {}).get("today") or dt.date.today()
    if value < EARLIEST_DATE:
        raise ValueError(f"is before {EARLIEST_DATE.isoformat()}: a typo in the year?")
    # One day of slack: a report dated in Kabul or Bangkok can be a day ahead of this machine's clock.
    if value > today + dt.timedelta(days=1):
        raise ValueError(f"is after today ({today.isoformat()}): a typo in the year?")
    return value


def _unit(value: str) -> str:
    unit = UNIT_ALIASES.get(value.strip().lower())
    if unit is None:
        raise ValueError(f"unknown unit; use one of {', '.join(sorted(set(UNIT_ALIASES.values())))} (or a spelling like 'miles')")
    return unit


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]
Iso2 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
#: A link shown in maps: http(s) only (:func:`geo.urls.url_problem`).
Url = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(_safe_url), _UrlMark()]
#: A date from a report: not before 1900, not after today.
ReportDate = Annotated[dt.date, AfterValidator(_report_date)]
LengthUnit = Annotated[str, BeforeValidator(lambda v: _unit(v) if isinstance(v, str) else v)]


class Row(BaseModel):
    """Base: strips text and treats empty cells as missing; a column the model does not know is an error.

    (The reader rejects unknown header names before any row is validated, naming the closest
    known column; ``extra="forbid"`` makes the model say the same if it is used on its own.)
    Numbers must be finite: "inf" and "nan" parse as floats but mean nothing in a layer.
    Pass ``context={"today": date}`` to ``model_validate`` to fix the date that "after today" means.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: dict) -> dict:
        # Strip here, with the same notion of whitespace that decides "blank" (pydantic's own strip
        # keeps some characters Python calls whitespace, so "x\x1f" kept it while "\x1f" was blank).
        if isinstance(data, dict):
            return {k: ((v.strip() or None) if isinstance(v, str) else v) for k, v in data.items()}
        return data


class SourceRow(Row):
    source_id: Id
    outlet: Text
    title: Text | None = None
    published: ReportDate
    url: Url | None = None
    seed: Text | None = None
    notes: Text | None = None


class ClaimantRow(Row):
    claimant_id: Id
    name: Text
    country: Iso2 | None = None
    description: Text | None = None


class SiteRow(Row):
    site_id: Id
    name: Name
    place: Name | None = None
    reported_location: Text
    reported_country: Iso2 | None = None
    reported_admin1: Text | None = None
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    event_date: ReportDate
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float | None = Field(default=None, gt=0, le=2000)
    precision: Literal["point", "near", "district", "province", "country"] | None = None
    source_ids: Text
    notes: Text | None = None
    #: Who took part, ";"-separated ("Military Forces of Pakistan; Military Forces of Afghanistan"):
    #: the map's Actor filter. The ACLED and UCDP importers fill it from their actor columns.
    actors: Text | None = None

    @field_validator("lat", "lon", "radius_km")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _lat_lon_together(self) -> SiteRow:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together (or both left empty to geocode the place name)")
        return self


class ClaimRow(Row):
    claim_id: Id
    site_id: Id | None = None
    claimant_id: Id
    speaker: Text | None = None
    claim_date: ReportDate
    quantity: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
    subject: Text | None = None
    low: float | None = Field(default=None, ge=0)
    best: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, ge=0)
    unit: Text | None = None
    statement: Text
    quote: Annotated[str, StringConstraints(max_length=400)] | None = None
    source_id: Id

    @field_validator("best", "high")
    @classmethod
    def _ordered(cls, v: float | None, info: ValidationInfo) -> float | None:
        # A field validator (not a model one) so the problem names the column that breaks the order.
        before = {"best": ("low",), "high": ("low", "best")}[info.field_name]
        for name in before:
            other = info.data.get(name)
            if v is not None and other is not None and other > v:
                raise ValueError(f"figures must satisfy low <= best <= high ({name} is {other:g})")
        return v


class FigureRow(Row):
    figure_id: Id
    quantity: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
    value: float = Field(gt=0)
    unit: LengthUnit
    source_id: Id
    statement: Text | None = None


class GazetteerRow(Row):
    place_id: Id
    name: Name
    alt_names: Text | None = None
    country: Iso2
    admin1: Text | None = None
    admin2: Text | None = None
    kind: Literal["point", "area"]
    feature: Text
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=2000)
    area_km2: float | None = Field(default=None, gt=0)
    source: Text
    source_ref: Url | None = None
    notes: Text | None = None
    #: Countries that claim a disputed place besides ``country`` (who holds it), "|"-separated: "KH|TH".
    claimed_by: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}(\|[A-Z]{2})*$")] | None = None


SCHEMAS: dict[str, type[Row]] = {
    "sources": SourceRow,
    "claimants": ClaimantRow,
    "sites": SiteRow,
    "claims": ClaimRow,
    "figures": FigureRow,
    "gazetteer": GazetteerRow,
}


def required_columns(model: type[Row]) -> list[str]:
    """Columns a CSV for ``model`` must have in its header (optional ones may be absent)."""
    return [name for name, f in model.model_fields.items() if f.is_required()]


def all_columns(model: type[Row]) -> list[str]:
    """Every column ``model`` knows, in declaration order."""
    return list(model.model_fields)


def url_columns(model: type[Row]) -> list[str]:
    """Columns of ``model`` whose values may become links (typed :data:`Url`)."""
    def marked(annotation) -> bool:
        return any(isinstance(a, _UrlMark) or marked(a) for a in typing.get_args(annotation))
    return [name for name, f in model.model_fields.items() if any(isinstance(m, _UrlMark) for m in f.metadata) or marked(f.annotation)]
