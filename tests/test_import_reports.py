"""What an import tells the GIS technician: per-object lists, refusals, messages, history, scope."""

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from tests.commands import run_cli
from tests.import_files import E, N, bow_tie, mapping_file, object_rows, write_layer
from tests.support.tables import empty_tables

TABLES = ("skotselobjekt", "kodmappning", "importkorning", "api_token", "fastighet")


@pytest.fixture
def clean(engine: Engine) -> Iterator[None]:
    """Objects, mappings, import records and tokens are removed after the test."""
    yield
    empty_tables(engine, TABLES)


def _import_objects(
    engine: Engine,
    path: Path,
    *extra: str,
    organisation: str = "huge",
    mapping: Path | None = None,
    id_column: str = "objektnr",
) -> Any:
    """`ansvarskartan import skotselobjekt` of Huge's layer with these options."""
    return run_cli(
        engine,
        "import",
        "skotselobjekt",
        str(path),
        "--organisation",
        organisation,
        "--mappning",
        str(mapping or mapping_file(path.parent)),
        "--id-kolumn",
        id_column,
        "--kod-kolumn",
        "skotselkod",
        *extra,
    )


def _objects(engine: Engine, path: Path, *extra: str) -> Any:
    return _import_objects(engine, path, "--kvalitet-kolumn", "kvalitet", *extra)


def _current(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM skotselobjekt WHERE valid_to IS NULL")
            ).scalar_one()
        )


@pytest.mark.usefixtures("clean")
def test_a_mass_retirement_needs_a_confirmation(engine: Engine, tmp_path: Path) -> None:
    rows = object_rows(20)
    assert _objects(engine, write_layer(tmp_path / "alla.gpkg", rows)).returncode == 0
    part = write_layer(tmp_path / "del.gpkg", rows[:15])

    dry = _objects(engine, part, "--torrkorning")
    assert dry.returncode == 0, dry.stderr
    assert "Avslutade (5):" in dry.stdout
    assert "o16 (G2)" in dry.stdout
    assert "OBS: en riktig import skulle nekas" in dry.stdout

    refused = _objects(engine, part)
    assert refused.returncode == 1
    assert "avsluta 5 av 20 gällande objekt" in refused.stderr
    assert "o16" in refused.stderr
    assert "--tillat-avslut" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _current(engine) == 20

    confirmed = _objects(engine, part, "--tillat-avslut")
    assert confirmed.returncode == 0, confirmed.stderr
    assert _current(engine) == 15


@pytest.mark.usefixtures("clean")
def test_the_summary_names_each_object_and_the_report_lists_them_all(
    engine: Engine, tmp_path: Path
) -> None:
    rows = object_rows(30)
    assert _objects(engine, write_layer(tmp_path / "a.gpkg", rows)).returncode == 0
    changed = [dict(row) for row in rows] + [dict(rows[0], objektnr="ny1")]
    changed[-1]["geometry"] = shapely.Point(E - 100, N)
    changed[1]["kvalitet"] = "B"
    spike = [(E, N - 50), (E + 20, N - 50), (E + 20, N - 30), (E + 10, N - 30.0001)]
    changed[3]["geometry"] = shapely.Polygon(
        [*spike, (E + 10.0001, N - 30), (E + 10, N - 30.0001), (E, N - 30)]
    )
    changed[5]["skotselkod"] = "HB-OKAND"
    changed.append(dict(rows[7], kvalitet="C"))  # o8 once more
    for i in range(22):
        changed.append(dict(rows[0], objektnr=f"n{i}", geometry=shapely.Point(E - 200, N + i)))
    report = tmp_path / "rapport.csv"
    done = _objects(engine, write_layer(tmp_path / "b.gpkg", changed), "--rapport", str(report))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Ändrade (2):" in out
    assert "o2 (G2): kvalitetsnivå" in out
    assert "o4 (G2): geometri" in out
    assert "Nya (23):" in out
    assert "… och 3 till" in out
    assert "Lagade geometrier (1):" in out
    assert "o4: lagad" in out
    assert "m²" in out
    assert "o6: koden 'HB-OKAND' saknar mappning" in out
    assert "behålls oförändrat" in out
    assert "o8: id:t förekommer flera gånger i filen; raden 8 behölls" in out
    with report.open(encoding="utf-8-sig", newline="") as handle:
        listed = list(csv.DictReader(handle, delimiter=";"))
    kinds = [row["slag"] for row in listed]
    assert kinds.count("ny") == 23
    assert kinds.count("ändrad") == 2
    assert kinds.count("avvisad") == 2
    assert {
        "slag": "ändrad",
        "objekt": "o2",
        "beskrivning": "G2",
        "falt": "kvalitetsnivå",
        "behalls": "",
    } in listed


@pytest.mark.usefixtures("clean")
def test_messages_say_what_to_do(engine: Engine, tmp_path: Path) -> None:
    rows = object_rows(2)
    local = gpd.GeoDataFrame(rows, crs="EPSG:3006").to_crs("EPSG:3011")
    x, y = local.geometry.iloc[1].bounds[:2]
    local.loc[1, "geometry"] = bow_tie(x, y)
    path = tmp_path / "lokal.gpkg"
    local.to_file(path, driver="GPKG")
    done = _objects(engine, path, "--torrkorning")
    assert done.returncode == 0, done.stderr
    assert f"E {x + 5:.2f}, N {y + 5:.2f} (EPSG:3011)" in done.stdout
    assert "Skriver till databasen" not in done.stderr

    wrong_column = _import_objects(engine, path, id_column="nummer")
    assert wrong_column.returncode == 1
    assert "saknar id-kolumnen 'nummer'" in wrong_column.stderr
    assert "objektnr, skotselkod, kvalitet, anlagd_ar" in wrong_column.stderr

    bad_mapping = tmp_path / "mappning.csv"
    bad_mapping.write_text("kod,benamning,produkt\nHB-BANK,Bänk,UT1\n", encoding="utf-8")
    mapped = _import_objects(engine, path, mapping=bad_mapping)
    assert "saknar kolumnen skotselprodukt" in mapped.stderr
    assert "saknar kolumnen kod" not in mapped.stderr

    unknown = _import_objects(engine, path, organisation="hugo")
    assert unknown.returncode == 1
    assert "huge, husf" in unknown.stderr
    assert "ansvarskartan organisation skapa" in unknown.stderr

    real = _objects(engine, write_layer(tmp_path / "a.gpkg", rows))
    assert "Import 1 klar." in real.stdout  # the dry run took no import number


@pytest.mark.usefixtures("clean")
def test_several_layers_from_the_command_line(engine: Engine, tmp_path: Path) -> None:
    rows = object_rows(6)
    path = tmp_path / "huge.gpkg"
    write_layer(path, rows[:3], layer="punkter")
    write_layer(path, rows[3:], layer="ytor")
    refused = _objects(engine, path)
    assert refused.returncode == 1
    assert "har 2 lager: punkter" in refused.stderr
    assert "Warning" not in refused.stderr
    assert _current(engine) == 0
    both = _objects(engine, path, "--lager", "punkter", "--lager", "ytor")
    assert both.returncode == 0, both.stderr
    assert _current(engine) == 6


@pytest.fixture
def tokens(engine: Engine, clean: None) -> dict[str, dict[str, str]]:  # noqa: ARG001 (a fixture set up first)
    """Headers of a gis token for every organisation and of one bound to Huge."""
    with engine.begin() as conn:
        _, free = create_token(conn, name="gis-alla", role="gis", organisation=None, days=1)
        _, huge = create_token(conn, name="gis-huge", role="gis", organisation="huge", days=1)
    return {
        "alla": {"Authorization": f"Bearer {free}"},
        "huge": {"Authorization": f"Bearer {huge}"},
    }


def _upload(client: TestClient, headers: dict[str, str], path: Path, **form: Any) -> httpx.Response:
    fields = {
        "typ": "skotselobjekt",
        "organisation": "huge",
        "id_kolumn": "objektnr",
        "kod_kolumn": "skotselkod",
        "kvalitet_kolumn": "kvalitet",
    } | form
    response: httpx.Response = client.post(
        "/api/v1/importer",
        files={"fil": (path.name, path.read_bytes(), "application/octet-stream")},
        data=fields,
        headers=headers,
    )
    return response


def _with_mapping(engine: Engine) -> None:
    from app.imports.mapping import store_mapping
    from tests.import_files import HUGE_MAPPING

    with engine.begin() as conn:
        for slug in ("huge", "parkenheten"):
            org = conn.execute(text("SELECT id FROM organisation WHERE slug = :s"), {"s": slug})
            store_mapping(conn, org.scalar_one(), HUGE_MAPPING)


def test_uploads_list_objects_refuse_mass_retirement_and_keep_to_their_organisation(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    _with_mapping(engine)
    rows = object_rows(10)
    path = tmp_path / "huge.gpkg"
    write_layer(path, rows[:5], layer="punkter")
    write_layer(path, rows[5:], layer="ytor")
    unchosen = _upload(client, tokens["huge"], path)
    assert unchosen.status_code == 400
    assert unchosen.json()["type"] == "valj-lager"
    assert [x["antal"] for x in unchosen.json()["lager"]] == [5, 5]

    other = _upload(client, tokens["huge"], path, organisation="parkenheten", lager="punkter")
    assert other.status_code == 403
    parcels = _upload(client, tokens["huge"], path, typ="fastigheter")
    assert parcels.status_code == 403

    first = _upload(client, tokens["huge"], path, lager=["punkter", "ytor"])
    assert first.status_code == 201, first.text
    assert [o["objekt"] for o in first.json()["objekt"]["nya"]][:3] == ["o1", "o2", "o3"]

    only_points = _upload(client, tokens["huge"], path, lager="punkter")
    assert only_points.status_code == 409
    problem = only_points.json()
    assert problem["type"] == "massavslut-kraver-bekraftelse"
    assert problem["avslutas"] == 5
    assert problem["exempel"][0] == "o6"
    assert "--" not in problem["detail"]  # the form field, not the command-line flag
    assert "fältet tillat_avslut=true" in problem["detail"]
    assert _current(engine) == 10

    rows[0]["kvalitet"] = "C"
    write_layer(tmp_path / "ny.gpkg", rows)
    changed = _upload(client, tokens["alla"], tmp_path / "ny.gpkg")
    assert changed.status_code == 201, changed.text
    answer = changed.json()
    assert answer["objekt"]["andrade"] == [
        {"objekt": "o1", "beskrivning": "UT1", "falt": ["kvalitetsnivå"]}
    ]
    # An import's record is for those who may import (an unbound gis token sees all).
    record = client.get(f"/api/v1/importer/{answer['import_id']}", headers=tokens["alla"]).json()
    assert record["objekt"]["andrade"] == answer["objekt"]["andrade"]
    assert record["giltig_fran"] is not None


@pytest.mark.usefixtures("clean")
def test_history_says_which_import_wrote_a_version(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    rows = object_rows(2)
    assert _objects(engine, write_layer(tmp_path / "huge.gpkg", rows)).returncode == 0
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('ansvar.anvandare', 'qgis:anna', true)"))
        conn.execute(
            text(
                "UPDATE skotselobjekt SET kvalitetsniva = 'C' WHERE extern_id = 'o1'"
                " AND valid_to IS NULL"
            )
        )
        object_id = conn.execute(
            text("SELECT objekt_id FROM skotselobjekt WHERE extern_id = 'o1' LIMIT 1")
        ).scalar_one()
    versions = client.get(f"/api/v1/skotselobjekt/{object_id}/historik").json()["versioner"]
    imported, edited = versions
    assert imported["import"]["id"] == 1
    assert imported["import"]["fil"] == "huge.gpkg"
    assert imported["import"]["utford_av"] == "cli"
    assert edited["import"] is None


def test_shapefiles_zipped_side_by_side_are_layers_to_choose_from(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    _with_mapping(engine)
    rows = object_rows(4)
    folder = tmp_path / "leverans"
    folder.mkdir()
    for name, part in (("punkter", rows[0::2]), ("ytor", rows[1::2])):
        gpd.GeoDataFrame(part, crs="EPSG:3006").to_file(folder / f"{name}.shp")
    packed = tmp_path / "huge.zip"
    with zipfile.ZipFile(packed, "w") as bundle:
        for file in sorted(folder.iterdir()):
            bundle.write(file, f"leverans/{file.name}")
    unchosen = _upload(client, tokens["alla"], packed)
    assert unchosen.status_code == 400, unchosen.text
    assert sorted(x["namn"] for x in unchosen.json()["lager"]) == ["punkter", "ytor"]
    both = _upload(client, tokens["alla"], packed, lager=["punkter", "ytor"])
    assert both.status_code == 201, both.text
    assert both.json()["nya"] == 4
