"""axe-core (from the frontend's npm packages) run in a Playwright page: WCAG 2.1 A and AA."""

from typing import Any

from playwright.sync_api import Page

from app.core.paths import REPO_ROOT

AXE_JS = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


def axe_violations(page: Page, context: str | None = None) -> list[dict[str, Any]]:
    """axe's violations of WCAG 2.1 A/AA on the page as it is now (or within a selector)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: a
        # <script> tag would be refused by the CSP the service sends (no inline scripts).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)",
        [context, options],
    )
    return list(result["violations"])


def serious_violations(page: Page, context: str | None = None) -> list[str]:
    """The serious and critical violations, one readable line each (empty when none)."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in v["nodes"][:5]
        )
        for v in axe_violations(page, context)
        if v.get("impact") in FAILING_IMPACTS
    ]
