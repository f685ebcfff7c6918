"""`ansvarskartan organisation …`: create, list, change and import organisations with contacts."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_connection import in_cli_transaction
from app.cli_errors import friendly_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from app.organisations.schemas import Contact, OrganisationIn


organisation_app = typer.Typer(
    help="Organisationer som äger eller sköter mark, med kontaktuppgifter.", no_args_is_help=True
)

_TYPES = "kommun, forvaltning, kommunalt_bolag, entreprenor, stat, privat eller forening"
_OPTIONAL_FIELDS = ("kortnamn", "overordnad", "organisationsnummer", "webbplats", "vagledning")

Slug = Annotated[
    str, typer.Argument(help="Organisationens slug: små bokstäver, siffror och bindestreck")
]
Kortnamn = Annotated[str | None, typer.Option(help="Kort namn, t.ex. Parkenheten")]
Overordnad = Annotated[str | None, typer.Option(help="Slug för organisationen den hör till")]
Organisationsnummer = Annotated[str | None, typer.Option(help="Organisationsnummer")]
Webbplats = Annotated[str | None, typer.Option(help="Webbplats")]
Vagledning = Annotated[
    str | None,
    typer.Option(
        help="Vägledning i svaret när organisationen ansvarar, t.ex. vem som svarar på frågor"
    ),
]
Roll = Annotated[str | None, typer.Option(help="Kontaktens roll, t.ex. Felanmälan")]
Telefon = Annotated[str | None, typer.Option(help="Kontaktens telefonnummer")]
Epost = Annotated[str | None, typer.Option(help="Kontaktens e-postadress")]
FelanmalanUrl = Annotated[str | None, typer.Option(help="Adress för felanmälan på webben")]
Oppettider = Annotated[str | None, typer.Option(help="När kontakten svarar")]


def _contact(roll: str | None, values: dict[str, str | None]) -> "Contact | None":
    from app.core.problems import InvalidInput
    from app.organisations.service import validate_contact

    given = {k: v for k, v in values.items() if v is not None}
    if roll is None:
        if given:
            options = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise InvalidInput(f"Ange --roll för kontakten ({options} hör till en kontakt).")
        return None
    if not roll.strip():
        raise InvalidInput("--roll får inte vara tom.")
    return validate_contact({"roll": roll} | {k: v or None for k, v in given.items()})


def _describe_contact(contact: "Contact") -> str:
    reach = [
        v for v in (contact.telefon, contact.epost, contact.felanmalan_url, contact.oppettider) if v
    ]
    example = " (exempeldata)" if contact.exempeldata else ""
    return f"{contact.roll}: {', '.join(reach) or 'inga uppgifter'}{example}"


@organisation_app.command("skapa")
@friendly_errors
def create(
    slug: Slug,
    namn: Annotated[str, typer.Option(help="Organisationens hela namn")],
    typ: Annotated[str, typer.Option(help=_TYPES)],
    kortnamn: Kortnamn = None,
    overordnad: Overordnad = None,
    organisationsnummer: Organisationsnummer = None,
    webbplats: Webbplats = None,
    vagledning: Vagledning = None,
    roll: Roll = None,
    telefon: Telefon = None,
    epost: Epost = None,
    felanmalan_url: FelanmalanUrl = None,
    oppettider: Oppettider = None,
) -> None:
    """Skapa en organisation, med en kontakt om --roll anges."""
    from app.core.problems import Conflict
    from app.organisations.service import (
        import_organisations,
        organisation_ids,
        validate_organisation,
    )

    contact = _contact(
        roll,
        {
            "telefon": telefon,
            "epost": epost,
            "felanmalan_url": felanmalan_url,
            "oppettider": oppettider,
        },
    )
    organisation = validate_organisation(
        {
            "slug": slug,
            "namn": namn,
            "typ": typ,
            "kortnamn": kortnamn or None,
            "overordnad": overordnad or None,
            "organisationsnummer": organisationsnummer or None,
            "webbplats": webbplats or None,
            "vagledning": vagledning or None,
            "kontakter": [contact.model_dump()] if contact else [],
        }
    )

    def create_new(conn: "Connection") -> None:
        if slug in organisation_ids(conn):
            raise Conflict(
                f"Organisationen '{slug}' finns redan; ändra den med"
                f" `ansvarskartan organisation andra {slug}`."
            )
        import_organisations(conn, [organisation])

    in_cli_transaction(create_new, f"ansvarskartan organisation skapa {slug}")
    contacts = "en kontakt" if contact else "inga kontakter"
    typer.echo(f"Organisationen {slug} ({organisation.namn}) är skapad med {contacts}.")


@organisation_app.command("lista")
@friendly_errors
def list_command(
    json_: Annotated[
        bool, typer.Option("--json", help="Som JSON i samma format som `importera` läser")
    ] = False,
) -> None:
    """Lista organisationerna med kontaktuppgifter."""
    from app.core.db import make_sync_engine
    from app.core.settings import get_settings
    from app.organisations.service import list_organisations

    with make_sync_engine(get_settings()).connect() as conn:
        organisations = list_organisations(conn)
    if json_:
        data = [o.model_dump(exclude_none=True) for o in organisations]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not organisations:
        typer.echo(
            "Inga organisationer ännu. Skapa en med `ansvarskartan organisation skapa` eller"
            " läs in en fil med `ansvarskartan organisation importera FIL.json`."
        )
        return
    width = max(len(o.slug) for o in organisations)
    for org in organisations:
        about: list[str] = [org.typ]
        if org.kortnamn:
            about.append(f"kortnamn {org.kortnamn}")
        if org.overordnad:
            about.append(f"under {org.overordnad}")
        if org.organisationsnummer:
            about.append(f"org.nr {org.organisationsnummer}")
        if org.webbplats:
            about.append(org.webbplats)
        typer.echo(f"{org.slug:<{width}}  {org.namn} ({', '.join(about)})")
        if org.vagledning:
            typer.echo(f"{'':<{width}}    Vägledning: {org.vagledning}")
        for contact in org.kontakter:
            typer.echo(f"{'':<{width}}    {_describe_contact(contact)}")


@organisation_app.command("andra")
@friendly_errors
def change(
    slug: Slug,
    namn: Annotated[str | None, typer.Option(help="Nytt namn")] = None,
    typ: Annotated[str | None, typer.Option(help=f"Ny typ: {_TYPES}")] = None,
    kortnamn: Kortnamn = None,
    overordnad: Overordnad = None,
    organisationsnummer: Organisationsnummer = None,
    webbplats: Webbplats = None,
    vagledning: Vagledning = None,
    roll: Annotated[
        str | None,
        typer.Option(
            help="Kontakt med denna roll ersätts med de angivna uppgifterna, eller läggs till"
        ),
    ] = None,
    telefon: Telefon = None,
    epost: Epost = None,
    felanmalan_url: FelanmalanUrl = None,
    oppettider: Oppettider = None,
    ta_bort_kontakt: Annotated[
        list[str] | None,
        typer.Option(help="Ta bort kontakten med denna roll (kan anges flera gånger)"),
    ] = None,
    ersatt_kontakter: Annotated[
        bool,
        typer.Option(
            "--ersatt-kontakter",
            help="Alla nuvarande kontakter ersätts av den som anges med --roll",
        ),
    ] = False,
) -> None:
    """Ändra en organisation: bara de uppgifter som anges ändras (tom text tar bort en uppgift)."""
    from app.core.problems import InvalidInput
    from app.organisations.lookup import unknown_organisation
    from app.organisations.service import (
        import_organisations,
        list_organisations,
        validate_organisation,
    )

    contact = _contact(
        roll,
        {
            "telefon": telefon,
            "epost": epost,
            "felanmalan_url": felanmalan_url,
            "oppettider": oppettider,
        },
    )
    given = {
        "namn": namn,
        "typ": typ,
        "kortnamn": kortnamn,
        "overordnad": overordnad,
        "organisationsnummer": organisationsnummer,
        "webbplats": webbplats,
        "vagledning": vagledning,
    }
    updates: dict[str, Any] = {
        k: (v or None) if k in _OPTIONAL_FIELDS else v for k, v in given.items() if v is not None
    }
    if not updates and contact is None and not ta_bort_kontakt and not ersatt_kontakter:
        raise InvalidInput(
            f"Inget att ändra för {slug}: ange t.ex. --namn, --typ, --roll eller --ta-bort-kontakt."
        )

    def apply(conn: "Connection") -> "tuple[OrganisationIn, OrganisationIn]":
        current = {o.slug: o for o in list_organisations(conn)}
        old = current.get(slug)
        if old is None:
            raise unknown_organisation(list(current), slug)
        contacts = [] if ersatt_kontakter else list(old.kontakter)
        for role in ta_bort_kontakt or []:
            if not any(c.roll == role for c in contacts):
                roles = ", ".join(c.roll for c in old.kontakter) or "inga"
                raise InvalidInput(f"{slug} har ingen kontakt med rollen '{role}' (har: {roles}).")
            contacts = [c for c in contacts if c.roll != role]
        if contact is not None:
            position = next((n for n, c in enumerate(contacts) if c.roll == contact.roll), None)
            if position is None:
                contacts.append(contact)
            else:
                contacts[position] = contact
        new = validate_organisation(
            old.model_dump() | updates | {"kontakter": [c.model_dump() for c in contacts]}
        )
        import_organisations(conn, [new])
        return old, new

    old, new = in_cli_transaction(apply, f"ansvarskartan organisation andra {slug}")
    changed = [name for name in type(new).model_fields if getattr(new, name) != getattr(old, name)]
    if changed:
        typer.echo(f"Organisationen {slug} är ändrad: {', '.join(changed)}.")
    else:
        typer.echo(f"Organisationen {slug} är oförändrad; uppgifterna var redan sådana.")


@organisation_app.command("importera")
@friendly_errors
def import_command(
    fil: Annotated[Path, typer.Argument(help="JSON-fil: en lista av organisationer (se README)")],
) -> None:
    """Skapa eller ändra organisationerna i en JSON-fil (efter slug); annat lämnas orört."""
    from app.organisations.service import import_organisations, read_organisations

    organisations = read_organisations(fil)
    changes = in_cli_transaction(
        lambda conn: import_organisations(conn, organisations),
        f"ansvarskartan organisation importera {fil.name}",
    )
    typer.echo(
        f"{fil.name}: {len(changes.created)} nya, {len(changes.changed)} ändrade,"
        f" {len(changes.unchanged)} oförändrade organisationer."
    )
    for label, slugs in (("ny", changes.created), ("ändrad", changes.changed)):
        for slug in slugs:
            typer.echo(f"  {label:<7} {slug}")
