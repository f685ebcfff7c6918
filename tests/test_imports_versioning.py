"""The importers' versioned merge: idempotent, changes make new versions, removals retire."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Connection, text

from app.core.problems import InvalidInput
from app.imports.mapping import store_mapping
from app.imports.objects import import_objects
from app.imports.ownership import import_ownership
from app.imports.parcels import designation, import_parcels

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 6, 1, tzinfo=UTC)
E, N = 670_000.0, 6_568_000.0


def parcel_file(path: Path, *, moved: bool = False, without_last: bool = False) -> Path:
    ids = [uuid.UUID(int=i + 1, version=4) for i in range(3)]
    rows = []
    for i, object_id in enumerate(ids):
        shift = 5.0 if moved and i == 0 else 0.0
        rows.append(
            {
                "objektidentitet": str(object_id),
                "registerenhetsreferens": str(uuid.UUID(int=100 + i, version=4)),
                "kommunnamn": "HUDDINGE",
                "trakt": "GRANTORP",
                "block": "5",
                "enhet": i + 1,
                "omradesnummer": 1,
                "etikett": f"5:{i + 1}",
                "geometry": shapely.box(E + i * 50 + shift, N, E + i * 50 + 40 + shift, N + 40),
            }
        )
    if without_last:
        rows.pop()
    frame = gpd.GeoDataFrame(rows, crs="EPSG:3006")
    frame.to_file(path, layer="registerenhetsomradesyta", driver="GPKG")
    return path


def _current(conn: Connection, table: str) -> int:
    query = text(f"SELECT count(*) FROM {table} WHERE valid_to IS NULL")
    return int(conn.execute(query).scalar_one())


def test_designation_drops_the_area_suffix() -> None:
    assert designation("HUDDINGE", "GRANTORP", "2:29>1") == "HUDDINGE GRANTORP 2:29"
    assert designation("HUDDINGE", "MEDICINAREN", "12") == "HUDDINGE MEDICINAREN 12"


def test_parcel_reimport_is_idempotent_and_versions_changes(
    conn: Connection, tmp_path: Path
) -> None:
    first = import_parcels(conn, parcel_file(tmp_path / "a.gpkg"), effective=T0)
    assert (first.inserted, first.updated, first.unchanged, first.retired) == (3, 0, 0, 0)

    again = import_parcels(conn, parcel_file(tmp_path / "b.gpkg"), effective=T1)
    assert (again.inserted, again.updated, again.unchanged, again.retired) == (0, 0, 3, 0)

    changed = import_parcels(
        conn, parcel_file(tmp_path / "c.gpkg", moved=True, without_last=True), effective=T1
    )
    assert (changed.inserted, changed.updated, changed.unchanged, changed.retired) == (0, 1, 1, 1)
    assert _current(conn, "fastighet") == 2
    history = conn.execute(
        text(
            "SELECT valid_from, valid_to FROM fastighet WHERE beteckning = 'HUDDINGE GRANTORP 5:1'"
            " ORDER BY valid_from"
        )
    ).all()
    assert history == [(T0, T1), (T1, None)]


def test_objects_are_mapped_checked_and_versioned(conn: Connection, tmp_path: Path) -> None:
    org_id = conn.execute(text("SELECT id FROM organisation WHERE slug = 'huge'")).scalar_one()
    store_mapping(conn, org_id, {"HB-BANK": ("UT1", "Bänk"), "HB-GR": ("G2", "Gräs")})
    frame = gpd.GeoDataFrame(
        {
            "objektnr": ["b1", "g1", "x1", "b2"],
            "skotselkod": ["HB-BANK", "HB-GR", "HB-OKAND", "HB-BANK"],
            "kvalitet": ["A", "B", "B", "C"],
            "geometry": [
                shapely.Point(E, N),
                shapely.box(E, N, E + 10, N + 10),
                shapely.Point(E, N),
                shapely.box(E, N, E + 1, N + 1),
            ],
        },
        crs="EPSG:3006",
    )
    path = tmp_path / "huge.gpkg"
    frame.to_file(path, driver="GPKG")
    result = import_objects(
        conn,
        path,
        "huge",
        id_column="objektnr",
        code_column="skotselkod",
        quality_column="kvalitet",
        effective=T0,
    )
    assert result.inserted == 2
    reasons = {r.ref: r.reason for r in result.rejections}
    assert "saknar mappning" in reasons["x1"]
    assert "punkt" in reasons["b2"]
    assert "yta" in reasons["b2"]
    again = import_objects(
        conn,
        path,
        "huge",
        id_column="objektnr",
        code_column="skotselkod",
        quality_column="kvalitet",
        effective=T1,
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_ownership_rejects_unknown_parcels_and_owners(conn: Connection, tmp_path: Path) -> None:
    import_parcels(conn, parcel_file(tmp_path / "a.gpkg"), effective=T0)
    csv_path = tmp_path / "agare.csv"
    csv_path.write_text(
        "fastighetsbeteckning;agare\n"
        "HUDDINGE GRANTORP 5:1;huge\n"
        "huddinge  grantorp 5:2;husf\n"
        "HUDDINGE GRANTORP 9:9;huge\n"
        "HUDDINGE GRANTORP 5:3;okand-agare\n",
        encoding="utf-8",
    )
    result = import_ownership(conn, csv_path, effective=T0)
    assert result.inserted == 2
    assert sorted(r.reason for r in result.rejections) == [
        "fastighetsbeteckningen finns inte bland fastigheterna",
        "ägaren 'okand-agare' är ingen känd organisation",
    ]


def test_a_file_without_crs_is_refused(conn: Connection, tmp_path: Path) -> None:
    shapefile = tmp_path / "utan-crs.shp"
    gpd.GeoDataFrame({"objektidentitet": ["x"]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(
        shapefile
    )
    assert not shapefile.with_suffix(".prj").exists()
    with pytest.raises(InvalidInput, match="saknar koordinatsystem"):
        import_parcels(conn, shapefile, layer=None, effective=T0)
