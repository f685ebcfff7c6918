"""The package's map PDF, read back with poppler (pdfinfo, pdftotext, pdftoppm) and Pillow."""

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
import shapely
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import Engine, text

from app.core.settings import Settings
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.map_sheets import (
    DETAIL_SCALE,
    Sheet,
    detail_sheets,
    frame_ground_size,
    grid_interval,
    nice_scale,
    overview_sheets,
    scale_bar_length,
    tile_boxes,
    tile_core,
)
from app.export.pdf_map import write_map_pdf
from tests.handmade import E0, N0

L_AREA = "Testområde L-format"  # Huge's area: two arms, so its bounding box has empty tiles
L_AREA_WKT = "POLYGON((0 0,1400 0,1400 300,300 300,300 1200,0 1200,0 0))"
EMPTY_AREA = "Testområde utan objekt"
EMPTY_AREA_WKT = "POLYGON((2000 2000,2100 2000,2100 2100,2000 2100,2000 2000))"
SPLIT_AREA = "Testområde i två delar"  # two parts 12 km apart, one lawn in each
SPLIT_AREA_WKT = (
    "MULTIPOLYGON(((3000 0,3300 0,3300 300,3000 300,3000 0)),"
    "((3000 12000,3300 12000,3300 12300,3000 12300,3000 12000)))"
)
SPLIT_LAWNS_WKT = (
    "POLYGON((3100 100,3200 100,3200 200,3100 100))",
    "POLYGON((3100 12100,3200 12100,3200 12200,3100 12100))",
)
# A Huge lawn with a hole, far from the hand-made objects, to see the hole stay open.
HOLED_LAWN_WKT = (
    "POLYGON((500 100,600 100,600 200,500 200,500 100),(530 130,570 130,570 170,530 170,530 130))"
)
DPI = 40


def _local(wkt: str) -> str:
    return f"ST_Translate(ST_GeomFromText('{wkt}', 3006), {E0}, {N0})"


@pytest.fixture(scope="module")
def pdfmap_areas(engine: Engine, handmade_data: None) -> None:  # noqa: ARG001 (a fixture set up first)
    """Two more operations areas and a holed lawn, committed; handmade_data cleans up."""
    with engine.begin() as conn:
        for name, wkt, client in (
            (L_AREA, L_AREA_WKT, "huge"),
            (EMPTY_AREA, EMPTY_AREA_WKT, "husf"),
            (SPLIT_AREA, SPLIT_AREA_WKT, "kultur-fritid"),
        ):
            conn.execute(
                text(
                    "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran,"
                    " avtal_till, geom) SELECT :name, c.id, p.id, '2025-01-01', '2027-12-31',"
                    f" ST_Multi({_local(wkt)}) FROM organisation c, organisation p"
                    " WHERE c.slug = :client AND p.slug = 'sodertorns-parkdrift'"
                ),
                {"name": name, "client": client},
            )
        for wkt, client in (
            (HOLED_LAWN_WKT, "huge"),
            *((lawn, "kultur-fritid") for lawn in SPLIT_LAWNS_WKT),
        ):
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id,"
                    f" geom, valid_from) SELECT 'G2', 'yta', id, {_local(wkt)}, '2025-01-01'"
                    " FROM organisation WHERE slug = :client"
                ),
                {"client": client},
            )


@pytest.fixture(scope="module")
def pg(settings: Settings, pdfmap_areas: None) -> Iterator[psycopg.Connection[Any]]:  # noqa: ARG001 (a fixture set up first)
    """A plain psycopg connection to the test database, as the export code takes it."""
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


def _contents(pg: psycopg.Connection[Any], name: str) -> PackageContents:
    area_id = find_area_id(pg, name)
    assert area_id is not None
    contents = load_contents(pg, area_id)
    assert contents is not None
    return contents


@dataclass
class RenderedMap:
    """A written map PDF with what poppler reads from it."""

    contents: PackageContents
    pdf: Path
    pages: int
    page_texts: list[str]
    images: list[NDArray[np.uint8]]  # RGB at DPI, one per page


def _render(contents: PackageContents, folder: Path) -> RenderedMap:
    pdf = folder / "skotselkarta.pdf"
    with pdf.open("wb") as out:
        pages = write_map_pdf(contents, out)
    text_out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(folder / "sida")],
        check=True,
        capture_output=True,
    )
    images = [
        np.asarray(Image.open(png).convert("RGB")) for png in sorted(folder.glob("sida*.png"))
    ]
    return RenderedMap(contents, pdf, pages, text_out.split("\f")[:pages], images)


@pytest.fixture(scope="module")
def l_map(pg: psycopg.Connection[Any], tmp_path_factory: pytest.TempPathFactory) -> RenderedMap:
    """The L-shaped area's map, written and read back."""
    return _render(_contents(pg, L_AREA), tmp_path_factory.mktemp("pdfmap-l"))


def test_pages_are_the_overview_and_the_sheets_that_touch_the_area(l_map: RenderedMap) -> None:
    area = l_map.contents.area.geom
    sheets = detail_sheets(area)
    tiles = tile_boxes(area.bounds)
    last = max(t[0] for t in tiles), max(t[1] for t in tiles)
    kept = {sheet.box for sheet in sheets}
    cores = {tile[2]: shapely.box(*tile_core(tile, *last)) for tile in tiles}
    skipped = [box for box in cores if box not in kept]
    assert skipped, "the L shape leaves tiles of its bounding box empty"
    assert not any(cores[box].intersects(area) for box in skipped)
    assert all(cores[sheet.box].intersects(area) for sheet in sheets)
    assert shapely.union_all(list(cores.values())).equals(
        shapely.box(*shapely.union_all([shapely.box(*tile[2]) for tile in tiles]).bounds)
    )
    assert area.difference(shapely.union_all([shapely.box(*s.box) for s in sheets])).area < 1e-6
    width, height = frame_ground_size(DETAIL_SCALE)
    for sheet in sheets:
        assert sheet.box[2] - sheet.box[0] == pytest.approx(width)
        assert sheet.box[3] - sheet.box[1] == pytest.approx(height)
    objects = l_map.contents.objects.geometry
    shown = _sheets(l_map.contents)
    assert 0 < len(shown) < len(sheets), "the L area has sheets without objects"
    assert {s.box for s in shown} <= kept
    frames = [shapely.box(*s.box) for s in shown]
    assert all(any(frame.intersects(g) for frame in frames) for g in objects)
    assert l_map.pages == 1 + len(shown)
    info = subprocess.run(
        ["pdfinfo", str(l_map.pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"^Pages:\s+{l_map.pages}$", info, re.MULTILINE)


def test_every_page_is_a3_landscape(l_map: RenderedMap) -> None:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(l_map.pages), str(l_map.pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = re.findall(r"^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert [int(page) for page, _, _ in sizes] == list(range(1, l_map.pages + 1))
    for _, width, height in sizes:
        assert float(width) == pytest.approx(420 / 25.4 * 72, abs=0.5)
        assert float(height) == pytest.approx(297 / 25.4 * 72, abs=0.5)
    assert all(rot == "0" for rot in re.findall(r"^Page\s+\d+ rot:\s+(\d+)", info, re.MULTILINE))


def test_every_page_renders_and_is_not_blank(l_map: RenderedMap) -> None:
    assert len(l_map.images) == l_map.pages
    for image in l_map.images:
        height, width = image.shape[:2]
        assert abs(height - 297 / 25.4 * DPI) <= 1
        assert abs(width - 420 / 25.4 * DPI) <= 1
        inked = (image.min(axis=2) < 200).mean()
        assert inked > 0.01, "the page has its frame, grid, legend and texts"


def test_every_page_carries_title_facts_legend_and_scale(l_map: RenderedMap) -> None:
    contents = l_map.contents
    present = contents.products_present()
    assert {p.kod for p in present} == {"G2", "H1", "UT1"}  # Huge's objects in the L shape
    (overview,) = overview_sheets(contents.area.geom, _sheets(contents))
    for number, page_text in enumerate(l_map.page_texts, start=1):
        lines = {line.strip() for line in page_text.splitlines()}
        assert "Skötselkarta" in lines
        assert contents.area.name in lines
        assert f"Beställare: {contents.area.client}" in lines
        assert f"Utförare: {contents.area.performer}" in lines
        assert f"Data per {contents.created:%Y-%m-%d} kl. {contents.created:%H:%M}" in lines
        assert f"Sida {number} av {l_map.pages}" in lines
        assert "Koordinatsystem SWEREF 99 TM (EPSG:3006)" in lines
        for product in contents.products:
            label = f"{product.kod} {product.namn}"
            assert (label in lines) == (product in present), label
        scale = overview.scale if number == 1 else DETAIL_SCALE
        assert f"Skala 1:{scale:,}".replace(",", " ") in lines
    assert "Skala 1:2 000" in l_map.page_texts[1]


def test_the_overview_numbers_the_sheets_and_each_sheet_says_which_it_is(
    l_map: RenderedMap,
) -> None:
    count = l_map.pages - 1
    overview_lines = {line.strip() for line in l_map.page_texts[0].splitlines()}
    assert f"Översiktskarta med {count} detaljblad" in overview_lines
    assert {f"Blad {n}" for n in range(1, count + 1)} <= overview_lines
    for n in range(1, count + 1):
        assert f"Detaljkarta, blad {n} av {count}" in l_map.page_texts[n]


def test_the_grid_is_labelled_in_round_sweref_coordinates(l_map: RenderedMap) -> None:
    sheet = _sheets(l_map.contents)[0]
    labels = re.findall(r"E (\d[\d ]*\d)", l_map.page_texts[1])
    eastings = {int(label.replace(" ", "")) for label in labels}
    assert eastings, "E labels along the frame"
    step = grid_interval(DETAIL_SCALE)
    assert all(value % step == 0 and sheet.box[0] <= value <= sheet.box[2] for value in eastings)
    northings = {
        int(v.replace(" ", "")) for v in re.findall(r"N (\d[\d ]*\d)", l_map.page_texts[1])
    }
    assert northings
    assert all(sheet.box[1] <= value <= sheet.box[3] for value in northings)


def _sheets(contents: PackageContents) -> list[Sheet]:
    """The detail sheets the map has: those showing some of the area and of its objects."""
    return detail_sheets(contents.area.geom, contents.objects.geometry.to_numpy())


def _pixel(sheet: Sheet, east: float, north: float, dpi: int = DPI) -> tuple[int, int]:
    """Row and column in a page rendered at dpi of a ground point on a sheet."""
    x, y = sheet.to_page(np.array([[E0 + east, N0 + north]]))[0]
    return round((297 / 25.4 * 72 - y) * dpi / 72), round(x * dpi / 72)


def _blend(colour: str, opacity: float) -> NDArray[np.float64]:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return opacity * rgb + (1 - opacity) * 255


def _near(image: NDArray[np.uint8], colour: NDArray[np.float64], tolerance: float = 14) -> Any:
    return np.abs(image.astype(np.float64) - colour).max(axis=2) <= tolerance


def _sheet_page(contents: PackageContents, east: float, north: float) -> tuple[Sheet, int]:
    point = shapely.Point(E0 + east, N0 + north)
    for sheet in _sheets(contents):
        if shapely.box(*sheet.box).buffer(-60).contains(point):
            return sheet, sheet.number  # page index: the overview is page 0
    raise AssertionError("no sheet shows the point well inside its frame")


def test_areas_are_filled_with_their_symbol_and_keep_their_holes(l_map: RenderedMap) -> None:
    g2 = l_map.contents.product("G2").symbologi
    assert g2.fyllnadsfarg
    assert g2.fyllnadsopacitet
    lawn = _blend(g2.fyllnadsfarg, g2.fyllnadsopacitet)
    sheet, page = _sheet_page(l_map.contents, 550, 150)
    image = l_map.images[page]
    row, column = _pixel(sheet, 515, 150)  # in the ring of the holed lawn
    assert _near(image[row - 2 : row + 3, column - 2 : column + 3], lawn).mean() > 0.5
    row, column = _pixel(sheet, 550, 150)  # in its hole
    assert not _near(image[row - 3 : row + 4, column - 3 : column + 4], lawn).any()
    absent = l_map.contents.product("IG2").symbologi  # kultur-fritid's, not Huge's
    assert absent.fyllnadsfarg
    assert absent.fyllnadsopacitet
    assert not _near(image, _blend(absent.fyllnadsfarg, absent.fyllnadsopacitet), 4).any()


def test_points_are_drawn_as_their_markers(l_map: RenderedMap, tmp_path: Path) -> None:
    sheet, page = _sheet_page(l_map.contents, 70, 60)  # Huge's bench
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(page + 1), "-l", str(page + 1),
         str(l_map.pdf), str(tmp_path / "nara")],
        check=True,
    )  # fmt: skip
    (png,) = tmp_path.glob("nara*.png")
    image = np.asarray(Image.open(png).convert("RGB"))
    ut1 = l_map.contents.product("UT1").symbologi
    assert ut1.fyllnadsfarg
    assert ut1.fyllnadsopacitet
    row, column = _pixel(sheet, 70, 60, dpi=150)
    around = image[row - 12 : row + 13, column - 12 : column + 13]
    assert _near(around, _blend(ut1.fyllnadsfarg, ut1.fyllnadsopacitet)).sum() >= 10


def test_an_area_without_objects_still_gets_a_map(
    pg: psycopg.Connection[Any], tmp_path: Path
) -> None:
    rendered = _render(_contents(pg, EMPTY_AREA), tmp_path)
    assert rendered.pages == 1  # no detail sheet would show anything
    assert "Översiktskarta (inga detaljblad)" in rendered.page_texts[0]
    assert "Inga skötselobjekt i området." in rendered.page_texts[0]
    for product in rendered.contents.products:
        assert f"{product.kod} {product.namn}" not in rendered.page_texts[0]


def test_parts_far_apart_get_an_overview_each(pg: psycopg.Connection[Any], tmp_path: Path) -> None:
    rendered = _render(_contents(pg, SPLIT_AREA), tmp_path)
    sheets = _sheets(rendered.contents)
    overviews = overview_sheets(rendered.contents.area.geom, sheets)
    assert [o.part for o in overviews] == [1, 2]
    assert len(sheets) == 2
    assert rendered.pages == 2 + len(sheets)
    whole = overview_sheets(shapely.MultiPolygon([shapely.box(0, 0, 300, 12_300)]), [])[0]
    for k, overview in enumerate(overviews):
        assert overview.scale <= whole.scale / 4, "each part drawn at a readable scale"
        lines = {line.strip() for line in rendered.page_texts[k].splitlines()}
        words = " ".join(rendered.page_texts[k].split())  # the heading may wrap
        assert f"Översiktskarta, del {k + 1} av 2, med 2 detaljblad" in words
        assert f"Blad {k + 1}" in lines  # the sheet of its own part, north first
    assert "Detaljkarta, blad 1 av 2" in rendered.page_texts[2]


def test_scales_and_scale_bars_are_round() -> None:
    assert [nice_scale(n) for n in (900, 1_001, 4_600, 5_117, 57_750, 60_001)] == [
        1_000,
        1_250,
        5_000,
        6_000,
        60_000,
        75_000,
    ]
    assert scale_bar_length(DETAIL_SCALE) == 100
    assert grid_interval(DETAIL_SCALE) == 100
    for scale in (1_000, 2_000, 5_000, 20_000, 75_000):
        length = scale_bar_length(scale)
        assert re.fullmatch(r"[125]0*", str(length))
