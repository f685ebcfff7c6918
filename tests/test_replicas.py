"""Reads on a real hot standby of the test cluster (scripts/local-postgis.sh standby, made by
pg_basebackup -R): lagging reads land on the standby and writes on the primary, as each
statement's server says (pg_is_in_recovery()); a writer reads its own write while the standby
has not replayed it; a standby that lags, is killed or comes back is taken out of rotation and
used again."""

import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import psycopg
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.core.db import WriteConnectionDep, libpq_url
from app.core.read_your_writes import COOKIE
from app.core.settings import Settings
from app.core.standby_reads import get_lagged_read_connection
from app.main import create_app
from app.responsibility.router import MAKE_REPORTS
from tests.handmade import local_lonlat
from tests.support.receivers import wait_until
from tests.support.tokens import bearer_headers

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "scripts", "local-postgis.sh")
STANDBY = "1"
SECOND_STANDBY = "2"
STANDBY_PORT_OFFSET = 100  # scripts/local-postgis.sh: standby N listens on PORT + 100·N
REPORTS = "/api/v1/felanmalan"
BATCH = "/api/v1/ansvar/batch"
BENCH = (60, 60)  # the park unit's bench (tests/handmade.py)

LaggedConnection = Annotated[psycopg.AsyncConnection[Any], Depends(get_lagged_read_connection)]


def _script(*args: str, number: str = STANDBY) -> None:
    subprocess.run(["bash", SCRIPT, "standby", *args, number], check=True, capture_output=True)


def _on_standby(url: str, number: str = STANDBY) -> str:
    parsed = make_url(url)
    assert parsed.port is not None
    port = parsed.port + STANDBY_PORT_OFFSET * int(number)
    return parsed.set(port=port).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def standby(settings: Settings, engine: Engine) -> Iterator[str]:  # noqa: ARG001 (a fixture set up first)
    """Standby 1 of the test cluster, started fresh and removed after; the service's URL of
    the test database on it."""
    _script("remove")
    _script("start")
    url = _on_standby(settings.database_url)
    try:
        yield url
    finally:
        _script("remove")


def _owner_on_standby(settings: Settings) -> str:
    return libpq_url(_on_standby(settings.owner_database_url))


def _set_replay(settings: Settings, paused: bool) -> None:
    """Pause or resume WAL replay on the standby (as the owner, a superuser)."""
    action = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
    with psycopg.connect(_owner_on_standby(settings), autocommit=True) as conn:
        conn.execute(f"SELECT {action}()")  # our own fixed function name


@pytest.fixture
def replayed(settings: Settings, standby: str) -> Iterator[None]:  # noqa: ARG001 (a fixture set up first)
    """Replay running before and after the test, whatever the test paused."""
    _set_replay(settings, paused=False)
    yield
    _set_replay(settings, paused=False)


@pytest.fixture
def client(settings: Settings, standby: str) -> Iterator[TestClient]:
    """The service with the standby, checked five times a second, a lag of 1 s allowed; and
    two test routes that say which server their connection's statements run on."""
    update = {"replica_urls": [standby], "replica_check_s": 0.2, "replica_max_lag_s": 1.0}
    with TestClient(_with_test_routes(create_app(settings.model_copy(update=update)))) as app:
        yield app


def _with_test_routes(app: FastAPI) -> FastAPI:
    """The app with a lagging read and a write that say where their statements run, ahead of
    the built map's catch-all mount at /."""

    async def in_recovery(conn: psycopg.AsyncConnection[Any]) -> dict[str, bool]:
        row = await (await conn.execute("SELECT pg_is_in_recovery()")).fetchone()
        return {"standby": bool(row and row[0])}

    probes = APIRouter()

    @probes.get("/test/lagged")
    async def lagged(conn: LaggedConnection) -> dict[str, bool]:
        return await in_recovery(conn)

    @probes.post("/test/write")
    async def written(conn: WriteConnectionDep) -> dict[str, bool]:
        return await in_recovery(conn)

    app.router.routes[:0] = probes.routes
    return app


def _databases(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/healthz")
    assert response.status_code == 200
    return {d["namn"]: d for d in response.json()["databaser"]}


def _standby_state(client: TestClient) -> str:
    return str(_databases(client)["standby 1"]["status"])


def _report(client: TestClient) -> str:
    lon, lat = local_lonlat(BENCH)
    body = {"lon": lon, "lat": lat, "kategori": "trasig-mobel", "beskrivning": uuid.uuid4().hex}
    response = client.post(REPORTS, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["nummer"])


@pytest.mark.usefixtures("replayed", "handmade_data")
def test_lagging_reads_run_on_the_standby_and_writes_on_the_primary(
    client: TestClient, engine: Engine
) -> None:
    wait_until(lambda: _standby_state(client) == "ok", "the standby in rotation", 30)
    assert client.get("/test/lagged").json() == {"standby": True}
    before = _databases(client)["standby 1"]["lasningar"]
    lon, lat = local_lonlat(BENCH)
    answer = client.get("/api/v1/ansvar", params={"lon": lon, "lat": lat})
    assert answer.status_code == 200, answer.text
    items = client.get("/ogc/collections/skotselpunkter/items", params={"limit": 5})
    assert items.status_code == 200
    batch = client.post(BATCH, json=_points(3))
    assert batch.status_code == 200, batch.text
    assert [row["id"] for row in batch.json()["svar"]] == ["0", "1", "2"]
    databases = _databases(client)
    assert databases["standby 1"]["lasningar"] == before + 3
    assert databases["standby 1"]["roll"] == "standby"
    assert databases["primär"]["roll"] == "primär"
    # Last: the writes leave their position for this client's next reads.
    assert client.post("/test/write").json() == {"standby": False}
    # A walk writes its reports, so it runs on the primary (a standby would refuse them).
    with bearer_headers(engine, "walk", {"lasare": None}) as headers:
        walk = client.post(
            BATCH,
            params={MAKE_REPORTS: "true", "kategori": "trasig-mobel"},
            json=_points(2),
            headers=headers["lasare"],
        )
    assert walk.status_code == 200, walk.text
    assert walk.json()["felanmalningar"] == 2, walk.text
    assert _databases(client)["standby 1"]["lasningar"] == before + 3


def _points(count: int) -> dict[str, Any]:
    """A GeoJSON batch of count points at the park unit's bench."""
    lon, lat = local_lonlat(BENCH)
    point = {"type": "Point", "coordinates": [lon, lat]}
    features = [
        {"type": "Feature", "id": str(n), "geometry": point, "properties": {}} for n in range(count)
    ]
    return {"type": "FeatureCollection", "features": features}


@pytest.mark.usefixtures("replayed", "handmade_data")
def test_a_writer_reads_its_write_that_the_standby_has_not_replayed(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    wait_until(lambda: _standby_state(client) == "ok", "the standby in rotation", 30)
    _set_replay(settings, paused=True)
    # The reporter (its cookie) reads the new report at once; a stranger, on the paused
    # standby, does not find it yet.
    number = _report(client)
    assert COOKIE in client.cookies
    assert client.get(f"{REPORTS}/{number}").status_code == 200
    client.cookies.clear()  # now a stranger
    assert client.get(f"{REPORTS}/{number}").status_code == 404
    # A token's caller without cookies: known by its token on this node.
    with bearer_headers(engine, "standby", {"gis": None}) as headers:
        body = {**_body(), "beskrivning": "från verktyget"}
        written = client.post(REPORTS, json=body, headers=headers["gis"])
        assert written.status_code == 201, written.text
        client.cookies.clear()
        own = client.get(f"{REPORTS}/{written.json()['nummer']}", headers=headers["gis"])
        assert own.status_code == 200
        assert client.get(f"{REPORTS}/{written.json()['nummer']}").status_code == 404
    _set_replay(settings, paused=False)
    wait_until(
        lambda: client.get(f"{REPORTS}/{number}").status_code == 200,
        "the report replayed on the standby",
        30,
    )


def _body() -> dict[str, Any]:
    lon, lat = local_lonlat(BENCH)
    return {"lon": lon, "lat": lat, "kategori": "trasig-mobel"}


@pytest.mark.usefixtures("replayed", "handmade_data")
def test_a_lagging_standby_leaves_the_rotation_and_returns_when_caught_up(
    client: TestClient, settings: Settings
) -> None:
    wait_until(lambda: _standby_state(client) == "ok", "the standby in rotation", 30)
    _set_replay(settings, paused=True)
    _report(client)  # WAL the standby does not replay

    def lagging() -> bool:
        _report(client)  # the primary keeps writing
        return _standby_state(client) == "efter"

    wait_until(lagging, "the paused standby out of rotation", 30)
    client.cookies.clear()  # reads that need no write of their own
    assert client.get("/test/lagged").json() == {"standby": False}
    assert _databases(client)["standby 1"]["fordrojning_s"] > 1.0
    _set_replay(settings, paused=False)
    wait_until(lambda: _standby_state(client) == "ok", "the standby back in rotation", 30)
    assert client.get("/test/lagged").json() == {"standby": True}


@pytest.mark.usefixtures("replayed", "handmade_data")
def test_a_killed_standby_is_skipped_and_used_again_when_it_is_back(client: TestClient) -> None:
    wait_until(lambda: _standby_state(client) == "ok", "the standby in rotation", 30)
    _script("kill")
    try:
        lon, lat = local_lonlat(BENCH)
        # Answered from the primary, whether or not a check has noticed yet.
        for _ in range(3):
            answer = client.get("/api/v1/ansvar", params={"lon": lon, "lat": lat})
            assert answer.status_code == 200, answer.text
        assert client.get("/test/lagged").json() == {"standby": False}
        wait_until(lambda: _standby_state(client) == "nere", "the killed standby down", 30)
    finally:
        _script("start")
    wait_until(lambda: _standby_state(client) == "ok", "the standby back in rotation", 60)
    assert client.get("/test/lagged").json() == {"standby": True}


@pytest.mark.usefixtures("replayed")
def test_reads_take_turns_on_the_standbys_in_rotation(settings: Settings, standby: str) -> None:
    _script("remove", number=SECOND_STANDBY)
    _script("start", number=SECOND_STANDBY)
    try:
        urls = [standby, _on_standby(settings.database_url, SECOND_STANDBY)]
        update = {"replica_urls": urls, "replica_check_s": 0.2}
        with TestClient(_with_test_routes(create_app(settings.model_copy(update=update)))) as app:
            names = ["standby 1", f"standby {SECOND_STANDBY}"]

            def both_in_rotation() -> bool:
                return all(_databases(app)[name]["status"] == "ok" for name in names)

            wait_until(both_in_rotation, "both standbys in rotation", 30)
            before = [_databases(app)[name]["lasningar"] for name in names]
            for _ in range(10):
                assert app.get("/test/lagged").json() == {"standby": True}
            reads = [_databases(app)[name]["lasningar"] - before[i] for i, name in enumerate(names)]
    finally:
        _script("remove", number=SECOND_STANDBY)
    # Turn about; a standby a check found slow for a moment may miss a turn or two.
    assert sum(reads) == 10
    assert min(reads) >= 3, reads


def test_without_standbys_every_read_is_the_primarys(settings: Settings) -> None:
    with TestClient(_with_test_routes(create_app(settings))) as plain:
        assert plain.get("/test/lagged").json() == {"standby": False}
        written = plain.post(REPORTS, json={**_body(), "beskrivning": "utan standby"})
        assert written.status_code == 201
        assert COOKIE not in plain.cookies
        assert [d["namn"] for d in plain.get("/healthz").json()["databaser"]] == ["primär"]
