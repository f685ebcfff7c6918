"""The API description tells the truth: every route's answers and errors, held to it."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS30Validator
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.problems import PROBLEM_MEDIA_TYPE, problem_types
from app.features.collections import COLLECTIONS
from app.features.params import COMMON_PARAMETERS
from tests.handmade import BENCH_OBJECT, local_lonlat
from tests.test_imports_versioning import parcel_file

ITEMS = "/ogc/collections/{collection_id}/items"
NO_BODY = {"204", "304"}


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    """The service's OpenAPI document."""
    found: dict[str, Any] = client.get("/openapi.json").json()
    return found


@pytest.fixture(scope="module")
def headers(engine: Engine) -> Iterator[dict[str, dict[str, str]]]:
    """Bearer headers of a gis and an admin user."""
    tokens = {}
    with engine.begin() as conn:
        for role in ("gis", "admin"):
            _, token = create_token(
                conn, name=f"openapi {role}", role=role, organisation=None, days=1
            )
            tokens[role] = {"Authorization": f"Bearer {token}"}
    yield tokens
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'openapi %'"))


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_route_declares_what_it_answers(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        success = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        assert success, where
        for code, response in success.items():
            if code in NO_BODY:
                assert "content" not in response, where
                continue
            assert response.get("content"), where
            for media, body in response["content"].items():
                assert body.get("schema"), f"{where} {code} {media} has no schema"
        assert "422" not in operation["responses"], f"{where}: validation errors are 400 here"
        for code in ("4XX", "5XX"):
            problem = operation["responses"][code]["content"][PROBLEM_MEDIA_TYPE]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}, where


def test_the_problem_schema_lists_the_catalogue(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["additionalProperties"] is True
    for slug in problem_types().keys() - {"ogiltig-katalog"}:
        assert f"`{slug}`" in problem["description"], slug
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_items_parameters_are_declared(document: dict[str, Any]) -> None:
    parameters = document["paths"][ITEMS]["get"]["parameters"]
    queried = {p["name"]: p for p in parameters if p["in"] == "query"}
    filters = {name for c in COLLECTIONS.values() for name in c.filters}
    assert set(queried) == COMMON_PARAMETERS | filters
    assert queried["limit"]["schema"]["maximum"] == 10_000
    assert queried["bbox"]["style"] == "form"
    assert queried["bbox"]["explode"] is False
    assert "skotselytor" in queried["huvudman"]["description"]


def _schema(document: dict[str, Any], path: str, method: str, status: int, media: str) -> Any:
    responses = document["paths"][path][method]["responses"]
    response = responses.get(str(status)) or responses[f"{str(status)[0]}XX"]
    return response["content"][media]["schema"]


def _holds(
    document: dict[str, Any], path: str, response: httpx.Response, method: str = "get"
) -> None:
    """The answer is what the API description says the route answers with this status."""
    media = response.headers["content-type"].split(";")[0]
    schema = _schema(document, path, method, response.status_code, media)
    OAS30Validator({"allOf": [schema], "components": document["components"]}).validate(
        response.json()
    )


@pytest.mark.usefixtures("handmade_data")
def test_reads_answer_as_documented(
    client: TestClient, document: dict[str, Any], engine: Engine
) -> None:
    with engine.connect() as conn:
        area_id = conn.execute(text("SELECT min(id) FROM driftomrade")).scalar_one()
    lon, lat = local_lonlat((60, 60))
    reads = {
        "/healthz": "/healthz",
        "/api/v1/karta/installningar": "/api/v1/karta/installningar",
        "/api/v1/sok": "/api/v1/sok?q=testtrakt",
        "/api/v1/driftomraden": "/api/v1/driftomraden",
        "/api/v1/driftomraden/{area_id}": f"/api/v1/driftomraden/{area_id}",
        "/api/v1/skotselobjekt/{objekt_id}/historik": (
            f"/api/v1/skotselobjekt/{BENCH_OBJECT}/historik"
        ),
        "/api/v1/skotselprodukter/stil.json": "/api/v1/skotselprodukter/stil.json",
        "/api/v1/ansvar": f"/api/v1/ansvar?lon={lon}&lat={lat}",
        "/ogc": "/ogc",
        "/ogc/conformance": "/ogc/conformance",
        "/ogc/collections": "/ogc/collections",
        "/ogc/collections/{collection_id}": "/ogc/collections/skotselpunkter",
        "/ogc/collections/{collection_id}/queryables": "/ogc/collections/skotselpunkter/queryables",
        ITEMS: "/ogc/collections/skotselpunkter/items?limit=2",
        "/ogc/collections/{collection_id}/items/{feature_id}": (
            f"/ogc/collections/skotselpunkter/items/{BENCH_OBJECT}"
        ),
    }
    for path, url in reads.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        _holds(document, path, response)
    for path, url in (
        ("/ogc/collections/{collection_id}", "/ogc/collections/finns-inte"),
        ("/api/v1/ansvar", "/api/v1/ansvar?lon=norr&lat=59.2"),
        ("/api/v1/driftomraden/{area_id}", "/api/v1/driftomraden/999999"),
    ):
        refused = client.get(url)
        assert refused.status_code in (400, 404), url
        _holds(document, path, refused)


def test_a_batch_answers_as_documented(client: TestClient, document: dict[str, Any]) -> None:
    points = [local_lonlat((60, 60)), local_lonlat((130, 170)), (0.0, 0.0)]
    batch = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": f"p{n}", "geometry": {"type": "Point", "coordinates": p}}
            for n, p in enumerate(points)
        ]
        + [{"type": "Feature", "id": "linje", "geometry": {"type": "LineString"}}],
    }
    for query in ("", "?gruppera=huvudman"):
        response = client.post(f"/api/v1/ansvar/batch{query}", json=batch)
        assert response.status_code == 200, response.text
        _holds(document, "/api/v1/ansvar/batch", response, "post")


def test_writes_answer_as_documented(
    client: TestClient,
    document: dict[str, Any],
    headers: dict[str, dict[str, str]],
    engine: Engine,
    tmp_path: Path,
) -> None:
    lon, lat = local_lonlat((250, 150))
    created = client.post(
        "/api/v1/skotselobjekt",
        json={
            "produkt": "UT1",
            "huvudman": "parkenheten",
            "geometri": {"type": "Point", "coordinates": [lon, lat]},
            "orsak": "Ny bänk",
        },
        headers=headers["gis"],
    )
    assert created.status_code == 201, created.text
    _holds(document, "/api/v1/skotselobjekt", created, "post")
    assert created.headers["ETag"]
    assert created.headers["Location"]
    with engine.connect() as conn:
        area_id = conn.execute(text("SELECT min(id) FROM driftomrade")).scalar_one()
    handover = {
        "fran": "parkenheten",
        "till": "kultur-fritid",
        "driftomrade": area_id,
        "giltig_fran": date.today().isoformat(),
        "orsak": "Prov av beskrivningen",
    }
    moved = client.post("/api/v1/skotselobjekt/overlatelse", json=handover, headers=headers["gis"])
    assert moved.status_code == 200, moved.text
    _holds(document, "/api/v1/skotselobjekt/overlatelse", moved, "post")
    log = client.get("/api/v1/andringslogg?limit=5", headers=headers["admin"])
    assert log.status_code == 200
    assert log.json()
    _holds(document, "/api/v1/andringslogg", log)
    upload = {"fil": ("f.gpkg", parcel_file(tmp_path / "f.gpkg").read_bytes())}
    form = {"typ": "fastigheter", "delvis": "true"}
    for dry in ("true", "false"):
        imported = client.post(
            "/api/v1/importer",
            files=upload,
            data=form | {"torrkorning": dry},
            headers=headers["gis"],
        )
        assert imported.status_code == 201, imported.text
        _holds(document, "/api/v1/importer", imported, "post")
    record = client.get(f"/api/v1/importer/{imported.json()['import_id']}", headers=headers["gis"])
    assert record.status_code == 200
    _holds(document, "/api/v1/importer/{import_id}", record)
