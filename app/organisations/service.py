"""Creating and updating organisations and their contacts."""

from pathlib import Path
from typing import cast

from pydantic import TypeAdapter
from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects.postgresql import insert

from app.errors import InvalidInput
from app.models import Kontakt, Organisation
from app.organisations.schemas import OrganisationIn

_ORGS = TypeAdapter(list[OrganisationIn])


def read_organisations(path: Path) -> list[OrganisationIn]:
    """Organisations from a JSON file (a list of objects)."""
    return _ORGS.validate_json(path.read_bytes())


def _parents_first(organisations: list[OrganisationIn], existing: set[str]) -> list[OrganisationIn]:
    ordered: list[OrganisationIn] = []
    placed = set(existing)
    pending = list(organisations)
    while pending:
        ready = [o for o in pending if o.overordnad is None or o.overordnad in placed]
        if not ready:
            raise InvalidInput("organisationernas över- och underordning bildar en cirkel")
        ordered += ready
        placed |= {o.slug for o in ready}
        pending = [o for o in pending if o not in ready]
    return ordered


def upsert_organisations(conn: Connection, organisations: list[OrganisationIn]) -> dict[str, int]:
    """Create or update organisations by slug, replacing their contacts; return slug → id."""
    org_table = cast(Table, Organisation.__table__)
    ids: dict[str, int] = dict(conn.execute(select(Organisation.slug, Organisation.id)).all())
    known = set(ids) | {o.slug for o in organisations}
    for org in organisations:
        if org.overordnad and org.overordnad not in known:
            raise InvalidInput(f"{org.slug}: överordnad organisation {org.overordnad} finns inte")
    for org in _parents_first(organisations, set(ids)):
        values = org.model_dump(exclude={"kontakter", "overordnad"})
        values["overordnad_id"] = ids.get(org.overordnad) if org.overordnad else None
        statement = insert(org_table).values(values)
        upsert = statement.on_conflict_do_update(
            index_elements=["slug"], set_={k: statement.excluded[k] for k in values if k != "slug"}
        ).returning(org_table.c.id)
        org_id: int = conn.execute(upsert).scalar_one()
        ids[org.slug] = org_id
        conn.execute(delete(Kontakt).where(Kontakt.organisation_id == org_id))
        if org.kontakter:
            conn.execute(
                insert(cast(Table, Kontakt.__table__)),
                [
                    {**c.model_dump(), "organisation_id": org_id, "sortering": n}
                    for n, c in enumerate(org.kontakter)
                ],
            )
    return ids


def organisation_ids(conn: Connection) -> dict[str, int]:
    """slug → id of every organisation."""
    return dict(conn.execute(select(Organisation.slug, Organisation.id)).all())
