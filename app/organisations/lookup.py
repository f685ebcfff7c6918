"""Finding an organisation by its slug, with an error that says what to do when it is missing."""

from sqlalchemy import Connection

from app.core.problems import NotFound
from app.organisations.service import organisation_ids

CREATE_COMMAND = "ansvarskartan organisation skapa"


def unknown_organisation(known: dict[str, int] | list[str], slug: str) -> NotFound:
    """The error for a slug that names no organisation: the known slugs and how to add one."""
    names = ", ".join(sorted(known)) or "inga"
    return NotFound(
        f"Organisationen '{slug}' finns inte. Kända organisationer: {names}. "
        f"Skapa en ny med `{CREATE_COMMAND}` (eller importera flera med "
        "`ansvarskartan organisation importera FIL.json`)."
    )


def organisation_id_of(conn: Connection, slug: str) -> int:
    """The id of the organisation with this slug; unknown is an error naming the known ones."""
    known = organisation_ids(conn)
    if slug not in known:
        raise unknown_organisation(known, slug)
    return known[slug]
