"""Samordningsanalysen som rapport över HTTP: XLSX och PDF att ladda ner."""

import io
from collections.abc import Callable
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import ReadAccess
from app.analysis.cache import AnalysisCache
from app.analysis.quantities import DEFAULT_CELL_M, MAX_CELL_M, MIN_CELL_M
from app.analysis.report.contents import ReportContents, ReportParameters, gather_report
from app.analysis.report.pdf import write_report_pdf
from app.analysis.report.xlsx import write_report_xlsx
from app.core.db import ReadConnectionDep

router = APIRouter(tags=["samordning"], dependencies=[ReadAccess])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"

CellSize = Annotated[
    int,
    Query(
        ge=MIN_CELL_M,
        le=MAX_CELL_M,
        description=f"Rutornas storlek i meter ({MIN_CELL_M}–{MAX_CELL_M}) för blandningsindexet",
    ),
]
ZoneDistance = Annotated[
    float,
    Query(ge=5, le=1000, description="Avståndet (eps) i meter som binder ihop en zon (5–1000)"),
]


def report_file_name(contents: ReportContents, suffix: str) -> str:
    """samordningsanalys-<YYYY-MM-DD>.<suffix>, dated in Sweden's today."""
    return f"samordningsanalys-{contents.created:%Y-%m-%d}.{suffix}"


def _binary(media_type: str, what: str) -> dict[int | str, dict[str, object]]:
    return {
        200: {
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            "description": what,
        }
    }


async def _file(
    request: Request,
    conn: ReadConnectionDep,
    parameters: ReportParameters,
    write: Callable[[ReportContents, BinaryIO], None],
    media_type: str,
    suffix: str,
) -> Response:
    code = request.app.state.settings.municipality_code
    cache: AnalysisCache = request.app.state.analysis_cache
    # One gathering serves both files (a manager downloads the XLSX and then the PDF).
    contents = await cache.get(
        conn, ("rapport", parameters, code), lambda: gather_report(conn, parameters, code, cache)
    )
    buffer = io.BytesIO()
    # Writing the file is CPU work; the event loop keeps answering meanwhile.
    await run_in_threadpool(write, contents, buffer)
    name = report_file_name(contents, suffix)
    return Response(
        buffer.getvalue(),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/samordning/rapport.xlsx",
    summary="Samordningsanalysen som XLSX: sammanfattning, per organisation, zoner, matris,"
    " parametrar och källor",
    response_class=Response,
    responses=_binary(XLSX_MEDIA_TYPE, "Arbetsbok (XLSX)"),
)
async def report_xlsx(
    request: Request,
    conn: ReadConnectionDep,
    ruta_m: CellSize = DEFAULT_CELL_M,
    avstand_m: ZoneDistance = 100.0,
) -> Response:
    """The whole-municipality analysis as a workbook, numbers as numbers."""
    parameters = ReportParameters(ruta_m=ruta_m, avstand_m=avstand_m)
    return await _file(request, conn, parameters, write_report_xlsx, XLSX_MEDIA_TYPE, "xlsx")


@router.get(
    "/samordning/rapport.pdf",
    summary="Samordningsanalysen som PDF (A4): sammanfattning, kartor, diagram, matris och zoner",
    response_class=Response,
    responses=_binary(PDF_MEDIA_TYPE, "Rapport (PDF, A4)"),
)
async def report_pdf(
    request: Request,
    conn: ReadConnectionDep,
    ruta_m: CellSize = DEFAULT_CELL_M,
    avstand_m: ZoneDistance = 100.0,
) -> Response:
    """The whole-municipality analysis as a printable report with maps and charts."""
    parameters = ReportParameters(ruta_m=ruta_m, avstand_m=avstand_m)
    return await _file(request, conn, parameters, write_report_pdf, PDF_MEDIA_TYPE, "pdf")
