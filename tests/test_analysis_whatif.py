"""The what-if joint tender (POST /api/v1/samordning/gemensam-upphandling), answers by hand.

The scene, in local metres from (E4, N4), 8 km east of the hand-made patch: 10 m × 10 m lawns
(G2, 100 m² each) in a line along y = 0–10.

| lawn | huvudman | box x | centroid | crew today |
|---|---|---|---|---|
| P0 | parkenheten | 0–10 | (5, 5) | Södertörns parkdrift (driftområde "Vadom park") |
| P100 | parkenheten | 100–110 | (105, 5) | Södertörns parkdrift |
| H120 | huge | 120–130 | (125, 5) | Huge's own unit (Huge ordered no driftområde) |
| P200 | parkenheten | 200–210 | (205, 5) | Södertörns parkdrift |
| H300 | huge | 300–310 | (305, 5) | Huge's own unit |

and Kultur och fritid's lawn at x 1000–1010, outside every area asked about. "Vadom park" is
the park unit's, performed by Södertörns parkdrift, box (−50, −50)–(450, 50) = 50 000 m²;
"Vadom gammalt", the same box, ended in 2020. "Vadom huge" (1900, −50)–(2100, 50) is Huge's,
performed by Huge itself.

With the site distance 50 m, G2 at 10 visits a year, 400 kr a visit, 30 kr a km, detour 1.3:

- Today, Södertörns parkdrift: P0, P100, P200 are 90 m apart edge to edge: 3 sites, 30 visits,
  12 000 kr. Tour (5,5) → (105,5) → (205,5) → back: 100 + 100 + 200 = 400 m; × 1.3 = 520 m;
  × 10 a year = 5.2 km; × 30 = 156 kr. 12 156 kr.
- Today, Huge: H120 and H300, 170 m apart: 2 sites, 20 visits, 8 000 kr. Tour 180 + 180 =
  360 m; × 1.3 = 468 m; × 10 = 4.68 km; × 30 = 140.40 kr. 8 140.40 kr.
- Today: 20 296.40 kr.
- Combined: P100 and H120 are 10 m apart: one site, centroid (115, 5). Sites (5,5), (115,5),
  (205,5), (305,5): 40 visits, 16 000 kr. Tour 110 + 90 + 100 + 300 = 600 m; × 1.3 = 780 m;
  × 10 = 7.8 km; × 30 = 234 kr. 16 234 kr.
- Saving: 20 296.40 − 16 234 = 4 062.40 kr; share 4 062.40 / 20 296.40 = 0.200154.
- Maintenance: 500 m² of G2 at 3.50 kr = 1 750 kr a year (the same both ways).
"""

from collections.abc import Iterator
from decimal import Decimal
from math import sqrt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.analysis.prices import Price, sync_prices
from app.analysis.visits import (
    VisitFrequency,
    VisitsFileError,
    read_visit_frequencies,
    visit_frequencies,
    visits_in_use,
)
from app.analysis.whatif_model import Parameters, Site, crew_cost, nearest_neighbour_tour_m
from app.analysis.whatif_schemas import WhatIfAnswer
from app.catalogue.catalogue_file import read_catalogue
from app.core.paths import CATALOGUE_CSV
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import API_PREFIX, create_app
from tests.handmade import E0, N0
from tests.support.signin import create_test_token
from tests.support.tables import PLACE_TABLES, empty_tables
from tests.test_analysis_prices import empty_price_list

E4, N4 = E0 + 8000, N0
URL = f"{API_PREFIX}/samordning/gemensam-upphandling"
LAWNS = [  # x of the box's west edge, huvudman
    (0, "parkenheten"),
    (100, "parkenheten"),
    (120, "huge"),
    (200, "parkenheten"),
    (300, "huge"),
    (1000, "kultur-fritid"),
]
OPERATIONS_AREAS = [  # name, box, client, performer, contract end
    ("Vadom park", (-50, -50, 450, 50), "parkenheten", "sodertorns-parkdrift", None),
    ("Vadom gammalt", (-50, -50, 450, 50), "parkenheten", "parkenheten", "2020-12-31"),
    ("Vadom huge", (1900, -50, 2100, 50), "huge", "huge", None),
]
PRICES = [Price("G2", None, "m²", Decimal("3.50"), "test", example_data=True)]
TEN_G2 = {"besok_per_ar": {"G2": 10}}


def _box(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E4 + x0}, {N4 + y0}, {E4 + x1}, {N4 + y1}, 3006)"


def _build_scene(conn: Connection) -> None:
    for x, org in LAWNS:
        conn.execute(
            text(
                "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                f" huvudman_id, geom, valid_from) SELECT gen_random_uuid(), 'G2', 'yta', id,"
                f" {_box((x, 0, x + 10, 10))}, '2025-01-01' FROM organisation WHERE slug = :org"
            ),
            {"org": org},
        )
    for name, box, client, performer, end in OPERATIONS_AREAS:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran,"
                f" avtal_till, geom) SELECT :name, c.id, p.id, '2019-04-01', CAST(:end AS date),"
                f" ST_Multi({_box(box)}) FROM organisation c, organisation p"
                " WHERE c.slug = :client AND p.slug = :performer"
            ),
            {"name": name, "client": client, "performer": performer, "end": end},
        )
    conn.execute(text("DELETE FROM a_pris"))
    sync_prices(conn, PRICES, replace=True)


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[dict[str, int]]:
    """This module's scene alone, committed; the driftområden's ids by name."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        _build_scene(conn)
        ids = {name: id_ for name, id_ in conn.execute(text("SELECT namn, id FROM driftomrade"))}
    yield ids
    empty_tables(engine, PLACE_TABLES)
    empty_price_list(engine)


@pytest.fixture(scope="module")
def whatif(engine: Engine, settings: Settings, scene: dict[str, int]) -> Iterator[TestClient]:  # noqa: ARG001 (fixtures set up first)
    """The application with the what-if route, until app.main includes it itself."""
    with TestClient(create_app(settings)) as client:
        yield client


def _ask(client: TestClient, body: dict[str, Any], **params: str) -> dict[str, Any]:
    response = client.post(URL, json=body, params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert WhatIfAnswer.model_validate(answer).model_dump(mode="json") == answer
    return answer


def _crews(answer: dict[str, Any], part: str) -> list[tuple[Any, ...]]:
    return [
        (c["organisation"], c["platser"], c["besok_per_ar"], c["resa_km_per_ar"], c["kr"])
        for c in answer[part]["lag"]
    ]


def _ring(box: tuple[float, float, float, float]) -> list[list[float]]:
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return [[E4 + x, N4 + y] for x, y in corners]


# The tour on its own -------------------------------------------------------------------------


def test_a_tour_of_no_point_or_one_point_is_nothing_and_of_two_there_and_back() -> None:
    assert nearest_neighbour_tour_m([]) == 0.0
    assert nearest_neighbour_tour_m([(7.0, 7.0)]) == 0.0
    assert nearest_neighbour_tour_m([(0.0, 0.0), (3.0, 4.0)]) == 10.0  # 5 there, 5 back


def test_the_tour_starts_west_whatever_the_order_given() -> None:
    # From (0,0): 4, 5, 7 and back: 14. Started at the first point given, (5,0), it would go
    # to 4 (1), then 7 (3), then 0 (7), back to 5 (5): 16.
    assert nearest_neighbour_tour_m([(5.0, 0.0), (4.0, 0.0), (0.0, 0.0), (7.0, 0.0)]) == 14.0


def test_a_tie_goes_to_the_smaller_x() -> None:
    # From A (0,0), B (3,4) and C (5,0) are both 5 away: B first (x 3 < 5). B → C √20 (D is √65),
    # C → D (10,0) 5, back 10: 20 + √20. Taking C first would give 15 + √20 + √65.
    points = [(0.0, 0.0), (5.0, 0.0), (3.0, 4.0), (10.0, 0.0)]
    assert nearest_neighbour_tour_m(points) == pytest.approx(20 + sqrt(20), abs=1e-9)


def test_a_tie_at_the_same_x_goes_to_the_smaller_y() -> None:
    # From (0,0), (4,3) and (4,−3) are 5 away: (4,−3) first. Then (8,−6) 5 (the other is 6),
    # then (4,3) √97, back 5: 15 + √97. Taking (4,3) first: 5 + 6 + 5 + 10 = 26.
    points = [(0.0, 0.0), (4.0, 3.0), (4.0, -3.0), (8.0, -6.0)]
    assert nearest_neighbour_tour_m(points) == pytest.approx(15 + sqrt(97), abs=1e-9)


def test_a_crew_s_visits_and_travel_per_product() -> None:
    sites = [
        Site(0.0, 0.0, frozenset({"G2", "UT2"})),
        Site(300.0, 400.0, frozenset({"G2"})),
        Site(0.0, 800.0, frozenset({"UT2", "XX"})),  # XX has no visits: 0
    ]
    parameters = Parameters(
        Decimal(400),
        Decimal(30),
        1.3,
        {"G2": 10.0, "UT2": 52.0},
    )
    cost = crew_cost(sites, parameters)
    # G2: 2 sites × 10 = 20 visits; tour 500 + 500 = 1 000 m × 1.3 = 1.3 km × 10 = 13 km.
    # UT2: 2 × 52 = 104 visits; tour 800 + 800 = 1 600 m × 1.3 = 2.08 km × 52 = 108.16 km.
    # XX: 1 site × 0 = 0 visits, 0 km.
    assert [(p.product_code, p.sites, p.visits_per_year) for p in cost.products] == [
        ("G2", 2, 20.0),
        ("UT2", 2, 104.0),
        ("XX", 1, 0.0),
    ]
    assert cost.sites == 3
    assert cost.visits_per_year == 124.0
    assert cost.travel_km_per_year == pytest.approx(121.16, abs=1e-9)
    assert str(cost.kr_visits) == "49600.00"  # 124 × 400
    assert str(cost.kr_travel) == "3634.80"  # 121.16 × 30
    assert str(cost.kr) == "53234.80"


# The visit frequencies -----------------------------------------------------------------------


def test_the_shipped_visits_cover_the_catalogue_and_say_they_are_examples() -> None:
    visits = visit_frequencies()
    assert list(visits) == [p.kod for p in read_catalogue(CATALOGUE_CSV)]
    assert visits["G2"].visits_per_year == 20.0
    assert all(v.example_data and "exempelvärde" in v.source for v in visits.values())


def test_a_bad_visits_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "besok.csv"
    header = "produkt,besok_per_ar,kalla,exempeldata\n"
    cases = {
        "G2,20,källa,true\nG2,10,källa,true\n": "rad 3: G2 finns redan",
        "G2,400,källa,true\n": "rad 2: besok_per_ar ska vara 0–365",
        "G2,-1,källa,true\n": "rad 2: besok_per_ar ska vara 0–365",
        "G2,ofta,källa,true\n": "rad 2: besok_per_ar 'ofta' är inget tal",
        "G2,20,,true\n": "rad 2: källa saknas",
        "G2,20,källa,kanske\n": "rad 2: exempeldata ska vara true eller false",
        "": "innehåller inga",
    }
    for lines, message in cases.items():
        path.write_text(header + lines, encoding="utf-8")
        with pytest.raises(VisitsFileError, match=message):
            read_visit_frequencies(path)
    path.write_text("produkt,besok_per_ar\nG2,20\n", encoding="utf-8")
    with pytest.raises(VisitsFileError, match="saknar kolumnerna kalla, exempeldata"):
        read_visit_frequencies(path)
    path.write_text(header + "G2,1.5,källa,false\n", encoding="utf-8")
    assert read_visit_frequencies(path) == {"G2": VisitFrequency("G2", 1.5, "källa", False)}


def test_a_product_the_file_lacks_has_no_visits_and_says_so() -> None:
    file = {"G2": VisitFrequency("G2", 20.0, "exempel", True)}
    used = visits_in_use({"G2": "Bruksgräsmatta", "T1": "Träd", "UT2": "Korg"}, file, {"UT2": 3})
    assert [
        (u.product_code, u.visits_per_year, u.example_data, u.given, u.missing) for u in used
    ] == [
        ("G2", 20.0, True, False, False),
        ("T1", 0.0, False, False, True),
        ("UT2", 3, False, True, False),
    ]
    assert used[1].source.startswith("saknas i besok-per-ar.csv")


# Over HTTP -----------------------------------------------------------------------------------


def test_two_crews_whose_sites_merge_save_what_the_model_says(
    whatif: TestClient, scene: dict[str, int]
) -> None:
    answer = _ask(whatif, {"driftomraden": [scene["Vadom park"]], "parametrar": TEN_G2})
    assert _crews(answer, "idag") == [
        ("huge", 2, 20.0, 4.68, 8140.40),
        ("sodertorns-parkdrift", 3, 30.0, 5.2, 12156.0),
    ]
    parkdrift = answer["idag"]["lag"][1]
    assert (parkdrift["namn"], parkdrift["kr_besok"], parkdrift["kr_resa"]) == (
        "Södertörns Parkdrift AB (fiktiv entreprenör)",
        12000.0,
        156.0,
    )
    assert parkdrift["per_produkt"] == [
        {
            "produkt": "G2",
            "platser": 3,
            "besok_per_ar": 30.0,
            "runda_m": 400.0,
            "resa_km_per_ar": 5.2,
        }
    ]
    assert answer["idag"]["kr_per_ar"] == 20296.40
    assert _crews(answer, "samordnat") == [(None, 4, 40.0, 7.8, 16234.0)]
    assert answer["samordnat"]["lag"][0]["namn"] == "Ett gemensamt lag"
    assert answer["samordnat"]["lag"][0]["per_produkt"][0]["runda_m"] == 600.0
    assert answer["samordnat"]["kr_per_ar"] == 16234.0
    assert answer["besparing_kr_per_ar"] == 4062.40
    assert answer["besparing_andel"] == 0.200154
    assert answer["skotsel_kr_per_ar"] == 1750.0
    assert answer["saknar_pris"] == []
    assert answer["mangder"] == [
        {
            "organisation": "huge",
            "produkt": "G2",
            "kvalitetsniva": None,
            "enhet": "m²",
            "antal_objekt": 2,
            "mangd": 200.0,
        },
        {
            "organisation": "parkenheten",
            "produkt": "G2",
            "kvalitetsniva": None,
            "enhet": "m²",
            "antal_objekt": 3,
            "mangd": 300.0,
        },
    ]  # kultur-fritid's lawn at x 1000 lies outside
    assert [o["slug"] for o in answer["organisationer"]] == ["huge", "parkenheten"]
    assert answer["omrade"]["driftomraden"] == [{"id": scene["Vadom park"], "namn": "Vadom park"}]
    assert answer["omrade"]["yta_m2"] == 50000.0
    assert answer["omrade"]["geometri"]["type"] == "MultiPolygon"
    assert answer["inga_objekt"] is False
    assert "modell" in answer["modell"]


def test_the_answer_shows_its_parameters_and_which_are_example_data(
    whatif: TestClient, scene: dict[str, int]
) -> None:
    answer = _ask(whatif, {"driftomraden": [scene["Vadom park"]], "parametrar": TEN_G2})
    parameters = answer["parametrar"]
    assert (
        parameters["kr_per_besok"],
        parameters["kr_per_km"],
        parameters["omvagsfaktor"],
        parameters["platsavstand_m"],
    ) == (400.0, 30.0, 1.3, 50.0)
    by_code = {v["produkt"]: v for v in parameters["besok_per_ar"]}
    assert by_code.keys() == {p.kod for p in read_catalogue(CATALOGUE_CSV)}
    assert by_code["G2"] == {
        "produkt": "G2",
        "namn": "Bruksgräsmatta",
        "besok_per_ar": 10.0,
        "kalla": "angivet i frågan",
        "exempeldata": False,
        "andrad_i_fragan": True,
    }
    assert by_code["G1"]["exempeldata"] is True
    assert by_code["G1"]["andrad_i_fragan"] is False
    assert answer["exempeldata"] is True
    figures = " ".join(answer["exempeluppgifter"])
    assert "À-priserna för G2" in figures
    assert "Besök per år" not in figures  # G2's visits were given in the question
    for name in ("kr_per_besok", "kr_per_km", "omvagsfaktor", "platsavstand_m"):
        assert name in figures


def test_without_an_override_the_file_s_visits_count(
    whatif: TestClient, scene: dict[str, int]
) -> None:
    answer = _ask(whatif, {"driftomraden": [scene["Vadom park"]]})
    # G2 at 20 a year: twice the visits and the km of the first test, hence twice its kr.
    assert _crews(answer, "idag") == [
        ("huge", 2, 40.0, 9.36, 16280.80),
        ("sodertorns-parkdrift", 3, 60.0, 10.4, 24312.0),
    ]
    assert answer["besparing_kr_per_ar"] == 8124.80
    figures = " ".join(answer["exempeluppgifter"])
    assert "Besök per år för G2 är exempelvärden" in figures


def test_changed_parameters_change_the_answer_as_computed(
    whatif: TestClient, scene: dict[str, int]
) -> None:
    # 100 kr a visit, 10 kr a km, detour 1, sites within 5 m: P100 and H120 (10 m apart) no
    # longer merge. Today: parkdrift 30 visits = 3 000 kr, 400 m × 10 = 4 km = 40 kr: 3 040;
    # Huge 20 visits = 2 000, 360 m × 10 = 3.6 km = 36 kr: 2 036; 5 076 kr. Combined: 5 sites,
    # 50 visits = 5 000 kr; tour 100 + 20 + 80 + 100 + 300 = 600 m × 10 = 6 km = 60 kr:
    # 5 060 kr. Saving 16 kr, 16 / 5 076 = 0.003152.
    parameters = {
        "kr_per_besok": 100,
        "kr_per_km": 10,
        "omvagsfaktor": 1,
        "platsavstand_m": 5,
        "besok_per_ar": {"G2": 10},
    }
    answer = _ask(whatif, {"driftomraden": [scene["Vadom park"]], "parametrar": parameters})
    assert _crews(answer, "idag") == [
        ("huge", 2, 20.0, 3.6, 2036.0),
        ("sodertorns-parkdrift", 3, 30.0, 4.0, 3040.0),
    ]
    assert _crews(answer, "samordnat") == [(None, 5, 50.0, 6.0, 5060.0)]
    assert answer["besparing_kr_per_ar"] == 16.0
    assert answer["besparing_andel"] == 0.003152
    assert answer["parametrar"]["platsavstand_m"] == 5.0
    figures = " ".join(answer["exempeluppgifter"])
    for name in ("kr_per_besok", "kr_per_km", "omvagsfaktor", "platsavstand_m"):
        assert name not in figures


def test_one_huvudman_alone_saves_nothing(whatif: TestClient, scene: dict[str, int]) -> None:
    body = {"driftomraden": [scene["Vadom park"]], "organisationer": ["huge"], "parametrar": TEN_G2}
    answer = _ask(whatif, body)
    assert _crews(answer, "idag") == [("huge", 2, 20.0, 4.68, 8140.40)]
    assert _crews(answer, "samordnat") == [(None, 2, 20.0, 4.68, 8140.40)]
    assert (answer["besparing_kr_per_ar"], answer["besparing_andel"]) == (0.0, 0.0)
    assert answer["organisationer"] == [{"slug": "huge", "namn": "Huge Bostäder AB"}]
    assert [m["organisation"] for m in answer["mangder"]] == ["huge"]


def test_a_drawn_polygon_clips_the_objects_and_their_sites(whatif: TestClient) -> None:
    # The polygon x −20..205, y −20..20 cuts P200 in half: 5 m × 10 m = 50 m², centroid
    # (202.5, 5); H300 lies outside. Parkdrift: 3 sites, 30 visits = 12 000 kr; tour 100 + 97.5
    # + 197.5 = 395 m × 1.3 = 513.5 m × 10 = 5.135 km = 154.05 kr: 12 154.05. Huge: 1 site,
    # 10 visits = 4 000 kr, no travel. Today 16 154.05. Combined: (5,5), (115,5), (202.5,5):
    # 30 visits = 12 000; tour 110 + 87.5 + 197.5 = 395 m, 154.05 kr: 12 154.05. Saving 4 000,
    # 4 000 / 16 154.05 = 0.247616.
    polygon = {"type": "Polygon", "coordinates": [_ring((-20, -20, 205, 20))]}
    answer = _ask(whatif, {"geometri": polygon, "parametrar": TEN_G2}, crs="EPSG:3006")
    today = {c["organisation"]: c for c in answer["idag"]["lag"]}
    assert {k: (c["platser"], c["besok_per_ar"]) for k, c in today.items()} == {
        "huge": (1, 10.0),
        "sodertorns-parkdrift": (3, 30.0),
    }
    # Through lon/lat and back, as every drawn polygon: to the öre and the metre.
    assert today["sodertorns-parkdrift"]["kr"] == pytest.approx(12154.05, abs=0.01)
    assert today["sodertorns-parkdrift"]["per_produkt"][0]["runda_m"] == pytest.approx(
        395, abs=1e-3
    )
    assert today["huge"]["kr"] == 4000.0
    joint = answer["samordnat"]["lag"][0]
    assert (joint["platser"], joint["besok_per_ar"]) == (3, 30.0)
    assert joint["kr"] == pytest.approx(12154.05, abs=0.01)
    assert answer["besparing_kr_per_ar"] == pytest.approx(4000.0, abs=0.01)
    assert answer["besparing_andel"] == pytest.approx(0.247616, abs=1e-6)
    amounts = {m["organisation"]: (m["antal_objekt"], m["mangd"]) for m in answer["mangder"]}
    assert amounts["huge"] == (1, 100.0)
    assert amounts["parkenheten"][0] == 3
    assert amounts["parkenheten"][1] == pytest.approx(250.0, abs=0.01)
    assert answer["omrade"]["driftomraden"] == []
    assert answer["omrade"]["yta_m2"] == pytest.approx(225 * 40, abs=0.01)


def test_an_area_without_objects_answers_zeros_and_says_so(
    whatif: TestClient, scene: dict[str, int]
) -> None:
    answer = _ask(whatif, {"driftomraden": [scene["Vadom huge"]]})
    assert answer["inga_objekt"] is True
    assert answer["mangder"] == []
    assert answer["organisationer"] == []
    assert answer["idag"] == {"lag": [], "kr_per_ar": 0.0}
    assert _crews(answer, "samordnat") == [(None, 0, 0.0, 0.0, 0.0)]
    assert (answer["besparing_kr_per_ar"], answer["besparing_andel"]) == (0.0, 0.0)
    assert answer["skotsel_kr_per_ar"] == 0.0
    assert "inga objekt" in " ".join(answer["anmarkningar"])


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("skotselobjekt", "driftomrade", "a_pris", "organisation")
        )


def test_bad_questions_are_400_in_swedish_and_change_nothing(
    whatif: TestClient, scene: dict[str, int], engine: Engine
) -> None:
    park, ended = scene["Vadom park"], scene["Vadom gammalt"]
    polygon = {"type": "Polygon", "coordinates": [_ring((-20, -20, 205, 20))]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"driftomraden": [park], "geometri": polygon}, "antingen driftomraden eller geometri"),
        ({}, "antingen driftomraden eller geometri"),
        ({"driftomraden": [park, 999999]}, "driftområde med id 999999"),
        ({"driftomraden": [ended]}, f"driftområde med id {ended}"),
        ({"driftomraden": [park], "organisationer": ["huge", "finns-inte"]}, "finns-inte"),
        ({"driftomraden": [park], "parametrar": {"besok_per_ar": {"XX9": 3}}}, "XX9"),
        ({"driftomraden": [park], "parametrar": {"besok_per_ar": {"G2": 366}}}, "besok_per_ar"),
        ({"driftomraden": [park], "parametrar": {"kr_per_besok": -1}}, "kr_per_besok"),
        ({"driftomraden": [park], "parametrar": {"kr_per_km": -0.5}}, "kr_per_km"),
        ({"driftomraden": [park], "parametrar": {"omvagsfaktor": 0.9}}, "omvagsfaktor"),
        ({"driftomraden": [park], "parametrar": {"okand": 1}}, "okand"),
        ({"driftomraden": [park], "yta": 1}, "yta"),
        ({"geometri": {"type": "Point", "coordinates": [18, 59]}}, "Polygon"),
    ]
    before = _counts(engine)
    for body, named in cases:
        response = whatif.post(URL, json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert named in response.json()["detail"], (body, response.json())
    assert _counts(engine) == before


def test_a_contractor_chooses_among_its_own_operations_areas_while_reading_is_not_public(
    whatif: TestClient, scene: dict[str, int], engine: Engine, settings: Settings
) -> None:
    token = create_test_token(engine, "entreprenor", "sodertorns-parkdrift")
    headers = {"Authorization": f"Bearer {token}"}
    huge = {"driftomraden": [scene["Vadom huge"]]}
    # Public reading: anyone may ask about any area, so the contractor's token may too.
    assert whatif.post(URL, json=huge).status_code == 200
    assert whatif.post(URL, json=huge, headers=headers).status_code == 200
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as closed:
        own = closed.post(URL, json={"driftomraden": [scene["Vadom park"]]}, headers=headers)
        assert own.status_code == 200
        other = closed.post(URL, json=huge, headers=headers)
    assert other.status_code == 400
    assert other.json()["detail"] == (
        f"Det finns inget gällande driftområde med id {scene['Vadom huge']} bland era driftområden."
    )
