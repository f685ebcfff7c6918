"""History and audit kept by the database: a plain SQL edit, as QGIS sends it, is versioned."""

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from app.core.geo import make_point
from app.core.settings import Settings
from app.imports.parcels import import_parcels
from app.responsibility.service import resolve_options, resolve_sync
from tests.test_imports_versioning import T0, parcel_file

BENCH = "00000000-0000-4000-8000-0000000000c1"


def _bench(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            " geom, valid_from) SELECT CAST(:id AS uuid), 'UT1', 'punkt', id,"
            " ST_SetSRID(ST_MakePoint(670000, 6568000), 3006), '2025-01-01'"
            " FROM organisation WHERE slug = 'parkenheten'"
        ),
        {"id": BENCH},
    )


def _versions(conn: Connection) -> list[tuple[str, bool]]:
    return [
        (row.slug, row.current)
        for row in conn.execute(
            text(
                "SELECT o.slug, s.valid_to IS NULL AS current FROM skotselobjekt s"
                " JOIN organisation o ON o.id = s.huvudman_id"
                " WHERE s.objekt_id = CAST(:id AS uuid) ORDER BY s.valid_from"
            ),
            {"id": BENCH},
        )
    ]


def test_a_plain_update_leaves_a_version_and_an_audit_row(conn: Connection) -> None:
    _bench(conn)
    conn.execute(text("SELECT set_config('ansvar.anvandare', 'gis.tekniker@huddinge', true)"))
    conn.execute(text("SELECT set_config('ansvar.orsak', 'Parken överläts till HuSF', true)"))
    conn.execute(
        text(
            "UPDATE skotselobjekt SET huvudman_id = (SELECT id FROM organisation"
            " WHERE slug = 'husf') WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
        ),
        {"id": BENCH},
    )
    assert _versions(conn) == [("parkenheten", False), ("husf", True)]
    audit = conn.execute(
        text(
            "SELECT utford_av, orsak, fore ->> 'huvudman_id' AS before,"
            " efter ->> 'huvudman_id' AS after FROM andringslogg"
            " WHERE tabell = 'skotselobjekt' AND operation = 'UPDATE'"
            " AND efter ->> 'valid_to' IS NULL ORDER BY id DESC LIMIT 1"
        )
    ).one()
    assert audit.utford_av == "gis.tekniker@huddinge"
    assert audit.orsak == "Parken överläts till HuSF"
    assert audit.before != audit.after


def test_an_edit_from_the_start_of_the_day_applies_to_a_version_opened_that_day(
    conn: Connection,
) -> None:
    _bench(conn)
    # A version opened earlier today (by an import, say) ...
    conn.execute(
        text(
            "UPDATE skotselobjekt SET kvalitetsniva = 'B'"
            " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
        ),
        {"id": BENCH},
    )
    midnight = (
        "date_trunc('day', now() AT TIME ZONE 'Europe/Stockholm') AT TIME ZONE 'Europe/Stockholm'"
    )
    # ... and then an edit in QGIS that is to hold from the start of the day.
    conn.execute(text(f"SELECT set_config('ansvar.giltig_fran', CAST({midnight} AS text), true)"))
    conn.execute(
        text(
            "UPDATE skotselobjekt SET huvudman_id = (SELECT id FROM organisation"
            " WHERE slug = 'husf') WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
        ),
        {"id": BENCH},
    )
    assert _versions(conn) == [("parkenheten", False), ("husf", True)]
    closed, current = conn.execute(
        text(
            "SELECT valid_to, valid_from = now() FROM skotselobjekt"
            " WHERE objekt_id = CAST(:id AS uuid) ORDER BY valid_from"
        ),
        {"id": BENCH},
    ).all()
    assert current[1], "the change holds from the version's own start"
    assert closed[0] == conn.execute(text("SELECT now()")).scalar_one()

    earlier = f"({midnight}) - interval '1 second'"
    conn.execute(text(f"SELECT set_config('ansvar.giltig_fran', CAST({earlier} AS text), true)"))
    with pytest.raises(IntegrityError, match="kan inte gälla från"):
        conn.execute(
            text(
                "UPDATE skotselobjekt SET kvalitetsniva = 'C'"
                " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": BENCH},
        )


def test_the_resolve_answer_uses_the_history(conn: Connection) -> None:
    _bench(conn)
    conn.execute(
        text(
            "UPDATE skotselobjekt SET huvudman_id = (SELECT id FROM organisation"
            " WHERE slug = 'husf') WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
        ),
        {"id": BENCH},
    )
    point = make_point(670000.5, 6568000, 3006)
    yesterday = resolve_options(Settings(), date.today() - timedelta(days=1), None)
    today = resolve_options(Settings(), None, None)
    [before] = resolve_sync(conn, [point], yesterday, with_swaps=False)
    [after] = resolve_sync(conn, [point], today, with_swaps=False)
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    assert before["huvudman"]["slug"] == "parkenheten"
    assert after["huvudman"]["slug"] == "husf"


def test_a_plain_delete_retires_instead(conn: Connection) -> None:
    _bench(conn)
    conn.execute(
        text("DELETE FROM skotselobjekt WHERE objekt_id = CAST(:id AS uuid)"), {"id": BENCH}
    )
    assert _versions(conn) == [("parkenheten", False)]


def test_a_closed_version_cannot_be_changed(conn: Connection) -> None:
    _bench(conn)
    conn.execute(
        text("DELETE FROM skotselobjekt WHERE objekt_id = CAST(:id AS uuid)"), {"id": BENCH}
    )
    with pytest.raises(IntegrityError, match="avslutad version"):
        conn.execute(
            text(
                "UPDATE skotselobjekt SET kvalitetsniva = 'A' WHERE objekt_id = CAST(:id AS uuid)"
            ),
            {"id": BENCH},
        )


def test_an_update_without_change_of_content_makes_no_version(conn: Connection) -> None:
    _bench(conn)
    conn.execute(
        text("UPDATE skotselobjekt SET geom = geom WHERE objekt_id = CAST(:id AS uuid)"),
        {"id": BENCH},
    )
    assert _versions(conn) == [("parkenheten", True)]


def test_imports_are_audited_by_their_record_not_row_by_row(
    conn: Connection, tmp_path: Path
) -> None:
    before = conn.execute(text("SELECT count(*) FROM andringslogg")).scalar_one()
    result = import_parcels(conn, parcel_file(tmp_path / "f.gpkg"), effective=T0)
    assert result.inserted == 3
    assert conn.execute(text("SELECT count(*) FROM andringslogg")).scalar_one() == before
    conn.execute(
        text("UPDATE organisation SET webbplats = 'https://huge.example' WHERE slug = 'huge'")
    )
    logged = conn.execute(
        text("SELECT count(*) FROM andringslogg WHERE tabell = 'organisation'")
    ).scalar_one()
    assert logged >= 1, "after the import, writes are audited again"


def test_the_history_endpoint_lists_versions_and_who_changed_what(
    engine: Engine, client: TestClient
) -> None:
    with engine.begin() as conn:
        _bench(conn)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('ansvar.anvandare', 'qgis@huddinge', true)"))
        conn.execute(text("SELECT set_config('ansvar.orsak', 'Ny ägare', true)"))
        conn.execute(
            text(
                "UPDATE skotselobjekt SET huvudman_id = (SELECT id FROM organisation"
                " WHERE slug = 'husf') WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": BENCH},
        )
    try:
        response = client.get(f"/api/v1/skotselobjekt/{BENCH}/historik")
        assert response.status_code == 200
        body = response.json()
        assert [v["huvudman"] for v in body["versioner"]] == ["parkenheten", "husf"]
        assert body["versioner"][0]["giltig_till"] == body["versioner"][1]["giltig_fran"]
        edit = next(c for c in body["andringar"] if c["operation"] == "UPDATE" and c["orsak"])
        assert edit["utford_av"] == "qgis@huddinge"
        assert edit["orsak"] == "Ny ägare"
        assert "huvudman_id" in edit["andrade_falt"]
        assert "geom" not in edit["andrade_falt"]
        assert client.get(f"/api/v1/skotselobjekt/{uuid.uuid4()}/historik").status_code == 404
        assert client.get("/api/v1/skotselobjekt/inte-ett-id/historik").status_code == 404
    finally:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE skotselobjekt, andringslogg RESTART IDENTITY CASCADE"))
