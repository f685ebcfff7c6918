"""Configuration, read once from environment variables prefixed ANSVAR_."""

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# The project-local cluster of scripts/local-postgis.sh, which honours the same port variable.
LOCAL_DATABASE_URL = (
    f"postgresql+psycopg://ansvar@127.0.0.1:{os.environ.get('ANSVAR_PG_PORT', '55432')}"
    "/ansvarskartan"
)


class Settings(BaseSettings):
    """All settings of the service; every field can be set as ANSVAR_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="ANSVAR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=LOCAL_DATABASE_URL,
        description="SQLAlchemy URL of the PostGIS database (driver postgresql+psycopg).",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    pool_max_overflow: int = Field(default=10, ge=0, le=200)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    municipality_code: str = Field(default="0126", description="SCB kommunkod of the municipality.")
    public_read: bool = Field(
        default=True, description="Reading the map and the answers is open to everyone."
    )
    basemap_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Tile URL template of the map's base map; empty for none.",
    )
    basemap_attribution: str = Field(
        default='© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bidragsgivare'
    )
    snap_point_m: float = Field(default=10.0, gt=0, le=100, description="Rule 1: point objects.")
    snap_line_m: float = Field(default=3.0, gt=0, le=100, description="Rule 2: line objects.")
    area_gap_m: float = Field(default=15.0, ge=0, le=200, description="Rule 4: nearby areas.")
    ambiguity_m: float = Field(
        default=5.0, ge=0, le=100, description="Another organisation this close: ambiguous."
    )


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()


def describe_url(url: str) -> str:
    """host:port/database of a database URL, without credentials, for messages."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
