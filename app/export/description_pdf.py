"""The package's skötselbeskrivning as an A4 PDF: per product in the area, what is done at each
of its quality levels and how often (see description_rows for which levels are shown)."""

from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.analysis.report.pdf_style import (
    MARGIN,
    NOTE_FILL,
    PAGE_WIDTH,
    STYLES,
    TEXT_WIDTH,
    NumberedCanvas,
    escape,
    list_table_style,
    paragraph,
    register_fonts,
)
from app.export.contents import PackageContents
from app.export.description_rows import (
    EXAMPLE_NOTICE,
    SEASON_NOTE,
    DescribedLevel,
    DescribedProduct,
    any_example_data,
    described_products,
)
from app.export.pdf_map import FONT, FONT_BOLD, INK

PAGE_HEIGHT = A4[1]
TITLE = "Skötselbeskrivning"
_COLUMNS = ("Moment", "Utförande", "Frekvens")
_WIDTHS = (38 * mm, TEXT_WIDTH - 38 * mm - 52 * mm, 52 * mm)
_PRODUCT = ParagraphStyle("product", parent=STYLES["h2"], fontSize=13, leading=16, spaceBefore=8)
_LEVEL = ParagraphStyle("level", parent=STYLES["h2"], fontSize=9.5, leading=12, spaceBefore=2)


def write_description_pdf(contents: PackageContents, out: BinaryIO) -> None:
    """Write the skötselbeskrivning of the package's products as an A4 portrait PDF."""
    register_fonts()
    name = contents.area.name
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{TITLE} för {name}",
        author=contents.area.client,
        subject="Skötselbeskrivning för driftområde",
    )
    products = described_products(contents)
    story = _front(contents, products)
    for described in products:
        story += _product(described)
    if not products:
        story.append(paragraph("Inga skötselobjekt i området."))
    edges = _page_edges(contents)
    document.build(story, onFirstPage=edges, onLaterPages=edges, canvasmaker=NumberedCanvas)


def _front(contents: PackageContents, products: Sequence[DescribedProduct]) -> list[Flowable]:
    area, created = contents.area, contents.created
    period = f"{area.contract_start:%Y-%m-%d} – {area.contract_end or 'tills vidare'}"
    story: list[Flowable] = [
        paragraph(f"{TITLE} för {area.name}", "title"),
        Spacer(0, 3 * mm),
        paragraph(f"Beställare (huvudman): {area.client}"),
        paragraph(f"Utförare: {area.performer}"),
        paragraph(f"Avtalsperiod: {period}"),
        paragraph(f"Data per {created:%Y-%m-%d} kl. {created:%H:%M}"),
        Spacer(0, 3 * mm),
    ]
    if any_example_data(products):
        story += [_note(EXAMPLE_NOTICE), Spacer(0, 3 * mm)]
    story += [
        paragraph(
            "Vad som ska göras och hur ofta, per skötselprodukt i driftområdet och per"
            " kvalitetsnivå som områdets skötselobjekt har. Produkterna står i katalogens ordning;"
            " mängderna finns i mängdförteckningen."
        ),
        paragraph(SEASON_NOTE),
    ]
    return story


def _product(described: DescribedProduct) -> list[Flowable]:
    product = described.product
    heading = [
        Paragraph(escape(f"{product.kod} {product.namn}"), _PRODUCT),
        paragraph(product.beskrivning),
        Spacer(0, 1.5 * mm),
    ]
    notes = [paragraph(text, "small") for text in _product_notes(described)]
    levels = [_level(level) for level in described.levels]
    if not levels:
        notes.append(paragraph("Ingen skötselbeskrivning finns för produkten."))
    # The heading stays with the first level's table, never alone at the foot of a page. (Not
    # nested: a KeepTogether inside another one starts a new page each time.)
    first = KeepTogether([*heading, *notes, *(levels[0] if levels else [])])
    return [first, *(KeepTogether(level) for level in levels[1:])]


def _product_notes(described: DescribedProduct) -> list[str]:
    notes = []
    if described.all_levels_shown and described.levels:
        notes.append(
            "Områdets objekt har ingen angiven kvalitetsnivå; produktens alla nivåer visas."
        )
    elif described.objects_without_level:
        notes.append(
            f"{described.objects_without_level} av {described.objects} objekt har ingen angiven"
            " kvalitetsnivå."
        )
    return notes


def _level(level: DescribedLevel) -> list[Flowable]:
    """A level's title and its table of tasks, to be kept together on a page."""
    count = f" – {level.objects} objekt" if level.objects else ""
    example = " (exempeldata)" if any(task.example_data for task in level.tasks) else ""
    title = Paragraph(escape(f"Kvalitetsnivå {level.level}{count}{example}"), _LEVEL)
    if not level.tasks:
        return [
            title,
            paragraph("Nivån saknar beskrivning i kvalitetsnivåerna."),
            Spacer(0, 2 * mm),
        ]
    rows = [_COLUMNS, *((t.task, t.how, t.frequency) for t in level.tasks)]
    return [Spacer(0, 1 * mm), title, Spacer(0, 1 * mm), _table(rows)]


def _table(rows: Sequence[Sequence[str]]) -> Table:
    cells = [
        [Paragraph(escape(value), STYLES["head" if r == 0 else "cell"]) for value in row]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=list(_WIDTHS), repeatRows=1, hAlign="LEFT")
    table.setStyle(list_table_style())
    return table


def _note(text: str) -> Table:
    """A notice on a pale yellow box, as the report's example-data warning."""
    box = Table([[paragraph(text)]], colWidths=[TEXT_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL),
                ("BOX", (0, 0), (-1, -1), 0.6, HexColor("#b08000")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return box


def _page_edges(contents: PackageContents) -> Callable[[Canvas, Any], None]:
    """Draw the running header (area and title) and footer (date) on every page."""
    header = f"{TITLE} – {contents.area.name}"
    footer = f"{contents.area.client} – data per {contents.created:%Y-%m-%d}"

    def draw(canvas: Canvas, _document: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(INK)
        canvas.setFillColor(INK)
        canvas.setLineWidth(0.4)
        top = PAGE_HEIGHT - MARGIN
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(MARGIN, top, header)
        canvas.line(MARGIN, top - 1.5 * mm, PAGE_WIDTH - MARGIN, top - 1.5 * mm)
        canvas.line(MARGIN, MARGIN + 2 * mm, PAGE_WIDTH - MARGIN, MARGIN + 2 * mm)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, MARGIN - 1.5 * mm, footer)
        canvas.restoreState()

    return draw
