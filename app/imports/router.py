"""HTTP for role gis: upload a file to import, and read what an import did."""

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from app.access.principal import ImporterDep, Principal, require_role
from app.access.writer import bound_organisation, not_acting_for
from app.core.problems import (
    AppError,
    Forbidden,
    InvalidInput,
    NotFound,
    UnsupportedMediaType,
)
from app.imports.areas import import_areas
from app.imports.changes import import_report
from app.imports.objects import import_objects
from app.imports.ownership import import_ownership
from app.imports.parcels import PARCEL_LAYER, import_parcels
from app.imports.reading import user_crs
from app.imports.receive import ReceivedForm, receive_form
from app.imports.record import ImportResult
from app.imports.schemas import ImportAnswer, ImportRecord
from app.imports.transaction import ImportRun, run_import
from app.imports.upload import sniff_suffix, unpack
from app.imports.wording import over_http
from app.organisations.service import organisation_slug

router = APIRouter(tags=["import"])
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
KINDS = ("fastigheter", "agare", "skotselobjekt", "driftomraden")


LIST_LIMIT = 1000


def _importer(
    kind: str, options: dict[str, Any], principal: Principal
) -> Callable[[Connection], ImportResult]:
    """The import of one kind, with the options of the upload, as the principal may run it."""
    effective = datetime.now(UTC)
    who, full, layers, crs = options["who"], not options["delvis"], options["lager"], options["crs"]
    layer = layers[0] if layers else None
    if len(layers or []) > 1 and kind != "skotselobjekt":
        raise InvalidInput("Bara skötselobjekt kan läsas från flera lager samtidigt.")
    bound = bound_organisation(principal)
    if bound is not None and kind in ("fastigheter", "agare"):
        raise Forbidden(
            "Fastigheter och ägare gäller alla organisationer; en gis-token knuten till en "
            "organisation får inte importera dem."
        )
    if kind == "fastigheter":
        return lambda conn: import_parcels(
            conn,
            options["path"],
            layer=layer or PARCEL_LAYER,
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

        def objects(conn: Connection) -> ImportResult:
            _check_bound(conn, bound, options["organisation"])
            return import_objects(
                conn,
                options["path"],
                options["organisation"],
                id_column=options["id_kolumn"],
                code_column=options["kod_kolumn"],
                quality_column=options["kvalitet_kolumn"],
                layers=layers,
                crs=crs,
                effective=effective,
                full=full,
                performed_by=who,
            )

        return objects

    def areas(conn: Connection) -> ImportResult:
        client = organisation_slug(conn, bound) if bound is not None else None
        return import_areas(
            conn, options["path"], layer=layer, crs=crs, performed_by=who, client=client
        )

    return areas


def _check_bound(conn: Connection, bound: int | None, organisation: str) -> None:
    """A gis token bound to an organisation imports that organisation's objects only."""
    if bound is not None and organisation != organisation_slug(conn, bound):
        raise not_acting_for(
            organisation_slug(conn, bound), f"importera {organisation}s skötselobjekt"
        )


def import_answer(run: ImportRun) -> dict[str, Any]:
    """The JSON answer of an import: counts, and per kind the objects (the first of each)."""
    result = run.result
    body: dict[str, Any] = {
        "import_id": None if run.dry_run else result.import_id,
        "torrkorning": run.dry_run,
        "nya": result.inserted,
        "andrade": result.updated,
        "oforandrade": result.unchanged,
        "avslutade": result.retired,
        "avvisade": result.rejected,
        "reparerade": len(result.repairs),
        "behalls_avvisad_rad": result.kept,
        "objekt": run.changes.as_json(),
        # As before: the rejections with their reasons.
        "avvisningar": [
            {"objekt": r.ref, "orsak": r.reason, "behalls": r.kept}
            for r in result.rejections[:LIST_LIMIT]
        ],
    }
    if run.refusal is not None:
        body["varning"] = f"En riktig import skulle nekas: {run.refusal}"
    return body


_FLAGS = {"true": True, "1": True, "on": True, "yes": True, "false": False, "0": False}
_FLAGS |= {"off": False, "no": False, "": False}
_TEXT_FIELDS = ("crs", "organisation", "id_kolumn", "kod_kolumn", "kvalitet_kolumn")


def _field(description: str | None = None, **schema: Any) -> dict[str, Any]:
    return {"type": "string", **schema} | ({"description": description} if description else {})


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "title": "Uppladdning",
                "required": ["fil", "typ"],
                "properties": {
                    "fil": _field("GeoPackage, zip, GeoJSON, GML, DXF eller CSV", format="binary"),
                    "typ": _field("fastigheter, agare, skotselobjekt eller driftomraden"),
                    "lager": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Lager att läsa; kan anges flera gånger (skötselobjekt)",
                    },
                    **{name: _field() for name in _TEXT_FIELDS},
                    "torrkorning": {"type": "boolean", "default": False},
                    "delvis": {"type": "boolean", "default": False},
                    "tillat_avslut": {
                        "type": "boolean",
                        "default": False,
                        "description": "Bekräfta att importen får avsluta många objekt",
                    },
                },
            },
            "encoding": {"lager": {"style": "form", "explode": True}},
        }
    },
}


def _flag(form: ReceivedForm, name: str) -> bool:
    """A yes/no form field (false when it was not sent)."""
    value = form.one(name)
    if value is None:
        return False
    if value.strip().lower() not in _FLAGS:
        raise InvalidInput(f"Fältet {name} ska vara true eller false.")
    return _FLAGS[value.strip().lower()]


async def _saved_file(form: ReceivedForm, workdir: Path) -> Path:
    """The uploaded file under a name with the suffix its content shows (a zip unpacked)."""
    if form.file_path is None:
        raise InvalidInput("Fältet fil saknas; skicka filen som fil.")
    if form.file_size == 0:
        raise InvalidInput("Filen i fältet fil är tom.")
    with form.file_path.open("rb") as handle:
        head = handle.read(512)
    suffix = sniff_suffix(head)
    if suffix is None:
        raise UnsupportedMediaType("Filen är ingen GeoPackage, zip, GeoJSON, GML, DXF eller CSV.")
    stem = Path(Path(form.file_name or "").name).stem or "uppladdning"
    path = form.file_path.rename(workdir / f"{stem}{suffix}")
    if suffix == ".zip":
        path = await run_in_threadpool(unpack, path, workdir / "uppackat")
    return path


@router.post(
    "/importer",
    summary="Ladda upp och importera en fil (gis)",
    status_code=201,
    response_model=ImportAnswer,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload(
    request: Request, who: Annotated[Principal, Depends(require_role("gis", "admin"))]
) -> Response:
    """Run the import in one transaction and answer with what it did (or the dry run's)."""
    # The token is checked (from the headers only) before any of the body is read.
    workdir = Path(tempfile.mkdtemp(prefix="ansvarskartan-import-"))
    try:
        with over_http():
            run = await _receive_and_import(request, who, workdir)
    except AppError as exc:
        exc.detail = exc.detail.replace(f"{workdir}/", "").replace(str(workdir), "")
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Response(
        orjson.dumps(import_answer(run)), status_code=201, media_type="application/json"
    )


async def _receive_and_import(request: Request, who: Principal, workdir: Path) -> ImportRun:
    """The upload's form read from the stream into workdir, then imported in one transaction."""
    form = await receive_form(request, "fil", workdir / "uppladdning.del", MAX_UPLOAD_BYTES)
    typ = form.one("typ")
    if typ not in KINDS:
        raise InvalidInput(f"typ ska vara en av {', '.join(KINDS)}.")
    options: dict[str, Any] = {name: form.one(name) for name in _TEXT_FIELDS}
    if options["crs"]:
        user_crs(options["crs"])
    options |= {
        "path": await _saved_file(form, workdir),
        "lager": [name for name in form.fields.get("lager", []) if name.strip()] or None,
        "delvis": _flag(form, "delvis"),
        "who": f"token:{who.token_id} {who.name}",
    }
    importer = _importer(typ, options, who)
    return await run_in_threadpool(
        run_import,
        request.app.state.sync_engine,
        importer,
        dry_run=_flag(form, "torrkorning"),
        allow_retirement=_flag(form, "tillat_avslut"),
        limit=LIST_LIMIT,
    )


def _record(
    engine: Engine, import_id: int, limit: int, organisation: int | None
) -> dict[str, Any] | None:
    with engine.connect() as conn:
        return import_report(conn, import_id, limit, organisation)


@router.get(
    "/importer/{import_id}",
    summary="Vad en import gjorde: antal, och vilka objekt som är nya, ändrade, avslutade, "
    "lagade och avvisade (gis)",
    response_model=ImportRecord,
)
async def import_record(
    request: Request,
    import_id: int,
    who: ImporterDep,
    limit: Annotated[int, Query(ge=1, le=100_000, description="Objekt per slag")] = LIST_LIMIT,
) -> Response:
    """The record of one import run, with its objects per kind.

    For those who may import; a token bound to an organisation sees that organisation's
    imports only (any other is not found for it).
    """
    record = await run_in_threadpool(
        _record, request.app.state.sync_engine, import_id, limit, bound_organisation(who)
    )
    if record is None:
        raise NotFound(f"Importen {import_id} finns inte.")
    return Response(orjson.dumps(record), media_type="application/json")
