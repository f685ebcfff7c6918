"""/docs in real headless Chromium with every address outside the service blocked."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route, sync_playwright

from app.core import api_docs
from app.core.paths import FRONTEND_DIST
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import launch_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "api-docs").is_dir(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def test_docs_show_every_operation_without_internet(browser: Browser, live_server: str) -> None:
    operations = sum(
        len(item) for item in httpx.get(f"{live_server}/openapi.json").json()["paths"].values()
    )
    outside: list[str] = []

    def only_the_service(route: Route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", only_the_service)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    refused: list[str] = []  # what the Content-Security-Policy blocked
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() == operations
    assert page.get_by_text("Vem sköter den här punkten?").count() >= 1
    items = page.locator(".opblock").filter(has_text="/ogc/collections/{collection_id}/items")
    items.first.locator(".opblock-summary").click()
    page.wait_for_selector(".parameters-container .parameter__name", timeout=10_000)
    names = page.locator(".opblock.is-open .parameter__name").all_inner_texts()
    shown = {name.split()[0].rstrip("*") for name in names}
    assert {"bbox", "bbox-crs", "limit", "crs", "datetime", "huvudman"} <= shown
    context.close()
    assert outside == [], outside
    assert errors == [], errors
    assert refused == [], refused


def test_docs_say_how_to_build_them_when_they_are_not_built(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_docs, "SWAGGER_UI_DIR", tmp_path)
    with TestClient(create_app(settings)) as client:
        response = client.get("/docs")
    assert response.status_code == 503
    assert "make frontend" in response.text
    assert "/openapi.json" in response.text
