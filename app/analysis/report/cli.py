"""`ansvarskartan samordning rapport --ut KATALOG`: the coordination report as XLSX and PDF."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_connection import run_on_connection
from app.cli_errors import friendly_errors

if TYPE_CHECKING:
    import psycopg

    from app.analysis.report.contents import ReportContents, ReportParameters
    from app.core.settings import Settings

samordning_app = typer.Typer(
    help="Samordningsanalysen: var huvudmännens skötsel varvas, möts och vad den kostar.",
    no_args_is_help=True,
)


@samordning_app.callback()
def samordning() -> None:
    """Samordningsanalysen: rapporten som XLSX och PDF."""


def _gather(parameters: "ReportParameters") -> "ReportContents":
    """The report's contents from the configured database, on one read connection."""
    from app.analysis.report.contents import gather_report

    async def work(conn: "psycopg.AsyncConnection[Any]", settings: "Settings") -> "ReportContents":
        return await gather_report(conn, parameters, settings.municipality_code)

    return run_on_connection(work)


@samordning_app.command("rapport")
@friendly_errors
def report_command(
    ut: Annotated[Path, typer.Option("--ut", help="Katalogen som filerna skrivs i (skapas)")],
    ruta_m: Annotated[
        int, typer.Option("--ruta-m", min=50, max=5000, help="Rutornas storlek i meter")
    ] = 500,
    avstand_m: Annotated[
        float,
        typer.Option("--avstand-m", min=5, max=1000, help="Avståndet i meter som binder en zon"),
    ] = 100.0,
    skriv_over: Annotated[
        bool, typer.Option("--skriv-over", help="Ersätt filer som redan finns")
    ] = False,
) -> None:
    """Skriv samordningsanalysen som XLSX och PDF i en katalog."""
    from app.analysis.report.contents import ReportParameters
    from app.analysis.report.pdf import write_report_pdf
    from app.analysis.report.router import report_file_name
    from app.analysis.report.xlsx import write_report_xlsx

    if ut.exists() and not ut.is_dir():
        typer.secho(f"Fel: {ut} finns och är ingen katalog.", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    contents = _gather(ReportParameters(ruta_m=ruta_m, avstand_m=avstand_m))
    files = [
        (ut / report_file_name(contents, "xlsx"), write_report_xlsx),
        (ut / report_file_name(contents, "pdf"), write_report_pdf),
    ]
    existing = [path for path, _ in files if path.exists()]
    if existing and not skriv_over:
        names = " och ".join(path.name for path in existing)
        typer.secho(
            f"Fel: {names} finns redan i {ut}; ange --skriv-over för att ersätta.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)
    ut.mkdir(parents=True, exist_ok=True)
    for path, write in files:
        with path.open("wb") as handle:
            write(contents, handle)
        typer.echo(str(path))
