"""The command line for GIS technicians and operators: `ansvarskartan --help`."""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from sqlalchemy.exc import DBAPIError

from app.db import is_connection_error, make_sync_engine
from app.errors import AppError
from app.settings import describe_url, get_settings

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Ansvarskartan – vem sköter den här platsen? Verktyg för drift, GIS och import.",
    no_args_is_help=True,
    add_completion=False,
)
catalogue_app = typer.Typer(
    help="Den gemensamma katalogen av skötselprodukter.", no_args_is_help=True
)
app.add_typer(catalogue_app, name="catalogue")


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn known errors into one clear line on stderr and exit code 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AppError as exc:
            typer.secho(f"Fel: {exc.detail}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None
        except DBAPIError as exc:
            if not is_connection_error(exc):
                raise
            where = describe_url(get_settings().database_url)
            typer.secho(
                f"Fel: kan inte nå databasen på {where}. Starta den lokala databasen med "
                "`make db` eller ange ANSVAR_DATABASE_URL.",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(1) from None

    return wrapper


@app.command()
@friendly_errors
def migrate() -> None:
    """Uppgradera databasens schema till senaste versionen (Alembic)."""
    from app.migrate import upgrade

    with make_sync_engine(get_settings()).begin() as conn:
        upgrade(conn)
    typer.echo("Databasschemat är uppdaterat.")


@catalogue_app.command("sync")
@friendly_errors
def catalogue_sync(
    fil: Annotated[
        Path | None, typer.Option(help="Katalogfil (CSV); standard är data/skotselprodukter.csv")
    ] = None,
) -> None:
    """Läs in katalogfilen: nya och ändrade produkter skrivs, oanvända borttagna tas bort."""
    from app.catalogue.catalogue_file import read_catalogue
    from app.catalogue.sync import sync_catalogue
    from app.paths import CATALOGUE_CSV

    products = read_catalogue(fil or CATALOGUE_CSV)
    with make_sync_engine(get_settings()).begin() as conn:
        report = sync_catalogue(conn, products)
    typer.echo(
        f"Katalogen: {len(report.added)} nya, {len(report.updated)} ändrade, "
        f"{len(report.unchanged)} oförändrade, {len(report.removed)} borttagna."
    )


@app.command()
@friendly_errors
def demo(
    fastigheter: Annotated[int, typer.Option(help="Antal fastighetsytor att generera")] = 20_000,
    seed: Annotated[int, typer.Option(help="Slumpfrö; samma frö ger samma data")] = 126,
    katalog: Annotated[Path, typer.Option(help="Var de genererade filerna skrivs")] = Path(
        ".cache/demo"
    ),
    bara_om_tom: Annotated[
        bool, typer.Option("--bara-om-tom", help="Ladda bara om databasen saknar fastigheter")
    ] = False,
) -> None:
    """Generera ett demo-Huddinge och ladda det (ERSÄTTER all data i databasen)."""
    from app.demo.load import demo_is_loaded, generate_and_load

    engine = make_sync_engine(get_settings())
    if bara_om_tom:
        with engine.connect() as conn:
            if demo_is_loaded(conn):
                typer.echo("Databasen har redan data; demo laddas inte om.")
                return
    summary = generate_and_load(
        engine, katalog / f"seed{seed}-{fastigheter}", seed=seed, parcels=fastigheter
    )
    for line in summary.lines():
        typer.echo(line)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adress att lyssna på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Antal processer")] = 1,
) -> None:
    """Starta webbtjänsten (API, OGC-lager och kartan)."""
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
    )


def main() -> None:
    """Entry point of the `ansvarskartan` console script."""
    app(prog_name="ansvarskartan")


if __name__ == "__main__":
    main()
