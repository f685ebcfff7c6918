"""The API description of /ogc on its own, where OGC API clients look for it.

GDAL, QGIS and OWSLib read the `service-desc` of the landing page and look up the items of a
collection as `paths["/collections/{collectionId}/items"]`, relative to the landing page (GDAL
takes the filter parameters it may send from there). The service's own description has every
path under `/ogc` and FastAPI's parameter names, so this one is cut from it: the paths of /ogc
without the prefix, OGC's names for the path parameters, a server at /ogc and only the schemas
those paths use.
"""

import copy
import re
from typing import Any

import orjson

PREFIX = "/ogc"
# Our path parameters under the names OGC API – Features uses.
_OGC_NAMES = {"collection_id": "collectionId", "feature_id": "featureId"}
_REF = re.compile(r'"\$ref":\s*"#/components/schemas/([^"]+)"')


def _ogc_path(path: str) -> str:
    relative = path.removeprefix(PREFIX) or "/"
    for ours, theirs in _OGC_NAMES.items():
        relative = relative.replace(f"{{{ours}}}", f"{{{theirs}}}")
    return relative


def _rename_parameters(item: dict[str, Any]) -> None:
    for operation in item.values():
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path":
                parameter["name"] = _OGC_NAMES.get(parameter["name"], parameter["name"])


def _used_schemas(node: Any, schemas: dict[str, Any]) -> set[str]:
    """The names of the component schemas node refers to, directly or through others."""
    found: set[str] = set()
    pending = set(_REF.findall(orjson.dumps(node).decode()))
    while pending:
        name = pending.pop()
        if name in found or name not in schemas:
            continue
        found.add(name)
        pending |= set(_REF.findall(orjson.dumps(schemas[name]).decode()))
    return found


def ogc_api_description(document: dict[str, Any], server_url: str) -> dict[str, Any]:
    """The OpenAPI document of the OGC API at server_url, cut from the service's document."""
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        if path == PREFIX or path.startswith(PREFIX + "/"):
            ogc_item = copy.deepcopy(item)
            _rename_parameters(ogc_item)
            paths[_ogc_path(path)] = ogc_item
    schemas = document.get("components", {}).get("schemas", {})
    used = _used_schemas(paths, schemas)
    return {
        "openapi": document["openapi"],
        "info": {
            "title": f"{document['info']['title']} – OGC API – Features",
            "version": document["info"]["version"],
            "description": (
                "Fastigheter, skötselobjekt, driftområden och kommungräns som OGC API – Features. "
                "Hela tjänstens API beskrivs i /openapi.json."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(used)}},
    }
