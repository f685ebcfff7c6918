"""What an import did, as the API shows it (the answer to an upload and the stored record)."""

from datetime import datetime

from pydantic import BaseModel, Field


class ListedObject(BaseModel):
    """An object an import touched, by its reference in the file or the register."""

    objekt: str
    beskrivning: str | None = None
    falt: list[str] | None = Field(default=None, description="Ändrade fält")
    behalls: bool | None = Field(default=None, description="Den lagrade versionen behölls")


class ObjectsByKind(BaseModel):
    """The first objects of each kind."""

    nya: list[ListedObject]
    andrade: list[ListedObject]
    avslutade: list[ListedObject]
    reparerade: list[ListedObject]
    avvisade: list[ListedObject]


class Rejection(BaseModel):
    """A row the import refused, and why."""

    objekt: str
    orsak: str
    behalls: bool = Field(description="Objektet finns kvar som det var")


class ImportCounts(BaseModel):
    """How many objects an import made new, changed, left, retired, rejected and repaired."""

    nya: int
    andrade: int
    oforandrade: int
    avslutade: int
    avvisade: int
    reparerade: int


class ImportAnswer(ImportCounts):
    """What an upload's import did (or a dry run would do)."""

    import_id: int | None = Field(description="null för en torrkörning")
    torrkorning: bool
    behalls_avvisad_rad: int
    objekt: ObjectsByKind
    avvisningar: list[Rejection]
    varning: str | None = Field(default=None, description="Varför en riktig import skulle nekas")


class ImportRecord(ImportCounts):
    """The stored record of an import run, with its objects per kind."""

    id: int
    typ: str
    status: str
    fil: str | None
    sha256: str | None
    lager: str | None
    koordinatsystem: str | None
    startad: datetime
    avslutad: datetime | None
    giltig_fran: datetime | None
    utford_av: str | None
    avvisningar: list[Rejection]
    objekt: ObjectsByKind
