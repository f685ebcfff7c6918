"""What role gis sends to change, hand over and create maintenance objects, and gets back."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ObjectChange(BaseModel):
    """What to change in a maintenance object, and why."""

    huvudman: str | None = Field(default=None, description="Ny huvudman (organisationens slug)")
    produkt: str | None = Field(default=None, description="Ny skötselprodukt (kod)")
    kvalitetsniva: str | None = None
    orsak: str = Field(min_length=3, description="Varför ändringen görs")


class Handover(BaseModel):
    """Every current object of one organisation inside an area moves to another from a date."""

    fran: str = Field(description="Nuvarande huvudman (slug)")
    till: str = Field(description="Ny huvudman (slug)")
    driftomrade: int | None = Field(default=None, description="Inom detta driftområde …")
    omrade: dict[str, Any] | None = Field(
        default=None, description="… eller GeoJSON-polygon (WGS84)"
    )
    giltig_fran: date
    orsak: str = Field(min_length=3)


class NewObject(BaseModel):
    """A maintenance object drawn by hand: product, huvudman, geometry (GeoJSON, WGS84)."""

    produkt: str
    huvudman: str
    geometri: dict[str, Any]
    kvalitetsniva: str | None = None
    attribut: dict[str, Any] = {}
    orsak: str = Field(min_length=3)


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
