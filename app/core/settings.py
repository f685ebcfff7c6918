"""Configuration, read once from environment variables prefixed ANSVAR_."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from app.core.paths import DATA_DIR, REPO_ROOT

# The roles of the project-local cluster of scripts/local-postgis.sh: the owner (the cluster's
# bootstrap superuser) migrates and creates databases; the service connects as the other.
LOCAL_OWNER_ROLE = "ansvar"
LOCAL_SERVICE_ROLE = "ansvar_service"


def local_database_url(
    database: str = "ansvarskartan",
    *,
    owner: bool = False,
    state: Path | None = None,
    port: int | None = None,
) -> str:
    """URL of a database of the local cluster; the password is in the cluster's passfile.

    state and port default to what scripts/local-postgis.sh uses (ANSVAR_PG_STATE, ANSVAR_PG_PORT).
    """
    state = state or Path(os.environ.get("ANSVAR_PG_STATE") or REPO_ROOT / ".pgdata")
    return URL.create(
        "postgresql+psycopg",
        username=LOCAL_OWNER_ROLE if owner else LOCAL_SERVICE_ROLE,
        host="127.0.0.1",
        port=port or int(os.environ.get("ANSVAR_PG_PORT") or 55432),
        database=database,
        query={"passfile": str(state / "pgpass")},
    ).render_as_string(hide_password=False)


LOCAL_DATABASE_URL = local_database_url()
LOCAL_MIGRATION_DATABASE_URL = local_database_url(owner=True)


class Settings(BaseSettings):
    """All settings of the service; every field can be set as ANSVAR_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="ANSVAR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=LOCAL_DATABASE_URL,
        description="SQLAlchemy URL of the PostGIS database (driver postgresql+psycopg) for the"
        " service's own role, which should be no superuser; `migrate` grants it what it needs.",
    )
    migration_database_url: str = Field(
        default="",
        description="URL of the role that owns the schema: migrations, the demo, imports from the"
        " command line. Empty: the local cluster's owner while database_url is the local"
        " default, else database_url itself.",
    )
    replica_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="URLs of PostgreSQL hot standbys of database_url, comma-separated: reads"
        " that tolerate a little lag (resolve, OGC items and tiles, styles, public report"
        " pages) go to them; empty: every read goes to database_url.",
    )
    replica_max_lag_s: float = Field(
        default=5.0,
        gt=0,
        description="A standby further behind the primary than this is taken out of rotation.",
    )
    replica_check_s: float = Field(
        default=1.0, gt=0, description="How often each standby's state and lag are checked."
    )
    read_your_writes_s: float = Field(
        default=60.0,
        gt=0,
        description="After a write, the writer's lagging reads wait for a standby that has"
        " replayed it, or go to the primary, for at most this long.",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    pool_max_overflow: int = Field(default=10, ge=0, le=200)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    analysis_timeout_ms: int = Field(
        default=600_000,
        ge=0,
        description="Statement timeout of the coordination analysis' whole-municipality"
        " statements (computed once per data version, then kept).",
    )
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
    base_url: str = Field(
        default="",
        description="The service's public address (https://host[/prefix]) for absolute links.",
    )
    allowed_hosts: str = Field(
        default="localhost,127.0.0.1",
        description="Host names whose Host header may appear in links when base_url is empty.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Proxy addresses whose X-Forwarded-For and -Proto are believed (comma list).",
    )
    rate_limit_per_s: float = Field(
        default=0.0, ge=0, description="Requests per second per client address; 0 = no limit."
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests a client may make at once before the rate holds."
    )
    body_idle_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Longest silence while a request's head or body arrives; then 408.",
    )
    keep_alive_timeout_s: int = Field(
        default=5, ge=1, le=300, description="An idle kept-alive connection is closed after this."
    )
    anonyma_felanmalan: bool = Field(
        default=True,
        description="Fault reports may be made without a token (with optional contact details).",
    )
    gallring_dagar: int = Field(
        default=365,
        ge=1,
        le=36_500,
        description="Days after a fault report is closed before its reporter's contact data and"
        " photos are removed.",
    )
    anonyma_felanmalan_per_minut: int = Field(
        default=10,
        ge=0,
        le=10_000,
        description="Anonymous fault reports per minute per client address; 0 = no limit.",
    )
    retention_in_service: bool = Field(
        default=True,
        description="Each service process removes old personal data at start and then daily.",
    )
    smtp_host: str = Field(
        default="",
        description="The SMTP server fault reports are mailed through; empty: e-mails wait.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(
        default=True, description="Require STARTTLS before logging in and sending."
    )
    smtp_user: str = Field(default="", description="SMTP login; empty: no login.")
    smtp_password: SecretStr = Field(default=SecretStr(""))
    mail_from: str = Field(
        default="",
        description="The sender of the e-mails (Ansvarskartan <felanmalan@…>); needed with"
        " smtp_host.",
    )
    delivery_in_service: bool = Field(
        default=True,
        description="Each service process runs the delivery worker (e-mails and webhooks of"
        " fault reports); off: run `ansvarskartan felanmalan leverera` instead.",
    )
    delivery_poll_s: float = Field(
        default=5.0, gt=0, description="How often the worker looks for due deliveries."
    )
    delivery_batch_size: int = Field(default=10, ge=1, le=1000)
    delivery_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Longest wait on an SMTP server or a webhook."
    )
    delivery_lease_s: float = Field(
        default=300.0,
        gt=0,
        description="A claimed delivery is another worker's again after this (the claimer died).",
    )
    delivery_retry_base_s: float = Field(
        default=30.0, gt=0, description="The wait after a first failure; it doubles each time."
    )
    delivery_retry_max_s: float = Field(default=3600.0, gt=0)
    delivery_max_attempts: int = Field(
        default=20, ge=1, description="After this many failures a delivery is given up (avbruten)."
    )
    oidc_issuer: str = Field(
        default="",
        description="The OpenID Connect provider's issuer (https://login.microsoftonline.com/"
        "<tenant>/v2.0 for Entra ID); its /.well-known/openid-configuration is read. Empty: no"
        " sign-in with an organisation account.",
    )
    oidc_client_id: str = Field(default="", description="This service's client id at the provider.")
    oidc_client_secret: SecretStr = Field(
        default=SecretStr(""), description="The client secret; empty for a public client (PKCE)."
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="The scopes asked for (space-separated)."
    )
    oidc_claim: str = Field(
        default="groups",
        description="The claim whose values give role and organisation (Entra ID: groups, or"
        " roles for the application's app roles).",
    )
    oidc_mapping_file: Path = Field(
        default=DATA_DIR / "oidc_roller.csv",
        description="CSV of claim value → role and organisation (varde,roll,organisation); the"
        " first row in the file whose value the user has decides.",
    )
    signin_with_token: bool = Field(
        default=True,
        description="A browser may sign in with an API token (POST /inloggning/token).",
    )
    session_idle_minutes: int = Field(
        default=120, ge=1, le=7 * 24 * 60, description="A session unused this long ends."
    )
    session_max_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="A session ends this long after sign-in."
    )
    session_cookie_secure: bool = Field(
        default=True,
        description="The session cookie is Secure (sent over HTTPS only; browsers also send it to"
        " http://localhost and 127.0.0.1). Off only for a demo on plain http elsewhere.",
    )

    @field_validator("replica_urls", mode="before")
    @classmethod
    def _split_replica_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value

    @property
    def owner_database_url(self) -> str:
        """The URL of the schema's owner (see migration_database_url)."""
        if self.migration_database_url:
            return self.migration_database_url
        if self.database_url == LOCAL_DATABASE_URL:
            return LOCAL_MIGRATION_DATABASE_URL
        return self.database_url

    @property
    def service_role(self) -> str | None:
        """The role the service connects as, when it is not the owner's; else None."""
        service = make_url(self.database_url).username
        return (
            service if service and service != make_url(self.owner_database_url).username else None
        )


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()


def describe_url(url: str) -> str:
    """host:port/database of a database URL, without credentials, for messages."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
