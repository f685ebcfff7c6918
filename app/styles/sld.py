"""One SLD 1.1.0 / Symbology Encoding 1.1 document: a named layer per OGC API collection."""

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from app.catalogue.schemas import Product
from app.styles.look import COLLECTION_OF_KIND, GEOMETRY_KINDS, Look, label_of, look_of, number

SLD_NS = "http://www.opengis.net/sld"
SE_NS = "http://www.opengis.net/se"
OGC_NS = "http://www.opengis.net/ogc"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{SLD_NS} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
TITLE_OF_KIND = {
    "yta": "Skötselytor",
    "linje": "Skötsellinjer",
    "punkt": "Skötselpunkter",
}
# Leaflet's path defaults.
LINE_CAP = "round"
LINE_JOIN = "round"


def _parameter(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value


def _fill(parent: ET.Element, look: Look) -> None:
    fill = ET.SubElement(parent, "se:Fill")
    _parameter(fill, "fill", look.fill_colour)
    _parameter(fill, "fill-opacity", number(look.fill_opacity))


def _stroke(parent: ET.Element, look: Look, *, path: bool) -> None:
    # A zero width would draw a hairline in SLD renderers; the web map draws nothing.
    if not look.stroked:
        return
    stroke = ET.SubElement(parent, "se:Stroke")
    _parameter(stroke, "stroke", look.stroke_colour)
    _parameter(stroke, "stroke-opacity", "1")
    _parameter(stroke, "stroke-width", number(look.stroke_width))
    if path:
        _parameter(stroke, "stroke-linejoin", LINE_JOIN)
        _parameter(stroke, "stroke-linecap", LINE_CAP)
        if look.dashes:
            _parameter(stroke, "stroke-dasharray", " ".join(number(d) for d in look.dashes))


def _point(parent: ET.Element, look: Look) -> None:
    assert look.marker is not None
    assert look.marker_size is not None
    graphic = ET.SubElement(ET.SubElement(parent, "se:PointSymbolizer"), "se:Graphic")
    mark = ET.SubElement(graphic, "se:Mark")
    diamond = look.marker == "diamond"
    ET.SubElement(mark, "se:WellKnownName").text = "square" if diamond else look.marker
    _fill(mark, look)
    _stroke(mark, look, path=False)
    # The web map's diamond is as wide as the size: a square turned 45° whose diagonal is that.
    size = look.marker_size / math.sqrt(2) if diamond else look.marker_size
    ET.SubElement(graphic, "se:Size").text = number(size)
    if diamond:
        ET.SubElement(graphic, "se:Rotation").text = "45"


def _symbolizer(rule: ET.Element, look: Look) -> None:
    if look.kind == "yta":
        polygon = ET.SubElement(rule, "se:PolygonSymbolizer")
        _fill(polygon, look)
        _stroke(polygon, look, path=True)
    elif look.kind == "linje":
        _stroke(ET.SubElement(rule, "se:LineSymbolizer"), look, path=True)
    else:
        _point(rule, look)


def _rule(parent: ET.Element, product: Product, field: str) -> None:
    rule = ET.SubElement(parent, "se:Rule")
    ET.SubElement(rule, "se:Name").text = product.kod
    description = ET.SubElement(rule, "se:Description")
    ET.SubElement(description, "se:Title").text = label_of(product)
    equal = ET.SubElement(ET.SubElement(rule, "ogc:Filter"), "ogc:PropertyIsEqualTo")
    ET.SubElement(equal, "ogc:PropertyName").text = field
    ET.SubElement(equal, "ogc:Literal").text = product.kod
    _symbolizer(rule, look_of(product))


def sld_document(products: Sequence[Product], field: str = "produkt") -> str:
    """The catalogue as SLD: layers skotselytor, skotsellinjer and skotselpunkter, a rule each."""
    root = ET.Element(
        "sld:StyledLayerDescriptor",
        {
            "version": "1.1.0",
            "xmlns:sld": SLD_NS,
            "xmlns:se": SE_NS,
            "xmlns:ogc": OGC_NS,
            "xmlns:xlink": XLINK_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": SCHEMA_LOCATION,
        },
    )
    for kind in GEOMETRY_KINDS:
        layer = ET.SubElement(root, "sld:NamedLayer")
        ET.SubElement(layer, "se:Name").text = COLLECTION_OF_KIND[kind]
        style = ET.SubElement(layer, "sld:UserStyle")
        ET.SubElement(style, "se:Name").text = COLLECTION_OF_KIND[kind]
        description = ET.SubElement(style, "se:Description")
        ET.SubElement(description, "se:Title").text = TITLE_OF_KIND[kind]
        feature_style = ET.SubElement(style, "se:FeatureTypeStyle")
        for product in products:
            if product.geometrityp == kind:
                _rule(feature_style, product, field)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
