"""`ansvarskartan felanmalan …`: list, show and change reports, remove old personal data.

The commands use the service's own code on one psycopg connection, so a status change from the
command line writes the same event, audit rows and deliveries as one over HTTP.
"""

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from app.cli_connection import run_on_connection
from app.cli_errors import friendly_errors
from app.delivery.cli import deliver_command, outbox_command

if TYPE_CHECKING:
    import psycopg

    from app.core.settings import Settings

T = TypeVar("T")
CLI_SIGNATURE = "cli"

felanmalan_app = typer.Typer(
    help="Felanmälningar: lista, visa, ändra status, utkorg och gallring av personuppgifter.",
    no_args_is_help=True,
)


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "–"


@felanmalan_app.command("lista")
@friendly_errors
def list_command(
    organisation: Annotated[
        str | None, typer.Option(help="Bara de som tas emot av denna organisation (slug)")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Bara dessa statusar, med komma: ny,mottagen,pagar …")
    ] = None,
    kategori: Annotated[str | None, typer.Option(help="Bara denna kategori (kod)")] = None,
    protokoll: Annotated[str | None, typer.Option(help="Bara en trygghetsvandrings")] = None,
    antal: Annotated[int, typer.Option(help="Högst så många, nyaste först", min=1)] = 50,
) -> None:
    """Lista felanmälningar, nyaste först."""
    from app.reports.queries import ListFilters, parse_statuses
    from app.reports.service import organisation_id, report_page

    async def work(conn: "psycopg.AsyncConnection[Any]", _: "Settings") -> list[dict[str, Any]]:
        filters = ListFilters(
            organisation_id=await organisation_id(conn, organisation) if organisation else None,
            statuses=parse_statuses(status),
            kategori=kategori,
            protokoll=protokoll,
        )
        rows, _more = await report_page(conn, filters, antal)
        return rows

    rows = run_on_connection(work)
    if not rows:
        typer.echo("Inga felanmälningar.")
        return
    for row in rows:
        typer.echo(
            f"{row['nummer']:<15} {row['status']:<15} {_when(row['skapad'])}  "
            f"{row['kategori_namn']:<30} {row['mottagare_namn']}"
        )
    typer.echo(f"{len(rows)} felanmälningar.")


@felanmalan_app.command("visa")
@friendly_errors
def show_command(
    nummer: Annotated[str, typer.Argument(help="Numret, t.ex. F-2026-000123")],
) -> None:
    """Visa en felanmälan med kontaktuppgifter, dirigering och historik."""
    from app.core.problems import NotFound
    from app.reports.service import find_report, report_events

    async def work(
        conn: "psycopg.AsyncConnection[Any]", _: "Settings"
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        row = await find_report(conn, nummer, None)
        if row is None:
            raise NotFound(f"Felanmälan {nummer} finns inte.")
        return row, await report_events(conn, row["id"])

    row, events = run_on_connection(work)
    lines = [
        f"{row['nummer']}: {row['kategori_namn']}, status {row['status']}",
        f"  Plats:       lon {row['lon']:.6f}, lat {row['lat']:.6f}"
        f" (E {row['x']:.1f}, N {row['y']:.1f})",
        f"  Mottagare:   {row['mottagare_namn']}",
        f"  Huvudman:    {row['huvudman_namn'] or '–'}",
        f"  Utförare:    {row['utforare_namn'] or '–'}"
        + (f" ({row['driftomrade_namn']})" if row["driftomrade_namn"] else ""),
        f"  Regel:       {row['regel'] or '–'}" + (" (tvetydig)" if row["tvetydig"] else ""),
        f"  Skapad:      {_when(row['skapad'])}   Ändrad: {_when(row['andrad'])}"
        f"   Stängd: {_when(row['stangd'])}",
        f"  Anmäld av:   {row['anmald_av'] or 'anonym'}",
    ]
    contact = [
        v for v in (row["anmalare_namn"], row["anmalare_epost"], row["anmalare_telefon"]) if v
    ]
    if row["gallrad"] is not None:
        lines.append(f"  Kontakt:     gallrad {_when(row['gallrad'])}")
    elif contact:
        lines.append(f"  Kontakt:     {', '.join(contact)}")
    if row["dubblett_av_nummer"]:
        lines.append(f"  Dubblett av: {row['dubblett_av_nummer']}")
    if row["beskrivning"]:
        lines.append(f"  Beskrivning: {row['beskrivning']}")
    if row["foton"]:
        lines.append(f"  Foton:       {len(row['foton'])}")
    lines.append("  Historik:")
    for event in events:
        moved = f" → {event['till_namn']}" if event["till_namn"] and event["fran_namn"] else ""
        note = f": {event['notering']}" if event["notering"] else ""
        lines.append(
            f"    {_when(event['tid'])}  {event['status']}{moved}"
            f"  ({event['utford_av'] or 'okänd'}){note}"
        )
    typer.echo("\n".join(lines))


@felanmalan_app.command("status")
@friendly_errors
def status_command(
    nummer: Annotated[str, typer.Argument(help="Numret, t.ex. F-2026-000123")],
    status: Annotated[
        str, typer.Argument(help="mottagen, pagar, atgardad, ej-vart-ansvar eller dubblett")
    ],
    notering: Annotated[str, typer.Option(help="En anteckning i historiken")] = "",
    till: Annotated[
        str | None, typer.Option(help="ej-vart-ansvar: organisationen (slug) som tar över")
    ] = None,
    dubblett_av: Annotated[
        str | None, typer.Option("--dubblett-av", help="dubblett: numret den upprepar")
    ] = None,
) -> None:
    """Ändra status för en felanmälan (eller skicka den vidare med ej-vart-ansvar --till)."""
    from pydantic import ValidationError

    from app.core.problems import InvalidInput
    from app.reports.schemas import StatusIn
    from app.reports.service import change_status

    try:
        change = StatusIn(status=status, notering=notering, till=till, dubblett_av=dubblett_av)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(reasons) from None

    async def work(conn: "psycopg.AsyncConnection[Any]", _: "Settings") -> dict[str, Any]:
        async with conn.transaction():
            return await change_status(conn, CLI_SIGNATURE, nummer, change)

    row = run_on_connection(work)
    typer.echo(f"{row['nummer']} har nu status {row['status']}; mottagare {row['mottagare_namn']}.")


@felanmalan_app.command("gallra")
@friendly_errors
def remove_command(
    dagar: Annotated[
        int | None,
        typer.Option(
            help="Stängda för mer än så många dagar sedan (standard ANSVAR_GALLRING_DAGAR)"
        ),
    ] = None,
) -> None:
    """Ta bort anmälarnas kontaktuppgifter och foton från felanmälningar stängda länge sedan."""
    from app.core.problems import InvalidInput
    from app.reports.retention import Removed, remove_old_personal_data

    if dagar is not None and dagar < 1:
        raise InvalidInput("--dagar ska vara minst 1.")

    async def work(conn: "psycopg.AsyncConnection[Any]", settings: "Settings") -> Removed:
        return await remove_old_personal_data(conn, dagar or settings.gallring_dagar)

    typer.echo(run_on_connection(work).line())


# The delivery commands are app.delivery's; they sit in this group for the operator.
felanmalan_app.command("utkorg")(outbox_command)
felanmalan_app.command("leverera")(deliver_command)
