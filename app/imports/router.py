"""HTTP for role gis: upload a file to import, and read what an import did."""

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal, ReadAccess, require_role
from app.db import PooledConnectionDep, make_sync_engine
from app.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from app.imports.areas import import_areas
from app.imports.objects import import_objects
from app.imports.ownership import import_ownership
from app.imports.parcels import import_parcels
from app.imports.record import ImportResult
from app.imports.transaction import run_import
from app.imports.upload import sniff_suffix, unpack

router = APIRouter(tags=["import"])
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
KINDS = ("fastigheter", "agare", "skotselobjekt", "driftomraden")


def _importer(kind: str, options: dict[str, Any]) -> Callable[[Connection], ImportResult]:
    """The import of one kind, with the options of the upload."""
    effective = datetime.now(UTC)
    who, full, layer, crs = options["who"], not options["delvis"], options["lager"], options["crs"]
    if kind == "fastigheter":
        return lambda conn: import_parcels(
            conn,
            options["path"],
            layer=layer,
            crs=crs,
            effective=effective,
            full=full,
            performed_by=who,
        )
    if kind == "agare":
        return lambda conn: import_ownership(
            conn, options["path"], effective=effective, full=full, performed_by=who
        )
    if kind == "skotselobjekt":
        if not (options["organisation"] and options["id_kolumn"] and options["kod_kolumn"]):
            raise InvalidInput("Ange organisation, id_kolumn och kod_kolumn.")
        return lambda conn: import_objects(
            conn,
            options["path"],
            options["organisation"],
            id_column=options["id_kolumn"],
            code_column=options["kod_kolumn"],
            quality_column=options["kvalitet_kolumn"],
            layers=[layer] if layer else None,
            crs=crs,
            effective=effective,
            full=full,
            performed_by=who,
        )
    return lambda conn: import_areas(conn, options["path"], layer=layer, crs=crs, performed_by=who)


def _run(settings: Any, kind: str, options: dict[str, Any], dry_run: bool) -> ImportResult:
    engine = make_sync_engine(settings)
    try:
        return run_import(engine, _importer(kind, options), dry_run=dry_run)
    finally:
        engine.dispose()


@router.post("/importer", summary="Ladda upp och importera en fil (gis)", status_code=201)
async def upload(
    request: Request,
    who: Annotated[Principal, Depends(require_role("gis", "admin"))],
    fil: Annotated[UploadFile, File(description="GeoPackage, zip, GeoJSON, GML, DXF eller CSV")],
    typ: Annotated[str, Form(description="fastigheter, agare, skotselobjekt eller driftomraden")],
    lager: Annotated[str | None, Form()] = None,
    crs: Annotated[str | None, Form()] = None,
    organisation: Annotated[str | None, Form()] = None,
    id_kolumn: Annotated[str | None, Form()] = None,
    kod_kolumn: Annotated[str | None, Form()] = None,
    kvalitet_kolumn: Annotated[str | None, Form()] = None,
    torrkorning: Annotated[bool, Form()] = False,
    delvis: Annotated[bool, Form()] = False,
) -> Response:
    """Run the import in one transaction and answer with its counts (or the dry run's)."""
    if typ not in KINDS:
        raise InvalidInput(f"typ ska vara en av {', '.join(KINDS)}.")
    if typ == "fastigheter" and lager is None:
        lager = "registerenhetsomradesyta"
    workdir = Path(tempfile.mkdtemp(prefix="ansvarskartan-import-"))
    try:
        head = await fil.read(512)
        suffix = sniff_suffix(head)
        if suffix is None:
            raise UnsupportedMediaType(
                "Filen är ingen GeoPackage, zip, GeoJSON, GML, DXF eller CSV."
            )
        stem = Path(fil.filename or "uppladdning").stem or "uppladdning"
        path = workdir / f"{stem}{suffix}"
        size = len(head)
        with path.open("wb") as out:
            out.write(head)
            while chunk := await fil.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise PayloadTooLarge(f"Filen är större än {MAX_UPLOAD_BYTES // 2**20} MB.")
                out.write(chunk)
        if suffix == ".zip":
            path = await run_in_threadpool(unpack, path, workdir / "uppackat")
        options = {
            "path": path,
            "lager": lager,
            "crs": crs,
            "organisation": organisation,
            "id_kolumn": id_kolumn,
            "kod_kolumn": kod_kolumn,
            "kvalitet_kolumn": kvalitet_kolumn,
            "delvis": delvis,
            "who": f"token:{who.token_id} {who.name}",
        }
        result = await run_in_threadpool(
            _run, request.app.state.settings, typ, options, torrkorning
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    body = {
        "import_id": None if torrkorning else result.import_id,
        "torrkorning": torrkorning,
        "nya": result.inserted,
        "andrade": result.updated,
        "oforandrade": result.unchanged,
        "avslutade": result.retired,
        "avvisade": result.rejected,
        "avvisningar": [{"objekt": r.ref, "orsak": r.reason} for r in result.rejections[:1000]],
    }
    return Response(orjson.dumps(body), status_code=201, media_type="application/json")


_RECORD_SQL = """
SELECT json_build_object(
  'id', k.id, 'typ', k.typ, 'status', k.status, 'fil', k.filnamn, 'sha256', k.sha256,
  'lager', k.lager, 'koordinatsystem', k.kalla_crs, 'startad', k.startad,
  'avslutad', k.avslutad, 'utford_av', k.utford_av, 'nya', k.antal_nya,
  'andrade', k.antal_andrade, 'oforandrade', k.antal_oforandrade,
  'avslutade', k.antal_avslutade, 'avvisade', k.antal_avvisade,
  'avvisningar', coalesce((SELECT json_agg(json_build_object('objekt', a.objekt_ref,
    'orsak', a.orsak) ORDER BY a.id) FROM importavvisning a WHERE a.import_id = k.id), '[]'))::text
FROM importkorning k WHERE k.id = %(id)s
"""


@router.get(
    "/importer/{import_id}",
    summary="Vad en import gjorde: status, antal och varje avvisat objekt",
    dependencies=[ReadAccess],
)
async def import_record(import_id: int, conn: PooledConnectionDep) -> Response:
    """The record of one import run."""
    row = await (await conn.execute(_RECORD_SQL, {"id": import_id})).fetchone()
    if row is None:
        raise NotFound(f"Importen {import_id} finns inte.")
    return Response(row[0].encode(), media_type="application/json")
