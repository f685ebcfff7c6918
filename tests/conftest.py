"""Shared fixtures: a migrated PostGIS test database; tests run in rolled-back transactions.

The database is made and migrated as the schema's owner (the `engine` and `conn` fixtures); the
service (`client`, `live_server`, `settings`) connects as its own role, with the grants that
`ansvarskartan migrate` gives it.
"""

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine

from app.catalogue.catalogue_file import read_catalogue
from app.catalogue.levels import sync_level_file
from app.catalogue.sync import sync_catalogue
from app.core.migrate import grant_service_role, upgrade
from app.core.paths import CATALOGUE_CSV, DEMO_DATA_DIR
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import create_app
from app.organisations.service import read_organisations, upsert_organisations
from app.reports.categories import read_categories, sync_categories
from tests.handmade import build_fixture
from tests.support.db_admin import ensure_database, sibling_database_url
from tests.support.servers import running_server
from tests.support.tables import PLACE_TABLES, empty_tables


def _configured() -> Settings:
    # The environment only: a .env file configures the service, not its tests.
    return Settings(_env_file=None)


# One delivery worker per test that wants one: the session's app and servers send nothing, so a
# test's own worker (tests/test_delivery.py) sees every delivery of its database.
os.environ.setdefault("ANSVAR_DELIVERY_IN_SERVICE", "false")
# Likewise the daily removal of personal data: tests/test_reports.py runs it when it means to.
os.environ.setdefault("ANSVAR_RETENTION_IN_SERVICE", "false")
# All the session's requests come from one address: the anonymous reports' limit is tested on its
# own (tests/test_reports_batch.py) and off elsewhere.
os.environ.setdefault("ANSVAR_ANONYMA_FELANMALAN_PER_MINUT", "0")


def database_url_for_tests(suffix: str = "_test") -> str:
    """The owner's URL of the test database (ANSVAR_TEST_DATABASE_URL), or of one beside it.

    Without ANSVAR_TEST_DATABASE_URL: the owner's database (ANSVAR_MIGRATION_DATABASE_URL, see
    Settings.owner_database_url) with its name suffixed.
    """
    explicit = os.environ.get("ANSVAR_TEST_DATABASE_URL")
    if explicit and suffix == "_test":
        return explicit
    return sibling_database_url(explicit or _configured().owner_database_url, suffix)


def service_url_for_tests() -> str:
    """The service's URL of the test database: ANSVAR_TEST_SERVICE_DATABASE_URL, or the
    service's database (ANSVAR_DATABASE_URL) named as the tests' one.

    With ANSVAR_TEST_DATABASE_URL alone the service connects as that URL's role, as the owner.
    """
    if explicit := os.environ.get("ANSVAR_TEST_SERVICE_DATABASE_URL"):
        return explicit
    if os.environ.get("ANSVAR_TEST_DATABASE_URL"):
        return database_url_for_tests()
    return sibling_database_url(_configured().database_url, "_test")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The service's settings on the test database: its own role, the owner's for migrations."""
    return Settings(
        database_url=service_url_for_tests(), migration_database_url=database_url_for_tests()
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The migrated test database as its owner, with the service role's grants, the catalogue
    and the demo organisations committed."""
    ensure_database(settings.owner_database_url)
    engine = create_engine(settings.owner_database_url)
    with engine.begin() as conn:
        upgrade(conn)
        if settings.service_role:
            grant_service_role(conn, settings.service_role)
        reset_data(conn)
        sync_catalogue(conn, read_catalogue(CATALOGUE_CSV))
        sync_level_file(conn, mode="all")
        sync_categories(conn, read_categories())
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
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The application on the test database, lifespan included."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(engine: Engine, settings: Settings) -> Iterator[str]:  # noqa: ARG001 (a fixture set up first)
    """The service on the test database, with no base map (tests reach no outside network)."""
    with running_server(settings.database_url, ANSVAR_BASEMAP_URL="") as url:
        yield url


@pytest.fixture(scope="module")
def handmade_data(engine: Engine) -> Iterator[None]:
    """The hand-made patch (tests/handmade.py), committed so a running app sees it."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_fixture(conn)
    yield
    empty_tables(engine, PLACE_TABLES)
