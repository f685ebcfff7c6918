"""An operations area's objects as a DXF drawing for CAD: one layer per product, in metres.

DXF R2013, SWEREF 99 TM coordinates as they are (metres, $INSUNITS 6). Each product's layer
carries its catalogue colour as a true colour and the nearest ACI colour for older readers;
areas are closed outlines in the line colour plus a solid hatch in the fill colour (with the
catalogue's opacity as transparency), lines are polylines, points are a POINT plus the
product's marker as a block. Layers are named by product code and name
("G2_Bruksgrasmatta"). Every entity of an object carries the object's XDATA under the
application ANSVARSKARTAN: "key=value" strings (group code 1000) in the order of XDATA_KEYS,
named as the GIS files' attributes (docs/dxf.md tells a CAD user how to read them).
"""

import io
import re
import shutil
import tempfile
import unicodedata
from functools import cache
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt
import shapely
from ezdxf import colors, const
from ezdxf.document import Drawing
from ezdxf.filemanagement import new as new_drawing

from app.catalogue.schemas import Product
from app.export.contents import PackageContents
from app.export.quantities import NO_LEVEL_TEXT

BOUNDARY_LAYER = "Driftomrade"
BOUNDARY_COLOUR = "#5b4a8b"  # the map's outline of operations areas
XDATA_APP = "ANSVARSKARTAN"
# The XDATA of an object entity, one "key=value" string each, always all and in this order.
XDATA_KEYS = (
    "objekt_id",
    "nr",  # the object's number on the PDF map and in the per-object list
    "produkt",
    "kvalitetsniva",  # NO_LEVEL_TEXT when none is given
    "mangd",  # inside the area, with its unit: "400.00 m2", "50.00 m", "1 st"
    "andel_inom",  # share of the whole object inside the area, 0–1, four decimals
    "delvis_inom",  # "ja" when part of the object lies outside the area, else "nej"
    "blad",  # the PDF's detail sheet that shows the object; 0: only the overview
)
# GDAL (3.6) reads DXF R2013 text as Windows-1252 unless told otherwise; an ASCII unit reads
# the same everywhere.
XDATA_UNITS = {"m²": "m2", "m": "m", "st": "st"}
# A 1000 string holds at most 255 bytes (the DXF reference); the longest key takes 14.
_XDATA_VALUE_MAX_BYTES = 255 - len("kvalitetsniva=")
# Catalogue sizes are screen pixels; in the drawing a 10 px marker is 1 m across and a 4 px
# dash 1 m long, which reads well at the 1:500–1:2000 scales of a maintenance drawing.
METRES_PER_MARKER_PIXEL = 0.1
METRES_PER_DASH_PIXEL = 0.25
MM_PER_LINE_PIXEL = 0.25
_RESERVED_LAYERS = {"0", "defpoints", BOUNDARY_LAYER.lower()}
_FORBIDDEN = re.compile(r'[<>/\\":;?*|=`\',\s]+')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_LINEWEIGHTS = const.VALID_DXF_LINEWEIGHTS
_Coordinates = npt.NDArray[np.float64]


def write_dxf(contents: PackageContents, out_path: Path) -> None:
    """Write the area's boundary and objects to out_path as a DXF R2013 drawing in metres."""
    doc = new_drawing("R2013", units=6)
    doc.appids.add(XDATA_APP)
    present = contents.products_present()
    names = layer_names(present)
    for product in present:
        _add_layer(doc, names[product.kod], product)
    _add_boundary(doc, contents)
    _set_extents(doc, contents)
    objects = contents.objects
    rows_of = objects.groupby("produkt", sort=False).indices if len(objects) else {}
    xdata = np.asarray(_object_xdata(contents), dtype=object)
    # ezdxf spends about 0.2 ms on each entity it builds and writes, so the objects (100,000
    # and more) are written as DXF text here, with handles taken from the drawing's own
    # sequence; the tables, blocks and boundary around them are ezdxf's.
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as body:
        writer = _EntityWriter(doc, body)
        for product in present:
            rows = rows_of[product.kod]
            geometries = objects.geometry.values[rows]
            extended = xdata[rows].tolist()
            layer = names[product.kod]
            if product.geometrityp == "yta":
                _write_areas(writer, layer, product, geometries, extended)
            elif product.geometrityp == "linje":
                _write_lines(writer, layer, geometries, extended)
            else:
                block = _marker_block(doc, layer, product)
                _write_points(writer, layer, block, geometries, extended)
        head, tail = _split_at_end_of_entities(doc)
        with out_path.open(
            "w", encoding=doc.output_encoding, errors="dxfreplace", newline=""
        ) as out:
            out.write(head)
            body.seek(0)
            shutil.copyfileobj(body, out)
            out.write(tail)


def layer_names(products: list[Product]) -> dict[str, str]:
    """A DXF-safe, unique (case-insensitively) layer name per product code, e.g.
    "G2_Bruksgrasmatta"."""
    taken = set(_RESERVED_LAYERS)
    names: dict[str, str] = {}
    for product in products:
        base = _ascii_name(f"{product.kod}_{product.namn}")[:250] or "Produkt"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        names[product.kod] = name
    return names


def nearest_aci(hex_colour: str) -> int:
    """The AutoCAD Color Index (1–255) closest to a "#rrggbb" colour."""
    return _nearest_aci(_rgb(hex_colour))


def _ascii_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"_+", "_", _FORBIDDEN.sub("_", plain)).strip("_")


def _rgb(hex_colour: str) -> colors.RGB:
    return colors.RGB.from_hex(hex_colour)


@cache
def _nearest_aci(rgb: colors.RGB) -> int:
    def distance(index: int) -> int:
        r, g, b = colors.int2rgb(colors.DXF_DEFAULT_COLORS[index])
        return (r - rgb.r) ** 2 + (g - rgb.g) ** 2 + (b - rgb.b) ** 2

    return min(range(1, 256), key=distance)


def _layer_colour(product: Product) -> str:
    symbology = product.symbologi
    if product.geometrityp == "yta" and symbology.fyllnadsfarg:
        return symbology.fyllnadsfarg
    return symbology.linjefarg


def _lineweight(pixels: float) -> int:
    wanted = pixels * MM_PER_LINE_PIXEL * 100
    return min(_LINEWEIGHTS, key=lambda weight: abs(weight - wanted))


def _add_layer(doc: Drawing, name: str, product: Product) -> None:
    colour = _layer_colour(product)
    symbology = product.symbologi
    layer = doc.layers.add(name, color=nearest_aci(colour))
    layer.rgb = _rgb(colour)
    layer.description = f"{product.kod} {product.namn} ({product.enhet})"
    layer.dxf.lineweight = _lineweight(symbology.linjebredd)
    if symbology.streckmonster:
        layer.dxf.linetype = _linetype(doc, name, symbology.streckmonster)


def _linetype(doc: Drawing, layer: str, dashes: str) -> str:
    lengths = [float(part) * METRES_PER_DASH_PIXEL for part in dashes.split()]
    if len(lengths) % 2:
        lengths += lengths  # an odd SVG dash list repeats to an even one
    pattern = [sum(lengths)] + [
        length if n % 2 == 0 else -length for n, length in enumerate(lengths)
    ]
    name = f"{layer}_streck"
    doc.linetypes.add(name, pattern, description=f"Streckmönster {dashes}")
    return name


class _EntityWriter:
    """Writes modelspace entities as DXF R2013 text, the way ezdxf itself writes them."""

    def __init__(self, doc: Drawing, out: TextIO) -> None:
        self._handles = doc.entitydb.handles
        self._owner = doc.modelspace().layout_key
        self._out = out

    def _head(self, kind: str, layer: str, style: str) -> str:
        return (
            f"  0\n{kind}\n  5\n{self._handles.next()}\n330\n{self._owner}\n"
            f"100\nAcDbEntity\n  8\n{layer}\n{style}"
        )

    def polyline(
        self, layer: str, style: str, vertices: str, count: int, closed: bool, xdata: str
    ) -> None:
        """An LWPOLYLINE through `count` vertices (10/20 tags)."""
        self._out.write(
            f"{self._head('LWPOLYLINE', layer, style)}100\nAcDbPolyline\n"
            f" 90\n{count}\n 70\n{int(closed)}\n{vertices}{xdata}"
        )

    def hatch(self, layer: str, style: str, rings: list[tuple[str, int]], xdata: str) -> None:
        """A solid HATCH bounded by polyline paths, the first ring the outer one."""
        paths = "".join(
            f" 92\n{3 if n == 0 else 2}\n 72\n0\n 73\n1\n 93\n{count}\n{vertices} 97\n0\n"
            for n, (vertices, count) in enumerate(rings)
        )
        self._out.write(
            f"{self._head('HATCH', layer, style)}100\nAcDbHatch\n"
            " 10\n0.0\n 20\n0.0\n 30\n0.0\n210\n0.0\n220\n0.0\n230\n1.0\n"
            f"  2\nSOLID\n 70\n1\n 71\n0\n 91\n{len(rings)}\n{paths}"
            f" 75\n1\n 76\n1\n 98\n0\n{xdata}"
        )

    def point(self, layer: str, x: float, y: float, xdata: str) -> None:
        """A POINT."""
        self._out.write(
            f"{self._head('POINT', layer, '')}100\nAcDbPoint\n"
            f" 10\n{x!r}\n 20\n{y!r}\n 30\n0.0\n{xdata}"
        )

    def insert(self, layer: str, block: str, x: float, y: float, xdata: str) -> None:
        """An INSERT of a block at (x, y)."""
        self._out.write(
            f"{self._head('INSERT', layer, '')}100\nAcDbBlockReference\n  2\n{block}\n"
            f" 10\n{x!r}\n 20\n{y!r}\n 30\n0.0\n{xdata}"
        )


def _style(hex_colour: str, transparency: float | None = None) -> str:
    """Colour tags of an entity: ACI for old readers, then the true colour (and transparency)."""
    tags = f" 62\n{nearest_aci(hex_colour)}\n420\n{colors.rgb2int(_rgb(hex_colour))}\n"
    if transparency is not None:
        tags += f"440\n{colors.float2transparency(transparency)}\n"
    return tags


def _object_xdata(contents: PackageContents) -> list[str]:
    """Each object's XDATA as DXF tags (XDATA_KEYS in order), in the rows' order."""
    objects = contents.objects
    units = {product.kod: XDATA_UNITS[product.enhet] for product in contents.products}
    # Codes and levels are few and free text: made safe once each. The numbers are safe as
    # they are, and 100,000s of objects are formatted in one f-string each.
    codes = {code: _xdata_value(code) for code in objects["produkt"].unique().tolist()}
    levels = {
        level: _xdata_value(level) if isinstance(level, str) and level else NO_LEVEL_TEXT
        for level in objects["kvalitetsniva"].unique().tolist()
    }
    start = f"1001\n{XDATA_APP}\n1000\nobjekt_id="  # the f-string below: XDATA_KEYS in order
    columns = zip(
        objects["objekt_id"].tolist(),
        objects["nr"].tolist(),
        objects["produkt"].tolist(),
        objects["kvalitetsniva"].tolist(),
        objects["mangd"].tolist(),
        objects["andel_inom"].tolist(),
        objects["delvis_inom"].tolist(),
        objects["blad"].tolist(),
        strict=True,
    )
    return [
        f"{start}{object_id}\n1000\nnr={nr}\n1000\nprodukt={codes[code]}\n"
        f"1000\nkvalitetsniva={levels.get(level, NO_LEVEL_TEXT)}\n"
        f"1000\nmangd={_amount(amount, units[code])}\n"
        f"1000\nandel_inom={share:.4f}\n1000\ndelvis_inom={'ja' if partly else 'nej'}\n"
        f"1000\nblad={sheet}\n"
        for object_id, nr, code, level, amount, share, partly, sheet in columns
    ]


def _amount(amount: float, unit: str) -> str:
    return f"{amount:.0f} st" if unit == "st" else f"{amount:.2f} {unit}"


def _xdata_value(text: str) -> str:
    """Free text as one line that keeps its "key=value" string within the DXF's 255 bytes."""
    line = _CONTROL.sub(" ", text)
    return line.encode()[:_XDATA_VALUE_MAX_BYTES].decode(errors="ignore")


def _vertex_tags(coordinates: _Coordinates) -> list[str]:
    return [f" 10\n{x!r}\n 20\n{y!r}\n" for x, y in coordinates.tolist()]


def _write_areas(
    writer: _EntityWriter,
    layer: str,
    product: Product,
    geometries: npt.NDArray[np.object_],
    xdata: list[str],
) -> None:
    symbology = product.symbologi
    outline = _style(symbology.linjefarg)
    opacity = symbology.fyllnadsopacitet
    transparency = None if opacity is None else 1 - opacity
    fill = _style(symbology.fyllnadsfarg or symbology.linjefarg, transparency)
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    coordinates, vertex_owner = shapely.get_coordinates(rings, return_index=True)
    tags = _vertex_tags(coordinates)
    # A ring repeats its first vertex at the end; DXF closes it with a flag instead.
    ends = np.append(np.flatnonzero(np.diff(vertex_owner)) + 1, len(coordinates))
    starts = np.insert(ends[:-1], 0, 0)
    polygon_rings: list[list[tuple[str, int]]] = [[] for _ in range(len(parts))]
    for owner, start, end in zip(ring_owner.tolist(), starts.tolist(), ends.tolist(), strict=True):
        polygon_rings[owner].append(("".join(tags[start : end - 1]), end - 1 - start))
    for polygon, owner in enumerate(part_owner.tolist()):
        writer.hatch(layer, fill, polygon_rings[polygon], xdata[owner])
        for vertices, count in polygon_rings[polygon]:
            writer.polyline(layer, outline, vertices, count, True, xdata[owner])


def _write_lines(
    writer: _EntityWriter, layer: str, geometries: npt.NDArray[np.object_], xdata: list[str]
) -> None:
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    coordinates, vertex_owner = shapely.get_coordinates(parts, return_index=True)
    tags = _vertex_tags(coordinates)
    ends = np.append(np.flatnonzero(np.diff(vertex_owner)) + 1, len(coordinates))
    starts = np.insert(ends[:-1], 0, 0)
    for owner, start, end in zip(part_owner.tolist(), starts.tolist(), ends.tolist(), strict=True):
        vertices = "".join(tags[start:end])
        writer.polyline(layer, "", vertices, end - start, False, xdata[owner])


def _write_points(
    writer: _EntityWriter,
    layer: str,
    block: str,
    geometries: npt.NDArray[np.object_],
    xdata: list[str],
) -> None:
    for (x, y), extended in zip(shapely.get_coordinates(geometries).tolist(), xdata, strict=True):
        writer.point(layer, x, y, extended)
        writer.insert(layer, block, x, y, extended)


def _split_at_end_of_entities(doc: Drawing) -> tuple[str, str]:
    """The drawing as DXF text, cut where the ENTITIES section ends."""
    text = io.StringIO()
    doc.write(text)
    dxf = text.getvalue()
    section = dxf.index("\n  2\nENTITIES\n")
    end = dxf.index("  0\nENDSEC\n", section)
    return dxf[:end], dxf[end:]


def _marker_block(doc: Drawing, layer: str, product: Product) -> str:
    """A block drawing the product's marker around (0, 0): fill, then outline."""
    symbology = product.symbologi
    size = (symbology.markorstorlek or 10) * METRES_PER_MARKER_PIXEL
    name = f"{layer}_markor"
    block = doc.blocks.new(name)
    fill_colour = symbology.fyllnadsfarg or symbology.linjefarg
    hatch = block.add_hatch(dxfattribs={"layer": "0"})
    hatch.set_solid_fill(color=nearest_aci(fill_colour), rgb=_rgb(fill_colour))
    if symbology.fyllnadsopacitet is not None:
        hatch.transparency = 1 - symbology.fyllnadsopacitet
    outline = {
        "layer": "0",
        "color": nearest_aci(symbology.linjefarg),
        "true_color": colors.rgb2int(_rgb(symbology.linjefarg)),
    }
    if symbology.markor in (None, "circle"):
        hatch.paths.add_edge_path().add_arc((0, 0), size / 2, 0, 360)
        block.add_circle((0, 0), size / 2, dxfattribs=outline)
    else:
        points = _marker_outline(symbology.markor, size)
        hatch.paths.add_polyline_path(points, is_closed=True)
        block.add_lwpolyline(points, format="xy", close=True, dxfattribs=outline)
    return name


def _marker_outline(marker: str, size: float) -> list[tuple[float, float]]:
    """The marker's outline, centred on (0, 0) and size across, as the web map draws it."""
    r = size / 2
    if marker == "square":
        return [(-r, -r), (r, -r), (r, r), (-r, r)]
    if marker == "triangle":
        return [(0, r), (r, -r), (-r, -r)]
    if marker == "diamond":
        return [(0, r), (r, 0), (0, -r), (-r, 0)]
    if marker == "star":
        angles = np.pi / 2 - np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, r, r * 0.45)
        return list(
            zip((radii * np.cos(angles)).tolist(), (radii * np.sin(angles)).tolist(), strict=True)
        )
    # cross: a plus sign with arms a fifth of its size wide
    t = size / 10
    return [
        (-t, r), (t, r), (t, t), (r, t), (r, -t), (t, -t),
        (t, -r), (-t, -r), (-t, -t), (-r, -t), (-r, t), (-t, t),
    ]  # fmt: skip


def _add_boundary(doc: Drawing, contents: PackageContents) -> None:
    layer = doc.layers.add(BOUNDARY_LAYER, color=nearest_aci(BOUNDARY_COLOUR))
    layer.rgb = _rgb(BOUNDARY_COLOUR)
    layer.description = f"Driftområde {contents.area.name}"
    layer.dxf.lineweight = 50
    attributes = {"layer": BOUNDARY_LAYER}
    for ring in shapely.get_rings(shapely.get_parts(contents.area.geom)):
        points = shapely.get_coordinates(ring)[:-1].tolist()
        doc.modelspace().add_lwpolyline(points, format="xy", close=True, dxfattribs=attributes)


def _set_extents(doc: Drawing, contents: PackageContents) -> None:
    bounds = np.array(contents.area.geom.bounds)
    if len(contents.objects):
        objects = np.asarray(contents.objects.total_bounds)
        bounds = np.concatenate(
            [np.minimum(bounds[:2], objects[:2]), np.maximum(bounds[2:], objects[2:])]
        )
    x0, y0, x1, y1 = bounds.tolist()
    msp = doc.modelspace()
    # ezdxf copies the modelspace's extents into $EXTMIN/$EXTMAX when it writes the header.
    msp.dxf.extmin = (x0, y0, 0.0)
    msp.dxf.extmax = (x1, y1, 0.0)
    doc.set_modelspace_vport(height=(y1 - y0) * 1.05, center=((x0 + x1) / 2, (y0 + y1) / 2))
