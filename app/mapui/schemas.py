"""What the staff map asks of the API: its settings and search suggestions."""

from typing import Literal

from pydantic import BaseModel, Field


class BaseMap(BaseModel):
    """The background map's tile address and attribution."""

    url: str
    attribution: str


class MapSettings(BaseModel):
    """The map's settings; no background map when it is null."""

    bakgrundskarta: BaseMap | None


class Suggestion(BaseModel):
    """A parcel or an organisation, and where it is."""

    typ: Literal["fastighet", "organisation"]
    namn: str
    slug: str | None = Field(default=None, description="Organisationens slug")
    bbox: list[float] | None = Field(
        description="Västra, södra, östra, norra kanten (WGS84); null när den saknar objekt"
    )
    punkt: list[float] | None = Field(
        default=None,
        description="En punkt inuti fastigheten (lon, lat, WGS84), där kartan frågar om ansvar",
    )
    fastighetsytor: list[str] | None = Field(
        default=None,
        description="Fastighetens ytor: deras id i OGC-samlingen fastigheter, största först",
    )


class Suggestions(BaseModel):
    """Suggestions as you type: parcels first, then organisations."""

    forslag: list[Suggestion]
