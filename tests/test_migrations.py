"""Migrations go up and down on a real PostGIS, and match the models."""

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text

from app.core.migrate import alembic_config, downgrade, upgrade
from app.models import Base
from tests.conftest import database_url_for_tests
from tests.support.db_admin import ensure_database

DOMAIN_TABLES = {
    "organisation",
    "kontakt",
    "skotselprodukt",
    "kodmappning",
    "fastighet",
    "fastighetsagare",
    "skotselobjekt",
    "driftomrade",
    "importkorning",
    "importavvisning",
    "kommungrans",
}


@pytest.fixture(scope="module")
def scratch_engine() -> Iterator[Engine]:
    """A database of its own, so going down to base does not disturb other tests."""
    url = database_url_for_tests("_test_migrations")
    ensure_database(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as conn:
        upgrade(conn)
    assert _tables(scratch_engine) >= DOMAIN_TABLES

    with scratch_engine.begin() as conn:
        downgrade(conn, "base")
    assert not DOMAIN_TABLES & _tables(scratch_engine)
    assert "spatial_ref_sys" in _tables(scratch_engine), "PostGIS itself must survive a downgrade"

    with scratch_engine.begin() as conn:
        upgrade(conn)
    assert _tables(scratch_engine) >= DOMAIN_TABLES


def test_models_match_migrations(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as conn:
        upgrade(conn)
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, Base.metadata)
            if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")
        ]
    assert diff == []


def test_every_geometry_is_srid_3006_with_a_gist_index(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as conn:
        upgrade(conn)
        columns = conn.exec_driver_sql(
            "SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = 'public'"
        ).all()
        indexed = {
            row[0]
            for row in conn.execute(
                text("SELECT tablename FROM pg_indexes WHERE indexdef LIKE :pattern"),
                {"pattern": "%USING gist (geom)%"},
            )
        }
    assert {table for table, _ in columns} == {
        "fastighet",
        "skotselobjekt",
        "driftomrade",
        "kommungrans",
        "felanmalan",
    }
    assert {srid for _, srid in columns} == {3006}
    assert {table for table, _ in columns} <= indexed


def _versioning_function(conn: Connection) -> str:
    return str(
        conn.execute(
            text("SELECT prosrc FROM pg_proc WHERE proname = 'skotselobjekt_versionera'")
        ).scalar_one()
    )


def test_same_day_edits_go_down_to_the_versioning_before_them(scratch_engine: Engine) -> None:
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0006").down_revision
    assert isinstance(before, str)
    with scratch_engine.begin() as conn:
        upgrade(conn)
        downgrade(conn, "0003")
        upgrade(conn, before)
        written_before = _versioning_function(conn)  # as 0004 itself wrote it
        upgrade(conn)
        assert _versioning_function(conn) != written_before
        downgrade(conn, before)
        assert _versioning_function(conn) == written_before
        closed = conn.execute(
            text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%avslutad%'")
        ).scalar_one()
        assert closed == 0
        upgrade(conn)
