"""Annual costs at the price list, on hand-built objects of known size (EPSG:3006)."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.analysis.costs import annual_costs
from app.analysis.prices import Price, sync_prices
from app.analysis.rows import QuantityRow, Unit
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import API_PREFIX, create_app
from tests.support.tables import PLACE_TABLES, empty_tables
from tests.test_analysis_prices import empty_price_list

E0, N0 = 680_000.0, 6_560_000.0


def _price(code: str, kr: str, level: str | None = None, unit: str = "m²") -> Price:
    return Price(code, level, unit, Decimal(kr), f"test {code}", example_data=code == "G2")


PRICES = [
    _price("G2", "3.50"),  # every level of bruksgräsmatta
    _price("G2", "6.00", "A"),  # level A costs more
    _price("H1", "40.00", unit="m"),
    _price("UT1", "800.00", unit="st"),
    # no price for T1
]


def _row(org: str, code: str, unit: Unit, quantity: float, level: str | None = None) -> QuantityRow:
    return QuantityRow("kommun", org, code, level, unit, 1, quantity)


def test_a_level_price_wins_over_the_all_levels_price_and_a_missing_price_is_listed() -> None:
    rows = [
        _row("parkenheten", "G2", "m²", 5000.0),  # 100 m × 50 m at 3.50
        _row("parkenheten", "G2", "m²", 200.0, "A"),  # level A: 6.00
        _row("huge", "G2", "m²", 1000.0, "B"),  # no B price: the all-levels 3.50
        _row("huge", "T1", "st", 2.0),  # no price at all
    ]
    costs = annual_costs(rows, PRICES)
    assert [c.kr_per_year for c in costs.rows] == [
        Decimal("17500.00"),
        Decimal("1200.00"),
        Decimal("3500.00"),
        None,
    ]
    assert costs.without_price == [rows[3]]
    assert costs.by_organisation == {"parkenheten": Decimal("18700.00"), "huge": Decimal("3500.00")}
    assert costs.total == Decimal("22200.00")  # T1 is not counted as 0 kr: it is listed


def test_a_price_in_another_unit_does_not_apply() -> None:
    rows = [_row("huge", "G2", "m", 10.0)]  # as if G2 had become a line product
    costs = annual_costs(rows, PRICES)
    assert costs.without_price == rows
    assert costs.total == Decimal(0)


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"ST_MakeEnvelope({E0 + x0}, {N0 + y0}, {E0 + x1}, {N0 + y1}, 3006)"


def _point(x: float, y: float) -> str:
    return f"ST_SetSRID(ST_MakePoint({E0 + x}, {N0 + y}), 3006)"


def _line(*xy: tuple[float, float]) -> str:
    points = ", ".join(f"{E0 + x} {N0 + y}" for x, y in xy)
    return f"ST_GeomFromText('LINESTRING({points})', 3006)"


OBJECTS = [  # product, kind, geometry, huvudman, quality level, retired
    ("G2", "yta", _box(0, 0, 100, 50), "parkenheten", None, False),  # 5 000 m²
    ("G2", "yta", _box(0, 100, 20, 110), "parkenheten", "A", False),  # 200 m²
    ("G2", "yta", _box(200, 0, 240, 25), "huge", "B", False),  # 1 000 m²
    ("G2", "yta", _box(300, 0, 400, 100), "huge", None, True),  # retired: not counted
    ("H1", "linje", _line((0, 60), (30, 60)), "huge", None, False),  # 30 m
    ("UT1", "punkt", _point(10, 70), "huge", None, False),
    ("UT1", "punkt", _point(20, 70), "huge", None, False),
    ("UT1", "punkt", _point(30, 70), "huge", None, False),
    ("T1", "punkt", _point(50, 80), "parkenheten", None, False),
    ("T1", "punkt", _point(60, 80), "parkenheten", None, False),
]

AREA = (0, 0, 45, 110)  # a driftområde over part of the 5 000 m² lawn, not the trees


def _build(conn: Connection) -> None:
    reset_data(conn, PLACE_TABLES)
    for code, kind, geom, org, level, retired in OBJECTS:
        conn.execute(
            text(
                "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                " huvudman_id, kvalitetsniva, geom, valid_from, valid_to)"
                f" SELECT gen_random_uuid(), :code, :kind, id, :level, {geom},"
                " '2025-01-01', CASE WHEN :retired THEN timestamptz '2025-06-01' END"
                " FROM organisation WHERE slug = :org"
            ),
            {"code": code, "kind": kind, "org": org, "level": level, "retired": retired},
        )
    conn.execute(
        text(
            "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, avtal_till,"
            f" geom) SELECT 'Kostnadsområdet', c.id, p.id, '2024-04-01', '2099-03-31',"
            f" ST_Multi({_box(*AREA)}) FROM organisation c, organisation p"
            " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
        )
    )
    conn.execute(text("DELETE FROM a_pris"))
    sync_prices(conn, PRICES, replace=True)


@pytest.fixture(scope="module")
def costs_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The hand-built objects and prices, committed, and the app that reads them."""
    with engine.begin() as conn:
        _build(conn)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(engine, PLACE_TABLES)
    empty_price_list(engine)


def test_costs_of_the_whole_municipality(costs_client: TestClient) -> None:
    answer = costs_client.get(f"{API_PREFIX}/samordning/kostnader", params={"indelning": "kommun"})
    assert answer.status_code == 200
    costs = answer.json()
    priced = {
        (r["organisation"], r["produkt"], r["kvalitetsniva"]): (
            r["mangd"],
            r["pris"] and r["pris"]["kvalitetsniva"],
            r["kr_per_ar"],
        )
        for r in costs["rader"]
    }
    assert priced == {
        ("parkenheten", "G2", None): (5000.0, None, 17500.0),
        ("parkenheten", "G2", "A"): (200.0, "A", 1200.0),
        ("huge", "G2", "B"): (1000.0, None, 3500.0),
        ("huge", "H1", None): (30.0, None, 1200.0),
        ("huge", "UT1", None): (3.0, None, 2400.0),
        ("parkenheten", "T1", None): (2.0, None, None),
    }
    assert costs["per_organisation"] == [
        {"nyckel": "huge", "kr_per_ar": 7100.0},
        {"nyckel": "parkenheten", "kr_per_ar": 18700.0},
    ]
    assert costs["per_produkt"] == [
        {"nyckel": "G2", "kr_per_ar": 22200.0},
        {"nyckel": "H1", "kr_per_ar": 1200.0},
        {"nyckel": "UT1", "kr_per_ar": 2400.0},
    ]
    assert costs["per_omrade"] == [{"nyckel": "kommun", "kr_per_ar": 25800.0}]
    assert costs["totalt_kr_per_ar"] == 25800.0
    assert [(r["organisation"], r["produkt"], r["objekt"]) for r in costs["saknar_pris"]] == [
        ("parkenheten", "T1", 2)
    ]


def test_every_answer_says_which_prices_are_example_data(costs_client: TestClient) -> None:
    costs = costs_client.get(f"{API_PREFIX}/samordning/kostnader").json()
    assert costs["exempeldata"] is True
    assert [(p["produkt"], p["kvalitetsniva"]) for p in costs["exempelpriser"]] == [
        ("G2", None),
        ("G2", "A"),
    ]
    assert "exempelvärden" in costs["anmarkning"]


def test_an_unknown_division_is_a_400(costs_client: TestClient) -> None:
    answer = costs_client.get(
        f"{API_PREFIX}/samordning/kostnader", params={"indelning": "stadsdel"}
    )
    assert answer.status_code == 400


def test_costs_per_operations_area_count_the_part_inside(costs_client: TestClient) -> None:
    answer = costs_client.get(
        f"{API_PREFIX}/samordning/kostnader", params={"indelning": "driftomrade"}
    )
    assert answer.status_code == 200
    costs = answer.json()
    priced = {
        (r["organisation"], r["produkt"], r["kvalitetsniva"]): (r["mangd"], r["kr_per_ar"])
        for r in costs["rader"]
    }
    assert priced == {
        ("parkenheten", "G2", None): (2250.0, 7875.0),  # 45 m × 50 m of the lawn at 3.50
        ("parkenheten", "G2", "A"): (200.0, 1200.0),
        ("huge", "H1", None): (30.0, 1200.0),
        ("huge", "UT1", None): (3.0, 2400.0),
    }
    assert [s["kr_per_ar"] for s in costs["per_omrade"]] == [12675.0]
    assert costs["saknar_pris"] == []
