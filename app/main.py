"""The FastAPI application: routers, lifespan (engine), error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.analysis.cache import AnalysisCache
from app.analysis.prices_router import router as prices_router
from app.analysis.report.router import router as analysis_report_router
from app.analysis.router import router as analysis_router
from app.analysis.sports_router import router as sports_router
from app.analysis.visits import visit_frequencies
from app.analysis.whatif_router import router as whatif_router
from app.analysis.zones_router import router as zones_router
from app.areas.router import router as areas_router
from app.catalogue.router import router as catalogue_router
from app.core.api_docs import install_api_docs
from app.core.cors import ReadOnlyCorsMiddleware
from app.core.db import make_pool, make_sync_engine
from app.core.headers import SecurityHeadersMiddleware
from app.core.limits import RequestLimitsMiddleware, install_limit_handlers
from app.core.openapi30 import install_openapi30
from app.core.paths import FRONTEND_DIST
from app.core.problems import install_problem_handlers
from app.core.public_url import listed
from app.core.rate_limit import RateLimitMiddleware
from app.core.read_your_writes import ReadRouterRef, ReadYourWritesMiddleware, WriteMarks
from app.core.replicas import ReadRouter
from app.core.request_checks import RejectNulMiddleware
from app.core.settings import Settings, get_settings
from app.delivery.worker import DeliveryWorker
from app.editing.router import router as editing_router
from app.export.router import router as export_router
from app.features.router import router as features_router
from app.health.router import router as health_router
from app.history.router import router as history_router
from app.imports.router import router as imports_router
from app.mapui.pages import router as pages_router
from app.mapui.router import router as map_router
from app.municipality.boundary import warn_when_boundary_missing
from app.open311.router import router as open311_router
from app.organisations.router import router as organisations_router
from app.reports.retention import DailyRetention
from app.reports.router import router as reports_router
from app.responsibility.router import router as responsibility_router
from app.signin.router import api_router as signin_api_router
from app.signin.router import browser_router as signin_router
from app.styles.router import router as styles_router

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (from the environment by default)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Reviewed data the what-if reads: a broken file stops the start, naming its line.
        visit_frequencies()
        pool = make_pool(settings)
        # Opening does not wait for connections, and the engine connects lazily, so a database
        # that is down does not stop the service from starting: requests get a clear 503.
        await pool.open(wait=False)
        app.state.pool = pool
        # Standbys for the reads that tolerate a little lag (none configured: all on pool).
        read_router = ReadRouter(settings, pool)
        await read_router.open()
        app.state.read_router.router = read_router
        # Work shared with the command line (imports, catalogue, organisations) is synchronous.
        engine = make_sync_engine(settings)
        app.state.sync_engine = engine
        await warn_when_boundary_missing(
            engine, settings.municipality_code, timeout_s=settings.connect_timeout_s
        )
        # One delivery worker per process; SKIP LOCKED keeps them apart (app.delivery.worker).
        delivery = DeliveryWorker(settings) if settings.delivery_in_service else None
        if delivery is not None:
            delivery.start()
        retention = (
            DailyRetention(pool, settings.gallring_dagar) if settings.retention_in_service else None
        )
        if retention is not None:
            retention.start()
        try:
            yield
        finally:
            if retention is not None:
                await retention.stop()
            if delivery is not None:
                await delivery.stop()
            app.state.read_router.router = None
            await read_router.close()
            await pool.close()
            engine.dispose()

    app = FastAPI(
        title="Ansvarskartan",
        summary="Vem sköter den här platsen? Skötselansvar i Huddinge kommun.",
        version="0.1.0",
        lifespan=lifespan,
        # /docs is served from the service's own files (app.core.api_docs); no ReDoc.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.read_router = ReadRouterRef()
    app.state.write_marks = WriteMarks(settings.read_your_writes_s)
    app.state.analysis_cache = AnalysisCache(timeout_ms=settings.analysis_timeout_ms)
    install_problem_handlers(app)
    install_limit_handlers(app)
    _add_middleware(app, settings)
    install_openapi30(app)
    install_api_docs(app)
    app.include_router(health_router)
    app.include_router(styles_router, prefix=API_PREFIX)
    app.include_router(catalogue_router, prefix=API_PREFIX)
    app.include_router(organisations_router, prefix=API_PREFIX)
    app.include_router(responsibility_router, prefix=API_PREFIX)
    app.include_router(map_router, prefix=API_PREFIX)
    app.include_router(history_router, prefix=API_PREFIX)
    app.include_router(editing_router, prefix=API_PREFIX)
    app.include_router(areas_router, prefix=API_PREFIX)
    app.include_router(export_router, prefix=API_PREFIX)
    app.include_router(imports_router, prefix=API_PREFIX)
    app.include_router(reports_router, prefix=API_PREFIX)
    app.include_router(analysis_router, prefix=API_PREFIX)
    app.include_router(prices_router, prefix=API_PREFIX)
    app.include_router(zones_router, prefix=API_PREFIX)
    app.include_router(sports_router, prefix=API_PREFIX)
    app.include_router(whatif_router, prefix=API_PREFIX)
    app.include_router(analysis_report_router, prefix=API_PREFIX)
    app.include_router(signin_api_router, prefix=API_PREFIX)
    app.include_router(signin_router)
    app.include_router(features_router)
    app.include_router(open311_router)
    app.include_router(pages_router)

    if (FRONTEND_DIST / "index.html").exists():
        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="karta")
    else:

        @app.get("/", include_in_schema=False)
        async def map_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT, status_code=503)

    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    # Starlette runs the middleware added last first: security headers on every answer, then
    # the client's true address, CORS, the rate limit, the request limits, the NUL check, and
    # innermost the note of a write's WAL position (with standbys only).
    app.add_middleware(
        ReadYourWritesMiddleware, router=app.state.read_router, marks=app.state.write_marks
    )
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(RequestLimitsMiddleware, body_idle_timeout_s=settings.body_idle_timeout_s)
    if settings.rate_limit_per_s > 0:
        app.add_middleware(
            RateLimitMiddleware,
            rate_per_s=settings.rate_limit_per_s,
            burst=settings.rate_limit_burst,
        )
    app.add_middleware(ReadOnlyCorsMiddleware, styles_prefix=API_PREFIX)
    proxies = listed(settings.trusted_proxies)
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.add_middleware(SecurityHeadersMiddleware, basemap_url=settings.basemap_url)


_NOT_BUILT = """<!doctype html><html lang="sv"><meta charset="utf-8"><title>Ansvarskartan</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Kartan är inte byggd</h1><p>Bygg den med <code>make demo</code> (eller
<code>make frontend</code>). API:t finns på <a href="/docs">/docs</a>.</p></body></html>"""
