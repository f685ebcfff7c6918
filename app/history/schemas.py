"""A maintenance object's history as the API shows it."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class WritingImport(BaseModel):
    """The import that wrote a version."""

    id: int
    fil: str | None
    lager: str | None
    utford_av: str | None
    startad: datetime


class ObjectVersion(BaseModel):
    """One version of the object: what held from when to when."""

    version_id: int
    giltig_fran: datetime
    giltig_till: datetime | None = Field(description="null för den version som gäller nu")
    produkt: str
    produktnamn: str
    huvudman: str
    huvudman_namn: str
    kvalitetsniva: str | None
    attribut: dict[str, Any]
    import_id: int | None
    import_: WritingImport | None = Field(alias="import")


class AuditedChange(BaseModel):
    """A write to the object from the change log: who, when, why, which fields."""

    tid: datetime
    operation: str
    utford_av: str | None = Field(
        description="vem: en tokens namn (roll, organisation), annars användaren som skrev"
    )
    orsak: str | None
    andrade_falt: list[str]


class ObjectHistory(BaseModel):
    """Every version of the object, oldest first, and the changes behind them."""

    objekt_id: uuid.UUID
    versioner: list[ObjectVersion]
    andringar: list[AuditedChange]
