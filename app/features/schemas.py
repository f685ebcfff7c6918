"""The documents of /ogc as the API description shows them (the bodies are built elsewhere).

Pages, features and tiles are written by PostgreSQL and passed through as bytes; these models
describe them for OpenAPI and for the tests that hold the answers to them.
"""

from typing import Any, Literal

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.features.responses import GEOJSON, MVT

JSON_SCHEMA = "application/schema+json"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"


class GeoJsonResponse(JSONResponse):
    """A GeoJSON body (RFC 7946)."""

    media_type = GEOJSON


class JsonSchemaResponse(JSONResponse):
    """A JSON Schema document."""

    media_type = JSON_SCHEMA


class OpenApiResponse(JSONResponse):
    """An OpenAPI 3.0 document."""

    media_type = OPENAPI_30


class Link(BaseModel):
    """A web link (RFC 8288) as OGC API writes it."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None
    templated: bool | None = None


class LandingPage(BaseModel):
    """The start of the OGC API: what it is and where its parts are."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """The conformance classes the API implements."""

    conformsTo: list[str]


class SpatialExtent(BaseModel):
    """Where the collection's features are."""

    bbox: list[list[float]] = Field(description="Västra, södra, östra, norra kanten (CRS84)")
    crs: str


class TemporalExtent(BaseModel):
    """When the collection's features hold; open at both ends."""

    interval: list[list[str | None]]


class Extent(BaseModel):
    """A collection's extent in space, and in time for the versioned ones."""

    spatial: SpatialExtent
    temporal: TemporalExtent | None = None


class CollectionInfo(BaseModel):
    """One collection: what it holds, its extent, CRS and links."""

    id: str
    title: str
    description: str
    itemType: Literal["feature"]
    geometryType: str
    extent: Extent
    crs: list[str]
    storageCrs: str
    links: list[Link]
    filtreringsparametrar: list[str] | None = Field(
        default=None, description="Egenskaper att filtrera objekten på (se queryables)"
    )


class Collections(BaseModel):
    """Every collection the API serves."""

    links: list[Link]
    collections: list[CollectionInfo]


class Geometry(BaseModel):
    """A GeoJSON geometry; coordinates in the axis order of the response's Content-Crs."""

    type: str
    coordinates: list[Any]


class Feature(BaseModel):
    """One feature: its stable id, geometry and properties."""

    type: Literal["Feature"]
    id: str | int
    geometry: Geometry
    properties: dict[str, Any]
    links: list[Link] | None = None


class FeatureCollection(BaseModel):
    """A page of features, with links to the next and previous pages."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberReturned: int
    numberMatched: int | None = Field(
        default=None, description="Alla träffar; bara när det är billigt eller efterfrågat"
    )
    links: list[Link]


class Queryable(BaseModel):
    """One property the items can be filtered on, as JSON Schema."""

    model_config = ConfigDict(extra="allow")

    title: str
    description: str
    type: str


class Queryables(BaseModel):
    """The filterable properties of a collection (OGC API – Features Part 3), as JSON Schema."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, Queryable]
    additionalProperties: bool


class MvtResponse(Response):
    """A Mapbox Vector Tile."""

    media_type = MVT
