"""HTTP: what if the huvudmän in an area tendered their maintenance jointly ("Vad händer om:
gemensam upphandling"). The model is whatif_model's, on the sites whatif_queries finds."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import ReadAccess, ReadScopeDep
from app.analysis import whatif_queries
from app.analysis.costs import AnnualCosts, annual_costs
from app.analysis.polygon import polygon_wkb
from app.analysis.prices import read_prices
from app.analysis.rows import QuantityRow
from app.analysis.visits import VISITS_CSV, VisitsInUse, visit_frequencies, visits_in_use
from app.analysis.whatif_model import CrewCost, Parameters, crew_cost, saving_share
from app.analysis.whatif_queries import Area, Crew, ModelInput
from app.analysis.whatif_schemas import WhatIfAnswer, WhatIfParameters, WhatIfQuestion
from app.core.db import ReadConnectionDep
from app.core.problems import InvalidParameter

router = APIRouter(tags=["samordning"], dependencies=[ReadAccess])

JOINT_CREW_NAME = "Ett gemensamt lag"
# Beyond this many sites the tours would take too long to answer while the caller waits.
MAX_SITES = 5000
MODEL_TEXT = (
    "Detta är en modell, inte en kalkyl. Den jämför vad platsbesök och resor kostar när varje lag"
    " sköter sina egna objekt i området (idag) med när ett gemensamt lag sköter alla (samordnat)."
    " Objekten klipps till området. Ett objekts lag idag är utföraren i huvudmannens gällande "
    "driftområde där objektet ligger, annars huvudmannens egen enhet. En plats är ett lags objekt"
    " som ligger inom platsavståndet från varandra; platsens punkt är objektens tyngdpunkt. Besök"
    " per år: för varje skötselprodukt antalet platser med produkten gånger produktens besök per "
    "år, summerat, gånger kronor per besök. Resor: för varje produkt en sluten "
    "närmaste-granne-runda över lagets platser med produkten (start i platsen längst västerut, "
    "sedan alltid närmaste obesökta plats, tillbaka till start), fågelvägen gånger omvägsfaktorn "
    "gånger produktens besök per år, gånger kronor per km. Samordnat räknas likadant över platser"
    " som bildas av alla lags objekt tillsammans. Besparingen är skillnaden i besök och resor; "
    "själva skötseln till à-prislistan är densamma i båda fallen och ingår inte. Modellen räknar "
    "inte med löner, maskiner, depåer och resor dit, att flera produkter sköts vid samma besök, "
    "tidsfönster eller avtalsformer: den visar hur arbetet är utspritt, inte vad upphandlingen "
    "kostar."
)
_EMPTY_NOTE = "Området har inga objekt av de valda huvudmännen: alla mängder och belopp är 0."


def _kr(value: Decimal) -> float:
    return float(value)


async def _area(
    conn: Any, question: WhatIfQuestion, crs: str | None, contractor: int | None
) -> Area:
    if (question.driftomraden is None) == (question.geometri is None):
        raise InvalidParameter(
            "Ange antingen driftomraden eller geometri (exakt ett av dem) för området."
        )
    if question.geometri is not None:
        return await whatif_queries.polygon_area(conn, polygon_wkb(question.geometri, crs))
    ids = sorted(set(question.driftomraden or []))
    area, missing = await whatif_queries.operations_area(conn, ids, contractor)
    if area is None:
        listed = ", ".join(str(i) for i in missing)
        among = " bland era driftområden" if contractor is not None else ""
        raise InvalidParameter(f"Det finns inget gällande driftområde med id {listed}{among}.")
    return area


async def _organisation_ids(
    conn: Any, slugs: list[str] | None
) -> dict[str, tuple[int, str]] | None:
    if slugs is None:
        return None
    found = await whatif_queries.organisations(conn, sorted(set(slugs)))
    missing = sorted(set(slugs) - found.keys())
    if missing:
        raise InvalidParameter(f"Det finns ingen organisation med slug {', '.join(missing)}.")
    return found


def _checked_overrides(given: WhatIfParameters, products: Mapping[str, str]) -> None:
    unknown = sorted(set(given.besok_per_ar) - products.keys())
    if unknown:
        raise InvalidParameter(
            f"besok_per_ar: skötselprodukten {', '.join(unknown)} finns inte i katalogen."
        )


def _visits_item(used: VisitsInUse) -> dict[str, Any]:
    return {
        "produkt": used.product_code,
        "namn": used.name,
        "besok_per_ar": used.visits_per_year,
        "kalla": used.source,
        "exempeldata": used.example_data,
        "andrad_i_fragan": used.given,
    }


def _quantity_item(row: QuantityRow) -> dict[str, Any]:
    return {
        "organisation": row.organisation_slug,
        "produkt": row.product_code,
        "kvalitetsniva": row.quality_level,
        "enhet": row.unit,
        "antal_objekt": row.objects,
        "mangd": round(row.quantity, 3),
    }


def _crew_item(slug: str | None, name: str, cost: CrewCost) -> dict[str, Any]:
    return {
        "organisation": slug,
        "namn": name,
        "platser": cost.sites,
        "besok_per_ar": round(cost.visits_per_year, 3),
        "resa_km_per_ar": round(cost.travel_km_per_year, 3),
        "kr_besok": _kr(cost.kr_visits),
        "kr_resa": _kr(cost.kr_travel),
        "kr": _kr(cost.kr),
        "per_produkt": [
            {
                "produkt": p.product_code,
                "platser": p.sites,
                "besok_per_ar": round(p.visits_per_year, 3),
                "runda_m": round(p.tour_m, 3),
                "resa_km_per_ar": round(p.travel_km_per_year, 3),
            }
            for p in cost.products
        ],
    }


def _example_figures(
    given: WhatIfParameters,
    costs: AnnualCosts,
    used: list[VisitsInUse],
    in_area: set[str],
) -> list[str]:
    figures = []
    example_prices = sorted({p.product_code for p in costs.example_prices})
    if example_prices:
        figures.append(
            f"À-priserna för {', '.join(example_prices)} (skotsel_kr_per_ar) är exempelvärden."
        )
    example_visits = [u.product_code for u in used if u.example_data and u.product_code in in_area]
    if example_visits:
        figures.append(
            f"Besök per år för {', '.join(example_visits)} är exempelvärden ur {VISITS_CSV.name}."
        )
    defaults = {
        "kr_per_besok": f"{given.kr_per_besok} kr per besök",
        "kr_per_km": f"{given.kr_per_km} kr per km",
        "omvagsfaktor": f"omvägsfaktorn {given.omvagsfaktor:g}",
        "platsavstand_m": f"platsavståndet {given.platsavstand_m:g} m",
    }
    for name, text in defaults.items():
        if name not in given.model_fields_set:
            figures.append(f"{name}: standardvärdet, {text}, är ett exempelvärde.")
    return figures


def _notes(found: ModelInput, used: list[VisitsInUse], in_area: set[str]) -> list[str]:
    notes = [_EMPTY_NOTE] if not found.quantities else []
    without = [u.product_code for u in used if u.missing and u.product_code in in_area]
    if without:
        notes.append(f"{', '.join(without)} saknas i {VISITS_CSV.name}: räknas med 0 besök per år.")
    return notes


def _run_model(
    found: ModelInput, parameters: Parameters
) -> tuple[list[tuple[Crew, CrewCost]], CrewCost]:
    today = sorted(
        ((crew, crew_cost(sites, parameters)) for crew, sites in found.crew_sites.items()),
        key=lambda item: item[0].slug,
    )
    return today, crew_cost(found.joint_sites, parameters)


@router.post(
    "/samordning/gemensam-upphandling",
    summary="Vad händer om: gemensam upphandling av skötseln i ett område",
    response_model=WhatIfAnswer,
)
async def joint_tender(
    question: WhatIfQuestion,
    conn: ReadConnectionDep,
    scope: ReadScopeDep,
    crs: Annotated[
        str | None, Query(description="Polygonens koordinatsystem (standard WGS84, EPSG:4326)")
    ] = None,
) -> Response:
    """Quantities and cost at the price list, and site visits and travel today against one crew."""
    body = await joint_tender_answer(conn, question, crs, scope)
    return Response(orjson.dumps(body), media_type="application/json")


async def joint_tender_answer(
    conn: psycopg.AsyncConnection[Any],
    question: WhatIfQuestion,
    crs: str | None = None,
    contractor: int | None = None,
) -> dict[str, Any]:
    """The what-if answer (WhatIfAnswer's form) to a question; InvalidParameter for a bad one.

    contractor: a contractor's organisation id, to choose among its own driftområden alone
    (read_scope: while reading is not public).
    """
    area = await _area(conn, question, crs, contractor)
    named = await _organisation_ids(conn, question.organisationer)
    products = await whatif_queries.product_names(conn)
    given = question.parametrar
    _checked_overrides(given, products)
    used = visits_in_use(products, visit_frequencies(), given.besok_per_ar)
    visits = {u.product_code: u.visits_per_year for u in used}
    org_ids = None if named is None else [id_ for id_, _ in named.values()]
    found = await whatif_queries.model_input(conn, area.wkb, org_ids, given.platsavstand_m)
    if len(found.joint_sites) > MAX_SITES or sum(map(len, found.crew_sites.values())) > MAX_SITES:
        raise InvalidParameter(
            f"Området har för många platser för modellen (högst {MAX_SITES}): välj ett mindre"
            " område, färre organisationer eller ett större platsavstånd."
        )
    parameters = Parameters(given.kr_per_besok, given.kr_per_km, given.omvagsfaktor, visits)
    # The tours are CPU work of up to seconds: off the event loop.
    today, joint = await run_in_threadpool(_run_model, found, parameters)
    today_kr = sum((cost.kr for _, cost in today), Decimal(0))
    costs = annual_costs(found.quantities, await read_prices(conn))
    in_area = {row.product_code for row in found.quantities}
    organisations = (
        {slug: name for slug, (_, name) in named.items()}
        if named is not None
        else found.huvudman_names
    )
    figures = _example_figures(given, costs, used, in_area)
    return {
        "modell": MODEL_TEXT,
        "exempeldata": bool(figures),
        "exempeluppgifter": figures,
        "anmarkningar": _notes(found, used, in_area),
        "inga_objekt": not found.quantities,
        "parametrar": {
            "kr_per_besok": float(given.kr_per_besok),
            "kr_per_km": float(given.kr_per_km),
            "omvagsfaktor": given.omvagsfaktor,
            "platsavstand_m": given.platsavstand_m,
            "besok_per_ar": [_visits_item(u) for u in used],
        },
        "omrade": {
            "driftomraden": area.operations_areas,
            "yta_m2": round(area.area_m2, 3),
            "geometri": area.geojson,
        },
        "organisationer": [{"slug": s, "namn": organisations[s]} for s in sorted(organisations)],
        "mangder": [_quantity_item(row) for row in found.quantities],
        "skotsel_kr_per_ar": _kr(costs.total),
        "saknar_pris": [_quantity_item(row) for row in costs.without_price],
        "idag": {
            "lag": [_crew_item(crew.slug, crew.name, cost) for crew, cost in today],
            "kr_per_ar": _kr(today_kr),
        },
        "samordnat": {
            "lag": [_crew_item(None, JOINT_CREW_NAME, joint)],
            "kr_per_ar": _kr(joint.kr),
        },
        "besparing_kr_per_ar": _kr(today_kr - joint.kr),
        "besparing_andel": round(saving_share(today_kr, joint.kr), 6),
    }
