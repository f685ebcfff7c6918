"""The products' symbols on the map PDF: the same look as the web map (frontend/src/symbols.js),
from the catalogue's symbology, for the map's features and the legend's swatches."""

import math
from collections.abc import Sequence

import numpy as np
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from app.catalogue.schemas import Product
from app.export.map_sheets import Coords
from app.export.pdf_drawing import (
    BOUNDARY,
    FILL_NON_ZERO,
    FONT,
    FONT_BOLD,
    INK,
    SHEET_FRAME,
    numpy_path,
)
from app.export.pdf_labels import (
    NUMBER_SIZE,
    PARCEL_LINE,
    PARCEL_LINE_WIDTH,
    PARCEL_SIZE,
    PARCEL_TEXT,
    RING_COLOUR,
    RING_RADIUS,
    Label,
    draw_labels,
    ring_outline,
)

PX = 0.75  # the catalogue's sizes are screen pixels (1/96 inch); a point is 1/72 inch
SWATCH = 10 * mm  # a legend row's symbol, wide


def _style_area(canvas: Canvas, product: Product, factor: float) -> None:
    symbol = product.symbologi
    canvas.setFillColor(HexColor(symbol.fyllnadsfarg or symbol.linjefarg))
    canvas.setFillAlpha(symbol.fyllnadsopacitet if symbol.fyllnadsopacitet is not None else 0.5)
    _style_stroke(canvas, product, factor)


def _style_stroke(canvas: Canvas, product: Product, factor: float) -> None:
    symbol = product.symbologi
    canvas.setStrokeColor(HexColor(symbol.linjefarg))
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(symbol.linjebredd * PX * factor)
    canvas.setLineJoin(1)
    canvas.setLineCap(0 if symbol.streckmonster else 1)
    dashes = [float(n) * PX * factor for n in (symbol.streckmonster or "").split()]
    canvas.setDash(dashes or [], 0)


def _style_marker(canvas: Canvas, product: Product, factor: float) -> None:
    symbol = product.symbologi
    canvas.setFillColor(HexColor(symbol.fyllnadsfarg or symbol.linjefarg))
    canvas.setFillAlpha(symbol.fyllnadsopacitet if symbol.fyllnadsopacitet is not None else 1)
    canvas.setStrokeColor(HexColor(symbol.linjefarg))
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(symbol.linjebredd * PX * factor)
    canvas.setLineJoin(0)
    canvas.setDash([], 0)


def marker_outline(shape: str | None, size_px: float) -> Coords:
    """The marker's outline around (0, 0) in points, y up, as symbols.js draws it in pixels."""
    c = size_px / 2 + 1
    if shape == "square":
        h = c - 1.5
        outline = [(-h, h), (h, h), (h, -h), (-h, -h)]
    elif shape == "triangle":
        h = c - 1.5
        outline = [(0, h), (h, -h), (-h, -h)]
    elif shape == "diamond":
        h = c - 1
        outline = [(0, h), (h, 0), (0, -h), (-h, 0)]
    elif shape == "star":
        radii = [(c - 1) if i % 2 == 0 else (c - 1) * 0.45 for i in range(10)]
        angles = [math.pi / 2 - math.pi / 5 * i for i in range(10)]
        outline = [(r * math.cos(a), r * math.sin(a)) for r, a in zip(radii, angles, strict=True)]
    elif shape == "cross":
        arm, t = c - 1, max(2, c / 2.5) / 2
        outline = [(-t, arm), (t, arm), (t, t), (arm, t), (arm, -t), (t, -t), (t, -arm),
                   (-t, -arm), (-t, -t), (-arm, -t), (-arm, t), (-t, t)]  # fmt: skip
    else:  # circle, as a 16-gon: indistinguishable at marker size
        r = c - 1.5
        outline = [(r * math.cos(a), r * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 17)]
    return np.asarray(outline, dtype=np.float64) * PX


def _form_name(product: Product, factor: float) -> str:
    return f"marker-{product.kod}-{round(factor * 100)}"


def define_marker_forms(
    canvas: Canvas, products: Sequence[Product], factors: Sequence[float]
) -> None:
    """One form per point product and symbol size: a page then draws a marker as a short
    placement of it rather than as its outline's every vertex (a map has 200 000 markers)."""
    for product in products:
        if product.geometrityp != "punkt":
            continue
        symbol = product.symbologi
        for factor in factors:
            outline = marker_outline(symbol.markor, symbol.markorstorlek or 10) * factor
            reach = math.ceil(np.abs(outline).max() + symbol.linjebredd * PX * factor + 1)
            # The form draws in the state of where it is placed: colours, alpha and width.
            canvas.beginForm(_form_name(product, factor), -reach, -reach, reach, reach)
            path = numpy_path(outline, np.zeros(len(outline)), closed=True)
            canvas.drawPath(path, stroke=_stroked(product), fill=1, fillMode=FILL_NON_ZERO)
            canvas.endForm()


def _draw_markers(canvas: Canvas, product: Product, centres: Coords, factor: float) -> None:
    """The product's marker form placed at each centre (page points)."""
    if not len(centres):
        return
    form = _form_name(product, factor)
    name = "/" + xObjectName(form)
    rounded = centres.round(1)
    xs, ys = map(repr, rounded[:, 0].tolist()), map(repr, rounded[:, 1].tolist())
    places = [f"q 1 0 0 1 {x} {y} cm" for x, y in zip(xs, ys, strict=True)]
    canvas.addLiteral(places[0])
    canvas.doForm(form)  # the first through the canvas, so the page lists the form
    canvas.addLiteral(" ".join(["Q", *(f"{place} {name} Do Q" for place in places[1:])]))


def _marker_path(product: Product, centres: Coords, factor: float) -> PDFPathObject:
    symbol = product.symbologi
    outline = marker_outline(symbol.markor, symbol.markorstorlek or 10) * factor
    vertices = (centres[:, None, :] + outline[None, :, :]).reshape(-1, 2)
    index = np.repeat(np.arange(len(centres), dtype=np.float64), len(outline))
    return numpy_path(vertices, index, closed=True)


def marker_radius(product: Product) -> float:
    """Half a marker's size on a detail sheet, with its outline, in points."""
    symbol = product.symbologi
    return ((symbol.markorstorlek or 10) / 2 + 1 + symbol.linjebredd / 2) * PX


def _stroked(product: Product) -> int:
    # A width of 0 draws no outline on the web; in PDF it would be the thinnest line.
    return 1 if product.symbologi.linjebredd > 0 else 0


def draw_features(
    canvas: Canvas, product: Product, coords: Coords, index: Coords, factor: float
) -> None:
    stroke = _stroked(product)
    if product.geometrityp == "yta":
        _style_area(canvas, product, factor)
        path = numpy_path(coords, index, closed=True)
        canvas.drawPath(path, stroke=stroke, fill=1, fillMode=FILL_NON_ZERO)
    elif product.geometrityp == "linje":
        _style_stroke(canvas, product, factor)
        canvas.drawPath(numpy_path(coords, index, closed=False), stroke=stroke, fill=0)
    else:
        _style_marker(canvas, product, factor)
        _draw_markers(canvas, product, coords, factor)


def draw_swatch(canvas: Canvas, x: float, y: float, height: float, *, product: Product) -> None:
    """The legend symbol of a product, SWATCH wide, with its left middle at (x, y)."""
    if product.geometrityp == "yta":
        _style_area(canvas, product, 1)
        box = min(height * 0.8, 5 * mm)
        canvas.rect(x + 2, y - box / 2, SWATCH - 4, box, stroke=_stroked(product), fill=1)
    elif product.geometrityp == "linje":
        _style_stroke(canvas, product, 1)
        canvas.line(x + 2, y, x + SWATCH - 2, y)
    else:
        _style_marker(canvas, product, 1)
        path = _marker_path(product, np.array([[x + SWATCH / 2, y]]), 1)
        canvas.drawPath(path, stroke=_stroked(product), fill=1, fillMode=FILL_NON_ZERO)


def draw_boundary_swatch(canvas: Canvas, x: float, y: float, _height: float) -> None:
    canvas.setStrokeColor(BOUNDARY)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(2.2)
    canvas.setDash([], 0)
    canvas.line(x + 2, y, x + SWATCH - 2, y)


def draw_sheet_swatch(canvas: Canvas, x: float, y: float, height: float) -> None:
    box = min(height * 0.8, 5 * mm)
    canvas.setFillColor(white)
    canvas.setStrokeColor(SHEET_FRAME)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(0.9)
    canvas.setDash([], 0)
    canvas.rect(x + 2, y - box / 2, SWATCH - 4, box, stroke=1, fill=0)
    canvas.setFillColor(SHEET_FRAME)
    canvas.setFont(FONT_BOLD, 6)
    canvas.drawCentredString(x + SWATCH / 2, y - 2, "7")


def draw_parcel_swatch(canvas: Canvas, x: float, y: float, height: float) -> None:
    """Two parcels' thin grey boundaries with a designation in one of them."""
    box = min(height * 0.8, 5 * mm)
    canvas.setStrokeColor(PARCEL_LINE)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(PARCEL_LINE_WIDTH)
    canvas.setDash([], 0)
    canvas.rect(x + 2, y - box / 2, SWATCH - 4, box, stroke=1, fill=0)
    canvas.setFillColor(PARCEL_TEXT)
    canvas.setFont(FONT, PARCEL_SIZE)
    canvas.drawCentredString(x + SWATCH / 2, y - PARCEL_SIZE * 0.36, "12:3")


def draw_number_swatch(canvas: Canvas, x: float, y: float, _height: float) -> None:
    """An object's number with its halo on a fill."""
    canvas.setFillColor(HexColor("#8ec07c"))
    canvas.setFillAlpha(1)
    canvas.rect(x + 2, y - 2.2 * mm, SWATCH - 4, 4.4 * mm, stroke=0, fill=1)
    label = Label(x + SWATCH / 2 - 5.2, y - NUMBER_SIZE * 0.36, "123")
    draw_labels(canvas, [label], FONT_BOLD, NUMBER_SIZE, INK, halo=True)


def draw_ring_swatch(canvas: Canvas, x: float, y: float, height: float) -> None:
    """The ring around an object shown only on the overview (smaller in a tight legend)."""
    shrink = min(1.0, height * 0.4 / RING_RADIUS)
    outline = ring_outline() * shrink + np.array([x + SWATCH / 2, y])
    canvas.setStrokeColor(RING_COLOUR)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(1.2)
    canvas.setDash([], 0)
    index = np.zeros(len(outline))
    canvas.drawPath(numpy_path(outline, index, closed=True), stroke=1, fill=0)
