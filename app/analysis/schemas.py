"""Samordningsanalys as the API shows it: quantity rows and the interleaving map."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class Named(BaseModel):
    """An organisation by slug and name."""

    slug: str
    namn: str


class Product(BaseModel):
    """A skötselprodukt by code and name."""

    kod: str
    namn: str


class Scope(BaseModel):
    """Where the quantity lies: the municipality, a driftområde, a trakt, a grid cell, a polygon."""

    indelning: Literal["kommun", "driftomrade", "trakt", "ruta", "polygon"]
    id: str = Field(
        description="kommun; driftområdets id; traktens namn (tomt: på ingen fastighet);"
        " rutans sydvästra hörn i SWEREF 99 TM som E_N; polygon"
    )
    namn: str


class QuantityItem(BaseModel):
    """One huvudman's quantity of one product and quality level within one scope."""

    omrade: Scope
    organisation: Named
    produkt: Product
    kvalitetsniva: str | None
    enhet: Literal["m²", "m", "st"]
    antal_objekt: int = Field(description="Objekt som når in i området (klippta räknas i varje)")
    mangd: float = Field(description="m² eller m inom området (klippt), eller antal punktobjekt")


class Quantities(BaseModel):
    """Quantities per scope × huvudman × product × quality level of the live objects."""

    indelning: Literal["kommun", "driftomrade", "trakt", "ruta", "polygon"]
    ruta_m: int | None = Field(description="Rutornas storlek i meter (bara indelning=ruta)")
    rader: list[QuantityItem]


class PolygonBody(BaseModel):
    """The polygon to sum within."""

    geometri: dict[str, Any] = Field(
        description="GeoJSON Polygon eller MultiPolygon, i WGS84 om inte crs anges"
    )


class OrganisationShare(BaseModel):
    """One organisation's share of the maintained area."""

    slug: str
    namn: str
    andel: float
    yta_m2: float = Field(description="Organisationens skötta yta (m² ytobjekt) i området")
    kr_per_ar: float | None = Field(description="Organisationens kostnad per år; null vid vikt=yta")


class MixProperties(BaseModel):
    """The interleaving within one cell or driftområde."""

    id: str
    namn: str
    yta_m2: float = Field(description="Skött yta (m² ytobjekt) inom området")
    kr_per_ar: float | None = Field(
        description="Kostnad per år till à-prislistan inom området; null vid vikt=yta"
    )
    antal_organisationer: int
    storsta_andel: float
    blandningsindex: float = Field(description="1 − Σ andel², viktat med yta eller kostnad")
    organisationer: list[OrganisationShare]


class MixFeature(BaseModel):
    """A cell or driftområde as a GeoJSON feature (WGS84)."""

    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any]
    properties: MixProperties


class MixClassOut(BaseModel):
    """A class of the mix index as maps draw it: from (inclusive) to (exclusive; 1 included)."""

    fran: float
    till: float
    farg: str = Field(description="Färgen som #rrggbb")
    namn: str


class MixCollection(BaseModel):
    """The interleaving map: a GeoJSON FeatureCollection and the top places."""

    type: Literal["FeatureCollection"]
    indelning: Literal["ruta", "driftomrade"]
    ruta_m: int | None
    vikt: Literal["yta", "kostnad"]
    minsta_yta_m2: float = Field(
        description="Skött yta (m² ytobjekt) ett område behöver för topplistan, vid båda vikterna"
    )
    klasser: list[MixClassOut] = Field(description="Klasserna kartan och rapporten färgar efter")
    features: list[MixFeature]
    topp: list[MixProperties] = Field(description="Högst blandningsindex bland områden med nog yta")
