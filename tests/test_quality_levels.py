"""The quality levels (kvalitetsnivåer): the reviewed file and its refusals, the sync, the API,
the command line and the package's skötselbeskrivning read back with real readers."""

import dataclasses
import io
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import psycopg
import pytest
from fastapi.testclient import TestClient
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image
from sqlalchemy import Connection, Engine, text

from app.catalogue.catalogue_file import read_catalogue
from app.catalogue.levels import (
    COLUMNS,
    LevelFileError,
    LevelTask,
    load_levels,
    read_level_file,
    sync_level_file,
    sync_levels,
)
from app.core.paths import CATALOGUE_CSV, QUALITY_LEVELS_CSV
from app.core.settings import Settings
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.description_pdf import write_description_pdf
from app.export.description_sheet import HEADER, write_description_sheet
from tests.commands import run_cli

CODES = [p.kod for p in read_catalogue(CATALOGUE_CSV)]
REVIEWED = len(read_level_file(QUALITY_LEVELS_CSV, set(CODES)))  # rows of the reviewed file
HEADER_LINE = ",".join(COLUMNS)
# G2 at level B as the issue gives it, and at level A (the two must not be confused).
LAWN_B = "när gräset är 8–10 cm, klipphöjd 4–5 cm; klippet lämnas"
LAWN_A = "när gräset är 6–8 cm, klipphöjd 4 cm; klippet lämnas"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "kvalitetsnivaer.csv"
    path.write_text("\n".join((HEADER_LINE, *lines)) + "\n", encoding="utf-8")
    return path


def _stored(conn: Connection) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in conn.execute(
            text(
                "SELECT skotselprodukt_kod, kvalitetsniva, moment, utforande, frekvens,"
                " exempeldata, sortering FROM kvalitetsniva_moment ORDER BY 1, 2, 7"
            )
        )
    ]


def test_the_reviewed_file_describes_every_product_at_levels_a_b_and_c() -> None:
    tasks = read_level_file(QUALITY_LEVELS_CSV, set(CODES))
    levels: dict[tuple[str, str], list[LevelTask]] = {}
    for task in tasks:
        levels.setdefault((task.product_code, task.level), []).append(task)
    assert set(levels) == {(code, level) for code in CODES for level in "ABC"}
    assert all(2 <= len(group) <= 4 for group in levels.values())
    assert all(task.example_data for task in tasks)
    mowing = next(t for t in levels[("G2", "B")] if t.task == "Klippning")
    assert (mowing.how, mowing.frequency) == (LAWN_B, "20 gånger per säsong")
    # The file lists its products in catalogue order, A before B before C.
    order = list(dict.fromkeys((t.product_code, t.level) for t in tasks))
    assert order == sorted(order, key=lambda key: (CODES.index(key[0]), key[1]))


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (
            ("G2,B,Klippning,x,y,true", "X9,A,Klippning,x,y,true"),
            "rad 3: produkten 'X9' finns inte i katalogen",
        ),
        (("G2,,Klippning,x,y,true",), "rad 2: kvalitetsniva saknas för G2"),
        (("G2,B, ,x,y,true",), "rad 2: moment saknas för G2"),
        (("G2,B,Klippning,,y,true",), "rad 2: utforande saknas för G2"),
        (("G2,B,Klippning,x,,true",), "rad 2: frekvens saknas för G2"),
        (("G2,B,Klippning,x,y,ja",), "rad 2: exempeldata ska vara true eller false, inte 'ja'"),
        (
            ("G2,B,Klippning,x,y,true", "G1,B,Klippning,x,y,true", "G2,B,Klippning,z,w,false"),
            "rad 4: G2 har redan momentet 'Klippning' på kvalitetsnivå B",
        ),
        ((f"G2,B,{'K' * 201},x,y,true",), "rad 2: moment är längre än 200 tecken"),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_the_line(
    conn: Connection, tmp_path: Path, lines: tuple[str, ...], reason: str
) -> None:
    before = _stored(conn)
    path = _write(tmp_path, *lines)
    with pytest.raises(LevelFileError) as refused:
        sync_level_file(conn, path, mode="all")
    assert refused.value.detail == f"kvalitetsnivaer.csv {reason}"
    assert _stored(conn) == before


def test_a_file_without_a_column_or_in_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nivaer.csv"
    path.write_text("produkt,kvalitetsniva,moment,utforande,frekvens\nG2,B,K,x,y\n")
    with pytest.raises(LevelFileError, match="saknar kolumnerna exempeldata"):
        read_level_file(path, set(CODES))
    path.write_bytes(f"{HEADER_LINE}\nG2,B,Gödsling,x,y,true\n".encode("latin-1"))
    with pytest.raises(LevelFileError, match="inte UTF-8"):
        read_level_file(path, set(CODES))
    path.write_text(HEADER_LINE + "\n", encoding="utf-8")
    with pytest.raises(LevelFileError, match="innehåller inga moment"):
        read_level_file(path, set(CODES))


def test_an_import_replaces_its_products_and_a_catalogue_sync_only_fills_in(
    conn: Connection, tmp_path: Path
) -> None:
    own = _write(
        tmp_path,
        "G2,B,Klippning,efter kommunens klippschema,18 gånger per säsong,false",
        "G2,B,Renhållning,skräp plockas,1 gång per vecka,false",
        "G2,Guld,Klippning,klipphöjd 3 cm,2 gånger per vecka,false",
    )
    reviewed = _stored(conn)
    lawn = [row for row in reviewed if row[0] == "G2"]
    report = sync_level_file(conn, own, mode="products")
    assert report.updated == [("G2", "B", "Klippning"), ("G2", "B", "Renhållning")]
    assert report.added == [("G2", "Guld", "Klippning")]
    assert len(report.removed) == len(lawn) - 2
    assert {key[0] for key in report.removed} == {"G2"}
    own_lawn = [
        ("G2", "B", "Klippning", "efter kommunens klippschema", "18 gånger per säsong", False, 1),
        ("G2", "B", "Renhållning", "skräp plockas", "1 gång per vecka", False, 2),
        ("G2", "Guld", "Klippning", "klipphöjd 3 cm", "2 gånger per vecka", False, 1),
    ]
    assert [row for row in _stored(conn) if row[0] == "G2"] == own_lawn
    # The products the file does not list keep their description.
    assert [row for row in _stored(conn) if row[0] != "G2"] == [
        row for row in reviewed if row[0] != "G2"
    ]
    # The catalogue sync adds the reviewed file's levels the table lacks, never G2 B.
    filled = sync_level_file(conn, mode="fill")
    assert {key[:2] for key in filled.added} == {("G2", "A"), ("G2", "C")}
    assert filled.updated == filled.removed == []
    stored = _stored(conn)
    assert [row[2] for row in stored if row[:2] == ("G2", "B")] == ["Klippning", "Renhållning"]
    assert ("G2", "Guld", "Klippning") in {row[:3] for row in stored}
    assert len(stored) == REVIEWED - 4 + 3
    # The table becomes the file only when asked: G2 B's own tasks and G2 Guld go.
    whole = sync_level_file(conn, own, mode="all")
    assert _stored(conn) == own_lawn
    assert len(whole.removed) == len(stored) - len(own_lawn)
    # The reviewed file again: the table is the file, and a second sync changes nothing.
    sync_level_file(conn, mode="all")
    again = sync_levels(conn, read_level_file(QUALITY_LEVELS_CSV, set(CODES)), mode="all")
    assert (len(again.unchanged), again.added, again.updated, again.removed) == (
        REVIEWED,
        [],
        [],
        [],
    )


def test_load_levels_reads_in_catalogue_order_for_the_codes_asked(engine: Engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        every = load_levels(raw)
        some = load_levels(raw, {"UT1", "G2"})
    assert every == read_level_file(QUALITY_LEVELS_CSV, set(CODES))
    assert [t.product_code for t in some] == ["G2"] * 11 + ["UT1"] * 11
    assert [t.level for t in some[:11]] == ["A"] * 4 + ["B"] * 4 + ["C"] * 3


def test_the_catalogue_api_shows_each_products_levels(client: TestClient) -> None:
    response = client.get("/api/v1/skotselprodukter")
    assert response.status_code == 200
    products = {p["kod"]: p for p in response.json()}
    assert list(products) == CODES
    lawn = products["G2"]
    assert [level["niva"] for level in lawn["kvalitetsnivaer"]] == ["A", "B", "C"]
    level_b = lawn["kvalitetsnivaer"][1]
    assert level_b["exempeldata"] is True
    assert level_b["moment"][0] == {
        "moment": "Klippning",
        "utforande": LAWN_B,
        "frekvens": "20 gånger per säsong",
    }
    assert all(len(p["kvalitetsnivaer"]) == 3 for p in products.values())
    schema = client.get("/openapi.json").json()["components"]["schemas"]["QualityLevelOut"]
    assert "exempeldata" in schema["properties"]["exempeldata"]["description"]


def test_the_command_line_imports_and_lists(engine: Engine, tmp_path: Path) -> None:
    own = _write(
        tmp_path,
        "G2,B,Klippning,efter kommunens klippschema,18 gånger per säsong,false",
        "UT1,A,Vinterförvaring,bänken tas in över vintern,1 gång per år,false",
    )
    (tmp_path / "fel").mkdir()
    bad = _write(tmp_path / "fel", "G2,B,Klippning,x,y,true", "Q1,B,Klippning,x,y,true")
    with engine.connect() as conn:
        logged_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM andringslogg"))
        last_logged = logged_before.scalar_one()
    try:
        imported = run_cli(engine, "kvalitetsnivaer", "importera", str(own), "--orsak", "egna")
        assert imported.returncode == 0, imported.stderr
        reviewed = read_level_file(QUALITY_LEVELS_CSV, set(CODES))
        # Every reviewed task of the two products but G2 B Klippning, which the file changes.
        removed = sum(t.product_code in {"G2", "UT1"} for t in reviewed) - 1
        assert f"Kvalitetsnivåerna: 1 nya, 1 ändrade, 0 oförändrade, {removed} borttagna" in (
            imported.stdout
        )
        listed = run_cli(engine, "kvalitetsnivaer", "lista", "--produkt", "G2")
        assert listed.stdout.splitlines() == [
            "G2\tB\tKlippning\tefter kommunens klippschema\t18 gånger per säsong"
        ]
        with engine.connect() as conn:
            assert len(_stored(conn)) == REVIEWED - removed + 1
        refused = run_cli(engine, "kvalitetsnivaer", "importera", str(bad), "--ersatt-alla")
        assert refused.returncode == 1
        assert "Fel: kvalitetsnivaer.csv rad 3: produkten 'Q1' finns inte" in refused.stderr
        with engine.connect() as conn:
            assert len(_stored(conn)) == REVIEWED - removed + 1
        whole = run_cli(engine, "kvalitetsnivaer", "importera", str(own), "--ersatt-alla")
        assert whole.returncode == 0, whole.stderr
        with engine.connect() as conn:
            assert len(_stored(conn)) == 2
            audited = conn.execute(
                text(
                    "SELECT count(*) FROM andringslogg WHERE tabell = 'kvalitetsniva_moment'"
                    " AND orsak = 'egna' AND utford_av = 'cli' AND id > :last"
                ),
                {"last": last_logged},
            ).scalar_one()
        assert audited == 1 + 1 + removed
    finally:
        with engine.begin() as conn:
            sync_level_file(conn, mode="all")


# --- The package's skötselbeskrivning ----------------------------------------------------


@pytest.fixture(scope="module")
def park(settings: Settings, handmade_data: None) -> PackageContents:  # noqa: ARG001 (a fixture set up first)
    """The hand-made park area's contents (G2 and UT1, no levels on the objects), as loaded."""
    url = settings.database_url.replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as pg:
        area_id = find_area_id(pg, "Testområde park")
        assert area_id is not None
        contents = load_contents(pg, area_id)
    assert contents is not None
    return contents


def _with_levels(contents: PackageContents, **levels: str | None) -> PackageContents:
    """The contents with every object of each product given at a quality level."""
    objects = contents.objects.copy()
    for code, level in levels.items():
        objects.loc[objects["produkt"] == code, "kvalitetsniva"] = level
    return dataclasses.replace(contents, objects=objects)


def _pdf_text(contents: PackageContents, folder: Path) -> tuple[str, list[Image.Image]]:
    pdf = folder / "skotselbeskrivning.pdf"
    with pdf.open("wb") as out:
        write_description_pdf(contents, out)
    words = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "sida")],
        check=True,
        capture_output=True,
    )
    pages = [Image.open(png).convert("L") for png in sorted(folder.glob("sida*.png"))]
    return " ".join(words.split()), pages


def test_the_package_loads_the_levels_of_its_products(park: PackageContents) -> None:
    assert [p.kod for p in park.products_present()] == ["G2", "UT1"]
    assert {t.product_code for t in park.levels} == {"G2", "UT1"}
    assert len(park.levels) == 22


def test_the_description_pdf_shows_the_levels_of_the_areas_objects(
    park: PackageContents, tmp_path: Path
) -> None:
    words, pages = _pdf_text(_with_levels(park, G2="B"), tmp_path)
    assert "Skötselbeskrivning för Testområde park" in words
    assert "G2 Bruksgräsmatta" in words
    assert "UT1 Parkbänk/sittplats" in words
    assert "Kvalitetsnivå B – 1 objekt" in words
    assert "8–10 cm" in words
    assert "20 gånger per säsong" in words
    assert "6–8 cm" not in words  # G2 at level A: no object of the area has it
    # UT1's objects carry no level, so all three of its levels are shown.
    assert "produktens alla nivåer visas" in words
    assert "inom 24 timmar efter upptäckt" in words
    assert "vart 3:e år" in words
    assert "Häckklippning" not in words  # H1 has no object in the area
    assert "Exempeldata: kvalitetsnivåerna märkta exempeldata" in words
    assert f"Sida 1 av {len(pages)}" in words
    # Rendered: every page has ink on it, and the first page its title at the top.
    for page in pages:
        ink = np.asarray(page) < 128
        assert ink.mean() > 0.005
    top = np.asarray(pages[0])[: pages[0].height // 4] < 128
    assert top.any()


def test_the_description_pdf_names_an_undescribed_level_and_drops_the_notice(
    park: PackageContents, tmp_path: Path
) -> None:
    not_examples = [dataclasses.replace(t, example_data=False) for t in park.levels]
    contents = dataclasses.replace(_with_levels(park, G2="X", UT1="A"), levels=not_examples)
    words, _ = _pdf_text(contents, tmp_path)
    assert "Kvalitetsnivå X – 1 objekt" in words
    assert "Nivån saknar beskrivning" in words
    assert "8–10 cm" not in words
    assert "inom 24 timmar efter upptäckt" in words
    assert "vart 3:e år" not in words
    assert "Exempeldata" not in words
    assert "exempeldata" not in words


def _sheet(contents: PackageContents) -> Worksheet:
    book = openpyxl.Workbook()
    assert book.active is not None
    write_description_sheet(book.active, contents)
    out = io.BytesIO()
    book.save(out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_the_description_sheet_is_the_same_table(park: PackageContents) -> None:
    sheet = _sheet(_with_levels(park, G2="B"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["E2"].alignment.wrap_text
    assert sheet.column_dimensions["E"].width >= 60
    assert rows[1] == (
        "G2",
        "Bruksgräsmatta",
        "B",
        "Klippning",
        LAWN_B,
        "20 gånger per säsong",
        "ja",
    )
    assert {(r[0], r[2]) for r in rows[1:]} == {
        ("G2", "B"),
        ("UT1", "A"),
        ("UT1", "B"),
        ("UT1", "C"),
    }
    assert len(rows) == 1 + 4 + 11  # G2 at B, UT1 at all three levels
    undescribed = list(_sheet(_with_levels(park, G2="X", UT1="A")).iter_rows(values_only=True))
    assert undescribed[1] == (
        "G2",
        "Bruksgräsmatta",
        "X",
        None,
        "Ingen skötselbeskrivning finns.",
        None,
        None,
    )
