"""The command line of deliveries: `felanmalan leverera` runs the worker, `felanmalan utkorg`
lists what waits or was given up (registered in the `felanmalan` group, app/reports/cli.py)."""

import asyncio
import signal
from typing import TYPE_CHECKING, Annotated

import psycopg
import typer
from sqlalchemy import text

from app.cli_errors import friendly_errors
from app.core.db import make_sync_engine
from app.core.problems import is_connection_error
from app.core.settings import describe_url, get_settings

if TYPE_CHECKING:
    from app.delivery.worker import Tally

_OUTBOX_SQL = """
SELECT l.id, f.nummer, l.kanal, l.syfte, l.status, l.forsok, l.nasta_forsok, l.senaste_fel,
       l.adress
FROM leverans l JOIN felanmalan f ON f.id = l.felanmalan_id
WHERE l.status = ANY(:statuses)
ORDER BY l.status DESC, l.nasta_forsok, l.id
LIMIT :limit
"""
_COUNTS_SQL = "SELECT status, kanal, count(*) FROM leverans GROUP BY 1, 2 ORDER BY 1, 2"
# The reporter's own address is personal data: the list names the recipient by role.
_TO_REPORTER = ("kvitto", "stangd")


@friendly_errors
def deliver_command(
    en_gang: Annotated[
        bool, typer.Option("--en-gang", help="Skicka det som väntar nu och avsluta")
    ] = False,
) -> None:
    """Skicka felanmälningarnas e-post och webhooks (tills den stoppas, eller --en-gang)."""
    from app.delivery.mailer import mail_configured
    from app.delivery.worker import run_worker

    settings = get_settings()
    if not mail_configured(settings):
        typer.secho(
            "E-post skickas inte: ANSVAR_SMTP_HOST och ANSVAR_MAIL_FROM behövs. Den väntar.",
            err=True,
            fg=typer.colors.YELLOW,
        )

    async def main() -> "Tally":
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await run_worker(settings, stop, once=en_gang)

    try:
        tally = asyncio.run(main())
    except psycopg.OperationalError as exc:
        if not is_connection_error(exc):
            raise
        typer.secho(
            f"Fel: kan inte nå databasen på {describe_url(settings.database_url)}.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1) from None
    typer.echo(
        f"{tally.sent} skickade, {tally.failed} misslyckade ({tally.given_up} avbrutna),"
        f" {tally.released} lämnade tillbaka."
    )


@friendly_errors
def outbox_command(
    alla: Annotated[bool, typer.Option("--alla", help="Visa också skickade leveranser")] = False,
    antal: Annotated[int, typer.Option(help="Högst så många rader", min=1)] = 50,
) -> None:
    """Lista utkorgens leveranser som väntar eller har avbrutits (med --alla också skickade)."""
    from app.delivery.mailer import mail_configured

    settings = get_settings()
    statuses = ["vantar", "avbruten", *(["skickad"] if alla else [])]
    with make_sync_engine(settings).connect() as conn:
        counts = conn.execute(text(_COUNTS_SQL)).all()
        rows = conn.execute(text(_OUTBOX_SQL), {"statuses": statuses, "limit": antal}).all()
    summary = ", ".join(f"{status} {kanal}: {count}" for status, kanal, count in counts)
    typer.echo(f"Utkorgen: {summary or 'tom'}.")
    if not mail_configured(settings) and any(r.kanal == "epost" for r in rows):
        typer.echo("E-post väntar: ANSVAR_SMTP_HOST och ANSVAR_MAIL_FROM är inte satta.")
    for r in rows:
        to = "anmälaren" if r.syfte in _TO_REPORTER else r.adress
        when = f"nästa {r.nasta_forsok:%Y-%m-%d %H:%M:%S}" if r.status == "vantar" else ""
        error = f"  fel: {r.senaste_fel}" if r.senaste_fel else ""
        typer.echo(
            f"{r.id:>6}  {r.nummer:<14} {r.kanal:<7} {r.syfte:<15} {r.status:<8}"
            f" {r.forsok:>2} försök {when:<25} {to}{error}"
        )
