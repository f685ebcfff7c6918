"""The command line for GIS technicians and operators: `ansvarskartan --help`."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from app.analysis.prices_cli import a_priser_app
from app.analysis.report.cli import samordning_app
from app.catalogue.levels_cli import kvalitetsnivaer_app
from app.cli_errors import friendly_errors
from app.core.db import in_transaction, make_owner_engine, make_sync_engine
from app.core.problems import AppError
from app.core.settings import get_settings
from app.organisations.cli import organisation_app
from app.reports.cli import felanmalan_app

if TYPE_CHECKING:
    from datetime import datetime

    from rich.progress import TaskID
    from sqlalchemy import Connection

    from app.analysis.prices import Price
    from app.export.contents import PackageContents
    from app.imports.record import ImportResult

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
import_app = typer.Typer(
    help="Importera Lantmäteriets fastigheter och organisationernas lager.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
token_app = typer.Typer(
    help="API-token för roller: lasare, gis, admin, entreprenor, handlaggare.", no_args_is_help=True
)
app.add_typer(token_app, name="token")
export_app = typer.Typer(
    help="Paket för driftområden: karta, mängdförteckning och GIS-filer.", no_args_is_help=True
)
app.add_typer(export_app, name="export")
app.add_typer(organisation_app, name="organisation")
app.add_typer(felanmalan_app, name="felanmalan")
app.add_typer(a_priser_app, name="a-priser")
app.add_typer(samordning_app, name="samordning")
app.add_typer(kvalitetsnivaer_app, name="kvalitetsnivaer")


@app.command()
@friendly_errors
def migrate() -> None:
    """Uppgradera databasens schema till senaste versionen och ge tjänstens roll dess rättigheter;
    läs in kommungränsen om den saknas."""
    from app.core.migrate import grant_service_role, upgrade
    from app.municipality.boundary import ensure_boundary

    settings = get_settings()
    # As the schema's owner (ANSVAR_MIGRATION_DATABASE_URL); the service's role gets its grants.
    engine = make_owner_engine(settings)
    role = settings.service_role
    with engine.begin() as conn:
        upgrade(conn)
        superuser = grant_service_role(conn, role) if role else _is_superuser(conn)
    typer.echo("Databasschemat är uppdaterat.")
    if role:
        typer.echo(f"Tjänstens roll {role} har rättigheterna den behöver.")
    if superuser:
        typer.secho(
            "Varning: tjänsten ansluter som superanvändare. Ge den en egen roll utan"
            " superanvändarrätt i ANSVAR_DATABASE_URL (se README).",
            err=True,
            fg=typer.colors.YELLOW,
        )
    try:
        with engine.begin() as conn:
            loaded = ensure_boundary(conn, settings.municipality_code)
    except AppError as exc:
        # The schema is up to date either way; the service warns until the boundary is loaded.
        typer.secho(
            f"Varning: kommungränsen lästes inte in. {exc.detail}",
            err=True,
            fg=typer.colors.YELLOW,
        )
        return
    if loaded is not None:
        typer.echo(loaded.line())


def _is_superuser(conn: "Connection") -> bool:
    from sqlalchemy import text

    return bool(
        conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar_one()
    )


@app.command()
@friendly_errors
def kommungrans(
    fil: Annotated[
        Path | None,
        typer.Option(
            help="Fil i samma form som SCB:s Digitala gränser (KnKod, KnNamn); standard är"
            " den medföljande filen med Stockholms läns kommuner"
        ),
    ] = None,
) -> None:
    """Läs in kommungränsen för ANSVAR_MUNICIPALITY_CODE (ersätter den som finns)."""
    from app.municipality.boundary import load_boundary

    settings = get_settings()
    with make_sync_engine(settings).begin() as conn:
        loaded = load_boundary(conn, settings.municipality_code, fil)
    typer.echo(loaded.line())


@catalogue_app.command("sync")
@friendly_errors
def catalogue_sync(
    fil: Annotated[
        Path | None, typer.Option(help="Katalogfil (CSV); standard är data/skotselprodukter.csv")
    ] = None,
) -> None:
    """Läs in katalogfilen och felkategorierna (data/felkategorier.csv): nya och ändrade skrivs,
    oanvända borttagna tas bort, använda felkategorier inaktiveras. Saknade à-priser och
    kvalitetsnivåer läses in från data/."""
    from app.analysis.prices import sync_price_file
    from app.catalogue.catalogue_file import read_catalogue
    from app.catalogue.levels import sync_level_file
    from app.catalogue.sync import sync_catalogue
    from app.core.paths import CATALOGUE_CSV
    from app.reports.categories import read_categories, sync_categories

    products = read_catalogue(fil or CATALOGUE_CSV)
    categories = read_categories()

    def sync(conn: "Connection") -> tuple[Any, Any, Any, Any]:
        # Prices and levels are only added where missing: an admin's prices and an imported
        # level file survive a sync.
        return (
            sync_catalogue(conn, products),
            sync_categories(conn, categories),
            sync_price_file(conn, replace=False),
            sync_level_file(conn, mode="fill"),
        )

    report, categories_report, prices_report, levels_report = in_transaction(
        make_sync_engine(get_settings()), sync
    )
    typer.echo(
        f"Katalogen: {len(report.added)} nya, {len(report.updated)} ändrade, "
        f"{len(report.unchanged)} oförändrade, {len(report.removed)} borttagna."
    )
    typer.echo(categories_report.line())
    typer.echo(prices_report.line())
    typer.echo(levels_report.line())


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

    # The owner's: the load migrates, restarts the tables' ids and rebuilds their indexes.
    settings = get_settings()
    engine = make_owner_engine(settings)
    if bara_om_tom:
        with engine.connect() as conn:
            if demo_is_loaded(conn):
                typer.echo("Databasen har redan data; demo laddas inte om.")
                return
    summary = generate_and_load(
        engine,
        katalog / f"seed{seed}-{fastigheter}",
        seed=seed,
        parcels=fastigheter,
        service_role=settings.service_role,
    )
    for line in summary.lines():
        typer.echo(line)


def _print_answer(answer: dict[str, Any]) -> None:
    typer.echo(answer["forklaring"])
    if huvudman := answer["huvudman"]:
        typer.echo(f"  Huvudman:  {huvudman['namn']}")
        for contact in huvudman["kontakter"]:
            reach = ", ".join(v for v in (contact["telefon"], contact["epost"]) if v)
            typer.echo(f"             {contact['roll']}: {reach}")
        if huvudman.get("vagledning"):
            typer.echo(f"             {huvudman['vagledning']}")
    if performer := answer["utforare"]:
        typer.echo(
            f"  Utförare:  {performer['organisation']['namn']} ({performer['driftomrade']['namn']})"
        )
    if owner := answer["markagare"]:
        owners = " och ".join(o["namn"] for o in owner["agare"]) or "okänd ägare"
        typer.echo(f"  Fastighet: {owner['fastighetsbeteckning']}, {owners}")
    typer.echo(f"  Regel:     {answer['regel']}")
    if answer["tvetydig"]:
        typer.secho(f"  OBS: {answer['tvetydig_orsak']}", fg=typer.colors.YELLOW)


@app.command()
@friendly_errors
def ansvar(
    lon: Annotated[float | None, typer.Argument(help="Longitud (WGS84)")] = None,
    lat: Annotated[float | None, typer.Argument(help="Latitud (WGS84)")] = None,
    fil: Annotated[
        Path | None, typer.Option(help="CSV med id,lon,lat eller id,x,y: svar som CSV")
    ] = None,
    crs: Annotated[str | None, typer.Option(help="Koordinatsystem för x,y i filen")] = None,
    ut: Annotated[Path | None, typer.Option(help="Skriv CSV-svaret hit i stället")] = None,
    gruppera: Annotated[bool, typer.Option(help="Sortera svaren per huvudman")] = False,
    produkt: Annotated[str | None, typer.Option(help="Föredra denna skötselprodukt")] = None,
    kategori: Annotated[
        str | None, typer.Option(help="Föredra felkategorins skötselprodukter")
    ] = None,
    noggrannhet: Annotated[
        float | None,
        typer.Option(min=0, max=10_000, help="Punktens noggrannhet i meter (standard 3)"),
    ] = None,
    datum: Annotated[str | None, typer.Option(help="Svaret som det var denna dag")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Svaret som JSON")] = False,
) -> None:
    """Vem sköter punkten LON LAT? Eller alla punkter i en CSV-fil (--fil)."""
    from datetime import date

    from app.core.geo import WGS84, Point, make_point
    from app.core.problems import InvalidInput
    from app.responsibility.batch import parse_csv, results_csv
    from app.responsibility.service import resolve_options, resolve_sync

    settings = get_settings()
    try:
        day = date.fromisoformat(datum) if datum else None
    except ValueError:
        raise InvalidInput(f"datum '{datum}' ska skrivas ÅÅÅÅ-MM-DD") from None
    options = resolve_options(settings, day, produkt, category=kategori, accuracy_m=noggrannhet)
    engine = make_sync_engine(settings)
    if fil is not None:
        from app.core.geo import parse_crs

        rows = parse_csv(fil.read_bytes(), parse_crs(crs) if crs else None)
        points = [row.point for row in rows if isinstance(row.point, Point)]
        with engine.connect() as conn:
            answered = iter(resolve_sync(conn, points, options, with_swaps=False))
        results = [
            (row.id, next(answered) if isinstance(row.point, Point) else row.point) for row in rows
        ]
        output = results_csv(results, grouped=gruppera)
        if ut is not None:
            ut.write_text(output, encoding="utf-8")
            typer.echo(f"{len(results)} svar skrivna till {ut}.")
        else:
            typer.echo(output, nl=False)
        return
    if lon is None or lat is None:
        raise InvalidInput("Ange LON och LAT, eller --fil med punkter.")
    with engine.connect() as conn:
        [result] = resolve_sync(conn, [make_point(lon, lat, WGS84)], options, with_swaps=True)
    if isinstance(result, AppError):
        raise result
    if json_:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_answer(result)


DryRun = Annotated[
    bool, typer.Option("--torrkorning", help="Visa vad som skulle hända; inget skrivs")
]
Partial = Annotated[
    bool,
    typer.Option("--delvis", help="Filen är inte hela beståndet: saknade objekt avslutas inte"),
]
AllowRetirement = Annotated[
    bool,
    typer.Option(
        "--tillat-avslut",
        help="Bekräfta att importen får avsluta fler än 10 % (eller 500) av de gällande objekten",
    ),
]
Report = Annotated[
    Path | None,
    typer.Option("--rapport", help="Skriv alla nya, ändrade, avslutade … objekt till en CSV-fil"),
]


def _run_import(
    run: "Callable[[Connection], ImportResult]",
    dry_run: bool,
    *,
    allow_retirement: bool = False,
    report: Path | None = None,
) -> None:
    """Run an import in one transaction; a dry run rolls it back. Print the summary."""
    from app.imports.summary import SHOWN, summary_lines, write_report
    from app.imports.transaction import run_import

    with progress_bar(dry_run=dry_run):
        # The owner's: a first import into an empty table rebuilds its indexes afterwards.
        done = run_import(
            make_owner_engine(get_settings()),
            run,
            dry_run=dry_run,
            allow_retirement=allow_retirement,
            limit=None if report else SHOWN,
        )
    for line in summary_lines(done):
        typer.echo(line)
    if report is not None:
        rows = write_report(done, report)
        typer.echo(f"Rapporten med {rows} objekt är skriven till {report}.")


@contextmanager
def progress_bar(*, dry_run: bool = False) -> Iterator[None]:
    """Show each step of an import with a bar (on stderr, so the summary stays parseable)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from app.imports.progress import WRITING, reporting

    columns = (
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:

        class Reporter:
            task: "TaskID | None" = None

            def begin(self, step: str, total: int | None) -> None:
                if dry_run and step == WRITING:
                    step = "Prövar mot databasen"  # a dry run writes nothing
                self.task = bar.add_task(step, total=total)

            def advance(self, amount: int) -> None:
                if self.task is not None:
                    bar.advance(self.task, amount)

            def end(self) -> None:
                if self.task is not None:
                    total = bar.tasks[self.task].total
                    bar.update(self.task, total=total or 1, completed=total or 1)

        with reporting(Reporter()):
            yield


def _effective() -> "datetime":
    from datetime import UTC, datetime

    return datetime.now(UTC)


@import_app.command("fastigheter")
@friendly_errors
def import_parcels_command(
    fil: Annotated[Path, typer.Argument(help="Fastighetsindelning (GeoPackage m.m.)")],
    lager: Annotated[str | None, typer.Option(help="Lager")] = "registerenhetsomradesyta",
    crs: Annotated[str | None, typer.Option(help="Koordinatsystem om filen saknar det")] = None,
    torrkorning: DryRun = False,
    delvis: Partial = False,
    tillat_avslut: AllowRetirement = False,
    rapport: Report = None,
) -> None:
    """Importera fastigheter: nya, ändrade och (vid helt bestånd) borttagna."""
    from app.imports.parcels import import_parcels

    _run_import(
        lambda conn: import_parcels(
            conn,
            fil,
            layer=lager,
            crs=crs,
            effective=_effective(),
            full=not delvis,
            performed_by="cli",
        ),
        torrkorning,
        allow_retirement=tillat_avslut,
        report=rapport,
    )


@import_app.command("agare")
@friendly_errors
def import_owners_command(
    fil: Annotated[Path, typer.Argument(help="CSV: fastighetsbeteckning,agare")],
    torrkorning: DryRun = False,
    delvis: Partial = False,
    tillat_avslut: AllowRetirement = False,
    rapport: Report = None,
) -> None:
    """Importera fastighetsägare efter beteckning."""
    from app.imports.ownership import import_ownership

    _run_import(
        lambda conn: import_ownership(
            conn, fil, effective=_effective(), full=not delvis, performed_by="cli"
        ),
        torrkorning,
        allow_retirement=tillat_avslut,
        report=rapport,
    )


@import_app.command("skotselobjekt")
@friendly_errors
def import_objects_command(
    fil: Annotated[Path, typer.Argument(help="Organisationens lager (GeoPackage, GeoJSON …)")],
    organisation: Annotated[str, typer.Option(help="Organisationens slug")],
    mappning: Annotated[Path, typer.Option(help="CSV: kod,benamning,skotselprodukt")],
    id_kolumn: Annotated[str, typer.Option(help="Kolumnen med organisationens id")],
    kod_kolumn: Annotated[str, typer.Option(help="Kolumnen med organisationens kod")],
    kvalitet_kolumn: Annotated[
        str | None,
        typer.Option(help="Kolumnen med kvalitetsnivå (utan den behålls nuvarande nivåer)"),
    ] = None,
    lager: Annotated[
        list[str] | None,
        typer.Option(help="Lager att läsa (ange flera gånger för flera; krävs om filen har flera)"),
    ] = None,
    crs: Annotated[str | None, typer.Option(help="Koordinatsystem om filen saknar det")] = None,
    torrkorning: DryRun = False,
    delvis: Partial = False,
    tillat_avslut: AllowRetirement = False,
    rapport: Report = None,
) -> None:
    """Importera en organisations skötselobjekt i dess egna koder, via mappningen."""
    from app.imports.mapping import read_mapping, store_mapping
    from app.imports.objects import import_objects
    from app.organisations.lookup import organisation_id_of

    def run(conn: "Connection") -> "ImportResult":
        store_mapping(conn, organisation_id_of(conn, organisation), read_mapping(mappning))
        return import_objects(
            conn,
            fil,
            organisation,
            id_column=id_kolumn,
            code_column=kod_kolumn,
            quality_column=kvalitet_kolumn,
            layers=lager,
            crs=crs,
            effective=_effective(),
            full=not delvis,
            performed_by="cli",
        )

    _run_import(run, torrkorning, allow_retirement=tillat_avslut, report=rapport)


@import_app.command("driftomraden")
@friendly_errors
def import_areas_command(
    fil: Annotated[
        Path, typer.Argument(help="Driftområden: namn, bestallare, utforare, avtal_fran")
    ],
    lager: Annotated[str | None, typer.Option(help="Lager (krävs om filen har flera)")] = None,
    crs: Annotated[str | None, typer.Option(help="Koordinatsystem om filen saknar det")] = None,
    torrkorning: DryRun = False,
    rapport: Report = None,
) -> None:
    """Importera driftområden (skapas eller ändras efter namn)."""
    from app.imports.areas import import_areas

    _run_import(
        lambda conn: import_areas(conn, fil, layer=lager, crs=crs, performed_by="cli"),
        torrkorning,
        report=rapport,
    )


@token_app.command("skapa")
@friendly_errors
def token_create(
    roll: Annotated[str, typer.Option(help="lasare, gis, admin, entreprenor eller handlaggare")],
    namn: Annotated[str, typer.Option(help="Vem eller vad token är till för")],
    organisation: Annotated[str | None, typer.Option(help="Organisationens slug")] = None,
    dagar: Annotated[int, typer.Option(help="Hur många dagar token gäller")] = 365,
) -> None:
    """Skapa en token. Den visas bara nu; spara den på ett säkert ställe."""
    from app.access.tokens import create_token

    with make_sync_engine(get_settings()).begin() as conn:
        token_id, token = create_token(
            conn, name=namn, role=roll, organisation=organisation, days=dagar
        )
    typer.echo(f"Token {token_id} ({roll}) skapad. Den visas bara den här gången:")
    typer.echo(token)


@token_app.command("lista")
@friendly_errors
def token_list() -> None:
    """Lista alla token (aldrig själva token)."""
    from app.access.tokens import list_tokens

    with make_sync_engine(get_settings()).connect() as conn:
        for t in list_tokens(conn):
            state = "återkallad" if t.aterkallad else f"gäller till {t.giltig_till:%Y-%m-%d}"
            typer.echo(f"{t.id:>4}  {t.roll:<11} {t.organisation or '-':<22} {state:<24} {t.namn}")


@token_app.command("aterkalla")
@friendly_errors
def token_revoke(token_id: Annotated[int, typer.Argument(help="Tokens id")]) -> None:
    """Återkalla en token; den slutar fungera direkt."""
    from app.access.tokens import revoke_token

    with make_sync_engine(get_settings()).begin() as conn:
        revoke_token(conn, token_id)
    typer.echo(f"Token {token_id} är återkallad.")


def _area_contents(namn: str) -> "tuple[PackageContents, list[Price]]":
    """The package contents of the area named (or numbered) and the stored price list."""
    from app.analysis.prices import read_prices_sync
    from app.export.contents import find_area_id, load_contents

    engine = make_sync_engine(get_settings())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        area_id = int(namn) if namn.isdigit() else find_area_id(raw, namn)
        contents = load_contents(raw, area_id) if area_id is not None else None
        if contents is None:
            names = ", ".join(r[0] for r in raw.execute("SELECT namn FROM driftomrade ORDER BY 1"))
            raise AppError(f"Driftområdet '{namn}' finns inte. Det finns: {names or 'inga'}.")
        return contents, read_prices_sync(raw)


@export_app.command("driftomrade")
@friendly_errors
def export_area_command(
    namn: Annotated[str, typer.Argument(help="Driftområdets namn (eller id)")],
    ut: Annotated[Path, typer.Option("--ut", help="Katalog att skriva paketet till")],
    zip_: Annotated[bool, typer.Option("--zip", help="Packa också filerna i en zip")] = False,
) -> None:
    """Skriv driftområdets paket (karta, mängdförteckning, GIS-filer, LÄSMIG) till en katalog."""
    from app.export.package import ascii_slug, write_package

    contents, _ = _area_contents(namn)
    name = f"{ascii_slug(contents.area.name)}_{contents.created:%Y-%m-%d}.zip"
    archive = ut / name if zip_ else None
    seconds = write_package(contents, ut, archive)
    typer.echo(f"{contents.area.name}: {len(contents.objects)} objekt → {ut}")
    for file_name, spent in seconds.items():
        size = (ut / file_name).stat().st_size
        typer.echo(f"  {file_name:<24} {size / 1024:>10,.0f} kB {spent:>7.1f} s".replace(",", " "))
    if archive:
        typer.echo(f"  {archive.name}")


@export_app.command("kalkyl")
@friendly_errors
def export_calculation_command(
    namn: Annotated[str, typer.Argument(help="Driftområdets namn (eller id)")],
    ut: Annotated[Path, typer.Option("--ut", help="Excel-fil att skriva (.xlsx)")],
    skriv_over: Annotated[
        bool, typer.Option("--skriv-over", help="Skriv över en fil som redan finns")
    ] = False,
) -> None:
    """Skriv beställarens kalkyl: mängdförteckningen med à-prislistans priser ifyllda."""
    from app.export.calculation import write_calculation_xlsx

    if ut.exists() and not skriv_over:
        raise AppError(f"{ut} finns redan; ange --skriv-over för att ersätta den.")
    contents, prices = _area_contents(namn)
    with ut.open("wb") as out:
        write_calculation_xlsx(contents, prices, out)
    typer.echo(f"{contents.area.name}: kalkyl över {len(contents.objects)} objekt → {ut}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adress att lyssna på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Antal processer")] = 1,
    log_level: Annotated[
        str, typer.Option(help="Loggnivå: critical, error, warning, info, debug")
    ] = "info",
    access_log: Annotated[bool, typer.Option(help="Logga varje begäran")] = True,
) -> None:
    """Starta webbtjänsten (API, OGC-lager och kartan)."""
    import uvicorn

    from app.core.serving import uvicorn_options

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        **uvicorn_options(get_settings()),
    )


def main() -> None:
    """Entry point of the `ansvarskartan` console script."""
    app(prog_name="ansvarskartan")


if __name__ == "__main__":
    main()
