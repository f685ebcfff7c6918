"""Bad input and its answers: the database's state before and after, and the problem it gets."""

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.problems import problem_types

# The tables a request could write (the audit log last), and what the state of each is.
WRITTEN_TABLES = (
    "fastighet",
    "fastighetsagare",
    "skotselobjekt",
    "driftomrade",
    "organisation",
    "kontakt",
    "skotselprodukt",
    "kodmappning",
    "importkorning",
    "importavvisning",
    "importhandelse",
    "andringslogg",
)
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100


def database_state(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per written table its row count and a digest of its rows, so an update shows too."""
    with engine.connect() as conn:
        return {
            table: tuple(
                conn.execute(
                    text(
                        f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' "
                        f"ORDER BY md5(t::text))), '') FROM {table} t"
                    )
                ).one()
            )
            for table in WRITTEN_TABLES
        }


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The answer: problem+json of the status, its title the Swedish one of its type."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"] == "application/problem+json", response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    declared = problem_types()[problem["type"]]
    assert problem["title"] == declared.title, problem
    assert "Traceback" not in response.text
    assert "/tmp/" not in response.text
    return problem


def upload(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: str
) -> httpx.Response:
    """POST /api/v1/importer with the file and form fields (typ fastigheter unless given)."""
    response: httpx.Response = client.post(
        "/api/v1/importer",
        files={"fil": (name, data, "application/octet-stream")},
        data={"typ": "fastigheter"} | form,
        headers=headers,
    )
    return response


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding the members (name → content)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return packed.getvalue()


def zip_bomb() -> bytes:
    """A zip of about 60 kB that unpacks to 60 MB of zeros."""
    return zipped({"noll.gpkg": b"\x00" * (60 * 1024 * 1024)})


def deeply_nested_geojson(depth: int = 100_000) -> bytes:
    """A GeoJSON feature whose property is depth arrays inside each other."""
    return (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":'
        + b"[" * depth
        + b"]" * depth
        + b'},"geometry":{"type":"Point","coordinates":[17.95,59.23]}}]}'
    )


def geojson(features: list[dict[str, Any]]) -> str:
    """A FeatureCollection with no CRS member (RFC 7946: WGS 84, longitude first)."""
    return json.dumps({"type": "FeatureCollection", "features": features})


def polygon_feature(ring: list[tuple[float, float]], **properties: Any) -> dict[str, Any]:
    """A GeoJSON polygon feature with one ring."""
    coordinates = [[list(point) for point in ring]]
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


def written(path: Path, content: str | bytes) -> Path:
    """content written to path (its folder made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
