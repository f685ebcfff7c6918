"""The service connects as a role of its own, no superuser, with what `migrate` grants it."""

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import ProgrammingError

from app.core.db import libpq_url
from app.core.settings import Settings
from tests.commands import run_cli
from tests.conftest import database_url_for_tests
from tests.support.db_admin import drop_database, ensure_database, sibling_database_url

SUFFIX = "_test_roles"


def test_the_service_is_no_superuser(client: TestClient) -> None:
    sync_engine: Engine = client.app.state.sync_engine  # type: ignore[attr-defined]
    with sync_engine.connect() as conn:
        rights = conn.execute(
            text(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
        ).one()
    assert tuple(rights) == (False, False, False, False)


def test_the_service_pool_connects_as_the_same_role(client: TestClient, settings: Settings) -> None:
    # The pool is built from the same setting: a status page reading through it answers.
    assert client.get("/healthz").status_code == 200
    assert settings.service_role is not None, "the tests run the service as the schema's owner"
    with psycopg.connect(libpq_url(settings.database_url)) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row == (settings.service_role,)


@pytest.fixture
def fresh_database(settings: Settings) -> Iterator[tuple[Engine, Engine]]:
    """A new database with PostGIS only: the owner's engine and the service's, dropped after."""
    if settings.service_role is None:
        pytest.fail("the tests run the service as the schema's owner; give it a role of its own")
    owner_url = database_url_for_tests(SUFFIX)
    drop_database(owner_url)
    ensure_database(owner_url)
    owner = create_engine(owner_url)
    service = create_engine(sibling_database_url(settings.database_url, SUFFIX))
    yield owner, service
    owner.dispose()
    service.dispose()
    drop_database(owner_url)


def test_migrate_makes_a_fresh_database_usable_by_the_service(
    fresh_database: tuple[Engine, Engine],
) -> None:
    owner, service = fresh_database
    migrated = run_cli(
        owner,
        "migrate",
        ANSVAR_DATABASE_URL=service.url.render_as_string(hide_password=False),
        ANSVAR_MIGRATION_DATABASE_URL=owner.url.render_as_string(hide_password=False),
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "har rättigheterna den behöver" in migrated.stdout
    assert "superanvändare" not in migrated.stderr

    with service.begin() as conn:
        # What the service does: writes (the triggers audit them), a sequence, the import's
        # tools (a temporary table filled by COPY, an advisory lock, its own settings), and
        # TRUNCATE, which the demo reset needs.
        conn.execute(
            text(
                "INSERT INTO organisation (slug, namn, typ) VALUES ('roll-test', 'Rolltest', "
                "'kommun')"
            )
        )
        conn.execute(text("UPDATE organisation SET namn = 'Rolltest 2' WHERE slug = 'roll-test'"))
        assert conn.execute(text("SELECT count(*) FROM andringslogg")).scalar_one() == 2
        conn.execute(text("SELECT set_config('ansvar.massimport', 'on', true)"))
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('ansvarskartan-test'))"))
        conn.exec_driver_sql("CREATE TEMP TABLE stage (a int) ON COMMIT DROP")
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy("COPY stage (a) FROM STDIN") as copy:
            copy.write_row((1,))
        assert conn.execute(text("SELECT count(*) FROM stage")).scalar_one() == 1
        conn.execute(text("DELETE FROM organisation WHERE slug = 'roll-test'"))
        conn.execute(text("TRUNCATE andringslogg"))


def test_migrating_as_the_services_role_says_which_role_to_use(
    fresh_database: tuple[Engine, Engine],
) -> None:
    owner, service = fresh_database
    service_url = service.url.render_as_string(hide_password=False)
    refused = run_cli(
        owner, "migrate", ANSVAR_DATABASE_URL=service_url, ANSVAR_MIGRATION_DATABASE_URL=service_url
    )
    assert refused.returncode == 1
    assert "saknar behörighet" in refused.stderr
    assert "ANSVAR_MIGRATION_DATABASE_URL" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.intrang (a int)",
        "DROP TABLE organisation",
        "ALTER TABLE organisation ADD COLUMN intrang int",
        "UPDATE alembic_version SET version_num = version_num",
        "CREATE ROLE intrang",
    ],
)
@pytest.mark.usefixtures("engine")  # the migrated test database
def test_the_service_cannot_change_the_schema(settings: Settings, statement: str) -> None:
    service = create_engine(settings.database_url)
    try:
        with service.connect() as conn:
            transaction = conn.begin()  # rolled back whatever happens
            try:
                superuser = conn.execute(
                    text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                ).scalar_one()
                # As a superuser the statements would succeed: never try them then.
                assert superuser is False, "the service connects as a superuser"
                with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
                    conn.exec_driver_sql(statement)
            finally:
                transaction.rollback()
    finally:
        service.dispose()
