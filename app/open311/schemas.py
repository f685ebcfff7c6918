"""GeoReport v2's documents as pydantic models: they describe the JSON answers in the OpenAPI."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

# The fields of each document, as the specification names them (wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
CREATED_FIELDS = ("service_request_id", "service_notice", "account_id")


class ErrorOut(BaseModel):
    """One error: the HTTP status and what is wrong."""

    code: int
    description: str


class ServiceOut(BaseModel):
    """A service: one of our categories of fault report."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class ServiceDefinitionOut(BaseModel):
    """A service's extra attributes (ours have none)."""

    service_code: str
    attributes: list[dict[str, str]]


class CreatedOut(BaseModel):
    """A request just made: our number is its id (no token needed: it exists at once)."""

    service_request_id: str
    service_notice: str
    account_id: str | None


class TokenOut(BaseModel):
    """The request a token stands for (the token is the request's id)."""

    service_request_id: str
    token: str


class RequestOut(BaseModel):
    """A service request: one of our fault reports; description only for its handlers."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None


class EndpointOut(BaseModel):
    """An endpoint of the discovery document."""

    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[str]


class DiscoveryOut(BaseModel):
    """The discovery document."""

    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


assert tuple(ServiceOut.model_fields) == SERVICE_FIELDS
assert tuple(RequestOut.model_fields) == REQUEST_FIELDS
assert tuple(CreatedOut.model_fields) == CREATED_FIELDS
