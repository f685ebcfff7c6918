"""Uploads and batches: the token before the body, limits while streaming, no 500s, no leaks."""

import io
import socket
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import httpx
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.imports import router as import_router
from tests.support.servers import running_server
from tests.support.tables import empty_tables
from tests.test_import_api import _post
from tests.test_imports_versioning import parcel_file

COUNTED = ("fastighet", "skotselobjekt", "importkorning")
TABLES = ("fastighet", "fastighetsagare", "importkorning", "importavvisning", "api_token")
BOUNDARY = "gransgransgrans"
TIMEOUT_S = 20.0


@pytest.fixture
def gis(engine: Engine) -> Iterator[dict[str, str]]:
    """A gis token; imported rows and tokens are removed afterwards."""
    with engine.begin() as conn:
        _, token = create_token(conn, name="gransprovare", role="gis", organisation=None, days=1)
    yield {"Authorization": f"Bearer {token}"}
    empty_tables(engine, TABLES)


@pytest.fixture(scope="module")
def server_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the service under test (its TMPDIR)."""
    return tmp_path_factory.mktemp("servertmp")


@pytest.fixture(scope="module")
def server(engine: Engine, server_tmp: Path) -> Iterator[str]:
    """The service in uvicorn, with its temporary files in server_tmp."""
    url = engine.url.render_as_string(hide_password=False)
    with running_server(url, quiet=True, ANSVAR_BASEMAP_URL="", TMPDIR=str(server_tmp)) as base:
        yield base


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in COUNTED
        }


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _assert_problem(response: httpx.Response, status: int, title: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = response.json()
    assert problem["title"] == title
    assert "/tmp" not in response.text
    assert "ansvarskartan-import-" not in response.text
    return problem


def _partial_request(base: str, head: str, first: bytes) -> tuple[int, str, bytes]:
    """Send the request line, headers and a first part of the body; read the answer."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=TIMEOUT_S) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + first)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "the server closed without answering"
            answer += chunk
        headers, _, body = answer.partition(b"\r\n\r\n")
        lines = headers.decode("latin-1").split("\r\n")
        length = next(
            int(v)
            for k, _, v in (h.partition(": ") for h in lines)
            if k.lower() == "content-length"
        )
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, "the server closed in the middle of its answer"
            body += chunk
    return int(lines[0].split()[1]), "\r\n".join(lines[1:]).lower(), body


def _upload_head(path: str, length: int, token: str | None = None) -> str:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\n{auth}"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\n"
    )


def _file_start() -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="typ"\r\n\r\nfastigheter\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="fil"; filename="stor.gpkg"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"SQLite format 3\x00"
        + b"\x00" * 65536
    )


def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    server: str, server_tmp: Path, engine: Engine
) -> None:
    before, size = _counts(engine), _folder_size(server_tmp)
    status, headers, body = _partial_request(
        server, _upload_head("/api/v1/importer", 400 * 1024 * 1024), _file_start()
    )
    assert status == 401
    assert "application/problem+json" in headers
    assert b"token" in body
    assert _folder_size(server_tmp) == size
    assert _counts(engine) == before


def test_an_upload_declared_over_the_limit_is_refused_at_once(
    server: str, server_tmp: Path, engine: Engine, gis: dict[str, str]
) -> None:
    token = gis["Authorization"].removeprefix("Bearer ")
    before, size = _counts(engine), _folder_size(server_tmp)
    status, headers, body = _partial_request(
        server, _upload_head("/api/v1/importer", 2 * 1024**3, token), b""
    )
    assert status == 413
    assert "application/problem+json" in headers
    assert "för stor".encode() in body
    assert _folder_size(server_tmp) == size
    assert _counts(engine) == before


def test_an_upload_over_the_limit_stops_while_streaming(
    client: TestClient, gis: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_router, "MAX_UPLOAD_BYTES", 1024 * 1024)
    before = _counts(engine)

    def body() -> Iterator[bytes]:
        yield _file_start()
        for _ in range(64):
            yield b"\x00" * 65536

    response = client.post(
        "/api/v1/importer",
        content=body(),
        headers=gis | {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    _assert_problem(response, 413, "Begäran är för stor")
    assert _counts(engine) == before


def _batch_head(length: int | None, token: str | None = None) -> str:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    size = (
        f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    )
    start = "POST /api/v1/ansvar/batch HTTP/1.1\r\nHost: test\r\n"
    return f"{start}{auth}Content-Type: text/csv\r\n{size}"


def test_a_batch_with_a_bad_token_is_refused_before_its_body(server: str) -> None:
    status, headers, _ = _partial_request(
        server, _batch_head(1024**3, "ogiltig"), b"id,lon,lat\r\n" + b"1,18.0,59.3\r\n" * 1000
    )
    assert status == 401
    assert "application/problem+json" in headers


def test_a_batch_over_the_limit_is_refused_while_streaming(server: str) -> None:
    declared, _, _ = _partial_request(server, _batch_head(1024**3), b"id,lon,lat\r\n")
    assert declared == 413
    rows = b"id,lon,lat\r\n" + b"1,18.0,59.3\r\n" * 500_000  # 6.5 MB of the 5 MB allowed
    chunk = f"{len(rows):x}\r\n".encode() + rows + b"\r\n"  # the last chunk is never sent
    status, headers, body = _partial_request(server, _batch_head(None), chunk)
    assert status == 413
    assert "application/problem+json" in headers
    assert "för stor".encode() in body


@pytest.mark.parametrize("crs", ["garbage", "EPSG:999999"])
def test_an_unknown_crs_is_a_bad_request(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path, crs: str
) -> None:
    data = parcel_file(tmp_path / "f.gpkg").read_bytes()
    before = _counts(engine)
    problem = _assert_problem(_post(client, gis, "f.gpkg", data, crs=crs), 400, "Ogiltig begäran")
    assert crs in str(problem["detail"])
    assert _counts(engine) == before


def _false_sizes(tmp_path: Path) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as bundle:
        bundle.write(parcel_file(tmp_path / "x.gpkg"), "x.gpkg")
    data = bytearray(packed.getvalue())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<II", data, central + 20, 10, 10)  # compressed and uncompressed size
    return bytes(data)


def test_broken_zips_are_bad_requests(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    before = _counts(engine)
    corrupt = b"PK\x03\x04" + b"\x13\x37" * 500
    _assert_problem(_post(client, gis, "trasig.zip", corrupt), 400, "Ogiltig begäran")
    _assert_problem(
        _post(client, gis, "ljuger.zip", _false_sizes(tmp_path)), 400, "Ogiltig begäran"
    )
    assert _counts(engine) == before


EMPTY_FORMS = {
    "driftomraden": {},
    "skotselobjekt": {"organisation": "huddinge-kommun", "id_kolumn": "id", "kod_kolumn": "kod"},
}


@pytest.mark.parametrize("kind", sorted(EMPTY_FORMS))
def test_a_geopackage_without_features_is_a_clear_bad_request(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "tom.gpkg"
    columns = ("id", "kod", "namn", "bestallare", "utforare", "avtal_fran")
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:3006"))
    empty.to_file(path, layer="tomt", driver="GPKG")
    before = _counts(engine)
    answer = _post(client, gis, "tom.gpkg", path.read_bytes(), typ=kind, **EMPTY_FORMS[kind])
    problem = _assert_problem(answer, 400, "Ogiltig begäran")
    assert "inga objekt" in str(problem["detail"])
    assert _counts(engine) == before


def test_upload_errors_name_form_fields_not_paths_or_flags(
    client: TestClient, gis: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    before = _counts(engine)
    broken = b"SQLite format 3\x00" + b"\x01" * 4096
    _assert_problem(_post(client, gis, "trasig.gpkg", broken), 400, "Filen kan inte läsas")
    two = tmp_path / "tva.gpkg"
    for layer in ("a", "b"):
        gpd.GeoDataFrame(geometry=[shapely.Point(670_000, 6_568_000)], crs="EPSG:3006").to_file(
            two, layer=layer, driver="GPKG"
        )
    layers = _post(client, gis, "tva.gpkg", two.read_bytes(), typ="driftomraden")
    problem = _assert_problem(layers, 400, "Ange vilket lager som ska läsas")
    assert "--" not in str(problem["detail"])
    assert "fältet lager" in str(problem["detail"])
    far = tmp_path / "sydney.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(151.2, -33.9)], crs="EPSG:4326").to_file(
        far, layer="registerenhetsomradesyta", driver="GPKG"
    )
    outside = _assert_problem(
        _post(client, gis, "sydney.gpkg", far.read_bytes()), 400, "Ogiltig begäran"
    )
    assert "--crs" not in str(outside["detail"])
    assert "fältet crs" in str(outside["detail"])
    assert _counts(engine) == before
