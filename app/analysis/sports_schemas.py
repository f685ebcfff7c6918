"""The sports facilities preset as the API shows it."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.analysis.schemas import Named, Product


class SportsQuantity(BaseModel):
    """A quantity of one Idrott product and quality level."""

    produkt: str
    kvalitetsniva: str | None
    enhet: Literal["m²", "m", "st"]
    antal_objekt: int
    mangd: float


class FacilityQuantity(SportsQuantity):
    """A principal's quantity within a facility."""

    organisation: str


class Principal(BaseModel):
    """One principal's Idrott quantities and their annual cost."""

    organisation: Named
    mangder: list[SportsQuantity]
    kr_per_ar: float | None = Field(description="Till à-prislistan; null när inget har pris")


class FacilityProperties(BaseModel):
    """A sports facility: Idrott objects within the distance of each other."""

    id: str = Field(description="md5 av medlemmarnas objekt_id")
    rang: int
    namn: str = Field(description="Fastigheten under den största ytan")
    huvudman: list[str]
    flera_huvudman: bool
    yta_m2: float
    mangder: list[FacilityQuantity]


class FacilityFeature(BaseModel):
    """A facility as a GeoJSON feature (WGS84)."""

    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any]
    properties: FacilityProperties


class Facilities(BaseModel):
    """The facilities, those with several principals first."""

    type: Literal["FeatureCollection"]
    features: list[FacilityFeature]


class SportsPreset(BaseModel):
    """Idrottsanläggningar per huvudman."""

    produktgrupp: str
    avstand_m: float
    produkter: list[Product]
    per_huvudman: list[Principal]
    antal_anlaggningar: int
    anlaggningar_med_flera_huvudman: int
    anlaggningar: Facilities
    exempeldata: bool
    anmarkning: str
