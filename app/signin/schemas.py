"""The answer of GET /api/v1/inloggning (frontend/src/session.js reads it)."""

from pydantic import BaseModel, Field


class OrganisationRef(BaseModel):
    """The signed-in user's organisation."""

    id: int
    slug: str
    namn: str


class SessionOut(BaseModel):
    """Who is signed in in this browser, and how one may sign in here."""

    inloggad: bool
    namn: str | None = None
    epost: str | None = None
    roll: str | None = None
    organisation: OrganisationRef | None = None
    csrf: str | None = Field(
        default=None, description="Skickas som X-CSRF-Token med varje ändring från webbläsaren."
    )
    oidc: bool = Field(description="Inloggning med organisationskonto (OpenID Connect) finns.")
    token: bool = Field(description="Inloggning med en API-token finns.")
