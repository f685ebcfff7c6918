"""JSON and XML as GeoReport v2 shows them; the format is the path's suffix."""

from datetime import datetime
from typing import Any, Literal
from xml.etree import ElementTree as ET

import orjson
from starlette.responses import Response

Format = Literal["json", "xml"]
JSON_MEDIA_TYPE = "application/json"
XML_MEDIA_TYPE = "text/xml"
# The element of one entry of a list, by the list's element (the standard's names).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def format_of(path: str) -> Format:
    """xml for a path ending in .xml, else json."""
    return "xml" if path.endswith(".xml") else "json"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, _ITEM.get(element.tag, "item")), item)
    else:
        element.text = _text(value)


def to_xml(value: Any, root: str) -> bytes:
    """The value as an XML document under the root element (lists: one child per entry)."""
    element = ET.Element(root)
    _fill(element, value)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def render(
    value: Any,
    fmt: Format,
    root: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The answer in the format; root names the XML root element (JSON has none)."""
    if fmt == "xml":
        return Response(
            to_xml(value, root),
            status_code=status_code,
            media_type=f"{XML_MEDIA_TYPE}; charset=utf-8",
            headers=headers,
        )
    return Response(
        orjson.dumps(value), status_code=status_code, media_type=JSON_MEDIA_TYPE, headers=headers
    )
