"""The health check's answer as the API shows it."""

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The database answers: with PostGIS, the schema and the municipality's boundary."""

    status: Literal["ok"]
    databas: Literal["ok"]
    postgis: str = Field(description="PostGIS-versionen")
    schemaversion: str | None = Field(description="Databasschemats senaste migrering")
    kommunkod: str
    kommun: str | None = Field(description="Kommunens namn; null när gränsen saknas")
    kommungrans: Literal["ok", "saknas"]
    varningar: list[str]
