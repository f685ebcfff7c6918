"""/docs: Swagger UI from files the service serves itself, so it works without internet.

The map's build copies Swagger UI (the npm package swagger-ui-dist, pinned in
frontend/package.json) into frontend/dist/api-docs; nothing is fetched from a CDN. The page
starts Swagger UI from a script file of its own, not an inline script, so it holds to the
service's Content-Security-Policy (script-src 'self').
"""

import html

import orjson
from fastapi import FastAPI
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from app.access.principal import ReadAccess
from app.core.paths import FRONTEND_DIST

DOCS_URL = "/docs"
ASSETS_URL = "/docs/filer"
START_URL = "/docs/start.js"
SWAGGER_UI_DIR = FRONTEND_DIST / "api-docs"
# No validator badge: Swagger UI would ask an outside service about every description.
_PARAMETERS = {"validatorUrl": None, "deepLinking": True, "displayRequestDuration": True}

_NOT_BUILT = """<!doctype html><html lang="sv"><meta charset="utf-8">
<title>Ansvarskartan – API-dokumentation</title>
<body><h1>API-dokumentationen är inte byggd</h1><p>Bygg den med kartan: <code>make frontend</code>
(eller <code>make demo</code>). API-beskrivningen finns på
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


def _page(title: str) -> str:
    return f"""<!doctype html><html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="{ASSETS_URL}/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{START_URL}"></script>
</body></html>"""


def _start_script(openapi_url: str) -> str:
    parameters = swagger_ui_default_parameters | _PARAMETERS | {"url": openapi_url}
    return (
        f"const parameters = {orjson.dumps(parameters).decode()};\n"
        "parameters.presets = [\n"
        "  SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];\n"
        "window.ui = SwaggerUIBundle(parameters);\n"
    )


def install_api_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the built files (a Swedish note when they are missing).

    The page is a read like every other (ANSVAR_PUBLIC_READ); its files are Swagger UI's own.
    """
    built = (SWAGGER_UI_DIR / "swagger-ui-bundle.js").exists()
    if built:
        app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_UI_DIR), name="api-docs")

    @app.get(DOCS_URL, include_in_schema=False, dependencies=[ReadAccess])
    async def swagger_ui() -> HTMLResponse:
        if not built:
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return HTMLResponse(_page(f"{app.title} – API-dokumentation"))

    @app.get(START_URL, include_in_schema=False)
    async def swagger_ui_start() -> Response:
        script = _start_script(app.openapi_url or "/openapi.json")
        return Response(script, media_type="text/javascript")
