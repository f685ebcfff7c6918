"""The report PDF's page, fonts, colours and text: the tender map's style."""

from decimal import Decimal
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, TableStyle

from app.export.pdf_map import FONT, FONT_BOLD, INK

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
PALE = HexColor("#dce6f1")
RULE = HexColor("#b0b0b0")
NOTE_FILL = HexColor("#fff4d6")
CHART_BAR = HexColor("#2a788e")

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=20, leading=24, textColor=INK),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT_BOLD, fontSize=12, leading=15),
    "h2": ParagraphStyle(
        "h2",
        fontName=FONT_BOLD,
        fontSize=12,
        leading=15,
        spaceBefore=6,
        spaceAfter=4,
        textColor=INK,
    ),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7, leading=9, textColor=INK),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9, textColor=INK),
    "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=INK),
}


def list_table_style() -> TableStyle:
    """A list's look: a pale header row ruled below, hairlines between rows, tight padding."""
    return TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), PALE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def register_fonts() -> None:
    """The tender map's fonts: Bitstream Vera, shipped with reportlab, embedded."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))


def swedish_number(value: float | Decimal, decimals: int = 0) -> str:
    """A number as written in Swedish: a space between thousands, a decimal comma."""
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def kr_text(value: Decimal) -> str:
    """Kronor per year, whole, as the report writes them."""
    return f"{swedish_number(value)} kr/år"


def paragraph(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def value_text(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}".replace(".", ",")


class NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end, to write "Sida n av N" on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # What Canvas.showPage does after writing the page: begin the next, writing nothing.
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        """Number every page, then write the file."""
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFillColor(INK)
            self.setFont(FONT_BOLD, 8)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, MARGIN - 1.5 * mm, f"Sida {number} av {len(self._pages)}"
            )
            super().showPage()
        super().save()
