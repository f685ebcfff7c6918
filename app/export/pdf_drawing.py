"""What the map PDF's modules draw with: the embedded fonts, the shared colours and paths built
from numpy arrays of vertices."""

import numpy as np
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.pathobject import PDFPathObject

from app.export.map_sheets import Coords

FONT, FONT_BOLD = "AnsvarSans", "AnsvarSans-Bold"
INK, BOUNDARY, SHEET_FRAME = HexColor("#1a1a1a"), HexColor("#202020"), HexColor("#1f4e9c")
OUTSIDE = HexColor("#d4d4d4")
FILL_EVEN_ODD, FILL_NON_ZERO = 0, 1  # reportlab's fill modes


def register_fonts() -> None:
    """Register the map's fonts with reportlab (once)."""
    # Bitstream Vera ships with reportlab: an embedded TrueType font with å, ä, ö and no
    # dependency on the fonts of the machine.
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))


_OPERATORS = np.array(["l", "m", "l h", "m h"])  # by start + 2 × (end of a closed ring)


def numpy_path(coords: Coords, index: Coords, closed: bool) -> PDFPathObject:
    """A reportlab path of vertices (page points) grouped into rings or lines by index."""
    starts = np.ones(len(index), dtype=bool)
    starts[1:] = index[1:] != index[:-1]
    ends = np.ones(len(index), dtype=bool)
    ends[:-1] = starts[1:]
    operators = _OPERATORS[starts.astype(int) + 2 * (ends & closed)]
    # A tenth of a point is finer than print; formatting rounded floats with repr is the
    # fastest way to write large paths (they stay far below repr's exponent notation).
    tokens = [""] * (3 * len(coords))
    tokens[0::3] = map(repr, coords[:, 0].round(1).tolist())
    tokens[1::3] = map(repr, coords[:, 1].round(1).tolist())
    tokens[2::3] = operators.tolist()
    return PDFPathObject(code=[" ".join(tokens)] if tokens else [])
