"""Organisations and their contacts as data."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OrganisationType = Literal[
    "kommun", "forvaltning", "kommunalt_bolag", "entreprenor", "stat", "privat", "forening"
]


class Contact(BaseModel):
    """One way to reach an organisation."""

    model_config = ConfigDict(from_attributes=True)

    roll: str
    telefon: str | None = None
    epost: str | None = None
    felanmalan_url: str | None = None
    oppettider: str | None = None
    exempeldata: bool = False


class OrganisationIn(BaseModel):
    """An organisation as written in data files."""

    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    namn: str = Field(min_length=1)
    kortnamn: str | None = None
    typ: OrganisationType
    overordnad: str | None = Field(default=None, description="slug of the parent organisation")
    organisationsnummer: str | None = None
    webbplats: str | None = None
    kontakter: list[Contact] = []


class OrganisationOut(BaseModel):
    """An organisation as the API shows it."""

    slug: str
    namn: str
    kortnamn: str | None
    typ: OrganisationType
    overordnad: str | None
    webbplats: str | None
    kontakter: list[Contact]
