"""HTTP: an operations area's package, for its contractor and the municipality's GIS staff, and
the client's own calculation (kalkyl) for GIS staff only."""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.access.principal import Principal, contractor_of, not_found_text, require_role
from app.areas.queries import area_name
from app.core.cluster_places import cluster_place
from app.core.db import ReadConnectionDep
from app.core.ids import RowIdPath
from app.core.problems import NotFound
from app.export.package import PackageFailed, ascii_slug
from app.export.worker import NOT_FOUND_EXIT

router = APIRouter(tags=["driftområden"])
ZIP_MEDIA_TYPE = "application/zip"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Packages are built one or two at a time across all service nodes: each build reads a whole
# area from the one primary, and more would only share the same processors.
MAX_CONCURRENT_BUILDS = 2
BUILD_PLACES = "ansvarskartan-paket"


async def _build(
    request: Request, area_id: int, contractor: int | None, target: Path, *, calculation: bool
) -> int:
    """Run the worker process; its exit code."""
    command = [sys.executable, "-m", "app.export.worker", str(area_id), str(target)]
    if contractor is not None:
        command += ["--utforare", str(contractor)]
    if calculation:
        command.append("--kalkyl")
    env = {"ANSVAR_DATABASE_URL": request.app.state.settings.database_url}
    async with cluster_place(request.app.state.pool, BUILD_PLACES, MAX_CONCURRENT_BUILDS):
        process = await asyncio.create_subprocess_exec(
            *command,
            env=dict(os.environ) | env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await process.communicate()
    if process.returncode not in (0, NOT_FOUND_EXIT):
        raise PackageFailed(
            "Paketet kunde inte skapas; försök igen eller kontakta GIS-gruppen.",
            orsak=errors.decode(errors="replace").strip().splitlines()[-1:],
        )
    return process.returncode or 0


async def _download(
    request: Request,
    conn: ReadConnectionDep,
    principal: Principal,
    area_id: int,
    *,
    calculation: bool,
) -> FileResponse:
    """Build the package (or the calculation) in the worker and send it; removed once sent."""
    own = contractor_of(principal)
    missing = NotFound(not_found_text(principal, f"Driftområdet {area_id}"))
    found = await area_name(conn, area_id, own)
    if found is None:
        raise missing
    name, today = found
    folder = Path(tempfile.mkdtemp(prefix="ansvarskartan-paket-"))
    kind, suffix, media_type = (
        ("kalkyl", "xlsx", XLSX_MEDIA_TYPE) if calculation else ("", "zip", ZIP_MEDIA_TYPE)
    )
    stem = "_".join(part for part in (ascii_slug(name), kind, f"{today:%Y-%m-%d}") if part)
    target = folder / f"{stem}.{suffix}"
    try:
        if await _build(request, area_id, own, target, calculation=calculation) == NOT_FOUND_EXIT:
            raise missing
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type=media_type,
        filename=target.name,
        headers={"Cache-Control": "private, no-store"},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/driftomraden/{area_id}/paket",
    summary="Driftområdets paket: karta (PDF), mängdförteckning och GIS-filer i en zip",
    response_class=FileResponse,
    responses={
        200: {
            "content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Zip-fil",
        }
    },
)
async def package(
    area_id: RowIdPath,
    request: Request,
    principal: Annotated[Principal, Depends(require_role("gis", "admin", "entreprenor"))],
    conn: ReadConnectionDep,
) -> FileResponse:
    """The zip a contractor opens without us; another contractor's area does not exist (404)."""
    return await _download(request, conn, principal, area_id, calculation=False)


@router.get(
    "/driftomraden/{area_id}/kalkyl.xlsx",
    summary="Beställarens kalkyl: mängdförteckningen med analysens à-priser (gis, admin)",
    response_class=FileResponse,
    responses={
        200: {
            "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Excel-arbetsbok",
        }
    },
)
async def calculation(
    area_id: RowIdPath,
    request: Request,
    principal: Annotated[Principal, Depends(require_role("gis", "admin"))],
    conn: ReadConnectionDep,
) -> FileResponse:
    """The package's priced list filled in with the analysis' price list; never in the zip."""
    return await _download(request, conn, principal, area_id, calculation=True)
