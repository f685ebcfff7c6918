"""The map by keyboard and under axe-core (WCAG 2.1 A and AA), in real Chromium on the
hand-made patch: every state a user meets fails on a serious or critical violation."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from app.core.paths import FRONTEND_DIST
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.map_browser import (
    LAPTOP,
    MISSING_RESOURCE,
    PHONE,
    answered,
    click_map,
    map_page,
    open_map,
    view_of,
)

DEVICES = [PHONE, LAPTOP]
DEVICE_IDS = ["phone", "laptop"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "index.html").exists(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(params=DEVICES, ids=DEVICE_IDS)
def device_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: str,
    handmade_data: None,  # noqa: ARG001 (set up first)
) -> Iterator[Page]:
    """The map on a phone and on a laptop."""
    device: dict[str, Any] = request.param
    with map_page(browser, live_server, device) as page:
        yield page


@pytest.fixture
def laptop(browser: Browser, live_server: str, handmade_data: None) -> Iterator[Page]:  # noqa: ARG001 (set up first)
    """A laptop page on the live server."""
    with map_page(browser, live_server, LAPTOP) as page:
        yield page


def _no_serious_violations(page: Page) -> None:
    assert serious_violations(page) == []


def _focused(page: Page) -> str:
    """The focused element, named as a test reads it: its id, else its accessible label."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement; return e.id || e.getAttribute('aria-label')"
            " || e.getAttribute('title') || e.textContent.trim() || e.tagName; }"
        )
    )


# axe on every state


def test_axe_start_view(device_page: Page) -> None:
    open_map(device_page, view_of((60, 60), 18))
    assert device_page.locator("#starttips").is_visible()
    _no_serious_violations(device_page)


def test_axe_an_answer(device_page: Page) -> None:
    open_map(device_page, view_of((60, 60), 19))
    click_map(device_page)
    _no_serious_violations(device_page)


def test_axe_an_answer_at_a_boundary(device_page: Page) -> None:
    open_map(device_page, view_of((100, 80), 19))
    click_map(device_page)
    assert device_page.locator("#svar .warning").is_visible()
    _no_serious_violations(device_page)


def test_axe_a_private_owners_answer(device_page: Page) -> None:
    open_map(device_page, view_of((180, 150), 19))
    click_map(device_page)
    _no_serious_violations(device_page)


def test_axe_the_search_with_suggestions(device_page: Page) -> None:
    open_map(device_page)
    device_page.fill("#sok", "testtrakt 1:")
    device_page.locator("#sokforslag li").first.wait_for(timeout=10_000)
    device_page.keyboard.press("ArrowDown")
    _no_serious_violations(device_page)


def test_axe_the_search_without_match(device_page: Page) -> None:
    open_map(device_page)
    device_page.fill("#sok", "Ingenstans 99:99")
    device_page.locator("#sokstatus").wait_for(state="visible", timeout=10_000)
    _no_serious_violations(device_page)


def test_axe_the_legend_open(browser: Browser, live_server: str) -> None:
    # On a laptop the legend is open from the start; on a phone it opens over the map.
    with map_page(browser, live_server, PHONE) as page:
        open_map(page, view_of((60, 60), 17))
        page.click("#visaforklaring")
        assert page.locator("#teckenforklaring").is_visible()
        _no_serious_violations(page)


def test_axe_a_notice_and_outside_the_municipality(browser: Browser, live_server: str) -> None:
    with map_page(browser, live_server, PHONE, allowed=(MISSING_RESOURCE,)) as page:
        open_map(page, "#14/59.250000/17.600000")
        click_map(page)
        page.click("#minposition")  # no permission to the position: a notice
        page.locator("#notis").wait_for(state="visible", timeout=10_000)
        _no_serious_violations(page)


# The keyboard


def test_every_control_is_reached_by_tab_in_order(laptop: Page) -> None:
    open_map(laptop, view_of((60, 60), 18))
    reached = []
    for _ in range(9):
        laptop.keyboard.press("Tab")
        reached.append(_focused(laptop))
    assert reached[:3] == ["sok", "minposition", "visaforklaring"]
    assert reached[3] == "Logga in", "the account corner of the header"
    assert reached[4:7] == ["karta", "Zooma in", "Zooma ut"]
    assert "organisation" in reached, "then the legend's filter"


def test_enter_answers_focus_moves_to_it_and_escape_closes_it(laptop: Page) -> None:
    open_map(laptop, view_of((60, 60), 19))
    laptop.focus("#karta")
    laptop.keyboard.press("Enter")
    answered(laptop)
    assert laptop.evaluate("document.activeElement === document.querySelector('#svar h2')")
    laptop.keyboard.press("Tab")
    assert laptop.evaluate("document.getElementById('svar').contains(document.activeElement)")
    laptop.keyboard.press("Escape")
    assert laptop.locator("#svar").is_hidden()
    assert _focused(laptop) == "karta", "back where the question was asked"
    assert len(laptop.evaluate("location.hash").split("/")) == 3, "no point in the address"


def test_an_answer_does_not_take_focus_from_the_search(laptop: Page) -> None:
    open_map(laptop, view_of((60, 60), 19))
    held: list[Route] = []
    laptop.route("**/api/v1/ansvar?*", lambda route: held.append(route))
    laptop.focus("#karta")
    laptop.keyboard.press("Enter")
    laptop.wait_for_function("document.querySelector('#svar .loading') !== null")
    laptop.focus("#sok")
    laptop.keyboard.type("Hud")
    assert held, "the answer is on its way"
    held[0].continue_()
    answered(laptop)
    assert _focused(laptop) == "sok"
    assert laptop.input_value("#sok") == "Hud"


def test_suggestions_by_keyboard_and_escape_closes_them_first(laptop: Page) -> None:
    open_map(laptop)
    laptop.focus("#sok")
    laptop.keyboard.type("testtrakt 1:")
    laptop.locator("#sokforslag li").first.wait_for(timeout=10_000)
    laptop.keyboard.press("ArrowDown")
    laptop.keyboard.press("ArrowDown")
    search = laptop.locator("#sok")
    assert search.get_attribute("aria-activedescendant") == "forslag-1"
    assert laptop.locator("#forslag-1").get_attribute("aria-selected") == "true"
    laptop.keyboard.press("Enter")
    answered(laptop)
    assert "HUDDINGE TESTTRAKT 1:2" in laptop.locator("#svar").inner_text()
    assert laptop.evaluate("document.activeElement === document.querySelector('#svar h2')")

    laptop.focus("#sok")
    laptop.fill("#sok", "testtrakt 1:")
    laptop.locator("#sokforslag li").first.wait_for(timeout=10_000)
    laptop.keyboard.press("Escape")
    assert laptop.locator("#sokforslag").is_hidden()
    assert laptop.locator("#svar").is_visible(), "the first Escape closes only the suggestions"
    assert search.get_attribute("aria-expanded") == "false"
