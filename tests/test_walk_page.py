"""A safety walk's protocol page in real headless Chromium: every remark of the batch, who
received it, its current status; printable; open to everyone, with descriptions only for the
signed-in receiver. The walk is made through the batch API on the hand-made patch."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, text

from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.reports.categories import read_categories, sync_categories
from tests.handmade import local_lonlat
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.signin import create_test_token, sign_in_with_token

ARTIFACTS = REPO_ROOT / "artifacts"
BENCH_PARK = (60, 60)
LAWN_HUGE = (150, 20)
GRAFFITI_PARK = (30, 80)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "trygghetsvandring.html").exists(), "build the pages: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def walk(live_server: str, engine: Engine, handmade_data: None) -> Iterator[dict[str, Any]]:  # noqa: ARG001 (set up first)
    """A walk of three remarks (two to the park unit, one to Huge), one of them since mottagen."""
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    walker = create_test_token(engine, "lasare", name="vandring promenad")
    handler = create_test_token(engine, "handlaggare", "parkenheten", name="vandring park")
    features = [
        (BENCH_PARK, "trasig-mobel", "Sitsen är lös."),
        (LAWN_HUGE, "nedskrapning", "Mycket skräp vid entrén."),
        (GRAFFITI_PARK, "klotter", "Klotter på elskåpet."),
    ]
    body = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(n),
                "geometry": {"type": "Point", "coordinates": list(local_lonlat(xy))},
                "properties": {"kategori": kategori, "beskrivning": description},
            }
            for n, (xy, kategori, description) in enumerate(features, start=1)
        ],
    }
    with httpx.Client(base_url=live_server, timeout=30) as client:
        made = client.post(
            "/api/v1/ansvar/batch",
            params={"skapa_felanmalan": "true"},
            json=body,
            headers={"Authorization": f"Bearer {walker}"},
        )
        assert made.status_code == 200, made.text
        answer = made.json()
        numbers = [row["felanmalan"]["nummer"] for row in answer["svar"]]
        changed = client.post(
            f"/api/v1/felanmalan/{numbers[0]}/status",
            json={"status": "mottagen"},
            headers={"Authorization": f"Bearer {handler}"},
        )
        assert changed.status_code == 200, changed.text
    yield {"protokoll": answer["protokoll"], "numbers": numbers, "handler": handler}
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'vandring %'"))


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A laptop-sized page; fails the test on any console error or uncaught exception."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == [], errors


def _open(page: Page, protocol: str) -> None:
    page.goto(f"/trygghetsvandring/{protocol}")
    page.wait_for_selector("main[data-klar]", timeout=30_000)


def _rows(page: Page) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.locator(".walk-table tbody tr").evaluate_all(
        """rows => rows.map(r => ({
            nummer: r.dataset.nummer,
            mottagare: r.querySelector('.walk-receiver').textContent,
            status: r.querySelector('.walk-status').textContent,
            text: r.querySelector('.walk-text')?.textContent ?? null,
        }))"""
    )
    return rows


def test_the_protocol_lists_every_remark_with_its_receiver_and_status(
    page: Page, walk: dict[str, Any]
) -> None:
    _open(page, walk["protokoll"])
    assert walk["protokoll"] in page.locator("h1").inner_text()
    rows = _rows(page)
    assert [r["nummer"] for r in rows] == walk["numbers"], "in the walk's order"
    assert [(r["mottagare"], r["status"]) for r in rows] == [
        ("Miljö- och bygglovsförvaltningen, parkenheten", "Mottagen"),
        ("Huge Bostäder AB", "Ny"),
        ("Miljö- och bygglovsförvaltningen, parkenheten", "Ny"),
    ]
    assert all(r["text"] is None for r in rows), "no descriptions for the public"
    assert "Sitsen" not in page.content()
    assert "3 anmärkningar" in page.locator(".walk-summary").inner_text()
    assert page.locator(".walk-map .report-pin").count() == 3
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trygghetsvandring.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".leaflet-control-zoom").is_visible(), "no map controls on paper"
    assert not page.locator(".print-button").is_visible()
    assert not page.locator(".topbar").is_visible()
    assert page.locator(".walk-table").is_visible()
    page.pdf(path=str(ARTIFACTS / "trygghetsvandring.pdf"))


def test_the_signed_in_receiver_also_sees_its_own_remarks_descriptions(
    browser: Browser, live_server: str, walk: dict[str, Any]
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    try:
        sign_in_with_token(context, live_server, walk["handler"])
        page = context.new_page()
        _open(page, walk["protokoll"])
        texts = [r["text"] for r in _rows(page)]
        assert texts == ["Sitsen är lös.", "–", "Klotter på elskåpet."], "Huge's stays hidden"
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "trygghetsvandring-mobil.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.usefixtures("walk")
def test_an_unknown_protocol_says_so(page: Page) -> None:
    _open(page, "P-2000-000001")
    assert "inga anmärkningar" in page.locator("main").inner_text()
    assert serious_violations(page) == []
