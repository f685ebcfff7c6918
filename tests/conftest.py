"""Shared fixtures: a migrated PostGIS test database; tests run in rolled-back transactions."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text

from app.catalogue.catalogue_file import read_catalogue
from app.catalogue.sync import sync_catalogue
from app.core.migrate import upgrade
from app.core.paths import CATALOGUE_CSV, DEMO_DATA_DIR, REPO_ROOT
from app.core.settings import LOCAL_DATABASE_URL, Settings
from app.main import create_app
from app.organisations.service import read_organisations, upsert_organisations
from tests.handmade import DATA_TABLES, build_fixture
from tests.support.db_admin import ensure_database, sibling_database_url


def database_url_for_tests(suffix: str = "_test") -> str:
    """ANSVAR_TEST_DATABASE_URL, or the service's database name with a suffix."""
    explicit = os.environ.get("ANSVAR_TEST_DATABASE_URL")
    if explicit and suffix == "_test":
        return explicit
    base = explicit or os.environ.get("ANSVAR_DATABASE_URL") or LOCAL_DATABASE_URL
    return sibling_database_url(base, suffix)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings pointing at the test database."""
    return Settings(database_url=database_url_for_tests())


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The migrated test database, with the catalogue and the demo organisations committed."""
    ensure_database(settings.database_url)
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        upgrade(conn)
        conn.execute(
            text(
                "TRUNCATE skotselobjekt, fastighetsagare, fastighet, driftomrade, importavvisning,"
                " importkorning, kodmappning, kontakt, organisation, kommungrans"
                " RESTART IDENTITY CASCADE"
            )
        )
        sync_catalogue(conn, read_catalogue(CATALOGUE_CSV))
        upsert_organisations(conn, read_organisations(DEMO_DATA_DIR / "organisationer.json"))
    yield engine
    engine.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection whose transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture(scope="session")
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The application on the test database, lifespan included."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(database_url: str, **env: str) -> Iterator[str]:
    """The service in a real uvicorn process (own port), for real HTTP clients and browsers."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=os.environ | {"ANSVAR_DATABASE_URL": database_url} | env,
        cwd=REPO_ROOT,
    )
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def live_server(engine: Engine, settings: Settings) -> Iterator[str]:
    """The service on the test database, with no base map (tests reach no outside network)."""
    with running_server(settings.database_url, ANSVAR_BASEMAP_URL="") as url:
        yield url


@pytest.fixture(scope="module")
def handmade_data(engine: Engine) -> Iterator[None]:
    """The hand-made patch (tests/handmade.py), committed so a running app sees it."""
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {DATA_TABLES} RESTART IDENTITY CASCADE"))
        build_fixture(conn)
    yield
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {DATA_TABLES} RESTART IDENTITY CASCADE"))
