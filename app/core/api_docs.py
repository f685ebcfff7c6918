"""/docs: Swagger UI from files the service serves itself, so it works without internet.

The map's build copies Swagger UI (the npm package swagger-ui-dist, pinned in
frontend/package.json) into frontend/dist/api-docs; nothing is fetched from a CDN.
"""

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.core.paths import FRONTEND_DIST

DOCS_URL = "/docs"
ASSETS_URL = "/docs/filer"
SWAGGER_UI_DIR = FRONTEND_DIST / "api-docs"
# No validator badge: Swagger UI would ask an outside service about every description.
_PARAMETERS = {"validatorUrl": None, "deepLinking": True, "displayRequestDuration": True}

_NOT_BUILT = """<!doctype html><html lang="sv"><meta charset="utf-8">
<title>Ansvarskartan – API-dokumentation</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>API-dokumentationen är inte byggd</h1><p>Bygg den med kartan: <code>make frontend</code>
(eller <code>make demo</code>). API-beskrivningen finns på
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


def install_api_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the built files (a Swedish note when they are missing)."""
    built = (SWAGGER_UI_DIR / "swagger-ui-bundle.js").exists()
    if built:
        app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_UI_DIR), name="api-docs")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        if not built:
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – API-dokumentation",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            swagger_ui_parameters=_PARAMETERS,
        )
