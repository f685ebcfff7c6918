"""Imports never lose an object by accident: rejected rows, unread columns, CRS noise, types."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Connection, text

from app.imports.changes import list_changes
from app.imports.mapping import store_mapping
from app.imports.objects import import_objects
from app.imports.ownership import import_ownership
from app.imports.parcels import import_parcels
from app.imports.reading import LayerNotChosen
from tests.import_files import HUGE_MAPPING, E, N, bow_tie, object_rows, write_layer
from tests.test_imports_versioning import parcel_file

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 6, 1, tzinfo=UTC)
T2 = datetime(2025, 9, 1, tzinfo=UTC)


def _huge(conn: Connection) -> int:
    org_id = int(conn.execute(text("SELECT id FROM organisation WHERE slug = 'huge'")).scalar_one())
    store_mapping(conn, org_id, HUGE_MAPPING)
    return org_id


def _import(conn: Connection, path: Path, when: datetime, **options: Any) -> Any:
    options.setdefault("quality_column", "kvalitet")
    return import_objects(
        conn,
        path,
        "huge",
        id_column="objektnr",
        code_column="skotselkod",
        effective=when,
        **options,
    )


def _current(conn: Connection, extern_id: str) -> Any:
    return conn.execute(
        text(
            "SELECT s.skotselprodukt_kod, s.kvalitetsniva, s.attribut, o.slug AS huvudman,"
            " s.valid_from FROM skotselobjekt s JOIN organisation o ON o.id = s.huvudman_id"
            " WHERE s.extern_id = :id AND s.valid_to IS NULL"
        ),
        {"id": extern_id},
    ).one_or_none()


def test_a_rejected_row_keeps_the_object_it_meant_to_update(
    conn: Connection, tmp_path: Path
) -> None:
    _huge(conn)
    rows = object_rows(4)
    _import(conn, write_layer(tmp_path / "a.gpkg", rows), T0)
    rows[1]["skotselkod"] = "HB-GRR"  # a typo in the code
    rows[3]["geometry"] = bow_tie(E, N)  # an unrepairable geometry
    result = _import(conn, write_layer(tmp_path / "b.gpkg", rows), T1)
    assert result.retired == 0
    assert result.rejected == 2
    assert result.kept == 2
    for rejection in result.rejections:
        assert rejection.kept
        assert "behålls oförändrat" in rejection.reason
    for extern_id in ("o2", "o4"):
        current = _current(conn, extern_id)
        assert current is not None
        assert current.valid_from == T0
    listed = list_changes(conn, result.import_id).lists["avvisade"]
    assert {(c.ref, c.kept) for c in listed} == {("o2", True), ("o4", True)}


def test_a_rejected_parcel_row_keeps_the_parcel_and_its_owners(
    conn: Connection, tmp_path: Path
) -> None:
    import_parcels(conn, parcel_file(tmp_path / "a.gpkg"), effective=T0)
    frame = gpd.read_file(tmp_path / "a.gpkg")
    frame.loc[1, "geometry"] = bow_tie(E + 50, N)
    frame.to_file(tmp_path / "b.gpkg", layer="registerenhetsomradesyta", driver="GPKG")
    result = import_parcels(conn, tmp_path / "b.gpkg", effective=T1)
    assert (result.retired, result.rejected, result.kept) == (0, 1, 1)
    kept = conn.execute(
        text("SELECT valid_from FROM fastighet WHERE etikett = '5:2' AND valid_to IS NULL")
    ).scalar_one()
    assert kept == T0

    owners = tmp_path / "agare.csv"
    owners.write_text("fastighetsbeteckning;agare\nHUDDINGE GRANTORP 5:1;huge\n", encoding="utf-8")
    import_ownership(conn, owners, effective=T0)
    owners.write_text("fastighetsbeteckning;agare\nHUDDINGE GRANTORP 5:1;hugee\n", encoding="utf-8")
    typo = import_ownership(conn, owners, effective=T1)
    assert (typo.retired, typo.kept) == (0, 1)
    assert "behålls oförändrade" in typo.rejections[0].reason


def test_what_the_file_does_not_say_stays_as_it_is(conn: Connection, tmp_path: Path) -> None:
    parkenheten = conn.execute(
        text("SELECT id FROM organisation WHERE slug = 'parkenheten'")
    ).scalar_one()
    _huge(conn)
    rows = object_rows(4)
    _import(conn, write_layer(tmp_path / "a.gpkg", rows), T0)
    # o1 was handed over to the park unit (an edit, as in QGIS).
    conn.execute(
        text(
            "UPDATE skotselobjekt SET huvudman_id = :p WHERE extern_id = 'o1' AND valid_to IS NULL"
        ),
        {"p": parkenheten},
    )
    without = [{k: v for k, v in row.items() if k not in ("kvalitet", "anlagd_ar")} for row in rows]
    again = _import(conn, write_layer(tmp_path / "b.gpkg", without), T1, quality_column=None)
    assert (again.inserted, again.updated, again.unchanged, again.retired) == (0, 0, 4, 0)
    current = _current(conn, "o2")
    assert current.kvalitetsniva == "A"
    assert current.attribut == {"anlagd_ar": 1982}
    assert _current(conn, "o1").huvudman == "parkenheten"

    # A column that is read but empty does clear the value.
    cleared = [dict(row, anlagd_ar=None) for row in rows]
    third = _import(conn, write_layer(tmp_path / "c.gpkg", cleared), T2)
    assert third.updated == 3
    assert _current(conn, "o2").attribut == {}


def test_a_parcel_file_without_an_optional_column_keeps_the_stored_values(
    conn: Connection, tmp_path: Path
) -> None:
    import_parcels(conn, parcel_file(tmp_path / "a.gpkg"), effective=T0)
    frame = gpd.read_file(tmp_path / "a.gpkg").drop(columns=["block", "enhet"])
    frame.to_file(tmp_path / "b.gpkg", layer="registerenhetsomradesyta", driver="GPKG")
    again = import_parcels(conn, tmp_path / "b.gpkg", effective=T1)
    assert (again.updated, again.unchanged) == (0, 3)
    stored = conn.execute(
        text("SELECT block, enhet FROM fastighet WHERE etikett = '5:2' AND valid_to IS NULL")
    ).one()
    assert tuple(stored) == ("5", 2)


def test_reprojection_noise_is_not_a_change_but_a_real_edit_is(
    conn: Connection, tmp_path: Path
) -> None:
    _huge(conn)
    rows = object_rows(21)
    _import(conn, write_layer(tmp_path / "a.gpkg", rows), T0)
    # Exported to SWEREF 99 18 00 with coordinates rounded to 0.1 mm, as many tools write them.
    local = gpd.GeoDataFrame(rows, crs="EPSG:3006").to_crs("EPSG:3011")
    local["geometry"] = shapely.set_precision(local.geometry.to_numpy(), 0.0001)
    local.to_file(tmp_path / "b.geojson", driver="GeoJSON")
    again = _import(conn, tmp_path / "b.geojson", T1)
    assert (again.updated, again.unchanged) == (0, 21)

    moved = [dict(row) for row in rows]
    moved[1]["geometry"] = shapely.affinity.translate(rows[1]["geometry"], 0.05)
    edited = _import(conn, write_layer(tmp_path / "c.gpkg", moved), T2)
    assert edited.updated == 1
    [change] = list_changes(conn, edited.import_id).lists["andrade"]
    assert change.ref == "o2"
    assert change.fields == ("geometri",)


def test_integers_stay_integers_and_labels_stay_text(conn: Connection, tmp_path: Path) -> None:
    _huge(conn)
    _import(conn, write_layer(tmp_path / "a.gpkg", object_rows(3)), T0)
    stored = conn.execute(
        text(
            "SELECT attribut ->> 'anlagd_ar', jsonb_typeof(attribut -> 'anlagd_ar')"
            " FROM skotselobjekt WHERE extern_id = 'o2'"
        )
    ).one()
    assert tuple(stored) == ("1982", "number")

    parcel = {
        "type": "Feature",
        "properties": {
            "objektidentitet": str(uuid.UUID(int=7, version=4)),
            "registerenhetsreferens": str(uuid.UUID(int=70, version=4)),
            "kommunnamn": "HUDDINGE",
            "trakt": "GRANTORP",
            "etikett": "1:4",
            "senastandrad": "2024-05-01",
        },
        "geometry": shapely.geometry.mapping(
            gpd.GeoSeries([shapely.box(E, N, E + 40, N + 40)], crs="EPSG:3006")
            .to_crs("EPSG:4326")
            .iloc[0]
        ),
    }
    path = tmp_path / "fastighet.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [parcel]}), "utf-8")
    import_parcels(conn, path, layer=None, effective=T0)
    assert conn.execute(text("SELECT beteckning FROM fastighet")).scalar_one() == (
        "HUDDINGE GRANTORP 1:4"
    )
    owners = tmp_path / "agare.csv"
    owners.write_text("fastighetsbeteckning,agare\nHUDDINGE GRANTORP 1:4,huge\n", encoding="utf-8")
    assert import_ownership(conn, owners, effective=T0).inserted == 1


def test_a_file_with_several_layers_names_them_and_reads_those_chosen(
    conn: Connection, tmp_path: Path
) -> None:
    _huge(conn)
    rows = object_rows(6)
    path = tmp_path / "huge.gpkg"
    write_layer(path, [r for r in rows if r["skotselkod"] == "HB-BANK"], layer="punkter")
    write_layer(path, [r for r in rows if r["skotselkod"] == "HB-GR"], layer="ytor")
    with pytest.raises(LayerNotChosen) as refused:
        _import(conn, path, T0)
    assert "punkter (Point, 3 objekt)" in refused.value.detail
    assert "ytor (Polygon, 3 objekt)" in refused.value.detail
    assert [x["namn"] for x in refused.value.extra["lager"]] == ["punkter", "ytor"]
    with pytest.raises(LayerNotChosen, match="inget lager 'linjer'"):
        _import(conn, path, T0, layers=["linjer"])
    both = _import(conn, path, T0, layers=["punkter", "ytor"])
    assert both.inserted == 6
    # Only one of them, read as the whole holding, is what --delvis is for; a full import
    # retires the other layer's objects (and the command line asks for a confirmation).
    one = _import(conn, path, T1, layers=["punkter"], full=False)
    assert (one.unchanged, one.retired) == (3, 0)
