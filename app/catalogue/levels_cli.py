"""`ansvarskartan kvalitetsnivaer …`: list and import what the quality levels mean."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_connection import in_cli_transaction
from app.cli_errors import friendly_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from app.catalogue.levels import LevelTask, SyncMode


kvalitetsnivaer_app = typer.Typer(
    help="Kvalitetsnivåerna: vad som görs och hur ofta per skötselprodukt och nivå.",
    no_args_is_help=True,
)


def describe(task: "LevelTask") -> str:
    """One line of the list: product, level, task, how, how often, example data."""
    example = " (exempeldata)" if task.example_data else ""
    return f"{task.product_code}\t{task.level}\t{task.task}\t{task.how}\t{task.frequency}{example}"


@kvalitetsnivaer_app.command("lista")
@friendly_errors
def list_levels(
    produkt: Annotated[
        list[str] | None,
        typer.Option(help="Visa bara denna skötselprodukt (ange flera gånger för flera)"),
    ] = None,
) -> None:
    """Visa kvalitetsnivåernas moment i katalogens ordning."""
    from app.catalogue.levels import load_levels

    def load(conn: "Connection") -> "list[LevelTask]":
        raw = conn.connection.driver_connection
        assert raw is not None
        return load_levels(raw, produkt or None)

    tasks = in_cli_transaction(load)
    for task in tasks:
        typer.echo(describe(task))
    if not tasks:
        typer.echo(
            "Inga kvalitetsnivåer finns; läs in dem med 'ansvarskartan kvalitetsnivaer importera'."
        )


@kvalitetsnivaer_app.command("importera")
@friendly_errors
def import_levels(
    fil: Annotated[
        Path, typer.Argument(help="Fil (CSV) i samma form som data/kvalitetsnivaer.csv")
    ],
    orsak: Annotated[
        str, typer.Option(help="Varför kvalitetsnivåerna läses in")
    ] = "kvalitetsnivåer importerade",
    ersatt_alla: Annotated[
        bool,
        typer.Option(
            "--ersatt-alla",
            help="Ta också bort kvalitetsnivåerna för produkter som filen inte tar upp",
        ),
    ] = False,
) -> None:
    """Ersätt kvalitetsnivåerna för filens produkter med filens moment; övriga produkters
    behålls. En felaktig fil avvisas hel."""
    from app.catalogue.levels import sync_level_file

    mode: SyncMode = "all" if ersatt_alla else "products"
    report = in_cli_transaction(lambda conn: sync_level_file(conn, fil, mode=mode), orsak)
    typer.echo(report.line())
