"""QGIS layer styles (.qml): a categorized renderer on the product code, drawn as the web map."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from app.catalogue.schemas import GeometryKind, Marker, Product
from app.core.problems import InvalidInput
from app.styles.look import COLLECTION_OF_KIND, GEOMETRY_KINDS, Look, label_of, look_of, number

QGIS_VERSION = "3.28.0-Firenze"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
SYMBOL_TYPE_OF_KIND: dict[GeometryKind, str] = {"yta": "fill", "linje": "line", "punkt": "marker"}
# QGIS's layerGeometryType: 0 point, 1 line, 2 polygon.
LAYER_GEOMETRY_TYPE: dict[GeometryKind, str] = {"punkt": "0", "linje": "1", "yta": "2"}
# The web map draws a filled cross; QGIS's plain "cross" is two strokes without fill.
QGIS_MARKER: dict[Marker, str] = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross_fill",
}
PIXEL = "Pixel"
NO_SCALE = "3x:0,0,0,0,0,0"
# Leaflet's path defaults; markers are SVG, whose joins are mitred.
LINE_CAP = "round"
LINE_JOIN = "round"
MARKER_JOIN = "miter"


def qgis_colour(hex_colour: str, opacity: float = 1.0) -> str:
    """#rrggbb and an opacity as QGIS writes colours: r,g,b,a with a in 0–255."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{round(opacity * 255)}"


def _simple_fill(look: Look, with_outline: bool) -> dict[str, str]:
    outline = with_outline and look.stroked
    return {
        "border_width_map_unit_scale": NO_SCALE,
        "color": qgis_colour(look.fill_colour, look.fill_opacity),
        "joinstyle": LINE_JOIN,
        "offset": "0,0",
        "offset_map_unit_scale": NO_SCALE,
        "offset_unit": PIXEL,
        "outline_color": qgis_colour(look.stroke_colour),
        "outline_style": "solid" if outline else "no",
        "outline_width": number(look.stroke_width),
        "outline_width_unit": PIXEL,
        "style": "solid",
    }


def _simple_line(look: Look) -> dict[str, str]:
    dashes = look.dashes
    return {
        "align_dash_pattern": "0",
        "capstyle": LINE_CAP,
        "customdash": ";".join(number(d) for d in dashes) if dashes else "5;2",
        "customdash_map_unit_scale": NO_SCALE,
        "customdash_unit": PIXEL,
        "dash_pattern_offset": "0",
        "dash_pattern_offset_map_unit_scale": NO_SCALE,
        "dash_pattern_offset_unit": PIXEL,
        "draw_inside_polygon": "0",
        "joinstyle": LINE_JOIN,
        "line_color": qgis_colour(look.stroke_colour),
        "line_style": "solid" if look.stroked else "no",
        "line_width": number(look.stroke_width),
        "line_width_unit": PIXEL,
        "offset": "0",
        "offset_map_unit_scale": NO_SCALE,
        "offset_unit": PIXEL,
        "ring_filter": "0",
        "tweak_dash_pattern_on_corners": "0",
        "use_custom_dash": "1" if dashes else "0",
        "width_map_unit_scale": NO_SCALE,
    }


def _simple_marker(look: Look) -> dict[str, str]:
    assert look.marker is not None
    assert look.marker_size is not None
    return {
        "angle": "0",
        "cap_style": "square",
        "color": qgis_colour(look.fill_colour, look.fill_opacity),
        "horizontal_anchor_point": "1",
        "joinstyle": MARKER_JOIN,
        "name": QGIS_MARKER[look.marker],
        "offset": "0,0",
        "offset_map_unit_scale": NO_SCALE,
        "offset_unit": PIXEL,
        "outline_color": qgis_colour(look.stroke_colour),
        "outline_style": "solid" if look.stroked else "no",
        "outline_width": number(look.stroke_width),
        "outline_width_map_unit_scale": NO_SCALE,
        "outline_width_unit": PIXEL,
        "scale_method": "diameter",
        "size": number(look.marker_size),
        "size_map_unit_scale": NO_SCALE,
        "size_unit": PIXEL,
        "vertical_anchor_point": "1",
    }


def symbol_layers(look: Look) -> list[tuple[str, dict[str, str]]]:
    """The QGIS symbol layers (class, properties) that draw this look, bottom first."""
    if look.kind == "punkt":
        return [("SimpleMarker", _simple_marker(look))]
    if look.kind == "linje":
        return [("SimpleLine", _simple_line(look))]
    if look.dashes:
        # A simple fill's outline has no custom dashes: a dashed outline is a line layer on top.
        return [("SimpleFill", _simple_fill(look, False)), ("SimpleLine", _simple_line(look))]
    return [("SimpleFill", _simple_fill(look, True))]


def _add_properties(parent: ET.Element, properties: dict[str, str]) -> None:
    # QGIS 3.26 and later read the Option map; 3.16–3.24 wrote (and also read) <prop k v>.
    options = ET.SubElement(parent, "Option", type="Map")
    for key, value in properties.items():
        ET.SubElement(options, "Option", name=key, value=value, type="QString")
    for key, value in properties.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _symbol(index: int, look: Look) -> ET.Element:
    symbol = ET.Element(
        "symbol",
        {
            "type": SYMBOL_TYPE_OF_KIND[look.kind],
            "name": str(index),
            "alpha": "1",
            "clip_to_extent": "1",
            "force_rhr": "0",
            "frame_rate": "10",
            "is_animated": "0",
        },
    )
    for layer_class, properties in symbol_layers(look):
        layer = ET.SubElement(
            symbol, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
        )
        _add_properties(layer, properties)
    return symbol


def _check_kind(geometrityp: str) -> GeometryKind:
    for kind in GEOMETRY_KINDS:
        if geometrityp == kind:
            return kind
    raise InvalidInput(
        f"Okänd geometrityp {geometrityp!r}: ange yta, linje eller punkt.",
        tillatna=list(GEOMETRY_KINDS),
    )


def layer_qml(
    products: Sequence[Product],
    geometrityp: str,
    field: str = "produkt",
    layer_name: str | None = None,
) -> str:
    """A QGIS style for one layer of one geometry kind: one category per product of that kind."""
    kind = _check_kind(geometrityp)
    members = [product for product in products if product.geometrityp == kind]
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        {
            "type": "categorizedSymbol",
            "attr": field,
            "forceraster": "0",
            "symbollevels": "0",
            "enableorderby": "0",
            "referencescale": "-1",
        },
    )
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for index, product in enumerate(members):
        ET.SubElement(
            categories,
            "category",
            {
                "symbol": str(index),
                "value": product.kod,
                "label": label_of(product),
                "render": "true",
                "type": "string",
            },
        )
        symbols.append(_symbol(index, look_of(product)))
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = LAYER_GEOMETRY_TYPE[kind]
    ET.indent(root, space=" ")
    name = layer_name or COLLECTION_OF_KIND[kind]
    comment = f"<!-- Ansvarskartan: {_comment_text(name)}, symboler ur den gemensamma katalogen -->"
    return f"{DOCTYPE}\n{comment}\n{ET.tostring(root, encoding='unicode')}\n"


def _comment_text(text: str) -> str:
    # "--" may not occur inside an XML comment.
    return text.replace("--", "- -")


def all_layers_qml(products: Sequence[Product]) -> dict[str, str]:
    """A QGIS style per geometry kind (yta, linje, punkt)."""
    return {kind: layer_qml(products, kind) for kind in GEOMETRY_KINDS}
