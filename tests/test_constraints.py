"""The schema keeps data sane on its own, whoever writes (the service or QGIS)."""

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError

_INSERT_OBJECT = (
    "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id, geom,"
    " valid_from, valid_to)"
    " SELECT coalesce(CAST(:objekt_id AS uuid), gen_random_uuid()), :kod, :kind, id,"
    " ST_GeomFromText(:wkt, :srid), CAST(:valid_from AS timestamptz),"
    " CAST(:valid_to AS timestamptz)"
    " FROM organisation WHERE slug = 'parkenheten'"
)
_SQUARE = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"
_BOW_TIE = "POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))"


def _insert(conn: Connection, **values: object) -> None:
    params = {
        "objekt_id": None,
        "kod": "G2",
        "kind": "yta",
        "wkt": _SQUARE,
        "srid": 3006,
        "valid_from": "2025-01-01",
        "valid_to": None,
    } | values
    with conn.begin_nested():
        conn.execute(text(_INSERT_OBJECT), params)


def test_a_sane_object_is_accepted(conn: Connection) -> None:
    _insert(conn)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"wkt": _BOW_TIE}, "giltig_geometri"),
        ({"wkt": "POINT(670000 6568000)"}, "geometri_matchar_geometrityp"),
        ({"kind": "punkt", "wkt": "POINT(670000 6568000)"}, "produkt_och_geometrityp"),
        ({"valid_to": "2024-12-31"}, "giltighetsperiod"),
        ({"valid_to": "2025-01-01"}, "giltighetsperiod"),
    ],
    ids=["bow-tie", "point-as-area", "kind-not-the-products", "ends-before-start", "empty-period"],
)
def test_insane_objects_are_refused(
    conn: Connection, values: dict[str, object], constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        _insert(conn, **values)


def test_a_geometry_in_another_crs_is_refused(conn: Connection) -> None:
    with pytest.raises(DataError, match="SRID"):
        _insert(conn, wkt="POINT(18.0 59.2)", srid=4326, kod="UT1", kind="punkt")


def test_at_most_one_current_version_of_an_object(conn: Connection) -> None:
    same = "6f1c1b4e-8d7a-4c43-9a51-0c9c3f0f4a11"
    _insert(conn, objekt_id=same, valid_from="2024-01-01", valid_to="2025-01-01")
    _insert(conn, objekt_id=same, valid_from="2025-01-01")
    with pytest.raises(IntegrityError, match="uq_skotselobjekt_aktuell_objekt_id"):
        _insert(conn, objekt_id=same, valid_from="2025-06-01")
