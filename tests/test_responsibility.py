"""Who maintains this point? The rules, table-driven on the hand-made patch (tests/handmade.py)."""

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine

from app.responsibility.schemas import Answer
from tests.handmade import E0, N0, local_lonlat


def _ask(client: TestClient, xy: tuple[float, float], **params: Any) -> Any:
    response = client.get(
        "/api/v1/ansvar", params={"x": E0 + xy[0], "y": N0 + xy[1], "crs": "EPSG:3006"} | params
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    # The service builds answers as dicts for speed; they must match the documented schema.
    assert Answer.model_validate(answer).model_dump(mode="json") == answer
    return answer


@dataclass(frozen=True)
class Case:
    """One place in the fixture and what the answer there must be."""

    name: str
    xy: tuple[float, float]
    rule: str
    huvudman: str | None
    code: str | None = None
    distance: float | None = None
    ambiguous: bool = False
    performer: str | None = None
    owner: str | None = None
    params: tuple[tuple[str, str], ...] = ()


CASES = [
    Case(
        "nearest of two benches",
        (63, 60),
        "punktobjekt",
        "parkenheten",
        "UT1",
        3.0,
        performer="sodertorns-parkdrift",
        owner="huddinge-kommun",
    ),
    Case(
        "the other bench, nearer",
        (68, 60),
        "punktobjekt",
        "huge",
        "UT1",
        2.0,
        ambiguous=True,
        owner="huddinge-kommun",
    ),
    Case(
        "hedge line within 3 m",
        (170, 52),
        "linjeobjekt",
        "huge",
        "H1",
        2.0,
        performer="huge",
        owner="huge",
    ),
    Case(
        "overlap: higher precedence wins",
        (30, 30),
        "tackande-yta",
        "kultur-fritid",
        "IG2",
        0.0,
        ambiguous=True,
        owner="huddinge-kommun",
    ),
    Case(
        "lawn, no conflict nearby",
        (80, 15),
        "tackande-yta",
        "parkenheten",
        "G2",
        0.0,
        performer="sodertorns-parkdrift",
        owner="huddinge-kommun",
    ),
    Case(
        "shared boundary of two organisations",
        (100, 80),
        "tackande-yta",
        "parkenheten",
        "G2",
        0.0,
        ambiguous=True,
        performer="sodertorns-parkdrift",
    ),
    Case("area within the gap tolerance", (330, 10), "narliggande-yta", "parkenheten", "G1", 10.0),
    Case("area beyond the gap tolerance", (340, 10), "ingen", None),
    Case("parcel only, owner known", (150, 150), "fastighet", "privat", owner="privat"),
    Case("parcel only, owner unknown", (50, 130), "fastighet", None),
    Case(
        "product preference: bin is nearer",
        (132, 170),
        "punktobjekt",
        "parkenheten",
        "UT2",
        2.0,
        owner="privat",
    ),
    Case(
        "product preference: the bench",
        (132, 170),
        "punktobjekt",
        "parkenheten",
        "UT1",
        4.0,
        owner="privat",
        params=(("produkt", "UT1"),),
    ),
    Case(
        "before the bench changed hands",
        (50, 183),
        "punktobjekt",
        "parkenheten",
        "UT1",
        3.0,
        params=(("datum", "2026-02-15"),),
    ),
    Case(
        "after the bench changed hands",
        (50, 183),
        "punktobjekt",
        "husf",
        "UT1",
        3.0,
        params=(("datum", "2026-03-15"),),
    ),
]


@pytest.mark.usefixtures("handmade_data")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rules(client: TestClient, case: Case) -> None:
    answer = _ask(client, case.xy, **dict(case.params))
    assert answer["regel"] == case.rule
    if case.huvudman is not None:
        assert answer["huvudman"]["slug"] == case.huvudman
    elif case.rule in ("ingen", "fastighet"):
        assert answer["huvudman"] is None
    if case.code is not None:
        assert answer["objekt"]["kod"] == case.code
    else:
        assert answer["objekt"] is None
    if case.distance is not None:
        assert answer["avstand_m"] == pytest.approx(case.distance, abs=0.01)
    assert answer["tvetydig"] is case.ambiguous, answer["tvetydig_orsak"]
    performer = answer["utforare"]["organisation"]["slug"] if answer["utforare"] else None
    assert performer == case.performer
    if case.owner is not None:
        assert [o["slug"] for o in answer["markagare"]["agare"]] == [case.owner]
    assert answer["forklaring"].endswith(".")


@pytest.mark.usefixtures("handmade_data")
def test_answer_explains_itself(client: TestClient) -> None:
    answer = _ask(client, (63, 60))
    assert answer["forklaring"] == (
        "Punkten ligger 3,0 m från ett objekt av typen parkbänk eller sittplats, som"
        " Södertörns Parkdrift sköter på uppdrag av Parkenheten."
    )
    assert answer["utforare"]["egen_regi"] is False
    assert answer["utforare"]["avtal_fran"] == "2024-04-01"
    assert answer["huvudman"]["kontakter"][0]["telefon"]
    assert answer["markagare"]["fastighetsbeteckning"] == "HUDDINGE TESTTRAKT 1:1"
    # The lawn under the click first, then the other bench (7 m: beyond the click's 3 m).
    lawn, bench = answer["kandidater"]
    assert (lawn["regel"], lawn["objekt"]["kod"]) == ("tackande-yta", "G2")
    assert bench["huvudman"]["slug"] == "huge"
    assert bench["regel"] == "punktobjekt"
    assert bench["avstand_m"] == pytest.approx(7.0, abs=0.01)
    assert answer["tvetydig"] is False, "a bench decided; the other one is not what was meant"


@pytest.mark.usefixtures("handmade_data")
def test_in_house_work_names_the_organisation_once(client: TestClient) -> None:
    answer = _ask(client, (170, 52))
    assert answer["huvudman"]["slug"] == "huge"
    assert answer["utforare"]["egen_regi"] is True
    assert answer["utforare"]["organisation"]["slug"] == "huge"
    assert answer["forklaring"] == (
        "Punkten ligger 2,0 m från ett objekt av typen klippt häck, som Huge sköter i egen regi."
    )


@pytest.mark.usefixtures("handmade_data")
def test_the_explanation_has_no_codes_or_rule_names(client: TestClient) -> None:
    for xy in [(63, 60), (170, 52), (30, 30), (80, 15), (330, 10), (150, 150), (50, 130)]:
        answer = _ask(client, xy)
        words = answer["forklaring"].replace(",", " ").replace(".", " ").split()
        assert answer["regel"] not in words
        assert "/" not in answer["forklaring"], "a product's name in words, not as a label"
        if answer["objekt"]:
            assert answer["objekt"]["kod"] not in words, answer["forklaring"]


@pytest.mark.usefixtures("handmade_data")
def test_a_parcel_boundary_names_the_other_parcel_and_its_owner(client: TestClient) -> None:
    # (100, 150) lies on the boundary of 1:3 (owner unknown) and 1:4 (the private owner).
    answer = _ask(client, (100, 150))
    assert answer["regel"] == "fastighet"
    assert answer["tvetydig"] is True
    [other] = answer["tvetydig_med"]
    assert other["fastighetsbeteckning"] == "HUDDINGE TESTTRAKT 1:4"
    assert other["objekt"] is None
    assert other["organisation"]["slug"] == "privat"
    assert "kontaktcenter" in other["organisation"]["vagledning"]


@pytest.mark.usefixtures("handmade_data")
def test_parcel_answers_name_the_designation(client: TestClient) -> None:
    unknown = _ask(client, (50, 130))
    assert unknown["markagare"] == {
        "fastighetsbeteckning": "HUDDINGE TESTTRAKT 1:3",
        "agare": [],
        "agare_okand": True,
    }
    assert "HUDDINGE TESTTRAKT 1:3" in unknown["forklaring"]
    assert "okänd" in unknown["forklaring"]
    known = _ask(client, (150, 150))
    assert known["huvudman"]["slug"] == "privat"
    assert "Inget skötselobjekt" in known["forklaring"]


@pytest.mark.usefixtures("handmade_data")
def test_shared_boundary_names_the_other_organisation(client: TestClient) -> None:
    answer = _ask(client, (100, 80))
    assert answer["tvetydig"] is True
    assert "gränsen" in answer["tvetydig_orsak"]
    involved = {
        answer["huvudman"]["slug"],
        *(o["organisation"]["slug"] for o in answer["tvetydig_med"]),
    }
    assert involved == {"parkenheten", "huge"}
    [other] = answer["tvetydig_med"]
    assert other["organisation"]["kontakter"], "the other organisation comes with its contacts"
    assert (other["objekt"]["kod"], other["objekt"]["geometrityp"]) == ("G2", "yta")
    assert other["fastighetsbeteckning"] is None


@pytest.mark.usefixtures("handmade_data")
@pytest.mark.parametrize(
    "crs", ["EPSG:3011", "http://www.opengis.net/def/crs/EPSG/0/3011", "urn:ogc:def:crs:EPSG::3011"]
)
def test_sweref_18_00_gives_the_same_answer(client: TestClient, crs: str) -> None:
    x, y = Transformer.from_crs(3006, 3011, always_xy=True).transform(E0 + 63, N0 + 60)
    answer = client.get("/api/v1/ansvar", params={"x": x, "y": y, "crs": crs}).json()
    assert answer["objekt"]["kod"] == "UT1"
    assert answer["avstand_m"] == pytest.approx(3.0, abs=0.01)


@pytest.mark.usefixtures("handmade_data")
def test_wgs84_lon_lat(client: TestClient) -> None:
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(E0 + 63, N0 + 60)
    answer = client.get("/api/v1/ansvar", params={"lon": lon, "lat": lat}).json()
    assert answer["huvudman"]["slug"] == "parkenheten"
    assert answer["punkt"]["lon"] == pytest.approx(lon, abs=1e-6)


@pytest.mark.usefixtures("handmade_data")
def test_outside_the_municipality_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/ansvar", params={"lon": 17.60, "lat": 59.25})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "utanfor-kommunen"
    assert "Huddinge" in problem["detail"]


BAD_REQUESTS = [
    ({}, "Ange punkten"),
    ({"lon": "18.0"}, "lat"),
    ({"lon": "abc", "lat": "59.2"}, "lon måste vara ett tal"),
    ({"lon": "nan", "lat": "59.2"}, "ändligt"),
    ({"lon": "inf", "lat": "59.2"}, "ändligt"),
    ({"lon": "18.0", "lat": "95"}, "utanför tillåtna värden"),
    ({"lon": "59.22", "lat": "17.98"}, "bytt plats"),
    ({"x": "6568000", "y": "670000", "crs": "EPSG:3006"}, "bytt plats"),
    ({"x": "670000", "y": "6568000", "crs": "EPSG:9999"}, "stöds inte"),
    ({"lon": "18.0", "lat": "59.2", "datum": "2026-13-01"}, "datum"),
    ({"lon": "18.0", "lat": "59.2", "datum": "igår"}, "datum"),
    ({"lon": "18.0", "lat": "59.2", "x": "670000"}, "inte båda"),
]


@pytest.mark.usefixtures("handmade_data")
@pytest.mark.parametrize(("params", "message"), BAD_REQUESTS, ids=[m for _, m in BAD_REQUESTS])
def test_bad_input_is_a_swedish_400(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.get("/api/v1/ansvar", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]


@pytest.mark.usefixtures("handmade_data")
def test_unknown_product_is_a_400(client: TestClient) -> None:
    response = client.get(
        "/api/v1/ansvar", params={"x": E0 + 63, "y": N0 + 60, "crs": "EPSG:3006", "produkt": "XX9"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "okand-produkt"


def _feature(ident: str, coordinates: list[Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": ident,
        "properties": {},
        "geometry": {"type": "Point", "coordinates": coordinates},
    }


@pytest.mark.usefixtures("handmade_data")
def test_batch_geojson_answers_each_point_and_keeps_bad_rows_apart(client: TestClient) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature("bänk", list(local_lonlat((63, 60)))),
            _feature("häck", list(local_lonlat((170, 52)))),
            _feature("utanför", [17.60, 59.25]),
            _feature("trasig", [200.0, 59.2]),
            {
                "type": "Feature",
                "id": "linje",
                "geometry": {"type": "LineString", "coordinates": []},
            },
        ],
    }
    response = client.post(
        "/api/v1/ansvar/batch",
        content=json.dumps(collection),
        headers={"content-type": "application/geo+json"},
    )
    assert response.status_code == 200, response.text
    rows = {row["id"]: row for row in response.json()["svar"]}
    assert list(rows) == ["bänk", "häck", "utanför", "trasig", "linje"]
    assert rows["bänk"]["huvudman"]["slug"] == "parkenheten"
    assert rows["häck"]["objekt"]["kod"] == "H1"
    assert rows["utanför"]["fel"]["type"] == "utanfor-kommunen"
    assert rows["trasig"]["fel"]["status"] == 400
    assert rows["linje"]["fel"]["detail"] == "Objektet är ingen punkt."


@pytest.mark.usefixtures("handmade_data")
def test_batch_csv_in_sweref_answers_as_csv(client: TestClient) -> None:
    body = f"id;x;y\n1;{E0 + 63};{N0 + 60}\n2;{E0 + 150};{N0 + 150}\n3;inte;ett tal\n"
    response = client.post(
        "/api/v1/ansvar/batch",
        params={"crs": "EPSG:3006"},
        content=body.encode(),
        headers={"content-type": "text/csv", "accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["huvudman"].startswith("Miljö- och bygglovsförvaltningen")
    assert rows[0]["utforare"].startswith("Södertörns Parkdrift")
    assert rows[1]["regel"] == "fastighet"
    assert rows[1]["fastighetsbeteckning"].endswith("1:4")
    assert rows[2]["status"] == "fel"
    assert "inte tal" in rows[2]["fel"]


@pytest.mark.usefixtures("handmade_data")
def test_batch_grouped_by_huvudman_is_a_safety_walk_protocol(client: TestClient) -> None:
    body = "id,lon,lat\n" + "".join(
        f"{ident},{lon},{lat}\n"
        for ident, (lon, lat) in [
            ("a", local_lonlat((63, 60))),
            ("b", local_lonlat((170, 52))),
            ("c", local_lonlat((68, 60))),
            ("d", local_lonlat((80, 15))),
            ("e", local_lonlat((50, 130))),
        ]
    )
    response = client.post(
        "/api/v1/ansvar/batch",
        params={"gruppera": "huvudman"},
        content=body.encode(),
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    protocol = response.json()
    groups = {g["huvudman"]["slug"]: [p["id"] for p in g["punkter"]] for g in protocol["grupper"]}
    assert groups == {"parkenheten": ["a", "d"], "huge": ["b", "c"]}
    assert [p["id"] for p in protocol["utan_huvudman"]] == ["e"]
    assert all(g["antal"] == len(g["punkter"]) for g in protocol["grupper"])


@pytest.mark.usefixtures("handmade_data")
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{inte json", "application/json", 400),
        (b'{"type": "Feature"}', "application/geo+json", 400),
        (b"namn,plats\nx,y\n", "text/csv", 400),
        (b"<xml/>", "application/xml", 415),
        (
            ("id,lon,lat\n" + "1,18.0,59.2\n" * 10_001).encode(),
            "text/csv",
            413,
        ),
    ],
    ids=["not-json", "not-a-collection", "no-coordinate-columns", "xml", "too-many-points"],
)
def test_batch_refuses_what_it_cannot_read(
    client: TestClient, body: bytes, content_type: str, status: int
) -> None:
    response = client.post(
        "/api/v1/ansvar/batch", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("handmade_data")
def test_cli_answers_a_point_and_a_file(engine: Engine, tmp_path: Path) -> None:
    env = os.environ | {"ANSVAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    lon, lat = local_lonlat((63, 60))
    single = subprocess.run(
        [sys.executable, "-m", "app.cli", "ansvar", str(lon), str(lat)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "3,0 m från ett objekt av typen parkbänk eller sittplats" in single.stdout
    points = tmp_path / "punkter.csv"
    points.write_text(f"id,lon,lat\nx1,{lon},{lat}\nx2,17.60,59.25\n", encoding="utf-8")
    batch = subprocess.run(
        [sys.executable, "-m", "app.cli", "ansvar", "--fil", str(points)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(batch.stdout)))
    assert [(r["id"], r["status"]) for r in rows] == [("x1", "ok"), ("x2", "fel")]
