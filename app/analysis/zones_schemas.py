"""Neighbouring work and coordination zones as the API shows them."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class MatrixCell(BaseModel):
    """How organisation a's maintenance touches organisation b's."""

    a: str = Field(description="Organisationens slug (huvudman)")
    b: str = Field(description="Den andra organisationens slug")
    gemensam_grans_m: float = Field(
        description="Medelvärdet av längden av a:s ytobjekts gränser inom toleransen från b:s"
        " ytobjekt och längden av b:s inom toleransen från a:s (symmetriskt)"
    )
    objekt_nara: int = Field(
        description="Antal av a:s objekt inom avståndet från något av b:s objekt (riktat)"
    )


class PlaceProperties(BaseModel):
    """Where two organisations' area objects meet."""

    a: str
    b: str
    langd_m: float


class PlaceFeature(BaseModel):
    """A stretch of shared boundary as a GeoJSON line in WGS84."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: PlaceProperties


class Places(BaseModel):
    """The longest stretches of shared boundary, longest first."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[PlaceFeature]


class NeighbourMatrix(BaseModel):
    """The organisation × organisation matrix of neighbouring work."""

    tolerans_m: float
    avstand_m: float
    organisationer: list[str] = Field(description="Huvudmän med gällande objekt, efter slug")
    matris: list[MatrixCell] = Field(description="Varje ordnat par av olika organisationer")
    platser: Places


class ZoneQuantity(BaseModel):
    """One huvudman's quantity of one product and quality level in a zone (whole objects)."""

    organisation: str
    produkt: str
    kvalitetsniva: str | None
    enhet: Literal["m²", "m", "st"]
    antal_objekt: int
    mangd: float


class ZoneCrew(BaseModel):
    """A performer that works in the zone today."""

    organisation: str
    namn: str
    antal_objekt: int
    driftomraden: list[str] = Field(
        description="Driftområden det sker inom; tom lista: huvudmannens egen enhet"
    )


class ZoneProperties(BaseModel):
    """A zone's key, rank, quantities and crews."""

    zon_id: str = Field(
        description="md5 av medlemmarnas objekt-id, sorterade: samma för samma medlemmar vid"
        " samma avstånd, nytt när data flyttar ett objekt in eller ut"
    )
    rang: int
    antal_objekt: int
    organisationer: list[str]
    antal_lag: int
    lag: list[ZoneCrew]
    samlad_mangd_m2: float = Field(description="m² + m × 1 m² + st × 10 m² (se omrakning_m2)")
    poang: float = Field(description="samlad_mangd_m2 × antal_lag; zonerna rangordnas efter den")
    kr_per_ar: float = Field(description="Zonens kostnad per år till à-prislistan (rader med pris)")
    rader_utan_pris: int = Field(description="Mängdrader utan pris, som inte ingår i kr_per_ar")
    mangder: list[ZoneQuantity]


class ZoneFeature(BaseModel):
    """A zone: the convex hull of its objects (1 m wide when they lie on a line), WGS84."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: ZoneProperties


class ZoneParameters(BaseModel):
    """How the zones were made."""

    avstand_m: float
    minpunkter: int
    omrakning_m2: dict[str, float] = Field(
        description="Hur m², m och st räknas om till en samlad mängd i m²"
    )


class ZoneCollection(BaseModel):
    """The top zones, ranked."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    parametrar: ZoneParameters
    antal_zoner: int = Field(description="Alla zoner med två eller fler huvudmän eller utförare")
    features: list[ZoneFeature]
