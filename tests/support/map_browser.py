"""What the map's browser tests share: pages on a phone and a laptop, and reading the map."""

from playwright.sync_api import FloatRect, Page

from tests.support.pages import LAPTOP, MISSING_RESOURCE, PHONE, open_map, view_of
from tests.support.pages import watched_page as map_page

__all__ = ["LAPTOP", "MISSING_RESOURCE", "PHONE", "map_page", "open_map", "view_of"]
Box = FloatRect


def answered(page: Page, before: str | None = None) -> None:
    """Wait until the panel shows an answer newer than `before` (its data-klar)."""
    page.wait_for_function(
        "(before) => { const k = document.getElementById('svar').dataset.klar;"
        " return k !== undefined && k !== before; }",
        arg=before,
        timeout=30_000,
    )


def click_map(page: Page, dx: float = 0.0, dy: float = 0.0) -> None:
    """Click (tap on a touch device) the map dx, dy pixels from its centre; wait for the answer."""
    box = box_of(page, "#karta")
    before = page.locator("#svar").get_attribute("data-klar")
    x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy
    if page.evaluate("navigator.maxTouchPoints > 0"):
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)
    answered(page, before)


def box_of(page: Page, selector: str) -> Box:
    """The bounding box of the first element matching selector (which must be shown)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )
