"""The package's DXF drawing and GIS files of an area with objects crossing its boundary, read
back with real readers (ezdxf, GDAL's ogrinfo, pyogrio) and checked against quantities worked
out by hand.

The area "DXF-test" of the park unit is the square x 1300–1400, y 0–100 (local metres of the
hand-made patch). Its objects, each with a fixed objekt_id:
- a lawn (G2, level A) from x 1380 to 1430, 20 m high: 400 m² of its 1,000 m² inside (0.4);
- a lawn (G2, no level) 30 × 30 m with a 10 × 10 m hole: 800 m², wholly inside;
- a bed (G3, level B) in two parts, 10 × 10 and 10 × 15 m: 250 m², wholly inside;
- a path (H1, level B) from x 1350 to 1490: 50 m of its 140 m inside (0.3571);
- a bench (UT1, no level): 1 st.
"""

import math
import os
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from xml.etree import ElementTree

import psycopg
import pyogrio
import pytest
import shapely
from ezdxf.document import Drawing
from ezdxf.entities import Hatch
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.filemanagement import readfile
from sqlalchemy import Engine, text

from app.catalogue.schemas import Product, Symbology
from app.core.settings import Settings
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.dxf import (
    BOUNDARY_LAYER,
    XDATA_APP,
    XDATA_KEYS,
    layer_names,
    nearest_aci,
    write_dxf,
)
from app.export.gis_files import write_geojson, write_geopackage
from tests.handmade import E0, local_wkt_sql

AREA = "DXF-test"
AREA_WKT = "POLYGON((1300 0,1400 0,1400 100,1300 100,1300 0))"
AREA_EAST_EDGE = 1400.0
LAWN_CROSSING = "00000000-0000-4000-8000-00000000d001"
LAWN_WITH_HOLE = "00000000-0000-4000-8000-00000000d002"
BED_IN_TWO_PARTS = "00000000-0000-4000-8000-00000000d003"
PATH_CROSSING = "00000000-0000-4000-8000-00000000d004"
BENCH = "00000000-0000-4000-8000-00000000d005"
# objekt_id, code, kind, quality level, WKT in local metres
OBJECTS = [
    (LAWN_CROSSING, "G2", "yta", "A", "POLYGON((1380 10,1430 10,1430 30,1380 30,1380 10))"),
    (LAWN_WITH_HOLE, "G2", "yta", None, "POLYGON((1310 60,1340 60,1340 90,1310 90,1310 60),"
     "(1320 70,1330 70,1330 80,1320 80,1320 70))"),
    (BED_IN_TWO_PARTS, "G3", "yta", "B", "MULTIPOLYGON(((1350 60,1360 60,1360 70,1350 70,"
     "1350 60)),((1370 60,1380 60,1380 75,1370 75,1370 60)))"),
    (PATH_CROSSING, "H1", "linje", "B", "LINESTRING(1350 50,1490 50)"),
    (BENCH, "UT1", "punkt", None, "POINT(1320 20)"),
]  # fmt: skip
# objekt_id: (produkt, kvalitetsniva, inside, whole) worked out in the module docstring
KNOWN = {
    LAWN_CROSSING: ("G2", "A", 400.0, 1000.0),
    LAWN_WITH_HOLE: ("G2", None, 800.0, 800.0),
    BED_IN_TWO_PARTS: ("G3", "B", 250.0, 250.0),
    PATH_CROSSING: ("H1", "B", 50.0, 140.0),
    BENCH: ("UT1", None, 1.0, 1.0),
}
# The XDATA a CAD user reads, as docs/dxf.md describes it (without nr and blad: the package's)
EXPECTED_XDATA = {
    LAWN_CROSSING: {"produkt": "G2", "kvalitetsniva": "A", "mangd": "400.00 m2",
                    "andel_inom": "0.4000", "delvis_inom": "ja"},
    LAWN_WITH_HOLE: {"produkt": "G2", "kvalitetsniva": "ej angiven", "mangd": "800.00 m2",
                     "andel_inom": "1.0000", "delvis_inom": "nej"},
    BED_IN_TWO_PARTS: {"produkt": "G3", "kvalitetsniva": "B", "mangd": "250.00 m2",
                       "andel_inom": "1.0000", "delvis_inom": "nej"},
    PATH_CROSSING: {"produkt": "H1", "kvalitetsniva": "B", "mangd": "50.00 m",
                    "andel_inom": "0.3571", "delvis_inom": "ja"},
    BENCH: {"produkt": "UT1", "kvalitetsniva": "ej angiven", "mangd": "1 st",
            "andel_inom": "1.0000", "delvis_inom": "nej"},
}  # fmt: skip
# The entities drawing each object: a hatch per polygon and an outline per ring, a polyline per
# line, a POINT and the marker's INSERT per point.
ENTITIES = {
    LAWN_CROSSING: {"HATCH": 1, "LWPOLYLINE": 1},
    LAWN_WITH_HOLE: {"HATCH": 1, "LWPOLYLINE": 2},
    BED_IN_TWO_PARTS: {"HATCH": 2, "LWPOLYLINE": 2},
    PATH_CROSSING: {"LWPOLYLINE": 1},
    BENCH: {"POINT": 1, "INSERT": 1},
}
OBJECT_LAYERS = {"yta": "skotselytor", "linje": "skotsellinjer", "punkt": "skotselpunkter"}
RELATIVE = 1e-6
_RAW_VALUES = re.compile(r"^\s+RawCodeValues \(StringList\) = \(\d+:(.*)\)$")
_LAYER = re.compile(r"^\s+Layer \(String\) = (.*)$")


@pytest.fixture(scope="module")
def contents(
    engine: Engine,
    settings: Settings,
    handmade_data: None,  # noqa: ARG001 (a fixture set up first)
) -> PackageContents:
    """The area and its objects, committed (handmade_data's teardown removes them), read as the
    package reads them."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, geom)"
                f" SELECT :name, c.id, p.id, '2025-01-01', ST_Multi({local_wkt_sql(AREA_WKT)})"
                " FROM organisation c, organisation p"
                " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
            ),
            {"name": AREA},
        )
        for object_id, code, kind, level, wkt in OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                    " huvudman_id, kvalitetsniva, geom, valid_from)"
                    f" SELECT CAST(:id AS uuid), :code, :kind, id, :level, {local_wkt_sql(wkt)},"
                    " '2025-01-01' FROM organisation WHERE slug = 'parkenheten'"
                ),
                {"id": object_id, "code": code, "kind": kind, "level": level},
            )
    url = settings.database_url.replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as conn:
        area_id = find_area_id(conn, AREA)
        assert area_id is not None
        loaded = load_contents(conn, area_id)
    assert loaded is not None
    assert set(loaded.objects["objekt_id"]) == set(KNOWN)
    return loaded


@pytest.fixture(scope="module")
def drawing(contents: PackageContents, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The area's DXF drawing, written once for the module."""
    path = tmp_path_factory.mktemp("dxf") / "skotselobjekt.dxf"
    write_dxf(contents, path)
    return path


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-6)


def _hex(rgb: tuple[int, int, int] | None) -> str:
    assert rgb is not None
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _key_values(strings: list[str]) -> dict[str, str]:
    """XDATA strings "key=value" as a dict, after checking the keys' order."""
    pairs = [string.split("=", 1) for string in strings]
    assert [pair[0] for pair in pairs] == list(XDATA_KEYS)
    return {key: value for key, value in pairs}


def _xdata_of_entities(doc: Drawing) -> list[tuple[str, str, dict[str, str]]]:
    """(entity type, layer, XDATA) of each modelspace entity carrying our XDATA."""
    tagged = []
    for entity in doc.modelspace():
        if not entity.has_xdata(XDATA_APP):
            continue
        tags = entity.get_xdata(XDATA_APP)
        assert all(tag.code == 1000 for tag in tags)
        values = _key_values([str(tag.value) for tag in tags])
        tagged.append((entity.dxftype(), entity.dxf.layer, values))
    return tagged


def test_dxf_reads_back_in_gdal_and_ezdxf(contents: PackageContents, drawing: Path) -> None:
    present = contents.products_present()
    names = layer_names(present)
    inside: dict[str, float] = defaultdict(float)
    for code, _, amount, _ in KNOWN.values():
        inside[code] += amount

    frame = pyogrio.read_dataframe(drawing)
    assert set(frame["Layer"]) == set(names.values()) | {BOUNDARY_LAYER}
    areas: dict[str, float] = defaultdict(float)
    lengths: dict[str, float] = defaultdict(float)
    for layer, geometry in zip(frame["Layer"], frame.geometry, strict=True):
        if geometry.geom_type == "Polygon":  # the hatches
            areas[layer] += geometry.area
        elif geometry.geom_type == "LineString":
            lengths[layer] += geometry.length
    for product in present:
        layer = names[product.kod]
        if product.geometrityp == "yta":
            assert _close(areas[layer], inside[product.kod]), layer
        elif product.geometrityp == "linje":
            assert _close(lengths[layer], inside[product.kod]), layer
    boundary = frame[frame["Layer"] == BOUNDARY_LAYER].geometry
    assert _close(sum(g.length for g in boundary), contents.area.geom.length)

    doc = readfile(drawing)
    assert doc.dxfversion == "AC1027"
    assert doc.header["$INSUNITS"] == 6
    assert not doc.audit().has_errors
    for product in present:
        layer = doc.layers.get(names[product.kod])
        symbology = product.symbologi
        colour = symbology.fyllnadsfarg if product.geometrityp == "yta" else symbology.linjefarg
        assert colour is not None
        assert _hex(layer.rgb) == colour.lower()
        assert layer.color == nearest_aci(colour)
        if product.geometrityp == "yta":
            hatches = doc.modelspace().query(f'HATCH[layer=="{names[product.kod]}"]')
            assert len(hatches) >= sum(code == product.kod for code, *_ in KNOWN.values())
            for hatch in hatches:
                assert isinstance(hatch, Hatch)
                assert _hex(hatch.rgb) == colour.lower()
                opacity = symbology.fyllnadsopacitet
                expected = 0.0 if opacity is None else 1 - opacity
                assert math.isclose(hatch.transparency, expected, abs_tol=0.01)
    tagged = {values["objekt_id"] for _, _, values in _xdata_of_entities(doc)}
    assert tagged == set(contents.objects["objekt_id"])


def test_every_entity_of_an_object_carries_its_number_product_level_and_share(
    contents: PackageContents, drawing: Path
) -> None:
    doc = readfile(drawing)
    names = layer_names(contents.products_present())
    objects = contents.objects.set_index("objekt_id")
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, layer, values in _xdata_of_entities(doc):
        object_id = values["objekt_id"]
        kinds[object_id][kind] += 1
        expected = EXPECTED_XDATA[object_id]
        assert {key: values[key] for key in expected} == expected, (object_id, kind)
        # The number and sheet are the package's: the ones the PDF map and the lists print.
        assert values["nr"] == str(objects.loc[object_id, "nr"])
        assert values["blad"] == str(objects.loc[object_id, "blad"])
        assert layer == names[expected["produkt"]]
        assert layer.startswith(f"{expected['produkt']}_")
    assert {object_id: dict(counts) for object_id, counts in kinds.items()} == ENTITIES
    numbers = sorted(int(n) for n in objects["nr"])
    assert numbers == list(range(1, len(KNOWN) + 1))

    # Drawn clipped: the crossing lawn's outline ends at the area's east edge.
    outline = doc.modelspace().query(f'LWPOLYLINE[layer=="{names["G2"]}"]')
    crossing = [e for e in outline if str(e.get_xdata(XDATA_APP)[0].value).endswith(LAWN_CROSSING)]
    (lawn,) = crossing
    assert isinstance(lawn, LWPolyline)
    xs = [x for x, *_ in lawn.get_points()]
    assert _close(max(xs), E0 + AREA_EAST_EDGE)


def _ogrinfo(path: Path, **config: str) -> str:
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "GDAL's ogrinfo is needed to read the DXF back"
    done = subprocess.run(
        [ogrinfo, "-ro", "-al", "-q", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | config,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_opens_the_drawing_and_shows_the_xdata_as_raw_code_values(drawing: Path) -> None:
    """QGIS and ogr2ogr see the XDATA only with DXF_INCLUDE_RAW_CODE_VALUES=TRUE (docs/dxf.md)."""
    plain = _ogrinfo(drawing)
    assert "OGRFeature(entities)" in plain
    assert "RawCodeValues" not in plain
    assert "objekt_id=" not in plain

    doc = readfile(drawing)
    expected = Counter(
        (layer, tuple(values.items())) for _, layer, values in _xdata_of_entities(doc)
    )
    got: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    layer = ""
    for line in _ogrinfo(drawing, DXF_INCLUDE_RAW_CODE_VALUES="TRUE").splitlines():
        if named := _LAYER.match(line):
            layer = named.group(1)
        elif raw := _RAW_VALUES.match(line):
            pairs = [item.split(" ", 1) for item in raw.group(1).split(",")]
            if ["1001", XDATA_APP] not in pairs:
                continue
            ours = pairs[pairs.index(["1001", XDATA_APP]) + 1 :]
            assert all(code == "1000" for code, _ in ours)
            got[(layer, tuple(_key_values([value for _, value in ours]).items()))] += 1
    assert got == expected
    assert sum(got.values()) == sum(sum(kinds.values()) for kinds in ENTITIES.values())


def _product(code: str, name: str) -> Product:
    return Product(
        kod=code,
        namn=name,
        kategori="Test",
        geometrityp="linje",
        enhet="m",
        beskrivning="",
        prioritet=0,
        symbologi=Symbology(linjefarg="#000000", linjebredd=1),
    )


def test_layer_names_are_ascii_safe_and_unique() -> None:
    products = [
        _product("Ä1", "Gång/cykel: väg?"),
        _product("A1", "GÅNG/CYKEL VÄG"),
        _product("B", 'Kant <"sten"> = * | \\ ;'),
        _product("Ö", "Driftområde"),
    ]
    names = layer_names(products)
    assert names["Ä1"] == "A1_Gang_cykel_vag"
    assert names["A1"] == "A1_GANG_CYKEL_VAG_2"  # DXF layer names ignore case
    assert names["B"] == "B_Kant_sten"
    assert names["Ö"] == "O_Driftomrade"
    assert len({name.lower() for name in names.values()} | {BOUNDARY_LAYER.lower()}) == 5
    for name in names.values():
        assert name.isascii()
        assert len(name) <= 255
        assert not set(name) & set("<>/\\\":;?*|='` ")


def test_layer_names_of_the_catalogue_begin_with_the_product_code(
    contents: PackageContents,
) -> None:
    names = layer_names(contents.products)
    assert names["G2"] == "G2_Bruksgrasmatta"
    assert len({name.lower() for name in names.values()}) == len(contents.products)
    for code, name in names.items():
        assert name.startswith(f"{code}_"), name
        assert name.isascii()


def _qml_categories(qml: str) -> set[str]:
    root = ElementTree.fromstring(qml)
    return {category.get("value", "") for category in root.iter("category")}


def test_gis_files_hold_the_part_inside_with_its_share_number_and_sheet(
    contents: PackageContents, tmp_path: Path
) -> None:
    geopackage, geojson = tmp_path / "skotselobjekt.gpkg", tmp_path / "skotselobjekt.geojson"
    write_geopackage(contents, geopackage)
    write_geojson(contents, geojson)
    objects = contents.objects.set_index("objekt_id")
    styles = pyogrio.read_dataframe(geopackage, layer="layer_styles")
    seen: set[str] = set()
    for kind, layer_name in OBJECT_LAYERS.items():
        layer = pyogrio.read_dataframe(geopackage, layer=layer_name)
        assert layer["delvis_inom"].dtype == bool  # a GeoPackage boolean, not 0/1
        qml = styles.loc[styles["f_table_name"] == layer_name, "styleQML"].item()
        assert set(layer["produkt"]) <= _qml_categories(qml)  # still styled by product
        for row in layer.itertuples():
            code, level, inside, whole = KNOWN[row.objekt_id]
            given = row.kvalitetsniva if isinstance(row.kvalitetsniva, str) else None
            assert (row.produkt, given) == (code, level)
            assert _close(row.mangd, inside)
            assert _close(row.mangd_hela, whole)
            assert row.andel_inom == round(inside / whole, 4)
            assert bool(row.delvis_inom) is (inside < whole)
            assert (row.nr, row.blad) == (objects.loc[row.objekt_id, "nr"],
                                          objects.loc[row.objekt_id, "blad"])  # fmt: skip
            measure = {"yta": shapely.area, "linje": shapely.length}.get(kind)
            if measure:  # the geometry is the part inside: it measures what is counted
                assert _close(float(measure(row.geometry)), inside)
            seen.add(row.objekt_id)
    assert seen == set(KNOWN)

    features = pyogrio.read_dataframe(geojson).set_index("objekt_id")
    for object_id, (_, _, inside, whole) in KNOWN.items():
        feature = features.loc[object_id]
        assert _close(feature["mangd"], inside)
        assert _close(feature["mangd_hela"], whole)
        assert feature["andel_inom"] == round(inside / whole, 4)
        assert bool(feature["delvis_inom"]) is (inside < whole)
        assert feature["nr"] == objects.loc[object_id, "nr"]
        assert feature["blad"] == objects.loc[object_id, "blad"]
