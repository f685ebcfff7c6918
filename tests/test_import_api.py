"""Uploading a file to import: counts, the import record, and files that are refused."""

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from tests.support.tables import empty_tables
from tests.test_imports_versioning import parcel_file

TABLES = ("fastighet", "fastighetsagare", "importkorning", "importavvisning", "api_token")


@pytest.fixture
def gis(engine: Engine) -> Iterator[dict[str, str]]:
    """A gis token; imported rows and tokens are removed afterwards."""
    with engine.begin() as conn:
        _, token = create_token(conn, name="uppladdare", role="gis", organisation=None, days=1)
    yield {"Authorization": f"Bearer {token}"}
    empty_tables(engine, TABLES)


def _post(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: str
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/importer",
        files={"fil": (name, data, "application/octet-stream")},
        data={"typ": "fastigheter"} | form,
        headers=headers,
    )
    return response


def _parcels(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM fastighet")).scalar_one())


def test_upload_imports_and_the_record_tells_what_happened(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    data = parcel_file(tmp_path / "f.gpkg").read_bytes()
    dry = _post(client, gis, "f.gpkg", data, torrkorning="true")
    assert dry.status_code == 201
    assert dry.json()["import_id"] is None
    assert dry.json()["nya"] == 3
    assert _parcels(engine) == 0
    done = _post(client, gis, "f.gpkg", data)
    assert done.status_code == 201
    assert done.json()["nya"] == 3
    record = client.get(f"/api/v1/importer/{done.json()['import_id']}", headers=gis).json()
    assert record["status"] == "klar"
    assert record["nya"] == 3
    assert record["typ"] == "fastigheter"
    assert record["utford_av"].endswith("uppladdare")
    assert _parcels(engine) == 3


@pytest.mark.usefixtures("engine")
def test_a_zip_as_lantmateriet_delivers_it(
    client: TestClient, gis: dict[str, str], tmp_path: Path
) -> None:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(parcel_file(tmp_path / "x.gpkg"), "fastighetsindelning_kn0126.gpkg")
    response = _post(client, gis, "fastighetsindelning_kn0126.zip", packed.getvalue())
    assert response.status_code == 201, response.text
    assert response.json()["nya"] == 3


def test_refused_uploads_change_nothing(
    client: TestClient, gis: dict[str, str], engine: Engine
) -> None:
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as bundle:
        bundle.writestr("../../etc/evil.gpkg", b"SQLite format 3\x00")
    assert _post(client, gis, "slip.zip", slip.getvalue()).status_code == 400
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("noll.gpkg", b"\x00" * (60 * 1024 * 1024))
    assert _post(client, gis, "bomb.zip", bomb.getvalue()).status_code == 400
    png = _post(client, gis, "bild.gpkg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert png.status_code == 415
    assert png.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/importer", data={"typ": "fastigheter"}).status_code == 401
    assert _parcels(engine) == 0
