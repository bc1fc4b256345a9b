"""Row schemas of the editable layers (pydantic models; one per CSV file)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

CATEGORIES = ("clash", "strike", "blast", "deployment", "crossing", "other")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Iso2 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Row(BaseModel):
    """Base: strips text, treats empty cells as missing, forbids nothing extra (extra columns are kept aside).

    Numbers must be finite: "inf" and "nan" parse as floats but mean nothing in a layer.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", allow_inf_nan=False)

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
    published: dt.date
    url: Text | None = None
    seed: Text | None = None
    notes: Text | None = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, v: str | None) -> str | None:
        # Links end up in href attributes: only http(s) is allowed, never javascript: or data:.
        if v is not None and not re.match(r"^https?://[^\s\"'<>`]+$", v):
            raise ValueError("must be an http(s) URL without spaces or quotes")
        return v


class ClaimantRow(Row):
    claimant_id: Id
    name: Text
    country: Iso2 | None = None
    description: Text | None = None


class SiteRow(Row):
    site_id: Id
    name: Text
    place: Text | None = None
    reported_location: Text
    reported_country: Iso2 | None = None
    reported_admin1: Text | None = None
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    event_date: dt.date
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float | None = Field(default=None, gt=0, le=2000)
    precision: Literal["point", "near", "district", "province", "country"] | None = None
    source_ids: Text
    notes: Text | None = None

    @field_validator("lat", "lon", "radius_km")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _lat_lon_together(self) -> "SiteRow":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together (or both left empty to geocode the place name)")
        return self


class ClaimRow(Row):
    claim_id: Id
    site_id: Id | None = None
    claimant_id: Id
    speaker: Text | None = None
    claim_date: dt.date
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
    unit: Text
    source_id: Id
    statement: Text | None = None


class GazetteerRow(Row):
    place_id: Id
    name: Text
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
    source_ref: Text | None = None
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
