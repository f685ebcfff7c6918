"""Maintenance layers in the shapes they arrive in: zipped Shapefile, GeoJSON, GML and CAD."""

import io
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pytest
import shapely
from ezdxf.filemanagement import new as new_drawing
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.imports.mapping import store_mapping
from tests.commands import run_cli
from tests.handmade import E0, N0
from tests.support.tables import IMPORT_TABLES, empty_tables

MAPPING: dict[str, tuple[str, str | None]] = {
    "PARKBÄNK": ("UT1", "Parkbänk"),
    "GRÄS": ("G2", "Bruksgräs"),
    "HÄCK": ("H1", "Klippt häck"),
}
NAMES = ["Bänk vid Ågestasjön", "Gräs vid Fullersta gård", "Häck mot Österhaninge"]


@pytest.fixture
def gis(engine: Engine) -> Iterator[dict[str, str]]:
    """A gis token and Huge's legacy codes; everything imported is removed afterwards."""
    with engine.begin() as conn:
        _, token = create_token(conn, name="format", role="gis", organisation=None, days=1)
        huge = conn.execute(text("SELECT id FROM organisation WHERE slug = 'huge'")).scalar_one()
        store_mapping(conn, huge, MAPPING)
    yield {"Authorization": f"Bearer {token}"}
    empty_tables(engine, IMPORT_TABLES)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn = 'format'"))


def _layer() -> gpd.GeoDataFrame:
    """A bench, a lawn and a hedge, in EPSG:3006."""
    return gpd.GeoDataFrame(
        {
            "Objektnr": ["B1", "G1", "V1"],
            "Skötskod": ["PARKBÄNK", "GRÄS", "HÄCK"],
            "Namn": NAMES,
        },
        geometry=[
            shapely.Point(E0 + 10, N0 + 10),
            shapely.box(E0 + 20, N0, E0 + 60, N0 + 30),
            shapely.LineString([(E0, N0 + 40), (E0 + 80, N0 + 45), (E0 + 120, N0 + 70)]),
        ],
        crs="EPSG:3006",
    )


def _upload(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: str
) -> httpx.Response:
    fields = {"typ": "skotselobjekt", "organisation": "huge", "id_kolumn": "Objektnr"}
    response: httpx.Response = client.post(
        "/api/v1/importer",
        files={"fil": (name, data, "application/octet-stream")},
        data=fields | {"kod_kolumn": "Skötskod"} | form,
        headers=headers,
    )
    return response


def _stored(engine: Engine) -> dict[str, dict[str, Any]]:
    """Current objects by their own id: product, the name attribute and the geometry."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT extern_id, skotselprodukt_kod, attribut, ST_AsBinary(geom)"
                " FROM skotselobjekt WHERE valid_to IS NULL"
            )
        ).all()
    return {
        row[0]: {"produkt": row[1], "attribut": row[2], "geom": shapely.from_wkb(row[3])}
        for row in rows
    }


def _assert_same_as_drawn(engine: Engine, tolerance_m: float) -> None:
    stored = _stored(engine)
    drawn = _layer()
    assert sorted(stored) == ["B1", "G1", "V1"]
    for _, feature in drawn.iterrows():
        got = stored[feature["Objektnr"]]
        assert got["produkt"] == MAPPING[feature["Skötskod"]][0]
        assert got["attribut"]["Namn"] == feature["Namn"]
        assert shapely.hausdorff_distance(got["geom"], feature.geometry) < tolerance_m


@pytest.mark.parametrize("encoding", ["cp1252", "UTF-8"])
def test_zipped_shapefile_in_sweref_18_00(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path, encoding: str
) -> None:
    """Shapefile in EPSG:3011 with .prj and .cpg; names in Windows-1252 or UTF-8 survive."""
    folder = tmp_path / "shp"
    folder.mkdir()
    parts = []
    for kind, frame in _layer().to_crs("EPSG:3011").groupby(_layer().geom_type):
        path = folder / f"huge_{kind.lower()}.shp"
        frame.to_file(path, driver="ESRI Shapefile", encoding=encoding)
        parts.append(path)
    raw = (folder / "huge_point.dbf").read_bytes()
    assert "Ågestasjön".encode(encoding) in raw  # really written in that encoding
    assert (folder / "huge_point.cpg").exists()
    assert (folder / "huge_point.prj").exists()
    for shapefile in parts:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
            for member in folder.glob(f"{shapefile.stem}.*"):
                bundle.write(member, member.name)
        done = _upload(client, gis, f"{shapefile.stem}.zip", packed.getvalue(), delvis="true")
        assert done.status_code == 201, done.text
        assert done.json()["nya"] == 1
        assert done.json()["avvisade"] == 0
    _assert_same_as_drawn(engine, tolerance_m=0.01)
    with engine.connect() as conn:
        crs = conn.execute(text("SELECT DISTINCT kalla_crs FROM importkorning")).scalar_one()
    assert "3011" in crs


def _cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(engine, "import", "skotselobjekt", *args)


def _mapping_csv(tmp_path: Path) -> Path:
    path = tmp_path / "kodmappning.csv"
    lines = ["kod,benamning,skotselprodukt"]
    lines += [f"{code},{name},{product}" for code, (product, name) in MAPPING.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("gis")
def test_geojson_in_wgs84_through_the_command_line(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "huge.geojson"
    _layer().to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    done = _cli(
        engine,
        str(path),
        "--organisation=huge",
        f"--mappning={_mapping_csv(tmp_path)}",
        "--id-kolumn=Objektnr",
        "--kod-kolumn=Skötskod",
    )
    assert done.returncode == 0, done.stderr
    shown = done.stderr.splitlines()  # each step's bar, on stderr beside the summary
    for name, count in (("Läser huge.geojson", ""), ("Kontrollerar objekten", "3/3")):
        assert any(name in line and count in line for line in shown), done.stderr
    # GeoJSON keeps seven decimals of a degree: about a centimetre.
    _assert_same_as_drawn(engine, tolerance_m=0.02)


def test_gml_upload_without_its_schema(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """A GML file alone (the .xsd left behind) is read by its content."""
    rows = []
    for kind, frame in _layer().groupby(_layer().geom_type):
        path = tmp_path / f"huge_{kind.lower()}.gml"
        frame.to_file(path, driver="GML")
        rows.append(_upload(client, gis, path.name, path.read_bytes(), delvis="true"))
    assert [r.status_code for r in rows] == [201, 201, 201], [r.text for r in rows]
    _assert_same_as_drawn(engine, tolerance_m=0.001)


def _cad_drawing(path: Path) -> Path:
    """Objects drawn in CAD: the layer is the legacy code, areas are closed polylines."""
    drawing = new_drawing("R2013")
    space = drawing.modelspace()
    for code in MAPPING:
        drawing.layers.add(code)
    frame = _layer()
    space.add_point(frame.geometry[0].coords[0], dxfattribs={"layer": "PARKBÄNK"})
    ring = list(frame.geometry[1].exterior.coords)[:-1]
    space.add_lwpolyline(ring, close=True, dxfattribs={"layer": "GRÄS"})
    space.add_lwpolyline(list(frame.geometry[2].coords), dxfattribs={"layer": "HÄCK"})
    drawing.saveas(path)
    return path


def test_cad_drawing_needs_a_crs_and_closed_polylines_become_areas(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    data = _cad_drawing(tmp_path / "huge.dxf").read_bytes()
    form = {"id_kolumn": "EntityHandle", "kod_kolumn": "Layer"}
    refused = _upload(client, gis, "huge.dxf", data, **form)
    assert refused.status_code == 400
    assert "koordinatsystem" in refused.json()["detail"]
    done = _upload(client, gis, "huge.dxf", data, crs="EPSG:3006", **form)
    assert done.status_code == 201, done.text
    assert done.json()["nya"] == 3
    assert done.json()["avvisade"] == 0
    stored = list(_stored(engine).values())
    by_product = {row["produkt"]: row["geom"] for row in stored}
    drawn = _layer().geometry
    assert by_product["G2"].geom_type == "Polygon"
    assert abs(by_product["G2"].area - drawn[1].area) < 1e-6
    assert shapely.equals_exact(by_product["UT1"], drawn[0], tolerance=1e-6)
    assert shapely.hausdorff_distance(by_product["H1"], drawn[2]) < 1e-6


def test_bow_tie_rejected_small_flaw_repaired_duplicate_reported(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """The import record lists each refused feature with its reason; the rest is imported."""
    e, n = E0 + 200, N0 + 200
    bow_tie = shapely.Polygon([(e, n), (e + 40, n + 40), (e + 40, n), (e, n + 40)])
    # A 2 m × 0.5 mm spike folding back over the edge: invalid, and repairable within 1 %.
    flawed = shapely.Polygon(
        [
            (e, n),
            (e + 40, n),
            (e + 40, n + 20),
            (e + 42, n + 20.0005),
            (e + 40, n + 20),
            (e + 40, n + 40),
            (e, n + 40),
        ]
    )
    assert not bow_tie.is_valid
    assert not flawed.is_valid
    frame = gpd.GeoDataFrame(
        {
            "Objektnr": ["FLUGA", "LAGAD", "BANK", "BANK-IGEN"],
            "Skötskod": ["GRÄS", "GRÄS", "PARKBÄNK", "PARKBÄNK"],
        },
        geometry=[bow_tie, flawed, shapely.Point(e, n), shapely.Point(e, n)],
        crs="EPSG:3006",
    )
    path = tmp_path / "brister.gpkg"
    frame.to_file(path, driver="GPKG")
    done = _upload(client, gis, path.name, path.read_bytes())
    assert done.status_code == 201, done.text
    assert (done.json()["nya"], done.json()["avvisade"]) == (2, 2)
    record = client.get(f"/api/v1/importer/{done.json()['import_id']}", headers=gis).json()
    reasons = {r["objekt"]: r["orsak"] for r in record["avvisningar"]}
    assert sorted(reasons) == ["BANK-IGEN", "FLUGA"]
    assert "ogiltig geometri" in reasons["FLUGA"]
    assert "Self-intersection" in reasons["FLUGA"]
    assert "dubblett" in reasons["BANK-IGEN"]
    assert "BANK" in reasons["BANK-IGEN"]
    repaired = _stored(engine)["LAGAD"]["geom"]
    assert repaired.is_valid
    assert abs(repaired.area - 1600) / 1600 < 0.01
