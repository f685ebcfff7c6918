"""The responsibility answer as the API shows it (Swedish field names, as users read them)."""

from datetime import date

from pydantic import BaseModel, Field

from app.core.problems import Problem
from app.organisations.schemas import GUIDANCE, Contact


class OrganisationRef(BaseModel):
    """An organisation with the contacts to reach it and what to do when it is the answer."""

    slug: str
    namn: str
    kortnamn: str | None = None
    typ: str
    vagledning: str | None = Field(default=None, description=GUIDANCE)
    kontakter: list[Contact] = []


class OrganisationName(BaseModel):
    """An organisation, briefly."""

    slug: str
    namn: str


class OperationsAreaRef(BaseModel):
    """The operations area whose contract covers the point."""

    id: int
    namn: str


class Performer(BaseModel):
    """Who does the work: the contractor or in-house unit of the operations area."""

    organisation: OrganisationRef
    driftomrade: OperationsAreaRef
    avtal_fran: date
    avtal_till: date | None
    egen_regi: bool = Field(description="true när beställaren utför arbetet själv")


class Landowner(BaseModel):
    """The parcel covering the point and who owns it."""

    fastighetsbeteckning: str
    agare: list[OrganisationRef]
    agare_okand: bool


class ObjectRef(BaseModel):
    """A maintenance object."""

    id: str = Field(description="objektets stabila id (samma över versioner)")
    extern_id: str | None = Field(description="organisationens eget id")
    kod: str
    namn: str
    geometrityp: str


class CandidateOut(BaseModel):
    """A runner-up: another object the rules considered."""

    regel: str
    avstand_m: float
    objekt: ObjectRef
    huvudman: OrganisationName


class AmbiguityOut(BaseModel):
    """Another responsible organisation close to the point, and through what."""

    organisation: OrganisationRef = Field(description="den andra organisationen, med kontakter")
    avstand_m: float = Field(description="avstånd från punkten till objektet eller fastigheten")
    vad: str = Field(description="objektets skötselprodukt eller fastighetens beteckning")
    objekt: ObjectRef | None = Field(
        default=None, description="objektet som den andra organisationen sköter (att markera)"
    )
    fastighetsbeteckning: str | None = Field(
        default=None, description="fastigheten som den andra organisationen äger"
    )


class PointOut(BaseModel):
    """The point asked about, in WGS84 and in SWEREF 99 TM."""

    lon: float
    lat: float
    x: float = Field(description="E, EPSG:3006")
    y: float = Field(description="N, EPSG:3006")


class Answer(BaseModel):
    """Who maintains this point, who does the work, who owns the land, and why."""

    punkt: PointOut
    datum: date
    regel: str = Field(description="regeln som avgjorde (kod för GIS-användare)")
    avstand_m: float | None
    noggrannhet_m: float = Field(
        description="klickets tolerans som användes: punkt- och linjeobjekt inom den avgör"
    )
    forklaring: str = Field(description="svaret i klartext")
    huvudman: OrganisationRef | None
    utforare: Performer | None
    markagare: Landowner | None
    objekt: ObjectRef | None
    kandidater: list[CandidateOut]
    tvetydig: bool
    tvetydig_orsak: str | None = None
    tvetydig_med: list[AmbiguityOut] = []


class BatchAnswer(Answer):
    """A batch row's answer, under the row's id."""

    id: str


class BatchError(BaseModel):
    """A batch row that could not be answered, and why."""

    id: str
    fel: Problem


class BatchAnswers(BaseModel):
    """Every row of a batch, in input order."""

    svar: list[BatchAnswer | BatchError]
    antal: int


class BatchGroup(BaseModel):
    """The rows one organisation is accountable for."""

    huvudman: OrganisationRef
    punkter: list[BatchAnswer]
    antal: int


class GroupedBatchAnswers(BaseModel):
    """A batch grouped by accountable organisation (a safety walk's protocol)."""

    grupper: list[BatchGroup]
    utan_huvudman: list[BatchAnswer | BatchError]
    antal: int
