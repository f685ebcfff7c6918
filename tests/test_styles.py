"""Styles from the shared catalogue: QGIS .qml, SLD 1.1 and the web map's stil.json."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.catalogue.schemas import Product
from app.styles.qml import all_layers_qml, layer_qml

SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"sld": SLD, "se": SE, "ogc": OGC}
KINDS = ("yta", "linje", "punkt")
COLLECTION = {"yta": "skotselytor", "linje": "skotsellinjer", "punkt": "skotselpunkter"}
SYMBOL_TYPE = {"yta": "fill", "linje": "line", "punkt": "marker"}
# The web map draws a filled cross: QGIS's filled cross is cross_fill.
QGIS_MARKER = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross_fill",
}


@pytest.fixture(scope="module")
def catalogue(client: TestClient) -> list[dict[str, Any]]:
    """The catalogue as the service serves it from the database."""
    response = client.get("/api/v1/skotselprodukter")
    assert response.status_code == 200
    products: list[dict[str, Any]] = response.json()
    assert {p["geometrityp"] for p in products} == set(KINDS)
    return products


def _rgba(hex_colour: str, opacity: float = 1.0) -> str:
    channels = [str(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    return ",".join([*channels, str(round(opacity * 255))])


def _same_number(written: str | None, expected: float) -> bool:
    return written is not None and abs(float(written) - expected) < 1e-4


def _dashes(pattern: str | None) -> list[float]:
    return [float(part) for part in pattern.split()] if pattern else []


def _qml(client: TestClient, kind: str) -> ET.Element:
    response = client.get("/api/v1/skotselprodukter/stil.qml", params={"geometrityp": kind})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.qgis.qml+xml")
    plural = {"yta": "ytor", "linje": "linjer", "punkt": "punkter"}[kind]
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="skotselprodukter_{plural}.qml"'
    assert response.text.startswith("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>")
    return ET.fromstring(response.text)


def _layer_properties(layer: ET.Element) -> dict[str, str]:
    """The Option map of a symbol layer, checked against the older <prop k v> form."""
    options = layer.find("Option[@type='Map']")
    assert options is not None
    mapped = {o.attrib["name"]: o.attrib["value"] for o in options.findall("Option")}
    legacy = {p.attrib["k"]: p.attrib["v"] for p in layer.findall("prop")}
    assert legacy == mapped
    return mapped


def _check_qml_symbol(symbol: ET.Element, product: dict[str, Any]) -> None:
    s = product["symbologi"]
    kind = product["geometrityp"]
    assert symbol.attrib["type"] == SYMBOL_TYPE[kind]
    layers = [(layer.attrib["class"], _layer_properties(layer)) for layer in symbol.iter("layer")]
    dashes = _dashes(s["streckmonster"])
    if kind == "punkt":
        [(layer_class, marker)] = layers
        assert layer_class == "SimpleMarker"
        assert marker["name"] == QGIS_MARKER[s["markor"]]
        assert marker["color"] == _rgba(s["fyllnadsfarg"], s["fyllnadsopacitet"])
        assert marker["outline_color"] == _rgba(s["linjefarg"])
        assert _same_number(marker["outline_width"], s["linjebredd"])
        assert _same_number(marker["size"], s["markorstorlek"])
        assert marker["size_unit"] == marker["outline_width_unit"] == "Pixel"
        return
    fill = dict(layers).get("SimpleFill")
    line = dict(layers).get("SimpleLine")
    if kind == "yta":
        assert fill is not None
        assert fill["style"] == "solid"
        assert fill["color"] == _rgba(s["fyllnadsfarg"], s["fyllnadsopacitet"])
    else:
        assert fill is None
    if fill is not None and not dashes:
        assert [c for c, _ in layers] == ["SimpleFill"]
        assert fill["outline_style"] == "solid"
        assert fill["outline_color"] == _rgba(s["linjefarg"])
        assert _same_number(fill["outline_width"], s["linjebredd"])
        assert fill["outline_width_unit"] == "Pixel"
        return
    # Lines, and dashed outlines (a simple fill's outline has no custom dashes).
    assert line is not None
    if fill is not None:
        assert fill["outline_style"] == "no"
    assert line["line_color"] == _rgba(s["linjefarg"])
    assert _same_number(line["line_width"], s["linjebredd"])
    assert line["line_width_unit"] == "Pixel"
    assert line["capstyle"] == line["joinstyle"] == "round", "Leaflet's defaults"
    assert line["use_custom_dash"] == ("1" if dashes else "0")
    if dashes:
        assert [float(d) for d in line["customdash"].split(";")] == dashes
        assert line["customdash_unit"] == "Pixel"


@pytest.mark.parametrize("kind", KINDS)
def test_qml_has_a_category_and_the_web_symbol_for_every_product_of_the_kind(
    client: TestClient, catalogue: list[dict[str, Any]], kind: str
) -> None:
    root = _qml(client, kind)
    assert root.tag == "qgis"
    assert root.attrib["version"].startswith("3.")
    assert root.attrib["styleCategories"] == "Symbology"
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.attrib["type"] == "categorizedSymbol"
    assert renderer.attrib["attr"] == "produkt"
    symbols = {symbol.attrib["name"]: symbol for symbol in renderer.findall("symbols/symbol")}
    categories = renderer.findall("categories/category")
    members = [p for p in catalogue if p["geometrityp"] == kind]
    assert [c.attrib["value"] for c in categories] == [p["kod"] for p in members]
    assert len(symbols) == len(members), "one symbol per category, none left over"
    for category, product in zip(categories, members, strict=True):
        assert category.attrib["label"] == f"{product['kod']} {product['namn']}"
        assert category.attrib["render"] == "true"
        _check_qml_symbol(symbols[category.attrib["symbol"]], product)
    geometry_type = root.findtext("layerGeometryType")
    assert geometry_type == {"punkt": "0", "linje": "1", "yta": "2"}[kind]


def test_qml_without_or_with_an_unknown_geometry_kind_is_a_swedish_400(
    client: TestClient,
) -> None:
    for params in ({}, {"geometrityp": "polygon"}, {"geometrityp": ""}):
        response = client.get("/api/v1/skotselprodukter/stil.qml", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert all(kind in problem["detail"] for kind in KINDS), problem
        assert "geometrityp" in problem["detail"]
        assert problem["tillatna"] == list(KINDS)


def test_qml_field_and_kinds_can_be_chosen_in_code(catalogue: list[dict[str, Any]]) -> None:
    products = [Product.model_validate(p) for p in catalogue]
    documents = all_layers_qml(products)
    assert set(documents) == set(KINDS)
    custom = ET.fromstring(layer_qml(products, "linje", field="kod", layer_name="Häckar"))
    renderer = custom.find("renderer-v2")
    assert renderer is not None
    assert renderer.attrib["attr"] == "kod"
    assert ET.fromstring(documents["linje"]).find("renderer-v2") is not None


def _sld(client: TestClient) -> ET.Element:
    response = client.get("/api/v1/skotselprodukter/stil.sld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.ogc.sld+xml")
    for prefix, uri in (*NS.items(), ("xlink", "http://www.w3.org/1999/xlink"), ("xsi", XSI)):
        assert f'xmlns:{prefix}="{uri}"' in response.text
    return ET.fromstring(response.text)


def _parameters(element: ET.Element | None) -> dict[str, str]:
    assert element is not None
    return {p.attrib["name"]: p.text or "" for p in element.findall("se:SvgParameter", NS)}


def _check_sld_rule(rule: ET.Element, product: dict[str, Any]) -> None:
    s = product["symbologi"]
    assert rule.findtext("se:Name", namespaces=NS) == product["kod"]
    title = rule.findtext("se:Description/se:Title", namespaces=NS)
    assert title == f"{product['kod']} {product['namn']}"
    equal = rule.find("ogc:Filter/ogc:PropertyIsEqualTo", NS)
    assert equal is not None
    assert equal.findtext("ogc:PropertyName", namespaces=NS) == "produkt"
    assert equal.findtext("ogc:Literal", namespaces=NS) == product["kod"]
    kind = product["geometrityp"]
    if kind == "punkt":
        graphic = rule.find("se:PointSymbolizer/se:Graphic", NS)
        assert graphic is not None
        mark = graphic.find("se:Mark", NS)
        assert mark is not None
        fill, stroke = (
            _parameters(mark.find("se:Fill", NS)),
            _parameters(mark.find("se:Stroke", NS)),
        )
        name = mark.findtext("se:WellKnownName", namespaces=NS)
        size = float(graphic.findtext("se:Size", namespaces=NS) or "nan")
        if s["markor"] == "diamond":
            # A square turned 45°, as wide as the web map's diamond.
            assert name == "square"
            assert graphic.findtext("se:Rotation", namespaces=NS) == "45"
            assert abs(size * 2**0.5 - s["markorstorlek"]) < 1e-3
        else:
            assert name == s["markor"]
            assert graphic.find("se:Rotation", NS) is None
            assert size == s["markorstorlek"]
    else:
        symbolizer = rule.find("se:PolygonSymbolizer" if kind == "yta" else "se:LineSymbolizer", NS)
        assert symbolizer is not None, "pixels"
        assert "uom" not in symbolizer.attrib, "pixels"
        stroke = _parameters(symbolizer.find("se:Stroke", NS))
        fill = _parameters(symbolizer.find("se:Fill", NS)) if kind == "yta" else {}
        assert [float(d) for d in stroke.get("stroke-dasharray", "").split()] == _dashes(
            s["streckmonster"]
        )
        assert stroke["stroke-linecap"] == stroke["stroke-linejoin"] == "round"
    if kind != "linje":
        assert fill["fill"] == s["fyllnadsfarg"]
        assert float(fill["fill-opacity"]) == s["fyllnadsopacitet"]
    assert stroke["stroke"] == s["linjefarg"]
    assert float(stroke["stroke-width"]) == s["linjebredd"]


def test_sld_has_a_named_layer_per_collection_and_a_rule_per_product(
    client: TestClient, catalogue: list[dict[str, Any]]
) -> None:
    root = _sld(client)
    assert root.tag == f"{{{SLD}}}StyledLayerDescriptor"
    assert root.attrib["version"] == "1.1.0"
    assert root.attrib[f"{{{XSI}}}schemaLocation"] == (
        f"{SLD} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
    )
    layers = root.findall("sld:NamedLayer", NS)
    assert [layer.findtext("se:Name", namespaces=NS) for layer in layers] == [
        COLLECTION[kind] for kind in KINDS
    ]
    for kind, layer in zip(KINDS, layers, strict=True):
        rules = layer.findall("sld:UserStyle/se:FeatureTypeStyle/se:Rule", NS)
        members = [p for p in catalogue if p["geometrityp"] == kind]
        assert len(rules) == len(members)
        for rule, product in zip(rules, members, strict=True):
            _check_sld_rule(rule, product)


def test_stil_json_is_the_catalogue_as_the_web_map_draws_it(
    client: TestClient, catalogue: list[dict[str, Any]]
) -> None:
    response = client.get("/api/v1/skotselprodukter/stil.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    styles = response.json()["produkter"]
    assert [entry["kod"] for entry in styles] == [p["kod"] for p in catalogue]
    for entry, product in zip(styles, catalogue, strict=True):
        s = product["symbologi"]
        for key in ("namn", "kategori", "geometrityp", "enhet", "beskrivning"):
            assert entry[key] == product[key]
        is_area = product["geometrityp"] == "yta"
        assert entry["leaflet"] == {
            "color": s["linjefarg"],
            "weight": s["linjebredd"],
            "dashArray": s["streckmonster"],
            "opacity": 1,
            "fill": is_area,
            "fillColor": s["fyllnadsfarg"] or s["linjefarg"],
            "fillOpacity": s["fyllnadsopacitet"] if is_area else 0,
        }
        if product["geometrityp"] == "punkt":
            assert entry["markor"] == {
                "shape": s["markor"],
                "size": s["markorstorlek"],
                "fill": s["fyllnadsfarg"],
                "fillOpacity": s["fyllnadsopacitet"],
                "stroke": s["linjefarg"],
                "strokeWidth": s["linjebredd"],
            }
        else:
            assert entry["markor"] is None


def test_stil_json_names_the_collection_of_each_geometry_kind(client: TestClient) -> None:
    collections = client.get("/api/v1/skotselprodukter/stil.json").json()["samlingar"]
    assert collections == COLLECTION
    served = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    geometry_types = {"yta": "MultiPolygon", "linje": "MultiLineString", "punkt": "Point"}
    for kind, collection in collections.items():
        assert served[collection]["geometryType"] == geometry_types[kind]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/skotselprodukter/stil.qml?geometrityp=yta",
        "/api/v1/skotselprodukter/stil.sld",
        "/api/v1/skotselprodukter/stil.json",
    ],
)
def test_styles_carry_a_weak_etag_and_answer_304_when_unchanged(
    client: TestClient, url: str
) -> None:
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert "max-age" in first.headers["cache-control"]
    for sent in (etag, etag.removeprefix("W/"), f'"other", {etag}'):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.content == b""
        assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


@contextmanager
def _recoloured(engine: Engine, code: str, colour: str) -> Iterator[None]:
    """A product drawn in another colour, committed so the app sees it; restored afterwards."""
    read = text("SELECT linjefarg FROM skotselprodukt WHERE kod = :kod")
    update = text("UPDATE skotselprodukt SET linjefarg = :farg WHERE kod = :kod")
    with engine.begin() as conn:
        before = conn.execute(read, {"kod": code}).scalar_one()
        conn.execute(update, {"kod": code, "farg": colour})
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(update, {"kod": code, "farg": before})


def test_a_catalogue_change_reaches_every_style_and_its_etag(
    client: TestClient, engine: Engine
) -> None:
    urls = [
        "/api/v1/skotselprodukter/stil.qml?geometrityp=linje",
        "/api/v1/skotselprodukter/stil.sld",
        "/api/v1/skotselprodukter/stil.json",
    ]
    before = {url: client.get(url) for url in urls}
    assert all("#123456" not in r.text and "18,52,86,255" not in r.text for r in before.values())
    with _recoloured(engine, "H1", "#123456"):
        for url in urls:
            changed = client.get(url, headers={"If-None-Match": before[url].headers["etag"]})
            assert changed.status_code == 200, url
            assert changed.headers["etag"] != before[url].headers["etag"]
            assert "#123456" in changed.text or "18,52,86,255" in changed.text, url
    for url in urls:
        assert client.get(url).content == before[url].content, "restored"
