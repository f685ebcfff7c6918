"""Creating and updating organisations and their contacts."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from app.core.problems import InvalidInput
from app.core.text_limits import LINK_PROBLEMS
from app.models import Kontakt, Organisation
from app.organisations.schemas import SLUG_PATTERN, Contact, OrganisationIn, OrganisationType

_ORGANISATION_FIELDS = tuple(OrganisationIn.model_fields)
_CONTACT_FIELDS = tuple(Contact.model_fields)
# The name of one item of a list field, for messages ("kontakt 2: roll saknas").
_ITEM_NAMES = {"kontakter": "kontakt"}
# A value quoted in a message is cut here: the message must stay one readable line.
_QUOTED_LENGTH = 60
_PATTERN_PROBLEMS = {
    SLUG_PATTERN: "får bara ha små bokstäver a–z, siffror och bindestreck mellan dem,"
    " t.ex. parkenheten",
    **LINK_PROBLEMS,
}


def _value(value: Any) -> str:
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _QUOTED_LENGTH else text[: _QUOTED_LENGTH - 1] + "…"


def _problem(error: ErrorDetails) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "missing":
        return "saknas"
    if kind == "literal_error":
        allowed = ", ".join(get_args(OrganisationType))
        return f"ska vara en av {allowed} (inte {_value(given)})"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern"))
        problem = _PATTERN_PROBLEMS.get(pattern, "har ett ogiltigt format")
        return f"{problem} (inte {_value(given)})"
    if kind == "string_too_short":
        return "får inte vara tomt"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        length = len(given) if isinstance(given, str) else "fler"
        return f"får vara högst {limit} tecken (är {length})"
    if kind == "too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"får ha högst {limit} poster"
    if kind == "string_type":
        return f"ska vara text (inte {_value(given)})"
    if kind == "list_type":
        return "ska vara en lista ([…])"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "ska vara ett objekt ({…})"
    if kind in ("bool_type", "bool_parsing"):
        return f"ska vara true eller false (inte {_value(given)})"
    return f"har ett ogiltigt värde: {_value(given)}"


def _location(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] = f"{_ITEM_NAMES.get(parts[-1], parts[-1])} {part + 1}:"
        else:
            parts.append(str(part))
    return " ".join(parts)


def validation_message(exc: ValidationError) -> str:
    """The first error of a validation, as one Swedish line (with how many more there are)."""
    errors = exc.errors()
    first = errors[0]
    line = f"{_location(first['loc'])} {_problem(first)}".strip()
    if len(errors) > 1:
        line += f" (och {len(errors) - 1} fel till)"
    return line


def validate_organisation(data: dict[str, Any]) -> OrganisationIn:
    """One organisation from plain data; a mistake is an InvalidInput in one Swedish line."""
    try:
        return OrganisationIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_message(exc)) from None


def validate_contact(data: dict[str, Any]) -> Contact:
    """One contact from plain data; a mistake is an InvalidInput in one Swedish line."""
    try:
        return Contact.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_message(exc)) from None


def _unknown_fields(item: dict[str, Any]) -> str | None:
    unknown = [k for k in item if k not in _ORGANISATION_FIELDS]
    if unknown:
        return f"okänt fält {', '.join(unknown)} (fälten är {', '.join(_ORGANISATION_FIELDS)})"
    contacts = item.get("kontakter")
    for n, contact in enumerate(contacts if isinstance(contacts, list) else [], start=1):
        unknown = (
            [k for k in contact if k not in _CONTACT_FIELDS] if isinstance(contact, dict) else []
        )
        if unknown:
            return (
                f"kontakt {n}: okänt fält {', '.join(unknown)}"
                f" (fälten är {', '.join(_CONTACT_FIELDS)})"
            )
    return None


def parse_organisations(raw: bytes, name: str) -> list[OrganisationIn]:
    """Organisations from the bytes of a JSON file called name; a mistake is one Swedish line."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{name} är inte sparad som UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{name} är inte giltig JSON (rad {exc.lineno}, kolumn {exc.colno})"
        ) from None
    if not isinstance(data, list):
        raise InvalidInput(f"{name} ska innehålla en lista av organisationer: [{{…}}, {{…}}]")
    organisations: list[OrganisationIn] = []
    for n, item in enumerate(data, start=1):
        slug = item.get("slug") if isinstance(item, dict) else None
        where = f"{name}, organisation {n}" + (
            f" ({_value(slug).strip(chr(39))})" if isinstance(slug, str) else ""
        )
        if not isinstance(item, dict):
            raise InvalidInput(f"{where}: ska vara ett objekt ({{…}})")
        if unknown := _unknown_fields(item):
            raise InvalidInput(f"{where}: {unknown}")
        try:
            organisations.append(validate_organisation(item))
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.detail}") from None
    slugs = [o.slug for o in organisations]
    if repeated := sorted({s for s in slugs if slugs.count(s) > 1}):
        raise InvalidInput(f"{name}: samma slug finns flera gånger: {', '.join(repeated)}")
    return organisations


def read_organisations(path: Path) -> list[OrganisationIn]:
    """Organisations from a JSON file (a list of objects); a mistake is one Swedish line."""
    return parse_organisations(path.read_bytes(), path.name)


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
        if org.overordnad == org.slug:
            raise InvalidInput(f"{org.slug}: en organisation kan inte vara överordnad sig själv")
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


def organisation_slug(conn: Connection, organisation_id: int) -> str:
    """The slug of the organisation with this id (which must exist)."""
    return str(
        conn.execute(
            select(Organisation.slug).where(Organisation.id == organisation_id)
        ).scalar_one()
    )


def list_organisations(conn: Connection) -> list[OrganisationIn]:
    """Every organisation with its contacts, ordered by name, as the data files write them."""
    parent = aliased(Organisation)
    rows = conn.execute(
        select(
            Organisation.id,
            Organisation.slug,
            Organisation.namn,
            Organisation.kortnamn,
            Organisation.typ,
            parent.slug.label("overordnad"),
            Organisation.organisationsnummer,
            Organisation.webbplats,
            Organisation.vagledning,
        )
        .outerjoin(parent, Organisation.overordnad_id == parent.id)
        .order_by(Organisation.namn, Organisation.slug)
    ).mappings()
    contacts: dict[int, list[Contact]] = {}
    for contact in conn.execute(
        select(
            Kontakt.organisation_id,
            *(getattr(Kontakt, name) for name in _CONTACT_FIELDS),
        ).order_by(Kontakt.organisation_id, Kontakt.sortering, Kontakt.id)
    ).mappings():
        contacts.setdefault(contact["organisation_id"], []).append(
            Contact.model_validate(dict(contact))
        )
    return [
        OrganisationIn.model_validate(
            {k: v for k, v in row.items() if k != "id"} | {"kontakter": contacts.get(row["id"], [])}
        )
        for row in rows
    ]


@dataclass
class OrganisationChanges:
    """Which organisations an import created, changed and left as they were (by slug)."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _check_no_cycle(parents: dict[str, str | None], starts: list[str]) -> None:
    for start in starts:
        chain, slug = [start], parents.get(start)
        while slug is not None:
            chain.append(slug)
            if slug in chain[:-1]:
                raise InvalidInput(
                    f"över- och underordningen bildar en cirkel: {' → '.join(chain)}"
                )
            slug = parents.get(slug)


def import_organisations(
    conn: Connection, organisations: list[OrganisationIn]
) -> OrganisationChanges:
    """Create or update by slug; a field the input does not set keeps its current value."""
    current = {o.slug: o for o in list_organisations(conn)}
    changes = OrganisationChanges()
    written: list[OrganisationIn] = []
    for org in organisations:
        old = current.get(org.slug)
        if old is None:
            changes.created.append(org.slug)
            written.append(org)
            continue
        new = old.model_copy(update={name: getattr(org, name) for name in org.model_fields_set})
        if new.model_dump() == old.model_dump():
            changes.unchanged.append(org.slug)
        else:
            changes.changed.append(org.slug)
            written.append(new)
    parents = {slug: o.overordnad for slug, o in current.items()}
    parents |= {o.slug: o.overordnad for o in written}
    _check_no_cycle(parents, [o.slug for o in written])
    upsert_organisations(conn, written)
    return changes
