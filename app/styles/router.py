"""HTTP: the catalogue's styles for QGIS (.qml), SLD clients (GeoServer) and the web map."""

import hashlib
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.access.principal import ReadAccess
from app.catalogue.products import load_products
from app.core.problems import InvalidInput
from app.core.standby_reads import LaggedReadConnectionDep
from app.styles.look import GEOMETRY_KINDS
from app.styles.qml import layer_qml
from app.styles.schemas import WebStyles
from app.styles.sld import sld_document
from app.styles.web import web_styles

router = APIRouter(tags=["katalog"], dependencies=[ReadAccess])

QML_MEDIA_TYPE = "application/vnd.qgis.qml+xml"
SLD_MEDIA_TYPE = "application/vnd.ogc.sld+xml"
JSON_MEDIA_TYPE = "application/json"
# The catalogue rarely changes; a minute's reuse, then a cheap revalidation by ETag. Private:
# with closed reading the answer is for the token's holder only.
CACHE_CONTROL = "private, max-age=60, must-revalidate"
QML_FILE_OF_KIND = {
    "yta": "skotselprodukter_ytor.qml",
    "linje": "skotselprodukter_linjer.qml",
    "punkt": "skotselprodukter_punkter.qml",
}
_ALLOWED = ", ".join(GEOMETRY_KINDS)
_TEXT = {"type": "string"}


def _weak_etag(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _client_has(request: Request, etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110): W/"x" and "x" name the same version.
    tags = {
        tag.strip().removeprefix("W/")
        for tag in request.headers.get("if-none-match", "").split(",")
    }
    return "*" in tags or etag.removeprefix("W/") in tags


def style_response(
    request: Request, body: str, media_type: str, filename: str | None = None
) -> Response:
    """The style with a weak ETag and Cache-Control; 304 when the client already has it."""
    data = body.encode()
    etag = _weak_etag(data)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if _client_has(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


@router.get(
    "/skotselprodukter/stil.qml",
    summary="QGIS-stil (.qml) för ett lager av skötselprodukter",
    response_class=Response,
    responses={
        200: {"content": {QML_MEDIA_TYPE: {"schema": _TEXT}}, "description": "QGIS-stilfil"}
    },
)
async def qml_style(
    request: Request,
    conn: LaggedReadConnectionDep,
    geometrityp: Annotated[
        str | None, Query(description=f"Lagrets geometrityp (krävs): {_ALLOWED}")
    ] = None,
) -> Response:
    """A QGIS style for the layer of one geometry kind, categorized on the product code."""
    if geometrityp not in QML_FILE_OF_KIND:
        given = "saknas" if geometrityp is None else f"{geometrityp!r} är okänd"
        raise InvalidInput(
            f"geometrityp {given}: ange yta, linje eller punkt.", tillatna=list(GEOMETRY_KINDS)
        )
    products = await load_products(conn)
    body = layer_qml(products, geometrityp)
    return style_response(request, body, QML_MEDIA_TYPE, QML_FILE_OF_KIND[geometrityp])


@router.get(
    "/skotselprodukter/stil.sld",
    summary="SLD 1.1 (Symbology Encoding) för skötselytor, skötsellinjer och skötselpunkter",
    response_class=Response,
    responses={
        200: {"content": {SLD_MEDIA_TYPE: {"schema": _TEXT}}, "description": "SLD-dokument"}
    },
)
async def sld_style(request: Request, conn: LaggedReadConnectionDep) -> Response:
    """One SLD with a named layer per OGC API collection and a rule per product."""
    body = sld_document(await load_products(conn))
    return style_response(request, body, SLD_MEDIA_TYPE, "skotselprodukter.sld")


@router.get(
    "/skotselprodukter/stil.json",
    summary="Webbkartans symboler och teckenförklaring per skötselprodukt",
    response_model=WebStyles,
    responses={200: {"description": "Stildokument"}},
)
async def web_style(request: Request, conn: LaggedReadConnectionDep) -> Response:
    """The symbols the web map draws, per product in catalogue order."""
    body = orjson.dumps(web_styles(await load_products(conn))).decode()
    return style_response(request, body, JSON_MEDIA_TYPE)
