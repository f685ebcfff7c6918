"""`ansvarskartan a-priser …`: list, set and import the price list (à-priser)."""

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_connection import in_cli_transaction
from app.cli_errors import friendly_errors

if TYPE_CHECKING:
    from app.analysis.prices import Price


a_priser_app = typer.Typer(
    help="À-prislistan: kronor per enhet och år per skötselprodukt (samordningsanalysen).",
    no_args_is_help=True,
)


def describe(price: "Price") -> str:
    """One line of the list: product, level, price per unit, source, example data."""
    level = price.quality_level or "alla nivåer"
    example = " (exempeldata)" if price.example_data else ""
    return (
        f"{price.product_code}\t{level}\t{price.kr_per_unit_and_year} kr/{price.unit} och år"
        f"\t{price.source}{example}"
    )


@a_priser_app.command("lista")
@friendly_errors
def list_prices() -> None:
    """Visa à-prislistan i katalogens ordning."""
    from app.analysis.prices import load_prices

    prices = in_cli_transaction(load_prices)
    for price in prices:
        typer.echo(describe(price))
    if not prices:
        typer.echo("À-prislistan är tom; läs in den med 'ansvarskartan a-priser importera'.")


@a_priser_app.command("satt")
@friendly_errors
def set_price(
    produkt: Annotated[str, typer.Argument(help="Skötselproduktens kod, t.ex. G2")],
    pris: Annotated[str, typer.Argument(help="Kronor per enhet och år, t.ex. 3.50")],
    kalla: Annotated[str, typer.Option(help="Varifrån priset kommer")],
    kvalitetsniva: Annotated[
        str | None, typer.Option(help="Kvalitetsnivån priset gäller; utelämnad: alla nivåer")
    ] = None,
    exempeldata: Annotated[
        bool, typer.Option("--exempeldata", help="Priset är ett exempelvärde")
    ] = False,
    orsak: Annotated[str, typer.Option(help="Varför priset ändras")] = "à-pris satt",
) -> None:
    """Sätt en produkts à-pris för en kvalitetsnivå eller för alla nivåer."""
    from pydantic import ValidationError

    from app.analysis.prices import PriceIn, save_price
    from app.core.problems import InvalidInput

    try:
        given = PriceIn(
            kvalitetsniva=kvalitetsniva,
            kr_per_enhet_och_ar=Decimal(pris.replace(",", ".")),
            kalla=kalla,
            exempeldata=exempeldata,
        )
    except (ValidationError, ArithmeticError) as exc:
        raise InvalidInput(f"Ogiltigt pris: {pris} (ett tal ≥ 0 med högst två decimaler)") from exc
    saved = in_cli_transaction(lambda conn: save_price(conn, produkt, given), orsak)
    typer.echo(describe(saved))


@a_priser_app.command("importera")
@friendly_errors
def import_prices(
    fil: Annotated[Path, typer.Argument(help="Prisfil (CSV) i samma form som data/a-priser.csv")],
    orsak: Annotated[str, typer.Option(help="Varför prislistan läses in")] = "à-priser importerade",
) -> None:
    """Ersätt à-prislistan med filens priser; en felaktig fil avvisas hel."""
    from app.analysis.prices import sync_price_file

    report = in_cli_transaction(lambda conn: sync_price_file(conn, fil, replace=True), orsak)
    typer.echo(report.line())
