"""What role gis sends to change, hand over and create maintenance objects, and gets back."""

from datetime import date, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.text_limits import (
    CODE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_ATTRIBUTES_BYTES,
    REASON_LENGTH,
    SHORT_TEXT_LENGTH,
    SLUG_LENGTH,
)

# A field the API does not know is refused, not ignored: a write must do what it says.
_WRITE_BODY = ConfigDict(extra="forbid")
_GEOJSON = "GeoJSON-geometri i WGS84 ([lon, lat]; en höjd tas bort)"


def _reason() -> Any:
    return Field(min_length=3, max_length=REASON_LENGTH, description="Varför ändringen görs")


class ObjectChange(BaseModel):
    """What to change in a maintenance object, and why."""

    model_config = _WRITE_BODY

    huvudman: str | None = Field(
        default=None, max_length=SLUG_LENGTH, description="Ny huvudman (organisationens slug)"
    )
    produkt: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="Ny skötselprodukt (kod)"
    )
    kvalitetsniva: str | None = Field(default=None, max_length=SHORT_TEXT_LENGTH)
    geometri: dict[str, Any] | None = Field(
        default=None, description=f"Ny geometri: {_GEOJSON}, av produktens geometrityp"
    )
    orsak: str = _reason()


class Handover(BaseModel):
    """Every current object of one organisation inside an area moves to another from a date."""

    model_config = _WRITE_BODY

    fran: str = Field(max_length=SLUG_LENGTH, description="Nuvarande huvudman (slug)")
    till: str = Field(max_length=SLUG_LENGTH, description="Ny huvudman (slug)")
    driftomrade: int | None = Field(default=None, description="Inom detta driftområde …")
    omrade: dict[str, Any] | None = Field(
        default=None, description="… eller GeoJSON-polygon (WGS84)"
    )
    giltig_fran: date
    orsak: str = _reason()


class NewObject(BaseModel):
    """A maintenance object drawn by hand: product, huvudman, geometry (GeoJSON, WGS84)."""

    model_config = _WRITE_BODY

    produkt: str = Field(max_length=CODE_LENGTH)
    huvudman: str = Field(max_length=SLUG_LENGTH)
    geometri: dict[str, Any] = Field(description=_GEOJSON)
    kvalitetsniva: str | None = Field(default=None, max_length=SHORT_TEXT_LENGTH)
    attribut: dict[str, Any] = Field(
        default={},
        max_length=MAX_ATTRIBUTES,
        description=f"Egna attribut, högst {MAX_ATTRIBUTES} och {MAX_ATTRIBUTES_BYTES} byte JSON",
    )
    orsak: str = _reason()

    @field_validator("attribut")
    @classmethod
    def _attributes_fit(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            encoded = orjson.dumps(value)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, say
            raise ValueError("attribut kan inte sparas som JSON") from None
        if len(encoded) > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"attribut får vara högst {MAX_ATTRIBUTES_BYTES} byte som JSON")
        return value


class HandoverDone(BaseModel):
    """How many objects a handover moved, from whom to whom, from when."""

    flyttade: int
    fran: str
    till: str
    giltig_fran: date


class CreatedObject(BaseModel):
    """The stable id of a new maintenance object (its ETag and Location are headers)."""

    id: str


class AuditEntry(BaseModel):
    """One write in the change log: table, operation, who, when, why, before and after."""

    id: int
    tabell: str
    operation: str
    rad_id: str | None
    utford_av: str | None
    utford_tid: datetime
    orsak: str | None
    fore: dict[str, Any] | None = Field(description="Raden före (utan geometri)")
    efter: dict[str, Any] | None = Field(description="Raden efter (utan geometri)")
