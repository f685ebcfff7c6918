"""HTTP: the organisations that own and maintain land, with contacts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.access.principal import Principal, ReadAccess, require_role
from app.access.writer import mark_session_writer
from app.core.db import SessionDep
from app.core.errors import InvalidInput
from app.models import Organisation
from app.organisations.schemas import Contact, OrganisationIn, OrganisationOut
from app.organisations.service import upsert_organisations

router = APIRouter(tags=["organisationer"], dependencies=[ReadAccess])


@router.get(
    "/organisationer",
    summary="Organisationer som äger eller sköter mark, med kontaktuppgifter",
    response_model=list[OrganisationOut],
)
async def list_organisations(session: SessionDep) -> list[OrganisationOut]:
    """Every organisation with its contacts, ordered by name."""
    parent = aliased(Organisation)
    rows = (
        await session.execute(
            select(Organisation, parent.slug)
            .outerjoin(parent, Organisation.overordnad_id == parent.id)
            .options(selectinload(Organisation.kontakter))
            .order_by(Organisation.namn)
        )
    ).all()
    return [
        OrganisationOut(
            slug=org.slug,
            namn=org.namn,
            kortnamn=org.kortnamn,
            typ=org.typ,
            overordnad=parent_slug,
            webbplats=org.webbplats,
            kontakter=[Contact.model_validate(c) for c in org.kontakter],
        )
        for org, parent_slug in rows
    ]


@router.put(
    "/organisationer/{slug}", summary="Skapa eller ändra en organisation med kontakter (admin)"
)
async def save(
    slug: str,
    organisation: OrganisationIn,
    who: Annotated[Principal, Depends(require_role("admin"))],
    session: SessionDep,
    orsak: Annotated[str, Query(min_length=3)],
) -> Response:
    """The organisation as given; its contacts are replaced."""
    if organisation.slug != slug:
        raise InvalidInput(
            f"Slug i adressen ({slug}) och i kroppen ({organisation.slug}) skiljer sig."
        )
    await mark_session_writer(session, who, orsak)
    await session.run_sync(lambda s: upsert_organisations(s.connection(), [organisation]))
    return Response(status_code=204)
