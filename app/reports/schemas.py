"""Fault reports as the API takes and shows them (Swedish field names)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.reports import REPORT_STATUSES
from app.responsibility.schemas import OperationsAreaRef, OrganisationName, PointOut

Status = Literal["ny", "mottagen", "pagar", "atgardad", "ej-vart-ansvar", "dubblett"]
assert set(Status.__args__) == set(REPORT_STATUSES)  # type: ignore[attr-defined]

_EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
_PHONE = r"^\+?[0-9][0-9 ()\-]{2,48}$"


class CategoryOut(BaseModel):
    """A category a report can have, and the skötselprodukter it concerns."""

    kod: str
    namn: str
    beskrivning: str
    produkter: list[str]
    ordning: int


class ContactIn(BaseModel):
    """How an anonymous reporter can be reached: shown only to the receiving organisation."""

    model_config = ConfigDict(extra="forbid")

    namn: str | None = Field(default=None, max_length=200)
    epost: str | None = Field(default=None, max_length=254, pattern=_EMAIL)
    telefon: str | None = Field(default=None, max_length=50, pattern=_PHONE)


class ReportIn(BaseModel):
    """A new report: the point (lon/lat in WGS84, or x/y in crs), its category and text."""

    model_config = ConfigDict(extra="forbid", title="NyFelanmalan")

    lon: float | None = Field(default=None, description="Longitud, WGS84")
    lat: float | None = Field(default=None, description="Latitud, WGS84")
    x: float | None = Field(default=None, description="Östlig koordinat i crs")
    y: float | None = Field(default=None, description="Nordlig koordinat i crs")
    crs: str | None = Field(default=None, max_length=200, description="EPSG:3006 för x/y")
    kategori: str = Field(min_length=1, max_length=100, description="En kod ur /felkategorier")
    beskrivning: str = Field(default="", max_length=4000, description="Vad är fel? Ren text.")
    kontakt: ContactIn | None = None


class StatusIn(BaseModel):
    """A status change: the new status, a note, and where to (forward) or of what (duplicate)."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    notering: str = Field(default="", max_length=4000)
    till: str | None = Field(
        default=None, max_length=100, description="ej-vart-ansvar: organisationen som tar över"
    )
    dubblett_av: str | None = Field(
        default=None, max_length=30, description="dubblett: numret på felanmälan den upprepar"
    )


class CategoryRef(BaseModel):
    """A report's category, briefly."""

    kod: str
    namn: str


class ContactOut(BaseModel):
    """The reporter's contact data (removed a while after the report closed)."""

    namn: str | None
    epost: str | None
    telefon: str | None


class PhotoRef(BaseModel):
    """A photo of the report and where to fetch it."""

    nummer: int
    mediatyp: str
    bredd: int
    hojd: int
    href: str


class EventOut(BaseModel):
    """One change of the report: its status, a forward, who and when."""

    tid: datetime
    status: Status
    fran: OrganisationName | None
    till: OrganisationName | None
    utford_av: str | None
    notering: str


class ReportDetails(BaseModel):
    """What only the receiving organisation (and its contractor, and admin) sees."""

    beskrivning: str
    kontakt: ContactOut | None
    anmald_av: str | None = Field(description="Den token som anmälde, annars null (anonym)")
    huvudman: OrganisationName | None
    utforare: OrganisationName | None
    driftomrade: OperationsAreaRef | None
    beslutande_objekt: str | None = Field(description="Skötselobjektet som avgjorde ansvaret")
    regel: str | None
    tvetydig: bool
    protokoll: str | None
    gallrad: datetime | None = Field(description="När kontaktuppgifter och foton togs bort")
    foton: list[PhotoRef]
    handelser: list[EventOut] | None = Field(
        default=None, description="Historiken (bara när en felanmälan visas ensam)"
    )


class PublicEvent(BaseModel):
    """One step of a report's history as anyone may see it: no notes, no names, no contacts."""

    tid: datetime
    status: Status
    status_text: str = Field(description="Statusen på svenska (vid vidarebefordran: till vem)")
    mottagare: OrganisationName | None = Field(description="Organisationen som hade ärendet då")


class ReportOut(BaseModel):
    """A report as anyone may see it; `detaljer` only for those who handle it."""

    nummer: str
    status: Status
    status_text: str = Field(description="Statusen på svenska")
    kategori: CategoryRef
    punkt: PointOut
    mottagare: OrganisationName
    skapad: datetime
    andrad: datetime
    stangd: datetime | None
    dubblett_av: str | None
    lankar: dict[str, str]
    offentlig_historik: list[PublicEvent] | None = Field(
        default=None, description="Statusändringarna, för alla (bara när en felanmälan visas ensam)"
    )
    detaljer: ReportDetails | None = None


class NearbyReport(ReportOut):
    """An open report nearby, with its distance."""

    avstand_m: float


class ReportList(BaseModel):
    """A page of reports, newest first; `lankar.nasta` is the next page."""

    felanmalningar: list[ReportOut]
    antal: int
    lankar: dict[str, str]


class NearbyList(BaseModel):
    """Open reports of the same category within 30 m, nearest first."""

    felanmalningar: list[NearbyReport]
    antal: int


class StatusCount(BaseModel):
    """How many reports have a status."""

    status: Status
    status_text: str
    antal: int


class CategoryTime(BaseModel):
    """The median time to atgardad of one category's reports."""

    kategori: CategoryRef
    antal: int = Field(description="Felanmälningar som blev åtgärdade under perioden")
    median_timmar: float = Field(
        description="Mediantid från att mottagaren fick felanmälan till åtgärdad, i timmar"
    )


class HandlingTimes(BaseModel):
    """The median times to atgardad per category over the last days."""

    dagar: int
    per_kategori: list[CategoryTime]


class Statistics(BaseModel):
    """Counts per status (every status, in order) and the median time to atgardad."""

    antal_per_status: list[StatusCount]
    oppna: int = Field(description="ny, mottagen och pagar")
    totalt: int
    atgardstid: HandlingTimes
