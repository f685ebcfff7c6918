"""A fault report's public page in real Chromium: what it shows, what it never shows, and the
page of a number that does not exist."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.paths import FRONTEND_DIST, REPO_ROOT
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.report_browser import (
    LAPTOP,
    MISSING_RESOURCE,
    PHONE,
    REPORTS_URL,
    create_report,
    watched_page,
)

ARTIFACTS = REPO_ROOT / "artifacts"
BENCH = (60, 60)
PARK = "Miljö- och bygglovsförvaltningen, parkenheten"
TOKEN_NAME = "publik sida handlaggare"
CONTACT = {"namn": "Bertil Bengtsson", "epost": "bertil@example.org", "telefon": "08-123 456"}
DESCRIPTION = "Bänken vid lekplatsen saknar ryggstöd"
NOTE = "Ringde Bertil, skickar någon i morgon"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "felanmalan.html").exists(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def handled_report(engine: Engine, live_server: str, handmade_data: None) -> Iterator[str]:  # noqa: ARG001 (set up first)
    """A report with contact data, received by the park unit with a note; its number."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
        _, token = create_token(
            conn, name=TOKEN_NAME, role="handlaggare", organisation="parkenheten", days=1
        )
    report = create_report(
        live_server, BENCH, "trasig-mobel", beskrivning=DESCRIPTION, kontakt=CONTACT
    )
    response = httpx.post(
        f"{live_server}{REPORTS_URL}/{report['nummer']}/status",
        json={"status": "mottagen", "notering": NOTE},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    yield str(report["nummer"])
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM api_token WHERE namn = :n"), {"n": TOKEN_NAME})


@pytest.mark.parametrize(("device", "name"), [(LAPTOP, "dator"), (PHONE, "telefon")])
def test_the_public_page_shows_status_history_and_receiver_without_personal_data(
    browser: Browser, live_server: str, handled_report: str, device: dict[str, object], name: str
) -> None:
    with watched_page(browser, live_server, device) as page:
        page.goto(f"/felanmalan/{handled_report}")
        page.wait_for_selector("body[data-klar]", timeout=30_000)
        assert page.locator("h1").inner_text() == f"Felanmälan {handled_report}"
        assert page.title().startswith(f"Felanmälan {handled_report}: Trasig bänk/bord")
        facts = page.locator(".report-facts")
        assert "Trasig bänk/bord" in facts.inner_text()
        assert facts.locator(".report-status").inner_text() == "Mottagen"
        assert PARK in facts.inner_text()
        history = page.locator(".report-history li")
        assert history.count() >= 2, "reported, then received"
        assert "Mottagen" in history.last.inner_text()
        assert page.locator("#platskarta .report-marker").count() == 1
        assert page.locator(".report-no-basemap").is_visible(), "the tests' service has no base map"
        back = page.get_by_role("link", name="Visa platsen i Ansvarskartan")
        assert (back.get_attribute("href") or "").startswith("/#18/")
        html = page.content()
        for private in (*CONTACT.values(), DESCRIPTION, NOTE):
            assert private not in html, private
        assert page.evaluate("document.documentElement.scrollWidth") <= device["viewport"]["width"]  # type: ignore[index]
        assert serious_violations(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"felanmalan-sida-{name}.png"), full_page=True)


def test_the_link_back_opens_the_map_at_the_place_with_its_answer(
    browser: Browser, live_server: str, handled_report: str
) -> None:
    with watched_page(browser, live_server, LAPTOP) as page:
        page.goto(f"/felanmalan/{handled_report}")
        page.wait_for_selector("body[data-klar]", timeout=30_000)
        page.get_by_role("link", name="Visa platsen i Ansvarskartan").click()
        page.wait_for_selector("#svar[data-klar]", timeout=30_000)
        assert "parkenheten" in page.locator("#svar h2").inner_text()


def test_an_unknown_number_has_a_page_that_says_so(browser: Browser, live_server: str) -> None:
    with watched_page(browser, live_server, PHONE, allowed=(MISSING_RESOURCE,)) as page:
        response = page.goto("/felanmalan/F-2026-999999")
        assert response is not None
        page.wait_for_selector("body[data-klar]", timeout=30_000)
        assert page.locator("h1").inner_text() == "Felanmälan finns inte"
        assert "F-2026-999999" in page.locator("main").inner_text()
        assert page.get_by_role("link", name="Till kartan").get_attribute("href") == "/"
        assert page.title() == "Felanmälan finns inte – Ansvarskartan"
        assert serious_violations(page) == []
