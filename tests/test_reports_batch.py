"""A safety walk's reports from the batch, its protocol, and the anonymous rate limit.

Real tokens, the hand-made patch of tests/handmade.py committed so the app sees it; every
refusal is checked to leave the reports, their events, deliveries and the audit log as they
were.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.settings import Settings
from app.main import create_app
from app.reports.categories import read_categories, sync_categories
from app.reports.schemas import ReportList
from app.reports.walk_schemas import GroupedWalkAnswers, WalkAnswers
from tests.handmade import E0, N0, local_lonlat

BATCH = "/api/v1/ansvar/batch"
URL = "/api/v1/felanmalan"
BENCH_PARK = (60, 60)  # the park unit's bench, in the contractor's operations area
LAWN_HUGE = (150, 20)  # Huge's lawn
NOBODYS = (50, 150)  # a parcel of unknown owner, no object near: nobody receives a report
STOCKHOLM = (18.0686, 59.3293)  # outside Huddinge
TABLES = ("felanmalan", "felanmalan_handelse", "leverans", "andringslogg")


@pytest.fixture(scope="module")
def place(engine: Engine, handmade_data: None) -> Iterator[None]:  # noqa: ARG001 (set up first)
    """The hand-made patch and the categories, committed; the reports removed afterwards."""
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def tokens(engine: Engine) -> Iterator[dict[str, dict[str, str]]]:
    """Headers of a reader's token and of the park unit's handler."""
    headers = {}
    with engine.begin() as conn:
        for key, role, organisation in (
            ("lasare", "lasare", None),
            ("handlaggare", "handlaggare", "parkenheten"),
        ):
            _, token = create_token(
                conn, name=f"vandring {key}", role=role, organisation=organisation, days=1
            )
            headers[key] = {"Authorization": f"Bearer {token}"}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'vandring %'"))


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _feature(ident: str, lonlat: tuple[float, float], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": ident,
        "geometry": {"type": "Point", "coordinates": list(lonlat)},
        "properties": properties,
    }


def _walk() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                "1", local_lonlat(BENCH_PARK), kategori="trasig-mobel", beskrivning="Sitsen lös."
            ),
            _feature("2", local_lonlat(LAWN_HUGE)),  # the request's category
            _feature("3", local_lonlat(NOBODYS)),
            _feature("4", STOCKHOLM),
        ],
    }


def _stored(engine: Engine, numbers: list[str]) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT f.nummer, f.protokoll, f.kategori, f.beskrivning, f.anmald_av,"
                    " m.slug AS mottagare, (SELECT count(*) FROM leverans l"
                    " WHERE l.felanmalan_id = f.id) AS leveranser FROM felanmalan f"
                    " JOIN organisation m ON m.id = f.mottagare_id"
                    " WHERE f.nummer = ANY(:n) ORDER BY f.id"
                ),
                {"n": numbers},
            ).mappings()
        )


@pytest.mark.usefixtures("place")
def test_a_walk_makes_a_report_per_answered_row_and_lists_the_bad_ones(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        BATCH,
        params={"skapa_felanmalan": "true", "kategori": "nedskrapning"},
        json=_walk(),
        headers=tokens["lasare"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    walk = response.json()
    WalkAnswers.model_validate(walk)
    rows = {row["id"]: row for row in walk["svar"]}
    assert walk["felanmalningar"] == 2
    assert rows["3"]["fel"]["type"] == "ingen-ansvarig"
    assert rows["4"]["fel"]["type"] == "utanfor-kommunen"
    made = [rows["1"]["felanmalan"], rows["2"]["felanmalan"]]
    assert [m["kategori"] for m in made] == ["trasig-mobel", "nedskrapning"]
    assert [m["mottagare"]["slug"] for m in made] == ["parkenheten", "huge"]
    protocol = walk["protokoll"]
    assert protocol == "P-" + made[0]["nummer"].removeprefix("F-")
    assert all(m["protokoll"] == protocol for m in made)
    stored = _stored(engine, [m["nummer"] for m in made])
    assert [(s["protokoll"], s["mottagare"]) for s in stored] == [
        (protocol, "parkenheten"),
        (protocol, "huge"),
    ]
    assert stored[0]["beskrivning"] == "Sitsen lös."
    assert stored[0]["anmald_av"].endswith("vandring lasare")
    assert all(s["leveranser"] >= 1 for s in stored), "each report has its deliveries"

    # The coordinator's follow-up: every remark of the walk with its current status.
    changed = client.post(
        f"{URL}/{made[0]['nummer']}/status",
        json={"status": "mottagen"},
        headers=tokens["handlaggare"],
    )
    assert changed.status_code == 200, changed.text
    listed = client.get(URL, params={"protokoll": protocol}, headers=tokens["lasare"])
    assert listed.status_code == 200
    ReportList.model_validate(listed.json())
    statuses = {r["nummer"]: r["status"] for r in listed.json()["felanmalningar"]}
    assert statuses == {made[0]["nummer"]: "mottagen", made[1]["nummer"]: "ny"}

    # A second walk is a protocol of its own.
    again = client.post(
        BATCH,
        params={"skapa_felanmalan": "true", "kategori": "klotter", "gruppera": "huvudman"},
        json={"type": "FeatureCollection", "features": [_walk()["features"][1]]},
        headers=tokens["lasare"],
    ).json()
    GroupedWalkAnswers.model_validate(again)
    assert again["protokoll"] not in (None, protocol)
    [group] = again["grupper"]
    assert group["punkter"][0]["felanmalan"]["protokoll"] == again["protokoll"]
    assert len(client.get(URL, params={"protokoll": protocol}).json()["felanmalningar"]) == 2


@pytest.mark.usefixtures("place")
def test_a_walk_in_csv_takes_a_category_column_and_names_each_rows_report(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    body = (
        "id;x;y;kategori;beskrivning\n"
        f"a;{E0 + 60};{N0 + 60};trasig-mobel;Ryggstödet saknas\n"
        f"b;{E0 + 150};{N0 + 20};;\n"
        f"c;{E0 + 150};{N0 + 20};finns-inte;\n"
    )
    before = _counts(engine)
    response = client.post(
        BATCH,
        params={"skapa_felanmalan": "true", "format": "csv", "gruppera": "huvudman"},
        content=body.encode(),
        headers={**tokens["lasare"], "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert rows["a"]["felanmalan"].startswith("F-")
    assert rows["b"]["status"] == rows["c"]["status"] == "fel"
    assert rows["b"]["fel"].startswith("Felkategori saknas")
    assert rows["c"]["fel"].startswith("Okänd felkategori")
    assert rows["b"]["felanmalan"] == rows["c"]["felanmalan"] == ""
    assert response.headers["x-protokoll"] == "P-" + rows["a"]["felanmalan"].removeprefix("F-")
    assert _counts(engine)["felanmalan"] == before["felanmalan"] + 1


REFUSED_WALKS = [  # name, params, headers key (None: anonymous), status, problem type
    ("anonym", {"skapa_felanmalan": "true", "kategori": "klotter"}, None, 401, "inte-inloggad"),
    (
        "okänd kategori",
        {"skapa_felanmalan": "true", "kategori": "finns-inte"},
        "lasare",
        400,
        "okand-felkategori",
    ),
    ("kategori utan skapa", {"kategori": "klotter"}, "lasare", 400, "ogiltig-begaran"),
    (
        "datum",
        {"skapa_felanmalan": "true", "kategori": "klotter", "datum": "2020-01-01"},
        "lasare",
        400,
        "ogiltig-begaran",
    ),
]


@pytest.mark.usefixtures("place")
@pytest.mark.parametrize(
    ("params", "who", "status", "kind"),
    [r[1:] for r in REFUSED_WALKS],
    ids=[r[0] for r in REFUSED_WALKS],
)
def test_a_refused_walk_makes_nothing(
    client: TestClient,
    engine: Engine,
    tokens: dict[str, dict[str, str]],
    params: dict[str, str],
    who: str | None,
    status: int,
    kind: str,
) -> None:
    before = _counts(engine)
    response = client.post(BATCH, params=params, json=_walk(), headers=tokens[who] if who else {})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == kind
    assert _counts(engine) == before


@pytest.mark.usefixtures("place")
def test_a_walk_is_one_transaction_a_refused_commit_keeps_none_of_its_reports(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    # Checked only at commit, and only by the walk's second report: the first is written by
    # then, and must go with it.
    with engine.begin() as conn:
        conn.execute(
            text("""
CREATE FUNCTION test_vagra() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.beskrivning = 'vägra' THEN RAISE EXCEPTION 'vägrad vid commit'; END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER test_vagra AFTER INSERT ON felanmalan
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_vagra();
""")
        )
    try:
        walk = _walk()
        walk["features"][1]["properties"]["beskrivning"] = "vägra"
        before = _counts(engine)
        response = client.post(
            BATCH,
            params={"skapa_felanmalan": "true", "kategori": "klotter"},
            json=walk,
            headers=tokens["lasare"],
        )
        assert response.status_code == 409, response.text
        assert response.json()["type"] == "andringen-sparades-inte"
        assert _counts(engine) == before
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_vagra ON felanmalan; DROP FUNCTION test_vagra()"))


@pytest.mark.usefixtures("place")
def test_a_plain_batch_makes_no_reports(client: TestClient, engine: Engine) -> None:
    before = _counts(engine)
    response = client.post(BATCH, json=_walk())
    assert response.status_code == 200
    assert "protokoll" not in response.json()
    assert all("felanmalan" not in row for row in response.json()["svar"])
    assert _counts(engine) == before


# The anonymous rate limit -----------------------------------------------------------------


def _report(xy: tuple[float, float] = BENCH_PARK) -> dict[str, Any]:
    lon, lat = local_lonlat(xy)
    return {"lon": lon, "lat": lat, "kategori": "klotter"}


@pytest.mark.usefixtures("place")
def test_anonymous_reports_are_limited_per_address_and_token_holders_are_not(
    engine: Engine, settings: Settings, tokens: dict[str, dict[str, str]]
) -> None:
    limited = settings.model_copy(update={"anonyma_felanmalan_per_minut": 3})
    with TestClient(create_app(limited)) as client:
        made = [client.post(URL, json=_report()).status_code for _ in range(3)]
        assert made == [201, 201, 201]
        before = _counts(engine)
        refused = client.post(URL, json=_report())
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "for-manga-begaranden"
        # A minute's three reports refill at one per 20 s.
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        assert _counts(engine) == before
        assert client.post(URL, json=_report(), headers=tokens["lasare"]).status_code == 201
        assert client.get(URL).status_code == 200, "reads are not counted"


@pytest.mark.usefixtures("place")
def test_the_anonymous_limit_can_be_off(settings: Settings) -> None:
    unlimited = settings.model_copy(update={"anonyma_felanmalan_per_minut": 0})
    with TestClient(create_app(unlimited)) as client:
        made = {client.post(URL, json=_report()).status_code for _ in range(5)}
    assert made == {201}


@pytest.mark.usefixtures("place")
def test_open311_shares_the_anonymous_limit(engine: Engine, settings: Settings) -> None:
    limited = settings.model_copy(update={"anonyma_felanmalan_per_minut": 2})
    lon, lat = local_lonlat(BENCH_PARK)
    form = {"service_code": "klotter", "lat": str(lat), "long": str(lon)}
    with TestClient(create_app(limited)) as client:
        assert client.post(URL, json=_report()).status_code == 201
        assert client.post("/open311/v2/requests.json", data=form).status_code == 200
        before = _counts(engine)
        refused = client.post("/open311/v2/requests.json", data=form)
    assert refused.status_code == 429, refused.text
    assert _counts(engine) == before
