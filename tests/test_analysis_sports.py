"""The sports facilities preset, on hand-built pitches of known size and distance (EPSG:3006).

Worked out by hand, local metres from (E0, N0):
- pitch A, kultur-fritid, IG2, box 0–100 × 0–61 = 6 100 m², on parcel HUDDINGE IDROTT 1:1;
- pitch B, husf, IG1, box 150–250 × 0–60 = 6 000 m², 50 m east of A;
- pitch C, kultur-fritid, IG3, box 1 000–1 040 × 0–20 = 800 m², 750 m east of B, no parcel;
- a lawn (G2, not Idrott) between A and B, never counted.
Prices IG1 8.00 and IG2 10.00 kr/m², none for IG3: kultur-fritid 61 000 kr (IG3 has no price),
husf 48 000 kr. At 100 m A and B are one facility with two principals, C another; at 40 m
there are three facilities of one principal each.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.analysis.prices import Price, sync_prices
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import API_PREFIX, create_app
from tests.support.tables import PLACE_TABLES, empty_tables
from tests.test_analysis_prices import empty_price_list

URL = f"{API_PREFIX}/samordning/idrott"
E0, N0 = 690_000.0, 6_570_000.0
OBJECTS = [  # code, box, huvudman
    ("IG2", (0, 0, 100, 61), "kultur-fritid"),
    ("IG1", (150, 0, 250, 60), "husf"),
    ("IG3", (1000, 0, 1040, 20), "kultur-fritid"),
    ("G2", (110, 0, 140, 60), "parkenheten"),
]


def _box(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E0 + x0}, {N0 + y0}, {E0 + x1}, {N0 + y1}, 3006)"


@pytest.fixture(scope="module")
def sports(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The pitches, a parcel and the prices, committed, and the app."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        for code, box, org in OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                    f" huvudman_id, geom, valid_from) SELECT gen_random_uuid(), :code, 'yta', id,"
                    f" {_box(box)}, '2025-01-01' FROM organisation WHERE slug = :org"
                ),
                {"code": code, "org": org},
            )
        conn.execute(
            text(
                "INSERT INTO fastighet (objektidentitet, registerenhetsreferens, beteckning,"
                " kommunnamn, trakt, etikett, geom, valid_from) VALUES (gen_random_uuid(),"
                " gen_random_uuid(), 'HUDDINGE IDROTT 1:1', 'HUDDINGE', 'IDROTT', '1:1',"
                f" ST_Multi({_box((-10, -10, 105, 70))}), '2025-01-01')"
            )
        )
        conn.execute(text("DELETE FROM a_pris"))
        sync_prices(
            conn,
            [
                Price("IG1", None, "m²", Decimal("8.00"), "test", example_data=False),
                Price("IG2", None, "m²", Decimal("10.00"), "test", example_data=True),
            ],
            replace=True,
        )
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(engine, PLACE_TABLES)
    empty_price_list(engine)


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get(URL, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_each_principal_has_its_sports_quantities_and_cost(sports: TestClient) -> None:
    body = _get(sports)
    assert body["produktgrupp"] == "Idrott"
    assert {p["kod"] for p in body["produkter"]} == {"IG1", "IG2", "IG3"}
    principals = {p["organisation"]["slug"]: p for p in body["per_huvudman"]}
    assert set(principals) == {"kultur-fritid", "husf"}  # the lawn is not Idrott
    assert principals["kultur-fritid"]["kr_per_ar"] == 61_000.0
    assert principals["husf"]["kr_per_ar"] == 48_000.0
    assert {(m["produkt"], m["mangd"]) for m in principals["kultur-fritid"]["mangder"]} == {
        ("IG2", 6100.0),
        ("IG3", 800.0),
    }
    assert body["exempeldata"] is True  # IG2's price is example data


def test_pitches_of_two_principals_within_the_distance_are_one_facility(
    sports: TestClient,
) -> None:
    body = _get(sports, avstand_m=100)
    assert body["antal_anlaggningar"] == 2
    assert body["anlaggningar_med_flera_huvudman"] == 1
    shared, alone = (f["properties"] for f in body["anlaggningar"]["features"])
    assert shared["huvudman"] == ["husf", "kultur-fritid"]
    assert shared["flera_huvudman"] is True
    assert shared["yta_m2"] == 12_100.0
    assert shared["namn"] == "HUDDINGE IDROTT 1:1"  # the parcel under the larger pitch, A
    assert alone["huvudman"] == ["kultur-fritid"]
    assert alone["namn"] == "Anläggning 2"  # on no parcel


def test_a_shorter_distance_splits_the_facility(sports: TestClient) -> None:
    body = _get(sports, avstand_m=40)
    assert body["antal_anlaggningar"] == 3
    assert body["anlaggningar_med_flera_huvudman"] == 0


@pytest.mark.parametrize("distance", ["0", "1001", "x"])
def test_a_bad_distance_is_a_400(sports: TestClient, distance: str) -> None:
    answer = sports.get(URL, params={"avstand_m": distance})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
