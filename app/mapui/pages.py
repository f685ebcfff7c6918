"""The map's other pages at their own addresses: a report's public page, the inbox, a walk,
the coordination analysis."""

from pathlib import Path

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from app.core.paths import FRONTEND_DIST

router = APIRouter(include_in_schema=False)

# Served without caching: the built page names its hashed assets, which change with each build.
_NO_STORE = {"Cache-Control": "no-cache"}


def _page(name: str) -> FileResponse | HTMLResponse:
    built: Path = FRONTEND_DIST / f"{name}.html"
    if not built.exists():
        return HTMLResponse("Sidan är inte byggd (make frontend).", status_code=503)
    return FileResponse(built, media_type="text/html; charset=utf-8", headers=_NO_STORE)


@router.get("/felanmalan/{nummer}", response_model=None)
async def report_page(nummer: str = PathParam(max_length=30)) -> FileResponse | HTMLResponse:  # noqa: ARG001 (read by the page)
    """A report's public page; the page reads the number from its address."""
    return _page("felanmalan")


@router.get("/inkorg", response_model=None)
async def inbox_page() -> FileResponse | HTMLResponse:
    """The signed-in organisation's inbox."""
    return _page("inkorg")


@router.get("/trygghetsvandring/{protokoll}", response_model=None)
async def walk_page(protokoll: str = PathParam(max_length=30)) -> FileResponse | HTMLResponse:  # noqa: ARG001 (read by the page)
    """A safety walk's protocol, printable."""
    return _page("trygghetsvandring")


@router.get("/inloggning", response_model=None)
async def sign_in_page() -> FileResponse | HTMLResponse:
    """Sign in with the organisation's account, or with a token."""
    return _page("inloggning")


@router.get("/samordning", response_model=None)
async def analysis_page() -> FileResponse | HTMLResponse:
    """The coordination analysis for managers: mix, zones, quantities, costs, what-if."""
    return _page("samordning")
