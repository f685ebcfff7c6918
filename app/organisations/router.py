"""HTTP: the organisations that own and maintain land, with contacts."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.access.principal import ReadAccess
from app.db import SessionDep
from app.models import Organisation
from app.organisations.schemas import Contact, OrganisationOut

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
