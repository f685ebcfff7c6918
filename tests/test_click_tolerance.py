"""The answer where the click was meant: a point or line object decides only within the click's
tolerance (noggrannhet_m, default 3 m, at most the snap distance); beyond it the covering area
decides and the object is a candidate, ambiguous when another organisation's. A product or a
fault category lets its objects snap from the snap distance (10 m) as before.

The places are a scene of their own, 1 km east of the hand-made patch (tests/handmade.py), in
local metres from (E1, N1).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.demo.load import reset_data
from app.responsibility.rules import Candidate, Parcel, Tolerances, decide
from app.responsibility.schemas import Answer
from tests.handmade import E0, N0, build_fixture
from tests.support.tables import PLACE_TABLES, empty_tables

E1, N1 = E0 + 1000, N0
SHRUB_TREE = "00000000-0000-4000-8000-00000000c001"
LAWN_TREE = "00000000-0000-4000-8000-00000000c002"
OTHER_LAWN_TREE = "00000000-0000-4000-8000-00000000c003"
BENCH = "00000000-0000-4000-8000-00000000c004"
HEDGE = "00000000-0000-4000-8000-00000000c005"
PARCEL_TREE = "00000000-0000-4000-8000-00000000c006"

AREAS = [  # code, box, huvudman
    ("B1", (0, 0, 20, 20), "parkenheten"),  # the shrub bed
    ("G2", (100, 0, 140, 40), "parkenheten"),  # a lawn with its own tree
    ("G2", (200, 0, 240, 40), "parkenheten"),  # a lawn with Huge's tree
    ("G2", (280, 0, 320, 20), "parkenheten"),  # a lawn with Huge's bench
    ("G2", (350, 0, 398, 40), "parkenheten"),  # a lawn beside Huge's hedge
    ("G2", (500, 0, 540, 40), "parkenheten"),  # a lawn with a tree 12 m from its middle
]
POINTS = [  # code, (x, y), huvudman, objekt_id
    ("T1", (24.5, 10), "huge", SHRUB_TREE),  # 6 m from (18.5, 10), 4.5 m outside the bed
    ("T1", (128.5, 20), "parkenheten", LAWN_TREE),  # 8.5 m from the lawn's middle
    ("T1", (211.5, 20), "huge", OTHER_LAWN_TREE),  # 8.5 m from the other lawn's middle
    ("UT1", (300, 10), "huge", BENCH),
    ("T1", (520, 32), "huge", None),  # 12 m from (520, 20): beyond any snap distance
    ("T1", (626, 20), "huge", PARCEL_TREE),  # 6 m from (620, 20), on a private parcel
]
HEDGE_LINE = ((400, 0), (400, 40))  # Huge's, east of the lawn at 350–398
PRIVATE_PARCEL = ("HUDDINGE TESTTRAKT 9:1", (600, 0, 640, 40))

IN_SHRUB_BED = (18.5, 10)
LAWN_MIDDLE = (120, 20)
OTHER_LAWN_MIDDLE = (220, 20)
BY_THE_BENCH = (301, 10)
LAWN_BY_HEDGE = (395, 20)
AT_THE_HEDGE = (398.5, 20)
FAR_TREE_LAWN = (520, 20)
ON_PRIVATE_PARCEL = (620, 20)


def _box(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E1 + x0}, {N1 + y0}, {E1 + x1}, {N1 + y1}, 3006)"


def _point(xy: tuple[float, float]) -> str:
    return f"ST_SetSRID(ST_MakePoint({E1 + xy[0]}, {N1 + xy[1]}), 3006)"


def _insert(
    conn: Connection, code: str, kind: str, geom_sql: str, org: str, object_id: str | None
) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            " geom, valid_from) SELECT coalesce(CAST(:objekt_id AS uuid), gen_random_uuid()),"
            f" :code, :kind, id, {geom_sql}, '2025-01-01' FROM organisation WHERE slug = :org"
        ),
        {"objekt_id": object_id, "code": code, "kind": kind, "org": org},
    )


def _build_scene(conn: Connection) -> None:
    for code, box, org in AREAS:
        _insert(conn, code, "yta", _box(box), org, None)
    for code, xy, org, object_id in POINTS:
        _insert(conn, code, "punkt", _point(xy), org, object_id)
    start, end = HEDGE_LINE
    _insert(conn, "H1", "linje", f"ST_MakeLine({_point(start)}, {_point(end)})", "huge", HEDGE)
    designation, box = PRIVATE_PARCEL
    reference = "00000000-0000-4000-8000-0000000000c9"
    conn.execute(
        text(
            "INSERT INTO fastighet (objektidentitet, registerenhetsreferens, beteckning,"
            " kommunnamn, trakt, etikett, geom, valid_from) VALUES (gen_random_uuid(),"
            f" CAST(:ref AS uuid), :designation, 'HUDDINGE', 'TESTTRAKT', '9:1',"
            f" ST_Multi({_box(box)}), '2025-01-01')"
        ),
        {"ref": reference, "designation": designation},
    )
    conn.execute(
        text(
            "INSERT INTO fastighetsagare (registerenhetsreferens, organisation_id, valid_from)"
            " SELECT CAST(:ref AS uuid), id, '2025-01-01' FROM organisation WHERE slug = 'privat'"
        ),
        {"ref": reference},
    )


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """The hand-made patch and this module's scene, committed so the app sees them."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_fixture(conn)
        _build_scene(conn)
    yield
    empty_tables(engine, PLACE_TABLES)


def _ask(client: TestClient, xy: tuple[float, float], **params: Any) -> Any:
    response = client.get(
        "/api/v1/ansvar", params={"x": E1 + xy[0], "y": N1 + xy[1], "crs": "EPSG:3006"} | params
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert Answer.model_validate(answer).model_dump(mode="json") == answer
    return answer


def _candidate_ids(answer: dict[str, Any]) -> list[str]:
    return [c["objekt"]["id"] for c in answer["kandidater"]]


@pytest.mark.usefixtures("scene")
def test_inside_a_shrub_bed_the_bed_decides_and_the_tree_nearby_is_named(
    client: TestClient,
) -> None:
    answer = _ask(client, IN_SHRUB_BED)
    assert answer["regel"] == "tackande-yta"
    assert answer["objekt"]["kod"] == "B1"
    assert answer["huvudman"]["slug"] == "parkenheten"
    assert answer["noggrannhet_m"] == 3.0
    assert SHRUB_TREE in _candidate_ids(answer)
    assert answer["tvetydig"] is True
    [other] = answer["tvetydig_med"]
    assert other["organisation"]["slug"] == "huge"
    assert other["organisation"]["kontakter"], "the other organisation comes with its contacts"
    assert other["objekt"]["id"] == SHRUB_TREE
    assert other["objekt"]["geometrityp"] == "punkt"
    assert other["objekt"]["kod"] == "T1"
    assert other["fastighetsbeteckning"] is None
    assert other["avstand_m"] == pytest.approx(6.0, abs=0.01)
    assert "Huge (park- eller solitärträd, 6,0 m bort)" in answer["tvetydig_orsak"]
    assert answer["forklaring"] == (
        "Punkten ligger på en yta av typen prydnadsbuskage, som Parkenheten sköter."
    )


@pytest.mark.usefixtures("scene")
def test_in_the_middle_of_a_lawn_the_lawn_decides_not_the_tree(client: TestClient) -> None:
    own = _ask(client, LAWN_MIDDLE)
    assert (own["regel"], own["objekt"]["kod"]) == ("tackande-yta", "G2")
    assert LAWN_TREE in _candidate_ids(own)
    assert own["tvetydig"] is False, "the tree is the lawn's own organisation's"
    other = _ask(client, OTHER_LAWN_MIDDLE)
    assert (other["regel"], other["huvudman"]["slug"]) == ("tackande-yta", "parkenheten")
    assert other["tvetydig"] is True
    assert [o["objekt"]["id"] for o in other["tvetydig_med"]] == [OTHER_LAWN_TREE]


@pytest.mark.usefixtures("scene")
def test_a_click_a_metre_from_a_bench_is_the_bench(client: TestClient) -> None:
    answer = _ask(client, BY_THE_BENCH)
    assert answer["regel"] == "punktobjekt"
    assert answer["objekt"]["id"] == BENCH
    assert answer["huvudman"]["slug"] == "huge"
    assert answer["forklaring"] == (
        "Punkten ligger 1,0 m från ett objekt av typen parkbänk eller sittplats, som Huge sköter."
    )


@pytest.mark.usefixtures("scene")
def test_a_line_object_decides_within_the_tolerance_only(client: TestClient) -> None:
    at = _ask(client, AT_THE_HEDGE)
    assert (at["regel"], at["objekt"]["id"]) == ("linjeobjekt", HEDGE)
    beside = _ask(client, LAWN_BY_HEDGE)
    assert (beside["regel"], beside["huvudman"]["slug"]) == ("tackande-yta", "parkenheten")
    assert beside["tvetydig"] is True
    assert beside["tvetydig_med"][0]["objekt"]["id"] == HEDGE
    assert beside["tvetydig_med"][0]["objekt"]["geometrityp"] == "linje"


@pytest.mark.usefixtures("scene")
@pytest.mark.parametrize(
    "params", [{"produkt": "T1"}, {"kategori": "fallet-trad"}], ids=["produkt", "kategori"]
)
def test_a_product_or_category_snaps_its_objects_from_ten_metres(
    client: TestClient, params: dict[str, str]
) -> None:
    answer = _ask(client, IN_SHRUB_BED, **params)
    assert answer["regel"] == "punktobjekt"
    assert answer["objekt"]["id"] == SHRUB_TREE
    assert answer["huvudman"]["slug"] == "huge"
    lawn = _ask(client, LAWN_MIDDLE, **params)
    assert lawn["objekt"]["id"] == LAWN_TREE


@pytest.mark.usefixtures("scene")
def test_a_category_of_areas_keeps_the_area(client: TestClient) -> None:
    # Gräs och planteringar is about lawns and shrub beds, not trees.
    answer = _ask(client, IN_SHRUB_BED, kategori="gras-och-planteringar")
    assert (answer["regel"], answer["objekt"]["kod"]) == ("tackande-yta", "B1")
    # Övrigt names no product: the click's own tolerance decides, as without a category.
    other = _ask(client, IN_SHRUB_BED, kategori="ovrigt")
    assert (other["regel"], other["objekt"]["kod"]) == ("tackande-yta", "B1")
    # The category's lawn ranks before the bench a metre away: the report is about the lawn.
    bench = _ask(client, BY_THE_BENCH, kategori="gras-och-planteringar")
    assert bench["objekt"]["kod"] == "G2"
    assert bench["tvetydig_med"][0]["objekt"]["id"] == BENCH


@pytest.mark.usefixtures("scene")
def test_the_clicks_tolerance_widens_and_is_capped_at_the_snap_distance(
    client: TestClient,
) -> None:
    wide = _ask(client, IN_SHRUB_BED, noggrannhet_m="7")
    assert (wide["regel"], wide["objekt"]["id"], wide["noggrannhet_m"]) == (
        "punktobjekt",
        SHRUB_TREE,
        7.0,
    )
    narrow = _ask(client, BY_THE_BENCH, noggrannhet_m="0.5")
    assert (narrow["regel"], narrow["objekt"]["kod"]) == ("tackande-yta", "G2")
    assert narrow["tvetydig_med"][0]["objekt"]["id"] == BENCH
    # A phone's 2 km GPS accuracy counts as the 10 m snap distance: the tree 12 m away stays out.
    gps = _ask(client, FAR_TREE_LAWN, noggrannhet_m="2000")
    assert gps["noggrannhet_m"] == 10.0
    assert (gps["regel"], gps["objekt"]["kod"]) == ("tackande-yta", "G2")
    assert gps["kandidater"] == [] or all(c["avstand_m"] <= 10 for c in gps["kandidater"])


@pytest.mark.usefixtures("scene")
def test_on_a_private_parcel_the_owner_decides_and_its_guidance_comes_along(
    client: TestClient,
) -> None:
    answer = _ask(client, ON_PRIVATE_PARCEL)
    assert answer["regel"] == "fastighet"
    assert answer["huvudman"]["slug"] == "privat"
    assert "kontaktcenter" in answer["huvudman"]["vagledning"]
    assert answer["huvudman"]["kontakter"], "whom to ask about private land"
    assert answer["tvetydig"] is True
    assert answer["tvetydig_med"][0]["objekt"]["id"] == PARCEL_TREE
    assert _candidate_ids(answer) == [PARCEL_TREE]
    assert answer["forklaring"] == (
        "Inget skötselobjekt finns vid punkten. Den ligger på fastigheten HUDDINGE TESTTRAKT"
        " 9:1, som ägs av Privat fastighetsägare; ägaren ansvarar därför."
    )


@pytest.mark.usefixtures("scene")
@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"noggrannhet_m": "-1"}, "ogiltig-parameter"),
        ({"noggrannhet_m": "tre"}, "ogiltig-parameter"),
        ({"noggrannhet_m": "nan"}, "ogiltig-parameter"),
        ({"noggrannhet_m": "20000"}, "ogiltig-parameter"),
        ({"kategori": "finns-inte"}, "okand-felkategori"),
    ],
)
def test_bad_tolerance_or_category_is_a_400(
    client: TestClient, params: dict[str, str], problem: str
) -> None:
    response = client.get(
        "/api/v1/ansvar",
        params={"x": E1 + IN_SHRUB_BED[0], "y": N1 + IN_SHRUB_BED[1], "crs": "EPSG:3006"} | params,
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"] == problem


def _feature(ident: str, xy: tuple[float, float]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": ident,
        "geometry": {"type": "Point", "coordinates": [E1 + xy[0], N1 + xy[1]]},
        "properties": {},
    }


@pytest.mark.usefixtures("scene")
def test_the_batch_takes_the_tolerance_per_request(client: TestClient) -> None:
    body = {
        "type": "FeatureCollection",
        "features": [_feature("buske", IN_SHRUB_BED), _feature("bank", BY_THE_BENCH)],
    }

    def kinds(**params: str) -> dict[str, tuple[str, str]]:
        response = client.post(
            "/api/v1/ansvar/batch", params={"crs": "EPSG:3006"} | params, json=body
        )
        assert response.status_code == 200, response.text
        return {r["id"]: (r["regel"], r["objekt"]["kod"]) for r in response.json()["svar"]}

    assert kinds() == {"buske": ("tackande-yta", "B1"), "bank": ("punktobjekt", "UT1")}
    assert kinds(noggrannhet_m="7")["buske"] == ("punktobjekt", "T1")
    assert kinds(noggrannhet_m="0.5")["bank"] == ("tackande-yta", "G2")
    assert kinds(produkt="T1")["buske"] == ("punktobjekt", "T1")


# The rules alone, without a database.
TOLERANCES = Tolerances(point_m=10, line_m=3, area_gap_m=15, ambiguity_m=5)


def _candidate(
    rule: int, kind: str, code: str, org: int, distance: float, version: int
) -> Candidate:
    return Candidate(
        rule=rule,
        object_id=f"id-{version}",
        version_id=version,
        extern_id=None,
        code=code,
        name=code,
        kind=kind,
        accountable_id=org,
        distance=distance,
        precedence=10,
        area=100.0 if kind == "yta" else None,
    )


BED = _candidate(3, "yta", "B1", 1, 0.0, 1)
TREE_6M = _candidate(1, "punkt", "T1", 2, 6.0, 2)
OWN_TREE_6M = _candidate(1, "punkt", "T1", 1, 6.0, 3)
PARCEL = Parcel(id=1, designation="X 1:1", covers=True, distance=0.0, owner_ids=(3,))


@pytest.mark.parametrize(
    ("candidates", "preferred", "click_m", "deciding", "ambiguous_with"),
    [
        ([BED, TREE_6M], (), 3.0, BED, [2]),
        ([BED, OWN_TREE_6M], (), 3.0, BED, []),
        ([BED, TREE_6M], ("T1",), 3.0, TREE_6M, [1]),
        ([BED, TREE_6M], (), 6.0, TREE_6M, [1]),
        ([BED, TREE_6M], (), 5.99, BED, [2]),
        ([TREE_6M], (), 3.0, None, [2]),
    ],
    ids=[
        "beyond the click: the area",
        "the same organisation: not ambiguous",
        "preferred: snaps, on the bed",
        "at the click's edge: the tree, on the bed",
        "just beyond the edge",
        "no area: the parcel, the tree named",
    ],
)
def test_decide(
    candidates: list[Candidate],
    preferred: tuple[str, ...],
    click_m: float,
    deciding: Candidate | None,
    ambiguous_with: list[int],
) -> None:
    tolerances = Tolerances(10, 3, 15, 5, click_m=click_m)
    decision = decide(candidates, [PARCEL], preferred=preferred, tolerances=tolerances)
    assert decision.deciding == deciding
    assert decision.rule == (deciding.rule if deciding else 5)
    assert [n.organisation_id for n in decision.ambiguous_with] == ambiguous_with
    assert {c.object_id for c in decision.runners_up} == {
        c.object_id for c in candidates if c is not deciding
    }


def test_a_line_of_a_preferred_product_snaps_from_its_own_distance() -> None:
    fence = _candidate(2, "linje", "ST", 2, 4.0, 4)
    not_preferred = decide([BED, fence], [], preferred=(), tolerances=TOLERANCES)
    assert not_preferred.deciding == BED
    preferred_far = decide([BED, fence], [], preferred=("ST",), tolerances=TOLERANCES)
    assert preferred_far.deciding == BED, "a preferred line snaps from 3 m, not 10"
    wide_click = Tolerances(10, 3, 15, 5, click_m=5)
    assert decide([BED, fence], [], preferred=("ST",), tolerances=wide_click).deciding == fence
