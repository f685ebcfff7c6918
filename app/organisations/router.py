"""HTTP: the organisations that own and maintain land, with contacts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal, ReadAccess, require_role
from app.access.writer import written_by
from app.core.db import SyncEngineDep, in_transaction
from app.core.problems import InvalidInput
from app.core.text_limits import REASON_LENGTH
from app.organisations.schemas import OrganisationIn, OrganisationOut
from app.organisations.service import list_organisations as stored_organisations
from app.organisations.service import upsert_organisations

router = APIRouter(tags=["organisationer"], dependencies=[ReadAccess])


@router.get(
    "/organisationer",
    summary="Organisationer som äger eller sköter mark, med kontaktuppgifter",
    response_model=list[OrganisationOut],
)
async def list_organisations(engine: SyncEngineDep) -> list[OrganisationOut]:
    """Every organisation with its contacts, ordered by name."""
    organisations = await run_in_threadpool(in_transaction, engine, stored_organisations)
    return [
        OrganisationOut.model_validate(org.model_dump(exclude={"organisationsnummer"}))
        for org in organisations
    ]


@router.put(
    "/organisationer/{slug}",
    summary="Skapa eller ändra en organisation med kontakter (admin)",
    status_code=204,
)
async def save(
    slug: str,
    organisation: OrganisationIn,
    who: Annotated[Principal, Depends(require_role("admin"))],
    engine: SyncEngineDep,
    orsak: Annotated[str, Query(min_length=3, max_length=REASON_LENGTH)],
) -> Response:
    """The organisation as given; its contacts are replaced."""
    if organisation.slug != slug:
        raise InvalidInput(
            f"Slug i adressen ({slug}) och i kroppen ({organisation.slug}) skiljer sig."
        )
    work = written_by(who, orsak, lambda conn: upsert_organisations(conn, [organisation]))
    await run_in_threadpool(in_transaction, engine, work)
    return Response(status_code=204)
