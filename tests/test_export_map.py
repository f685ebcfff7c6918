"""The map PDF's sheet rule, parcels and object numbers, on hand-built package contents.

No database: the contents are built here as `load_contents` hands them over (clipped objects,
their sheet and running number, the parcels), so the rule can be tested at its edges and the
PDF read back with poppler (pdftotext -bbox for where words are, pdftoppm for every page).
"""

import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from numpy.typing import NDArray
from PIL import Image
from shapely.geometry import MultiPolygon

from app.catalogue.catalogue_file import read_catalogue
from app.core.paths import CATALOGUE_CSV
from app.export.contents import AreaSummary, PackageContents
from app.export.map_sheets import (
    LARGE_PART_M2,
    LEGIBLE_M2,
    PAGE_HEIGHT,
    SHEET_RULE_TEXT,
    Sheet,
    overview_sheets,
    plan_detail_sheets,
    tile_boxes,
    tile_core,
)
from app.export.pdf_map import write_map_pdf
from tests.handmade import E0, N0

# Three tiles side by side: the area's bounds are 1 650 m × 450 m.
AREA = MultiPolygon([shapely.box(E0, N0, E0 + 1650, N0 + 450)])
PARCELS = [  # designation, box in local metres: two parcels on the first sheet
    ("HUDDINGE TESTTRAKT 1:1", (20, 250, 260, 440)),
    ("HUDDINGE TESTTRAKT 1:2", (260, 250, 420, 440)),
]


def _splits() -> list[float]:
    """Where the tiles' cores meet, west to east, in local metres."""
    tiles = tile_boxes(AREA.bounds)
    assert [(row, column) for row, column, _ in tiles] == [(0, 0), (0, 1), (0, 2)]
    last = (0, 2)
    return [tile_core(tile, *last)[2] - E0 for tile in tiles[:2]]


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(E0 + x0, N0 + y0, E0 + x1, N0 + y1)


def _line(*points: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(E0 + x, N0 + y) for x, y in points])


def _point(x: float, y: float) -> shapely.Point:
    return shapely.Point(E0 + x, N0 + y)


@dataclass(frozen=True)
class Scene:
    """Objects by name: product code, kind and clipped geometry."""

    objects: dict[str, tuple[str, str, shapely.Geometry]]

    def geometries(self) -> NDArray[np.object_]:
        return np.array([geometry for _, _, geometry in self.objects.values()], dtype=object)

    def plan(self) -> tuple[list[Sheet], dict[str, int]]:
        sheets, sheet_of = plan_detail_sheets(AREA, self.geometries())
        return sheets, dict(zip(self.objects, sheet_of.tolist(), strict=True))


def _scene(**extra: tuple[str, str, shapely.Geometry]) -> Scene:
    """A lawn mostly on the first tile with a 20 m sliver across into the second tile's core,
    and a hedge on the first tile; plus what a test adds."""
    split, _ = _splits()
    return Scene(
        {
            "lawn": ("G2", "yta", _box(split - 300, 100, split + 20, 200)),
            "hedge": (
                "H1",
                "linje",
                shapely.LineString([(E0 + 100, N0 + 60), (E0 + 200, N0 + 60)]),
            ),
            **extra,
        }
    )


def test_a_tile_holding_only_a_sliver_is_not_printed() -> None:
    scene = _scene()
    lawn = scene.objects["lawn"][2]
    split, _ = _splits()
    assert 0 < shapely.intersection(lawn, _box(split, 0, split + 600, 450)).area < LARGE_PART_M2
    sheets, blad = scene.plan()
    assert [(s.row, s.column) for s in sheets] == [(0, 0)]
    assert blad == {"lawn": 1, "hedge": 1}


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"bench": ("UT1", "punkt", _point(_splits()[0] + 200, 300))}, id="a point"),
        pytest.param(  # 20 000 m² on the second tile, 30 000 m² (its home) on the first
            {"meadow": ("G4", "yta", _box(_splits()[0] - 300, 300, _splits()[0] + 200, 400))},
            id="a large part of a large object",
        ),
        pytest.param(  # a small bed wholly inside the second tile's core
            {"bed": ("R2", "yta", _box(_splits()[0] + 100, 300, _splits()[0] + 104, 303))},
            id="a small whole object",
        ),
    ],
)
def test_a_tile_holding_a_meaningful_part_is_printed(
    extra: dict[str, tuple[str, str, shapely.Geometry]],
) -> None:
    sheets, blad = _scene(**extra).plan()
    assert [(s.row, s.column) for s in sheets] == [(0, 0), (0, 1)]
    assert blad["lawn"] == 1, "the sliver's object stays on the sheet of its largest part"
    (name,) = extra
    assert blad[name] == (1 if name == "meadow" else 2)


def test_a_crumb_alone_on_its_tile_gets_no_sheet() -> None:
    _, second = _splits()
    crumb = _box(second + 200, 200, second + 203, 203)
    assert crumb.area < LEGIBLE_M2
    sheets, blad = _scene(crumb=("G2", "yta", crumb)).plan()
    assert [(s.row, s.column) for s in sheets] == [(0, 0)]
    assert blad["crumb"] == 0


def test_the_rule_is_stated_in_swedish_with_its_values() -> None:
    text = " ".join(SHEET_RULE_TEXT.split())
    assert text.startswith("Ett detaljblad skrivs ut")
    for value in ("10 m²", "5 m", "15 000 m²", "150 m", "översiktskartan"):
        assert value in text


# --- The PDF ------------------------------------------------------------------------------


def _contents(scene: Scene) -> PackageContents:
    """Package contents as load_contents builds them: by sheet (0 last), numbered from 1."""
    sheets, blad = scene.plan()
    names = list(scene.objects)
    order = sorted(range(len(names)), key=lambda k: (blad[names[k]] or len(sheets) + 1, k))
    rows = [scene.objects[names[k]] for k in order]
    objects = gpd.GeoDataFrame(
        {
            "objekt_id": [f"00000000-0000-4000-8000-{k:012d}" for k in range(len(rows))],
            "produkt": [code for code, _, _ in rows],
            "geometrityp": [kind for _, kind, _ in rows],
            "kvalitetsniva": [None] * len(rows),
            "huvudman": ["Parkenheten"] * len(rows),
            "extern_id": [None] * len(rows),
            "giltig_fran": [datetime(2025, 1, 1)] * len(rows),
            "mangd_hela": [1.0] * len(rows),
            "mangd": [1.0] * len(rows),
            "andel_inom": [1.0] * len(rows),
            "delvis_inom": [False] * len(rows),
            "nr": np.arange(1, len(rows) + 1),
            "blad": [blad[names[k]] for k in order],
            "namn": [names[k] for k in order],  # the test's own name of each object
        },
        geometry=[geometry for _, _, geometry in rows],
        crs=3006,
    )
    parcels = gpd.GeoDataFrame(
        {"beteckning": [name for name, _ in PARCELS]},
        geometry=[_box(*box) for _, box in PARCELS],
        crs=3006,
    )
    area = AreaSummary(
        id=1,
        name="Testområde karta",
        client="Parkenheten",
        client_slug="parkenheten",
        performer="Södertörns Parkdrift AB",
        performer_slug="sodertorns-parkdrift",
        contract_start=date(2025, 1, 1),
        contract_end=None,
        geom=AREA,
    )
    return PackageContents(
        area=area,
        products=read_catalogue(CATALOGUE_CSV),
        objects=objects,
        created=datetime(2026, 3, 1, 12, 0),
        sheets=sheets,
        parcels=parcels,
    )


@dataclass(frozen=True)
class Word:
    text: str
    x: float  # the middle, in page points from the left
    y: float  # the middle, in page points from the bottom (as reportlab counts)


@dataclass(frozen=True)
class Rendered:
    contents: PackageContents
    pages: int
    words: list[list[Word]]  # per page
    page_texts: list[str]
    images: list[NDArray[np.uint8]]


def _word(text: str, x0: float, top: float, x1: float, bottom: float) -> Word:
    """A word of pdftotext -bbox (y from the top) in reportlab's page points (y up)."""
    return Word(unescape(text), (x0 + x1) / 2, PAGE_HEIGHT - (top + bottom) / 2)


def _render(contents: PackageContents, folder: Path) -> Rendered:
    pdf = folder / "skotselkarta.pdf"
    with pdf.open("wb") as out:
        pages = write_map_pdf(contents, out)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for page in re.findall(r"<page .*?</page>", bbox, re.DOTALL):
        found = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        )
        words.append(
            [
                Word(
                    unescape(t), (float(a) + float(c)) / 2, PAGE_HEIGHT - (float(b) + float(d)) / 2
                )
                for a, b, c, d, t in found
            ]
        )
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "sida")], check=True)
    images = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(folder.glob("sida*.png"))]
    return Rendered(contents, pages, words, text.split("\f")[:pages], images)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The three-tile scene with a bench on the second tile and a crumb alone on the third."""
    first, second = _splits()
    scene = _scene(
        bench=("UT1", "punkt", _point(first + 200, 300)),
        crumb=("G2", "yta", _box(second + 200, 200, second + 203, 203)),
    )
    return _render(_contents(scene), tmp_path_factory.mktemp("karta"))


def _object(rendered: Rendered, name: str) -> tuple[int, int, shapely.Geometry]:
    objects = rendered.contents.objects
    row = objects[objects["namn"] == name].iloc[0]
    return int(row["nr"]), int(row["blad"]), row.geometry


def _near(words: list[Word], text: str, x: float, y: float, within: float) -> bool:
    return any(w.text == text and abs(w.x - x) <= within and abs(w.y - y) <= within for w in words)


def test_every_page_renders(rendered: Rendered) -> None:
    assert rendered.pages == 1 + 2  # the overview and the first two tiles' sheets
    assert len(rendered.images) == rendered.pages
    for image in rendered.images:
        assert (image.min(axis=2) < 200).mean() > 0.01


@pytest.mark.parametrize(("name", "within"), [("lawn", 8), ("hedge", 8), ("bench", 25)])
def test_an_objects_number_is_at_it_on_the_page_of_its_sheet(
    rendered: Rendered, name: str, within: float
) -> None:
    nr, blad, geometry = _object(rendered, name)
    assert blad > 0
    sheet = rendered.contents.sheets[blad - 1]
    if shapely.get_type_id(geometry) == 1:  # a line: its midpoint
        anchor = shapely.line_interpolate_point(np.array([geometry]), 0.5, normalized=True)[0]
    else:
        anchor = shapely.point_on_surface(shapely.clip_by_rect(geometry, *sheet.box))
    x, y = sheet.to_page(np.array([[anchor.x, anchor.y]]))[0]
    assert _near(rendered.words[blad], str(nr), x, y, within), (name, nr, blad)
    overview = _overview(rendered)
    x, y = overview.to_page(np.array([[anchor.x, anchor.y]]))[0]
    assert not _near(rendered.words[0], str(nr), x, y, 25), "numbers on detail sheets only"


def _overview(rendered: Rendered) -> Sheet:
    (overview,) = overview_sheets(rendered.contents.area.geom, rendered.contents.sheets)
    return overview


def test_parcels_are_named_on_the_detail_sheets_only(rendered: Rendered) -> None:
    sheet = rendered.contents.sheets[0]
    for (x0, y0, x1, y1), shown, within in (
        (PARCELS[0][1], ("TESTTRAKT", "1:1"), 40),  # the district's largest: in full
        (PARCELS[1][1], ("1:2",), 8),  # the others: block and unit
    ):
        centre = _box(x0, y0, x1, y1).point_on_surface()
        x, y = sheet.to_page(np.array([[centre.x, centre.y]]))[0]
        for word in shown:
            assert _near(rendered.words[1], word, x, y, within), word
    assert "TESTTRAKT 1:1" in rendered.page_texts[1]
    assert "HUDDINGE" not in rendered.page_texts[1], "the municipality goes without saying"
    assert "TESTTRAKT" not in rendered.page_texts[0]


def test_an_object_on_no_sheet_is_ringed_with_its_number_on_the_overview(
    rendered: Rendered,
) -> None:
    nr, blad, geometry = _object(rendered, "crumb")
    assert blad == 0
    assert nr == len(rendered.contents.objects), "numbered last"
    centre = shapely.point_on_surface(geometry)
    x, y = _overview(rendered).to_page(np.array([[centre.x, centre.y]]))[0]
    assert _near(rendered.words[0], str(nr), x, y, 25)
    text = " ".join(rendered.page_texts[0].split())
    assert "Objekt som bara visas på översikten" in text
    assert "Inringade objekt finns inte på något detaljblad" in text


def test_the_legend_explains_the_numbers_and_the_parcels(rendered: Rendered) -> None:
    for page_text in rendered.page_texts[1:]:
        text = " ".join(page_text.split())
        assert "Siffrorna är objektens nummer i mängdförteckningens blad Per objekt." in text
        assert "Fastigheterna visas med grå gränser och fastighetsbeteckningar." in text
        assert "Fastighetsgräns och fastighetsbeteckning" in text
        assert "Objektets nummer" in text
    headings = [" ".join(t.split()) for t in rendered.page_texts]
    assert "Översiktskarta med 2 detaljblad" in headings[0]
    assert "Detaljkarta, blad 1 av 2" in headings[1]
    assert "Detaljkarta, blad 2 av 2" in headings[2]
