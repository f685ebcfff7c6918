"""The web map's style document as the API shows it."""

from pydantic import BaseModel, Field


class LeafletOptions(BaseModel):
    """Leaflet's path options for areas and lines."""

    color: str
    weight: float
    dashArray: str | None
    opacity: float
    fill: bool
    fillColor: str
    fillOpacity: float


class Marker(BaseModel):
    """A point's marker in pixels."""

    shape: str
    size: float
    fill: str
    fillOpacity: float
    stroke: str
    strokeWidth: float


class WebStyle(BaseModel):
    """One product: what the legend names and how the map draws it."""

    kod: str
    namn: str
    kategori: str
    geometrityp: str
    enhet: str
    beskrivning: str
    leaflet: LeafletOptions
    markor: Marker | None


class WebStyles(BaseModel):
    """The products in catalogue order and the collection of each geometry kind."""

    produkter: list[WebStyle]
    samlingar: dict[str, str] = Field(description="OGC API-samlingen per geometrityp")
