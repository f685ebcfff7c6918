"""The API description as OpenAPI 3.0, which OGC API – Features (oas30) and many GIS clients expect.

FastAPI writes OpenAPI 3.1; the few 3.1 idioms it uses are rewritten to their 3.0 forms.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from app.access.principal import ReadAccess
from app.core.problems import document_problems

OPENAPI_VERSION = "3.0.3"


# The value null, in 3.0 terms.
_NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _null_as_30(result: dict[str, Any]) -> dict[str, Any]:
    """3.1's null type, in a combination or a type list, as 3.0 writes it."""
    for combinator in ("anyOf", "oneOf"):
        options = result.get(combinator)
        if isinstance(options, list) and any(_is_null(o) for o in options):
            rest = [o for o in options if not _is_null(o)]
            del result[combinator]
            if len(rest) == 1 and isinstance(rest[0], dict) and "$ref" not in rest[0]:
                result = {**rest[0], **result, "nullable": True}
            else:
                # 3.0's nullable widens only a `type` beside it, never a $ref or a combination
                # (OpenAPI 3.0.3), so null is an option of its own.
                result[combinator] = [*rest, _NULL_ONLY]
    if isinstance(result.get("type"), list):
        types = [t for t in result["type"] if t != "null"]
        if len(types) < len(result["type"]):
            result["nullable"] = True
        result["type"] = types[0] if len(types) == 1 else types
    return result


def _keywords_as_30(result: dict[str, Any]) -> None:
    """3.1's bounds, file contents, const and examples as 3.0 writes them."""
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(result.get(bound), int | float) and not isinstance(result[bound], bool):
            result[plain] = result[bound]
            result[bound] = True
    if "contentMediaType" in result:  # 3.1's way to describe an uploaded file
        del result["contentMediaType"]
        if result.get("type") == "string":
            result["format"] = "binary"
    if "const" in result:
        result["enum"] = [result.pop("const")]
    if isinstance(result.get("examples"), list) and "schema" not in result:
        examples = result.pop("examples")
        if examples:
            result["example"] = examples[0]


def downgrade(node: Any) -> Any:
    """A JSON Schema / OpenAPI node with 3.1 idioms rewritten as OpenAPI 3.0."""
    if isinstance(node, list):
        return [downgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = _null_as_30({key: downgrade(value) for key, value in node.items()})
    _keywords_as_30(result)
    return result


def install_openapi30(app: FastAPI) -> None:
    """Serve /openapi.json as OpenAPI 3.0, to whoever may read (ANSVAR_PUBLIC_READ)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                # info.summary is OpenAPI 3.1; 3.0 has only the description.
                description=app.description or app.summary,
                routes=app.routes,
            )
            document_problems(document)
            document = downgrade(document)
            document["openapi"] = OPENAPI_VERSION
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    url = app.openapi_url or "/openapi.json"
    # FastAPI's own route answers anyone; the description is a read like every other.
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) != url
    ]

    @app.get(url, include_in_schema=False, dependencies=[ReadAccess])
    async def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())
