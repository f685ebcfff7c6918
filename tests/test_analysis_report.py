"""The coordination report (XLSX and PDF) on the hand-built scene of tests/analysis_scene.py,
read back with openpyxl and poppler, against answers worked out by hand and the API's own.

Worked out by hand at the report's parameters (500 m cells, zones at 100 m, tolerance 2 m,
near 50 m), with this module's price list (G2 3.50 kr/m² for every level and 6.00 for level A,
IG2 18.00, H1 40.00 kr/m, UT1 800.00 kr/st, no price for G1):

- The municipality: 7 live objects of 3 huvudmän; 3 200 + 2 000 + 400 + 200 = 5 800 m², 40 m,
  2 st. Costs: the park unit's level-A lawn 3 200 × 6.00 = 19 200, its bench 800 (its bed has no
  price): 20 000; Huge's lawn 2 000 × 3.50 = 7 000, hedge 40 × 40 = 1 600, bench 800: 9 400;
  Kultur och fritid's sports lawn 400 × 18 = 7 200. Total 36 600 kr per year.
- Everything lies in the 500 m cell (700000, 6560000): m² 3 400 (park unit), 2 000 (Huge),
  400 (Kultur och fritid) of 5 800; mix index 1 − (3 400² + 2 000² + 400²) / 5 800² =
  1 − 15 720 000 / 33 640 000; 5 800 m² is above 2 % of the cell (5 000 m²): a top place.
- Shared boundary, park unit–Huge: Huge's lawn (110–190 × 10–35) lies on the park unit's
  (70–150 × 10–50). The park unit's boundary within 2 m of Huge's lawn: the south edge from
  x 108 to 150 (42 m) and the east edge from y 10 to 37 (27 m): 69 m. Huge's within 2 m of the
  park unit's: the south and north edges from x 110 to 152 (2 × 42 m) and the west edge (25 m):
  109 m. The mean: 89 m. Kultur och fritid's lawn is 40 m from the nearest: no boundary.
- Objects near (50 m, distance ≤ 50 counts): the park unit's lawn (on Huge's), bed (50 m from
  the hedge's west end) and bench on the grid line (10 m from Huge's lawn) reach Huge: 3; its
  lawn (√1 700 ≈ 41 m) and bed (40 m) reach Kultur och fritid: 2. Huge's lawn, hedge (40 m) and
  bench (50 m from the park unit's lawn) reach the park unit: 3; its bench (40 m) reaches
  Kultur och fritid: 1. The sports lawn reaches both: 1 and 1.
- Zones at 100 m: one zone of all 7 objects. Crews: the park unit's own (its lawn's point on
  surface, x 110, lies outside "Analys väst", and its bed), Södertörns parkdrift (the bench on
  the grid line, on the edge of "Analys väst"), Huge's own, Kultur och fritid's own: 4. Combined
  5 800 + 40 + 2 × 10 = 5 860 m², score 4 × 5 860 = 23 440, cost 36 600 kr per year.
"""

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image
from sqlalchemy import Engine, text

from app.analysis.prices import Price, sync_price_file, sync_prices
from app.analysis.report.router import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE
from app.analysis.report.xlsx import SHEETS
from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import API_PREFIX, create_app
from tests.analysis_scene import E2, N2, box_sql, build_scene
from tests.support.tables import PLACE_TABLES, empty_tables

PARK, HUGE, CULTURE = (
    "Miljö- och bygglovsförvaltningen, parkenheten",
    "Huge Bostäder AB",
    "Kultur- och fritidsförvaltningen",
)
MUNICIPALITY = "Rapportkommunen"
CELL = f"{int(E2)}_{int(N2)}"
MIX_INDEX = 1 - 15_720_000 / 33_640_000
TOTAL_KR = 36_600.0


def _price(code: str, kr: str, unit: str, level: str | None = None, example: bool = True) -> Price:
    return Price(code, level, unit, Decimal(kr), f"rapporttest {code}", example_data=example)


PRICES = [
    _price("G2", "3.50", "m²"),
    _price("G2", "6.00", "m²", "A", example=False),
    _price("IG2", "18.00", "m²"),
    _price("H1", "40.00", "m"),
    _price("UT1", "800.00", "st"),
]


@pytest.fixture(scope="module")
def report(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The application on the committed scene, a municipal boundary and this module's prices."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
        conn.execute(
            text(
                "INSERT INTO kommungrans (kommunkod, namn, kalla, geom) VALUES (:code, :name,"
                f" 'test', ST_Multi({box_sql((-300, -300, 500, 400))}))"
            ),
            {"code": settings.municipality_code, "name": MUNICIPALITY},
        )
        conn.execute(text("DELETE FROM a_pris"))
        sync_prices(conn, PRICES, replace=True)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(engine, PLACE_TABLES)
    with engine.begin() as conn:
        sync_price_file(conn, replace=True)


@pytest.fixture(scope="module")
def workbook(report: TestClient) -> openpyxl.Workbook:
    """The XLSX report, downloaded and read back."""
    response = report.get(f"{API_PREFIX}/samordning/rapport.xlsx")
    assert response.status_code == 200, response.text
    return openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.fixture(scope="module")
def pdf(report: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PDF report, downloaded."""
    response = report.get(f"{API_PREFIX}/samordning/rapport.pdf")
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("rapport") / "rapport.pdf"
    path.write_bytes(response.content)
    return path


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _facts(sheet: Worksheet) -> dict[str, Any]:
    return {row[0]: row[1] for row in _rows(sheet) if row[0] is not None}


def test_the_workbook_has_its_sheets_and_the_summary_the_scenes_totals(
    workbook: openpyxl.Workbook,
) -> None:
    assert workbook.sheetnames == list(SHEETS)
    facts = _facts(workbook["Sammanfattning"])
    assert facts["Kommun"] == MUNICIPALITY
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", facts["Datum"])
    assert facts["Antal objekt"] == 7
    assert facts["Antal organisationer (huvudmän)"] == 3
    assert facts["Skött yta (m²)"] == pytest.approx(5800.0)
    assert facts["Linjeobjekt (m)"] == pytest.approx(40.0)
    assert facts["Punktobjekt (st)"] == 2
    assert facts["Kostnad per år (kr), rader med pris"] == TOTAL_KR
    assert facts["Rader utan pris (ingår inte i kostnaden)"] == 1
    assert facts["Antal samordningszoner"] == 1
    assert "exempelvärden" in facts["Exempeldata"]


def test_the_summary_lists_the_mixed_cell_as_numbers(workbook: openpyxl.Workbook) -> None:
    rows = _rows(workbook["Sammanfattning"])
    header = rows.index(
        ("Rang", "Ruta (E_N, sydvästra hörnet)", "E", "N", "Skött yta (m²)", "Organisationer",
         "Största andel", "Blandningsindex", "Störst")
    )  # fmt: skip
    rank, cell, east, north, area, organisations, largest, index, name = rows[header + 1]
    assert (rank, cell, east, north, organisations, name) == (1, CELL, E2, N2, 3, PARK)
    assert area == pytest.approx(5800.0)
    assert largest == pytest.approx(3400 / 5800)
    assert index == pytest.approx(MIX_INDEX)
    assert rows[header + 2 :] == [] or all(v is None for v in rows[header + 2])


def test_per_organisation_has_each_product_priced_and_a_subtotal_per_organisation(
    workbook: openpyxl.Workbook,
) -> None:
    sheet = workbook["Per organisation"]
    assert sheet.freeze_panes == "A2"
    rows = _rows(sheet)[1:]
    lines = {(r[0], r[1], r[4]): (r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows if r[1]}
    assert lines == {
        (PARK, "G1", None): (1, pytest.approx(200.0), "m²", None, None, "saknar pris"),
        (PARK, "G2", "A"): (1, pytest.approx(3200.0), "m²", 6.0, 19200.0, None),
        (PARK, "UT1", None): (1, 1.0, "st", 800.0, 800.0, "exempeldata"),
        (HUGE, "G2", None): (1, pytest.approx(2000.0), "m²", 3.5, 7000.0, "exempeldata"),
        (HUGE, "H1", None): (1, pytest.approx(40.0), "m", 40.0, 1600.0, "exempeldata"),
        (HUGE, "UT1", None): (1, 1.0, "st", 800.0, 800.0, "exempeldata"),
        (CULTURE, "IG2", None): (1, pytest.approx(400.0), "m²", 18.0, 7200.0, "exempeldata"),
    }
    sums = [(r[0], r[9]) for r in rows if not r[1]]
    assert sums == [
        (f"Summa {HUGE}", 9400.0),
        (f"Summa {CULTURE}", 7200.0),
        (f"Summa {PARK}", 20000.0),
        ("Totalt", TOTAL_KR),
    ]
    kr_cell = next(c for c in sheet["J"] if c.value == 19200.0)
    assert kr_cell.number_format == "#,##0.00"


def test_the_matrix_has_the_shared_boundary_and_the_objects_near(
    workbook: openpyxl.Workbook,
) -> None:
    rows = _rows(workbook["Matris"])
    names = (HUGE, CULTURE, PARK)  # by slug: huge, kultur-fritid, parkenheten
    assert rows[0][0].startswith("Gemensam gräns (m)")
    assert rows[1] == (None, *names)
    boundary = {row[0]: row[1:] for row in rows[2:5]}
    assert boundary[HUGE][:2] == (None, 0)
    assert boundary[HUGE][2] == pytest.approx(89.0, abs=1e-6)
    assert boundary[PARK][0] == pytest.approx(89.0, abs=1e-6)
    assert boundary[CULTURE] == (0, None, 0)
    start = next(i for i, row in enumerate(rows) if str(row[0]).startswith("Objekt nära"))
    assert rows[start + 1] == (None, *names)
    near = {row[0]: row[1:] for row in rows[start + 2 : start + 5]}
    assert near == {HUGE: (None, 1, 3), CULTURE: (1, None, 1), PARK: (3, 2, None)}


def test_the_zone_sheet_ranks_the_one_zone_with_its_crews_and_cost(
    workbook: openpyxl.Workbook,
) -> None:
    rows = _rows(workbook["Per zon"])
    assert [row[0] for row in rows] == ["Rang", 1]
    rank, key, objects, organisations, crews, crew_names, combined, score, kr = rows[1]
    assert (rank, objects, crews, kr) == (1, 7, 4, TOTAL_KR)
    assert re.fullmatch("[0-9a-f]{32}", key)
    assert organisations == f"{HUGE}, {CULTURE}, {PARK}"
    assert "Södertörns Parkdrift AB (fiktiv entreprenör)" in crew_names
    assert combined == pytest.approx(5860.0)
    assert score == pytest.approx(23440.0)


def test_the_parameters_and_every_price_with_its_source_and_example_flag(
    workbook: openpyxl.Workbook,
) -> None:
    rows = _rows(workbook["Parametrar och källor"])
    parameters = {row[0]: row[1] for row in rows[1:10]}
    assert parameters["ruta_m"] == 500
    assert parameters["avstand_m"] == 100.0
    assert parameters["tolerans_m"] == 2.0
    assert parameters["nara_m"] == 50.0
    assert parameters["minsta_andel_skott_yta"] == 0.02
    start = next(i for i, row in enumerate(rows) if row[0] == "À-prislistan")
    prices = [row for row in rows[start + 2 :] if row[0]]
    assert [(r[0], r[2], r[4], r[5], r[6], r[7]) for r in prices] == [
        ("G2", "alla", 3.5, "rapporttest G2", "ja", "ja"),
        ("G2", "A", 6.0, "rapporttest G2", "nej", "ja"),
        ("H1", "alla", 40.0, "rapporttest H1", "ja", "ja"),
        ("UT1", "alla", 800.0, "rapporttest UT1", "ja", "ja"),
        ("IG2", "alla", 18.0, "rapporttest IG2", "ja", "ja"),
    ]


def test_the_workbook_shows_the_same_figures_as_the_api(
    report: TestClient, workbook: openpyxl.Workbook
) -> None:
    costs = report.get(f"{API_PREFIX}/samordning/kostnader").json()
    assert (
        _facts(workbook["Sammanfattning"])["Kostnad per år (kr), rader med pris"]
        == costs["totalt_kr_per_ar"]
    )
    matrix = report.get(f"{API_PREFIX}/samordning/grannar").json()
    rows = _rows(workbook["Matris"])
    names = {row[0]: row for row in rows}
    slugs = matrix["organisationer"]
    start = next(i for i, row in enumerate(rows) if str(row[0]).startswith("Objekt nära"))
    for item in matrix["matris"]:
        a, b = slugs.index(item["a"]), slugs.index(item["b"])
        boundary_row, near_row = rows[2 + a], rows[start + 2 + a]
        assert boundary_row[1 + b] == pytest.approx(item["gemensam_grans_m"], abs=1e-3)
        assert near_row[1 + b] == item["objekt_nara"]
    assert len(names) > len(slugs)
    zones = report.get(f"{API_PREFIX}/samordning/zoner").json()["features"]
    sheet = _rows(workbook["Per zon"])[1:]
    assert [(r[0], r[1], r[4]) for r in sheet] == [
        (z["properties"]["rang"], z["id"], z["properties"]["antal_lag"]) for z in zones
    ]
    top = report.get(f"{API_PREFIX}/samordning/blandning", params={"topp": 20}).json()["topp"]
    assert [(t["id"], round(t["blandningsindex"], 6)) for t in top] == [(CELL, round(MIX_INDEX, 6))]


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_pdf_text_has_the_headings_names_and_the_total(pdf: Path) -> None:
    found = _pdftotext(pdf)
    for heading in (
        "Samordningsanalys",
        MUNICIPALITY,
        "Blandningsindex per ruta (500 m)",
        "Samordningszonerna efter rang (1 av 1)",
        "Skött yta per organisation (m²)",
        "Kostnad per produktgrupp (kr/år)",
        "Grannarbete: var huvudmännens skötsel möts",
        "Samordningszonerna",
        "Exempeldata.",
        "SWEREF 99 TM (EPSG:3006)",
    ):
        assert heading in found, heading
    for name in (HUGE, CULTURE, "bygglovsförvaltningen", "Södertörns"):
        assert name in found, name
    assert "36 600 kr/år" in found  # the total, as the file writes kronor
    assert "20 000 kr/år" in found  # the park unit's
    assert "89,0" in found  # the shared boundary in the matrix
    assert "E 700 000" in found  # the map's SWEREF coordinates
    pages = found.count("\f")
    assert [f"Sida {n} av {pages}" in found for n in range(1, pages + 1)] == [True] * pages


def test_every_pdf_page_is_a4_and_renders_with_ink(pdf: Path, tmp_path: Path) -> None:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) >= 5
    for width, height in sizes:
        assert (float(width), float(height)) == pytest.approx((595.28, 841.89), abs=0.1)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "sida")], check=True)
    pages = sorted(tmp_path.glob("sida-*.png"))
    assert len(pages) == len(sizes)
    for page in pages:
        grey = Image.open(page).convert("L")
        dark = sum(grey.histogram()[:200])
        assert dark > 0.002 * grey.width * grey.height, page.name


def test_the_mix_map_colours_the_cell_by_its_class(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "k")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("k-*.png"))).convert("RGB")
    pixels = np.asarray(image, dtype=float).reshape(-1, 3)
    # 0.53 lies in the class 0.5–0.7, "Mycket blandat" (#2b8cbe), as on the page; a close
    # shade, since the cell has a white edge.
    assert (np.linalg.norm(pixels - (0x2B, 0x8C, 0xBE), axis=1) < 12).sum() > 100


def test_the_endpoints_answer_files_to_download_with_a_dated_name(report: TestClient) -> None:
    for suffix, media_type, magic in (
        ("xlsx", XLSX_MEDIA_TYPE, b"PK"),
        ("pdf", PDF_MEDIA_TYPE, b"%PDF"),
    ):
        response = report.get(
            f"{API_PREFIX}/samordning/rapport.{suffix}", params={"ruta_m": 100, "avstand_m": 50}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media_type
        disposition = response.headers["content-disposition"]
        assert re.fullmatch(
            rf'attachment; filename="samordningsanalys-\d{{4}}-\d\d-\d\d\.{suffix}"', disposition
        )
        assert response.content.startswith(magic)


def test_the_endpoints_refuse_bad_parameters(report: TestClient) -> None:
    for params in ({"ruta_m": 10}, {"avstand_m": 0}, {"ruta_m": "stor"}):
        response = report.get(f"{API_PREFIX}/samordning/rapport.pdf", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"


def test_the_endpoints_are_documented_with_their_media_types(report: TestClient) -> None:
    paths = report.get("/openapi.json").json()["paths"]
    for suffix, media_type in (("xlsx", XLSX_MEDIA_TYPE), ("pdf", PDF_MEDIA_TYPE)):
        operation = paths[f"{API_PREFIX}/samordning/rapport.{suffix}"]["get"]
        assert media_type in operation["responses"]["200"]["content"]
        assert {p["name"] for p in operation["parameters"]} == {"ruta_m", "avstand_m"}


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`ansvarskartan samordning ARGS` in its own process on the test database."""
    program = (
        "from app.analysis.report.cli import samordning_app;"
        " samordning_app(prog_name='ansvarskartan samordning')"
    )
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        env=os.environ | {"ANSVAR_DATABASE_URL": settings.database_url},
        timeout=300,
        check=False,
    )


def test_the_command_writes_both_files_and_refuses_to_overwrite(
    report: TestClient,  # noqa: ARG001 (the scene)
    settings: Settings,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ny" / "katalog"
    done = _cli(settings, "rapport", "--ut", str(folder))
    assert done.returncode == 0, done.stderr
    written = [Path(line) for line in done.stdout.splitlines()]
    assert [p.suffix for p in written] == [".xlsx", ".pdf"]
    assert all(p.parent == folder and p.stat().st_size > 1000 for p in written)
    book = openpyxl.load_workbook(written[0])
    assert _facts(book["Sammanfattning"])["Kostnad per år (kr), rader med pris"] == TOTAL_KR
    assert "36 600 kr/år" in _pdftotext(written[1])

    again = _cli(settings, "rapport", "--ut", str(folder))
    assert again.returncode == 1
    assert "finns redan" in again.stderr
    assert "--skriv-over" in again.stderr
    assert "Traceback" not in again.stderr

    replaced = _cli(settings, "rapport", "--ut", str(folder), "--skriv-over", "--ruta-m", "100")
    assert replaced.returncode == 0, replaced.stderr
    assert _facts(openpyxl.load_workbook(written[0])["Sammanfattning"])["Antal objekt"] == 7


def test_the_command_refuses_a_file_as_its_directory(settings: Settings, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "fil.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    done = _cli(settings, "rapport", "--ut", str(not_a_folder))
    assert done.returncode == 1
    assert "finns och är ingen katalog" in done.stderr
    assert "Traceback" not in done.stderr
