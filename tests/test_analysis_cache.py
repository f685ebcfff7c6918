"""The analysis' data version and cache, the cost weight and costs per cell, polygon and zone.

On the hand-built scene of tests/analysis_scene.py (100 m cells) with these prices:
G2 3.50 kr/m² for every level and 6.00 for level A, G1 6.00, IG2 10.00, H1 40.00 kr/m,
UT1 800 kr/st. Worked out by hand, kr per year:

- cell 0_0: parkenheten lawn A 1 200 m² × 6 = 7 200; huge hedge 20 m × 40 + bench 800 = 1 600;
  kultur-fritid pitch 400 m² × 10 = 4 000; in all 12 800.
- cell 100_0: parkenheten lawn A 2 000 m² × 6 + the bench on the grid line 800 = 12 800;
  huge lawn B 2 000 m² × 3.5 + hedge 20 m × 40 = 7 800; in all 20 600.
- cell 0_100: parkenheten bed 200 m² × 6 = 1 200.
- the polygon 0–105 × 0–100: lawn A 35 × 40 m = 1 400 m² × 6 = 8 400, the two benches 1 600,
  hedge 25 m × 40 = 1 000, pitch 4 000; in all 15 000 (lawn B starts at x = 110).

Every object in one zone at 100 m: 12 800 + 20 600 + 1 200 = 34 600 kr.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.analysis.cache import AnalysisCache, data_version, next_midnight_in_sweden, valid_until
from app.analysis.interleaving import mix_class
from app.analysis.prices import Price, sync_prices
from app.core.db import libpq_url
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import API_PREFIX, create_app
from tests.analysis_scene import E2, N2, build_scene
from tests.support.tables import PLACE_TABLES, empty_tables
from tests.test_analysis_prices import empty_price_list

URL = f"{API_PREFIX}/samordning"
CELL = {"ruta_m": 100}
PRICES = [
    Price("G2", None, "m²", Decimal("3.50"), "test", example_data=False),
    Price("G2", "A", "m²", Decimal("6.00"), "test", example_data=False),
    Price("G1", None, "m²", Decimal("6.00"), "test", example_data=False),
    Price("IG2", None, "m²", Decimal("10.00"), "test", example_data=False),
    Price("H1", None, "m", Decimal("40.00"), "test", example_data=False),
    Price("UT1", None, "st", Decimal("800.00"), "test", example_data=True),
]


@pytest.fixture(scope="module")
def scene(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The scene and the prices, committed, and an app (with its own cache) that reads them."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
        conn.execute(text("DELETE FROM a_pris"))
        sync_prices(conn, PRICES, replace=True)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(engine, PLACE_TABLES)
    empty_price_list(engine)


def _version(settings: Settings) -> tuple[int, int]:
    async def read() -> tuple[int, int]:
        async with await psycopg.AsyncConnection.connect(
            libpq_url(settings.database_url), autocommit=True
        ) as conn:
            return await data_version(conn)

    return asyncio.run(read())


def _cache(client: TestClient) -> AnalysisCache:
    cache: AnalysisCache = client.app.state.analysis_cache  # type: ignore[attr-defined]
    return cache


def _lawn_sql(x0: float, kind_of_org: str = "huge") -> str:
    return (
        "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
        f" geom, valid_from) SELECT gen_random_uuid(), 'G2', 'yta', id,"
        f" ST_MakeEnvelope({E2 + x0}, {N2 + 300}, {E2 + x0 + 10}, {N2 + 310}, 3006), :since"
        f" FROM organisation WHERE slug = '{kind_of_org}'"
    )


def test_each_writing_transaction_advances_the_data_version_once(
    scene: TestClient, engine: Engine, settings: Settings
) -> None:
    del scene
    before = _version(settings)
    with engine.begin() as conn:  # three statements, one transaction
        for x0 in (300, 320, 340):
            conn.execute(text(_lawn_sql(x0)), {"since": "2025-01-01"})
        conn.execute(text("DELETE FROM skotselobjekt WHERE ST_YMin(geom) = :y"), {"y": N2 + 300})
    after = _version(settings)
    assert after[0] == before[0] + 1
    assert after[1] > before[1]
    with engine.begin() as conn:  # a read-only transaction changes nothing
        conn.execute(text("SELECT count(*) FROM skotselobjekt"))
    assert _version(settings) == after
    with engine.begin() as conn:
        conn.execute(text("UPDATE a_pris SET kalla = kalla WHERE false"))  # a statement counts
    assert _version(settings)[0] == after[0] + 1


def test_an_answer_is_reused_until_the_data_changes(scene: TestClient, engine: Engine) -> None:
    cache = _cache(scene)
    first = scene.get(f"{URL}/mangder", params={"indelning": "kommun"})
    hits = cache.hits
    again = scene.get(f"{URL}/mangder", params={"indelning": "kommun"})
    assert again.content == first.content
    assert cache.hits == hits + 1
    with engine.begin() as conn:
        conn.execute(text(_lawn_sql(400)), {"since": "2025-01-01"})
    try:
        changed = scene.get(f"{URL}/mangder", params={"indelning": "kommun"}).json()
        huge_lawn = next(
            r
            for r in changed["rader"]
            if r["organisation"]["slug"] == "huge" and r["produkt"]["kod"] == "G2"
        )
        assert huge_lawn["mangd"] == 2000.0 + 100.0
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM skotselobjekt WHERE ST_YMin(geom) = :y"), {"y": N2 + 300}
            )
    back = scene.get(f"{URL}/mangder", params={"indelning": "kommun"})
    assert back.content == first.content


def test_a_new_price_changes_the_cached_costs(scene: TestClient, engine: Engine) -> None:
    def total() -> float:
        answer = scene.get(f"{URL}/kostnader", params={"indelning": "kommun"})
        assert answer.status_code == 200, answer.text
        value: float = answer.json()["totalt_kr_per_ar"]
        return value

    assert total() == 34_600.0
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE a_pris SET kr_per_enhet_och_ar = 900 WHERE skotselprodukt_kod = 'UT1'")
        )
    try:
        assert total() == 34_600.0 + 2 * 100.0
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE a_pris SET kr_per_enhet_och_ar = 800 WHERE skotselprodukt_kod = 'UT1'")
            )
    assert total() == 34_600.0


def test_an_entry_ends_when_a_version_starts_later(
    scene: TestClient, engine: Engine, settings: Settings
) -> None:
    del scene
    start = "2099-05-01T08:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(text(_lawn_sql(500)), {"since": start})

    async def until() -> datetime:
        async with await psycopg.AsyncConnection.connect(
            libpq_url(settings.database_url), autocommit=True
        ) as conn:
            return await valid_until(conn, datetime(2099, 5, 1, 7, 0, tzinfo=UTC))

    try:
        assert asyncio.run(until()) == datetime.fromisoformat(start)
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM skotselobjekt WHERE ST_YMin(geom) = :y"), {"y": N2 + 300}
            )


@pytest.mark.parametrize(
    ("now", "midnight"),
    [
        ("2026-12-02T10:00:00+00:00", "2026-12-02T23:00:00+00:00"),  # CET, UTC+1
        ("2026-07-01T21:59:00+00:00", "2026-07-01T22:00:00+00:00"),  # CEST, UTC+2
        ("2026-07-01T22:00:00+00:00", "2026-07-02T22:00:00+00:00"),  # exactly midnight: the next
        ("2026-03-28T23:30:00+00:00", "2026-03-29T22:00:00+00:00"),  # the day clocks go forward
    ],
)
def test_the_next_midnight_is_stockholms(now: str, midnight: str) -> None:
    assert next_midnight_in_sweden(datetime.fromisoformat(now)) == datetime.fromisoformat(midnight)


def _mix(client: TestClient, **params: Any) -> dict[str, dict[str, Any]]:
    answer = client.get(f"{URL}/blandning", params=CELL | params)
    assert answer.status_code == 200, answer.text
    return {f["id"]: f["properties"] for f in answer.json()["features"]}


def test_the_cost_weight_counts_every_unit_at_its_price(scene: TestClient) -> None:
    cells = _mix(scene, vikt="kostnad")
    west = cells[f"{int(E2)}_{int(N2)}"]
    assert west["kr_per_ar"] == 12_800.0
    assert west["yta_m2"] == 1_200.0 + 400.0  # the area is still the maintained m²
    assert {o["slug"]: o["kr_per_ar"] for o in west["organisationer"]} == {
        "parkenheten": 7_200.0,
        "kultur-fritid": 4_000.0,
        "huge": 1_600.0,
    }
    assert west["blandningsindex"] == pytest.approx(1 - (7200**2 + 4000**2 + 1600**2) / 12800**2)
    east = cells[f"{int(E2) + 100}_{int(N2)}"]
    assert east["kr_per_ar"] == 20_600.0
    assert east["blandningsindex"] == pytest.approx(1 - (12800**2 + 7800**2) / 20600**2, abs=1e-6)
    by_area = _mix(scene)[f"{int(E2)}_{int(N2)}"]
    assert by_area["kr_per_ar"] is None
    assert by_area["blandningsindex"] == pytest.approx(1 - (1200**2 + 400**2) / 1600**2)


def test_costs_per_cell_and_within_a_polygon(scene: TestClient) -> None:
    per_cell = scene.get(f"{URL}/kostnader", params={"indelning": "ruta"} | CELL).json()
    assert per_cell["ruta_m"] == 100
    assert {s["nyckel"]: s["kr_per_ar"] for s in per_cell["per_omrade"]} == {
        f"{int(E2)}_{int(N2)}": 12_800.0,
        f"{int(E2) + 100}_{int(N2)}": 20_600.0,
        f"{int(E2)}_{int(N2) + 100}": 1_200.0,
    }
    square = {
        "type": "Polygon",
        "coordinates": [[[E2, N2], [E2 + 105, N2], [E2 + 105, N2 + 100], [E2, N2 + 100], [E2, N2]]],
    }
    answer = scene.post(f"{URL}/kostnader", params={"crs": "EPSG:3006"}, json={"geometri": square})
    assert answer.status_code == 200, answer.text
    assert answer.json()["totalt_kr_per_ar"] == 15_000.0


def test_a_zone_has_its_annual_cost(scene: TestClient) -> None:
    answer = scene.get(f"{URL}/zoner", params={"avstand_m": 100})
    assert answer.status_code == 200, answer.text
    [zone] = answer.json()["features"]
    assert zone["properties"]["kr_per_ar"] == 34_600.0
    assert zone["properties"]["rader_utan_pris"] == 0


def test_an_analysis_past_its_timeout_is_a_503_and_is_not_kept(
    scene: TestClient, settings: Settings
) -> None:
    del scene
    hurried = settings.model_copy(update={"analysis_timeout_ms": 1})
    with TestClient(create_app(hurried)) as client:
        answer = client.get(f"{URL}/grannar")
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "tog-for-lang-tid"
        assert answer.headers["retry-after"] == "60"
        missed = _cache(client).misses
        assert missed >= 1
        assert client.get(f"{URL}/grannar").status_code == 503  # computed again, not kept
        assert _cache(client).misses == 2 * missed


def test_the_mix_classes_are_served_with_the_map(scene: TestClient) -> None:
    answer = scene.get(f"{URL}/blandning", params=CELL).json()
    assert [(c["fran"], c["till"]) for c in answer["klasser"]] == [
        (0.0, 0.1),
        (0.1, 0.3),
        (0.3, 0.5),
        (0.5, 0.7),
        (0.7, 1.0),
    ]
    assert [mix_class(v).words for v in (0.0, 0.1, 0.375, 0.7, 1.0)] == [
        "En huvudman (nästan)",
        "Lite blandat",
        "Blandat",
        "Starkt blandat",
        "Starkt blandat",  # the last class includes 1
    ]


def test_the_report_uses_the_matrix_and_zones_the_page_computed(scene: TestClient) -> None:
    cache = _cache(scene)
    assert scene.get(f"{URL}/grannar").status_code == 200
    assert scene.get(f"{URL}/zoner").status_code == 200
    hits = cache.hits
    answer = scene.get(f"{URL}/rapport.xlsx")
    assert answer.status_code == 200
    assert cache.hits == hits + 2  # the matrix and the zone list, not computed again
