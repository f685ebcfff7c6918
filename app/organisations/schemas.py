"""Organisations and their contacts as data."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.text_limits import (
    EMAIL_LENGTH,
    FREE_TEXT_LENGTH,
    NAME_LENGTH,
    PHONE_LENGTH,
    SHORT_TEXT_LENGTH,
    SLUG_LENGTH,
    ContactLink,
    WebAddress,
)

OrganisationType = Literal[
    "kommun", "forvaltning", "kommunalt_bolag", "entreprenor", "stat", "privat", "forening"
]
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
GUIDANCE = (
    "Vägledning: vad den som frågar bör göra när organisationen är svaret, t.ex. vem som"
    " besvarar frågor om privat mark"
)


class Contact(BaseModel):
    """One way to reach an organisation."""

    model_config = ConfigDict(from_attributes=True)

    roll: str = Field(max_length=NAME_LENGTH)
    telefon: str | None = Field(default=None, max_length=PHONE_LENGTH)
    epost: str | None = Field(default=None, max_length=EMAIL_LENGTH)
    felanmalan_url: ContactLink | None = None
    oppettider: str | None = Field(default=None, max_length=FREE_TEXT_LENGTH)
    exempeldata: bool = False


class OrganisationIn(BaseModel):
    """An organisation as written in data files."""

    slug: str = Field(pattern=SLUG_PATTERN, max_length=SLUG_LENGTH)
    namn: str = Field(min_length=1, max_length=NAME_LENGTH)
    kortnamn: str | None = Field(default=None, max_length=SHORT_TEXT_LENGTH)
    typ: OrganisationType
    overordnad: str | None = Field(
        default=None, description="slug of the parent organisation", max_length=SLUG_LENGTH
    )
    organisationsnummer: str | None = Field(default=None, max_length=SHORT_TEXT_LENGTH)
    webbplats: WebAddress | None = None
    vagledning: str | None = Field(
        default=None, min_length=1, max_length=FREE_TEXT_LENGTH, description=GUIDANCE
    )
    kontakter: list[Contact] = Field(default=[], max_length=SHORT_TEXT_LENGTH)


class OrganisationOut(BaseModel):
    """An organisation as the API shows it."""

    slug: str
    namn: str
    kortnamn: str | None
    typ: OrganisationType
    overordnad: str | None
    webbplats: str | None
    vagledning: str | None = Field(default=None, description=GUIDANCE)
    kontakter: list[Contact]
