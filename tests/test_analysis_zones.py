"""Coordination zones (GET /api/v1/samordning/zoner) on a scene of their own, answers by hand.

Local metres from (E3, N3), 5 km east of the hand-made patch (tests/handmade.py):

- Z1: the park unit's lawn (0, 0)–(40, 20), 800 m², in driftområde "Samordning park" (ordered
  by the park unit, performed by Södertörns parkdrift, covering (−10, −10)–(130, 30)), and
  Huge's bench at (120, 10), 80 m east of the lawn and inside that area, but Huge did not order
  it: Huge's own unit performs the bench. Two huvudmän, two crews; 800 + 10 = 810 m² combined,
  score 1620.
- Z2: the park unit's hedge (500, 0)–(560, 0), 60 m, performed by its own unit, and its tree at
  (600, 0), 40 m on, in "Samordning träd" (the park unit's, performed by Huge). One huvudman but
  two crews; 60 + 10 = 70 m², score 140.
- Kultur och fritid's tree at (1000, 0) and Huge's at (1150, 0): 150 m apart, two zones of one
  organisation each at 100 m (not kept); one zone at 200 m (score 20 × 2 = 40).
- Huge's tree (2000, 0) and bench (2030, 0): one zone of one huvudman and one crew, never kept.
"""

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.analysis.rows import QuantityRow
from app.analysis.zones import Crew, Zone
from app.analysis.zones_schemas import NeighbourMatrix, ZoneCollection, ZoneFeature
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import create_app
from tests.handmade import E0, N0
from tests.support.signin import create_test_token
from tests.support.tables import PLACE_TABLES, empty_tables

E3, N3 = E0 + 5000, N0
LAWN, BENCH = "00000000-0000-4000-8000-00000000e001", "00000000-0000-4000-8000-00000000e002"
HEDGE, TREE = "00000000-0000-4000-8000-00000000e003", "00000000-0000-4000-8000-00000000e004"
CULTURE_TREE = "00000000-0000-4000-8000-00000000e005"
HUGE_TREE = "00000000-0000-4000-8000-00000000e006"
OBJECTS = [  # objekt_id, code, kind, geometry in local metres, huvudman
    (LAWN, "G2", "yta", ("box", (0, 0, 40, 20)), "parkenheten"),
    (BENCH, "UT1", "punkt", ("point", (120, 10)), "huge"),
    (HEDGE, "H1", "linje", ("line", ((500, 0), (560, 0))), "parkenheten"),
    (TREE, "T1", "punkt", ("point", (600, 0)), "parkenheten"),
    (CULTURE_TREE, "T1", "punkt", ("point", (1000, 0)), "kultur-fritid"),
    (HUGE_TREE, "T1", "punkt", ("point", (1150, 0)), "huge"),
    (None, "T1", "punkt", ("point", (2000, 0)), "huge"),
    (None, "UT1", "punkt", ("point", (2030, 0)), "huge"),
]
OPERATIONS_AREAS = [  # name, box, client, performer
    ("Samordning park", (-10, -10, 130, 30), "parkenheten", "sodertorns-parkdrift"),
    ("Samordning träd", (590, -10, 610, 10), "parkenheten", "huge"),
]


def _xy(xy: tuple[float, float]) -> str:
    return f"ST_SetSRID(ST_MakePoint({E3 + xy[0]}, {N3 + xy[1]}), 3006)"


def _box(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E3 + x0}, {N3 + y0}, {E3 + x1}, {N3 + y1}, 3006)"


def _geometry(shape: tuple[str, Any]) -> str:
    kind, value = shape
    if kind == "box":
        return _box(value)
    if kind == "line":
        return f"ST_MakeLine({_xy(value[0])}, {_xy(value[1])})"
    return _xy(value)


def _build_scene(conn: Connection) -> None:
    for object_id, code, kind, shape, org in OBJECTS:
        conn.execute(
            text(
                "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                " huvudman_id, geom, valid_from) SELECT coalesce(CAST(:id AS uuid),"
                f" gen_random_uuid()), :code, :kind, id, {_geometry(shape)}, '2025-01-01'"
                " FROM organisation WHERE slug = :org"
            ),
            {"id": object_id, "code": code, "kind": kind, "org": org},
        )
    for name, box, client, performer in OPERATIONS_AREAS:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran,"
                f" avtal_till, geom) SELECT :name, c.id, p.id, '2024-04-01', NULL,"
                f" ST_Multi({_box(box)}) FROM organisation c, organisation p"
                " WHERE c.slug = :client AND p.slug = :performer"
            ),
            {"name": name, "client": client, "performer": performer},
        )
    # An ended contract over the lawn, by another performer: today's performer decides.
    conn.execute(
        text(
            "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, avtal_till,"
            f" geom) SELECT 'Samordning park förr', c.id, c.id, '2020-04-01', '2024-03-31',"
            f" ST_Multi({_box((-10, -10, 130, 30))}) FROM organisation c"
            " WHERE c.slug = 'parkenheten'"
        )
    )


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """This module's scene alone, committed so the service sees it."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        _build_scene(conn)
    yield
    empty_tables(engine, PLACE_TABLES)


@pytest.fixture(scope="module")
def zones_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The application, on the committed scene."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _key(*object_ids: str) -> str:
    return hashlib.md5(",".join(sorted(object_ids)).encode()).hexdigest()


def _zones(client: TestClient, **params: Any) -> Any:
    response = client.get("/api/v1/samordning/zoner", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    answer = response.json()
    assert ZoneCollection.model_validate(answer).model_dump(mode="json") == answer
    return answer


@pytest.mark.usefixtures("scene")
def test_zones_at_100_m_are_the_two_with_several_organisations_or_crews_ranked(
    zones_client: TestClient,
) -> None:
    answer = _zones(zones_client)
    assert answer["type"] == "FeatureCollection"
    assert answer["parametrar"] == {
        "avstand_m": 100.0,
        "minpunkter": 1,
        "omrakning_m2": {"m²": 1.0, "m": 1.0, "st": 10.0},
    }
    assert answer["antal_zoner"] == 2
    first, second = answer["features"]
    assert first["id"] == first["properties"]["zon_id"] == _key(LAWN, BENCH)
    assert second["id"] == _key(HEDGE, TREE)
    assert [f["properties"]["rang"] for f in answer["features"]] == [1, 2]
    assert first["properties"]["organisationer"] == ["huge", "parkenheten"]
    assert first["properties"]["samlad_mangd_m2"] == pytest.approx(810.0)
    assert first["properties"]["poang"] == pytest.approx(1620.0)
    assert second["properties"]["organisationer"] == ["parkenheten"]
    assert second["properties"]["samlad_mangd_m2"] == pytest.approx(70.0)
    assert second["properties"]["poang"] == pytest.approx(140.0)


@pytest.mark.usefixtures("scene")
def test_a_zones_quantities_are_per_organisation_and_product(zones_client: TestClient) -> None:
    first, second = _zones(zones_client)["features"]
    assert first["properties"]["mangder"] == [
        {
            "organisation": "huge",
            "produkt": "UT1",
            "kvalitetsniva": None,
            "enhet": "st",
            "antal_objekt": 1,
            "mangd": 1.0,
        },
        {
            "organisation": "parkenheten",
            "produkt": "G2",
            "kvalitetsniva": None,
            "enhet": "m²",
            "antal_objekt": 1,
            "mangd": 800.0,
        },
    ]
    assert [(q["produkt"], q["enhet"], q["mangd"]) for q in second["properties"]["mangder"]] == [
        ("H1", "m", 60.0),
        ("T1", "st", 1.0),
    ]


@pytest.mark.usefixtures("scene")
def test_the_crews_are_todays_performers_of_the_huvudmans_own_areas(
    zones_client: TestClient,
) -> None:
    first, second = _zones(zones_client)["features"]
    crews = [
        (c["organisation"], c["driftomraden"], c["antal_objekt"])
        for c in first["properties"]["lag"]
    ]
    # Huge's bench lies in the park unit's area, which does not perform Huge's objects.
    assert crews == [("huge", [], 1), ("sodertorns-parkdrift", ["Samordning park"], 1)]
    assert first["properties"]["antal_lag"] == 2
    others = [(c["organisation"], c["driftomraden"]) for c in second["properties"]["lag"]]
    assert others == [("huge", ["Samordning träd"]), ("parkenheten", [])]


@pytest.mark.usefixtures("scene")
def test_objects_150_m_apart_join_only_at_a_longer_distance(zones_client: TestClient) -> None:
    at_200 = _zones(zones_client, avstand_m=200)
    assert at_200["antal_zoner"] == 3
    keys = [f["id"] for f in at_200["features"]]
    assert keys == [_key(LAWN, BENCH), _key(HEDGE, TREE), _key(CULTURE_TREE, HUGE_TREE)]
    third = at_200["features"][2]["properties"]
    assert (third["organisationer"], third["poang"]) == (["huge", "kultur-fritid"], 40.0)
    at_79 = _zones(zones_client, avstand_m=79)
    assert [f["id"] for f in at_79["features"]] == [_key(HEDGE, TREE)], "bench 80 m off"


@pytest.mark.usefixtures("scene")
def test_outlines_are_polygons_in_wgs84_and_top_limits_the_list(zones_client: TestClient) -> None:
    answer = _zones(zones_client, topp=1)
    assert answer["antal_zoner"] == 2
    [only] = answer["features"]
    assert only["id"] == _key(LAWN, BENCH)
    assert only["geometry"]["type"] == "Polygon"
    lon, lat = only["geometry"]["coordinates"][0][0]
    assert 17.5 < lon < 18.5
    assert 59.0 < lat < 59.5
    flat = _zones(zones_client)["features"][1]
    assert flat["geometry"]["type"] == "Polygon", "a zone on a line is widened to 2 m"


@pytest.mark.usefixtures("scene")
def test_one_zone_by_its_id_at_the_same_distance(zones_client: TestClient) -> None:
    response = zones_client.get(f"/api/v1/samordning/zoner/{_key(HEDGE, TREE)}")
    assert response.status_code == 200, response.text
    zone = response.json()
    assert ZoneFeature.model_validate(zone).model_dump(mode="json") == zone
    assert (zone["type"], zone["id"], zone["properties"]["rang"]) == (
        "Feature",
        _key(HEDGE, TREE),
        2,
    )
    joined = _key(CULTURE_TREE, HUGE_TREE)
    assert zones_client.get(f"/api/v1/samordning/zoner/{joined}?avstand_m=200").status_code == 200
    missing = zones_client.get(f"/api/v1/samordning/zoner/{joined}")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("hittades-inte")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/samordning/zoner", {"avstand_m": 4}),
        ("/api/v1/samordning/zoner", {"avstand_m": 1001}),
        ("/api/v1/samordning/zoner", {"topp": 0}),
        ("/api/v1/samordning/zoner/inte-en-nyckel", {}),
        (f"/api/v1/samordning/zoner/{'0' * 32}", {"avstand_m": "lång"}),
    ],
)
def test_parameters_out_of_bounds_are_a_problem(
    zones_client: TestClient, path: str, params: dict[str, Any]
) -> None:
    response = zones_client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("ogiltig-parameter")


def test_the_score_is_the_combined_quantity_times_the_crews() -> None:
    rows = [
        QuantityRow("z", "huge", "G2", None, "m²", 2, 100.0),
        QuantityRow("z", "huge", "H1", None, "m", 1, 30.0),
        QuantityRow("z", "parkenheten", "T1", None, "st", 3, 3.0),
    ]
    crews = [Crew(slug, slug, 1, []) for slug in ("huge", "parkenheten", "husf")]
    zone = Zone("z", 6, {}, rows, crews)
    assert zone.organisations == ["huge", "parkenheten"]
    assert zone.combined_m2 == 100.0 + 30.0 + 30.0
    assert zone.score == 160.0 * 3


@pytest.mark.usefixtures("scene")
def test_a_contractor_reads_the_analysis_as_every_reader_does(
    zones_client: TestClient, engine: Engine
) -> None:
    # The analysis is what any reader may see; a contractor's token never sees less.
    token = create_test_token(engine, "entreprenor", "sodertorns-parkdrift")
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/samordning/zoner", "/api/v1/samordning/grannar"):
        assert zones_client.get(path, headers=headers).json() == zones_client.get(path).json()
    neighbours = zones_client.get("/api/v1/samordning/grannar").json()
    assert NeighbourMatrix.model_validate(neighbours).model_dump(mode="json") == neighbours
