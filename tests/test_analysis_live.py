"""The analysis counts the objects valid now: a version edited to start on a future date is not
counted yet, the version it replaces still is (scene of tests/analysis_scene.py: Huge's one
G2 lawn of 2000 m²)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from app.analysis.quantities import Scope, quantities_sync
from app.analysis.rows import QuantityRow
from app.demo.load import reset_data
from tests.analysis_scene import build_scene
from tests.support.tables import PLACE_TABLES, empty_tables


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """The scene, committed; each test edits it in a transaction rolled back afterwards."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
    yield
    empty_tables(engine, PLACE_TABLES)


def _hand_lawn_to_culture_in_30_days(conn: Connection) -> None:
    conn.execute(text("SELECT set_config('ansvar.anvandare', 'test', true)"))
    conn.execute(text("SELECT set_config('ansvar.orsak', 'överlåtelse', true)"))
    conn.execute(
        text("SELECT set_config('ansvar.giltig_fran', (now() + interval '30 days')::text, true)")
    )
    moved = conn.execute(
        text(
            "UPDATE skotselobjekt SET huvudman_id = (SELECT id FROM organisation"
            " WHERE slug = 'kultur-fritid') WHERE valid_to IS NULL AND skotselprodukt_kod = 'G2'"
            " AND huvudman_id = (SELECT id FROM organisation WHERE slug = 'huge')"
        )
    )
    assert moved.rowcount == 1


@pytest.mark.parametrize("scope", ["kommun", "ruta", "trakt"])
def test_a_version_from_a_future_date_is_not_counted_yet(
    conn: Connection,
    scene: None,  # noqa: ARG001 (set up first)
    scope: Scope,
) -> None:
    _hand_lawn_to_culture_in_30_days(conn)
    versions = conn.execute(
        text(
            "SELECT count(*) FILTER (WHERE valid_from > now()),"
            " count(*) FILTER (WHERE valid_to > now()) FROM skotselobjekt"
        )
    ).one()
    assert tuple(versions) == (1, 1)
    driver = conn.connection.driver_connection
    rows: list[QuantityRow] = quantities_sync(driver, scope, cell_m=100)  # type: ignore[arg-type]
    g2 = [r for r in rows if r.product_code == "G2" and r.quality_level is None]
    assert {r.organisation_slug for r in g2} == {"huge"}
    assert sum(r.quantity for r in g2) == pytest.approx(2000.0)
