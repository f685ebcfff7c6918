"""The health check's answer as the API shows it."""

from typing import Literal

from pydantic import BaseModel, Field


class DatabaseOut(BaseModel):
    """One database the service reads: the primary, or a standby (ANSVAR_REPLICA_URLS)."""

    namn: str = Field(description="primär, standby 1, standby 2, …")
    roll: Literal["primär", "standby"]
    status: Literal["ok", "efter", "nere", "inte standby", "okänd"] = Field(
        description="ok: i rotation; efter: ligger mer än ANSVAR_REPLICA_MAX_LAG_S efter;"
        " nere: svarar inte; inte standby: har befordrats; okänd: inte kontrollerad än"
    )
    fordrojning_s: float | None = Field(
        description="Sekunder efter primären vid senaste kontrollen (null för primären)"
    )
    lasningar: int = Field(
        description="Läsningar som tål lite fördröjning som gått hit sedan start (räknas bara"
        " när standbyer är inställda)"
    )


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
    databaser: list[DatabaseOut]
