"""The service's edge: security headers, CORS, request limits, slow clients, the rate limit,
the public base URL of links, and tokens kept out of the logs.

The limits of the request head and the slow-client timeouts are checked on the real server as
`ansvarskartan serve` starts it, with raw sockets; the rest with TestClient.
"""

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.headers import tile_source
from app.core.limits import MAX_TARGET_BYTES
from app.core.paths import FRONTEND_DIST
from app.core.problems import PROBLEM_MEDIA_TYPE
from app.core.settings import Settings
from app.main import create_app
from tests.handmade import local_lonlat
from tests.support.browser import launch_chromium
from tests.support.servers import HOST, free_port, start_server, stop_server

IDLE_TIMEOUT_S = 1.0
# Long enough for any answer on a loaded machine; the tests wait for an event, not a time.
SOCKET_TIMEOUT_S = 30.0
TILE_HOST = "https://kartbild.example.test"
PNG = FRONTEND_DIST / "api-docs" / "favicon-32x32.png"
ORIGIN = "https://annan-webbplats.example"


def serve_argv(port: int, *, log_level: str = "warning", access_log: bool = False) -> list[str]:
    """The service as deployed: `ansvarskartan serve` on port."""
    argv = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    argv += ["--log-level", log_level, "--access-log" if access_log else "--no-access-log"]
    return argv


@pytest.fixture(scope="module")
def served(engine: Engine, settings: Settings) -> Iterator[str]:  # noqa: ARG001 (a fixture set up first)
    """`ansvarskartan serve` with a short idle timeout and keep-alive; yields host:port."""
    port = free_port()
    env = {
        "ANSVAR_DATABASE_URL": settings.database_url,
        "ANSVAR_BASEMAP_URL": "",
        "ANSVAR_BODY_IDLE_TIMEOUT_S": str(IDLE_TIMEOUT_S),
        "ANSVAR_KEEP_ALIVE_TIMEOUT_S": "1",
        # One pooled connection: a request that holds it while it waits is seen at once.
        "ANSVAR_POOL_SIZE": "1",
        "ANSVAR_POOL_MAX_OVERFLOW": "0",
        # Waiting for it ends well before the idle timeout would free a held one.
        "ANSVAR_CONNECT_TIMEOUT_S": "0.5",
    }
    server = start_server(serve_argv(port), env, f"http://{HOST}:{port}/healthz")
    try:
        yield f"{HOST}:{port}"
    finally:
        stop_server(server)


def _exchange(address: str, request: bytes, *, then_wait: bool = True) -> bytes:
    """Send request on a new connection; what comes back until the server closes it."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=SOCKET_TIMEOUT_S) as sock:
        sock.sendall(request)
        return _until_closed(sock) if then_wait else b""


def _until_closed(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _raw_problem(answer: bytes, status: int) -> dict[str, Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == str(status).encode(), answer[:400]
    assert f"content-type: {PROBLEM_MEDIA_TYPE}".encode() in head.lower(), head
    problem: dict[str, Any] = httpx.Response(200, content=body).json()
    assert problem["status"] == status
    return problem


# -- security headers and the Content-Security-Policy -------------------------------------------


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/docs", "/ogc", "/api/v1/skotselprodukter", "/finns-inte", "/openapi.json"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "unsafe-eval" not in policy, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path


def test_the_policy_allows_the_configured_base_map_host(settings: Settings) -> None:
    with_tiles = settings.model_copy(update={"basemap_url": f"{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"})
    with TestClient(create_app(with_tiles)) as client:
        policy = client.get("/ogc").headers["content-security-policy"]
    images = next(part for part in policy.split("; ") if part.startswith("img-src "))
    assert images.split()[1:] == ["'self'", "data:", "blob:", TILE_HOST]
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tile_source("") is None
    assert tile_source("javascript:alert(1)") is None


def _watch_policy(page: Page) -> list[str]:
    """Every CSP violation the page reports, from the console and as DOM events."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP:"):
            violations.append(message.text)

    page.on("console", on_console)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return violations


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "index.html").exists(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def map_server(engine: Engine, settings: Settings, handmade_data: None) -> Iterator[str]:  # noqa: ARG001 (fixtures set up first)
    """`ansvarskartan serve` on the hand-made patch, with a base map on an outside host."""
    port = free_port()
    env = {
        "ANSVAR_DATABASE_URL": settings.database_url,
        "ANSVAR_BASEMAP_URL": f"{TILE_HOST}/{{z}}/{{x}}/{{y}}.png",
    }
    server = start_server(serve_argv(port), env, f"http://{HOST}:{port}/healthz")
    try:
        yield f"http://{HOST}:{port}"
    finally:
        stop_server(server)


def test_the_map_runs_under_the_policy(browser: Browser, map_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=map_server)
    tiles: list[str] = []

    def tile(route: Route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, body=PNG.read_bytes(), content_type="image/png")

    context.route(f"{TILE_HOST}/**", tile)
    page = context.new_page()
    violations = _watch_policy(page)
    lon, lat = local_lonlat((60, 60))
    try:
        loaded = page.goto(f"/#19/{lat:.6f}/{lon:.6f}")
        assert loaded is not None
        assert TILE_HOST in loaded.headers["content-security-policy"]
        page.wait_for_selector("body[data-redo=ja]", timeout=30_000)
        box = page.locator("#karta").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#svar[data-klar]", timeout=30_000)
        assert "parkenheten" in page.locator("#svar h2").inner_text()
        page.wait_for_function(
            "[...document.querySelectorAll('.leaflet-tile')].some(t => t.complete)"
        )
    finally:
        context.close()
    assert tiles, "the base map's tiles were asked for"
    assert violations == []


def test_the_api_documentation_runs_under_the_policy(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = _watch_policy(page)
    try:
        loaded = page.goto(f"{live_server}/docs")
        assert loaded is not None
        assert "script-src 'self'" in loaded.headers["content-security-policy"]
        page.wait_for_selector(".opblock", timeout=30_000)
        page.locator(".opblock .opblock-summary").first.click()
        page.wait_for_selector(".opblock.is-open", timeout=10_000)
    finally:
        context.close()
    assert violations == []


# -- CORS ----------------------------------------------------------------------------------------

OPEN_DATA = (
    "/ogc",
    "/ogc/collections",
    "/ogc/collections/fastigheter/items?limit=1",
    "/api/v1/skotselprodukter/stil.json",
    "/api/v1/skotselprodukter/stil.sld",
)


@pytest.mark.parametrize("path", OPEN_DATA)
def test_open_data_may_be_read_from_any_origin(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/ansvar/batch"),
        ("POST", "/api/v1/importer"),
        ("PATCH", "/api/v1/skotselobjekt/00000000-0000-4000-8000-0000000000b3"),
        ("DELETE", "/api/v1/organisationer/1"),
        ("POST", "/ogc/collections/fastigheter/items"),
        ("GET", "/api/v1/ansvar?lon=17.98&lat=59.24"),
        ("GET", "/api/v1/organisationer"),
    ],
)
def test_nothing_else_is_shared_across_origins(client: TestClient, method: str, path: str) -> None:
    preflight = client.options(
        path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": method}
    )
    assert "access-control-allow-origin" not in preflight.headers, preflight.headers
    assert "access-control-allow-methods" not in preflight.headers
    if method == "GET":
        answer = client.get(path, headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in answer.headers


def test_a_preflight_asking_for_other_headers_is_not_granted(client: TestClient) -> None:
    preflight = client.options(
        "/ogc/collections",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-custom-write",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers


# -- the request head: size limits on the real server --------------------------------------------


def _get(target: str, extra_headers: bytes = b"") -> bytes:
    return (
        f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\n".encode()
        + extra_headers
        + b"Connection: close\r\n\r\n"
    )


def test_a_100_kb_query_string_is_a_414_problem(served: str) -> None:
    problem = _raw_problem(_exchange(served, _get("/ogc/collections?q=" + "a" * 100_000)), 414)
    assert problem["title"] == "Adressen är för lång"
    assert str(MAX_TARGET_BYTES) in problem["detail"]
    just_over = "/ogc/collections?q=" + "a" * MAX_TARGET_BYTES
    _raw_problem(_exchange(served, _get(just_over)), 414)
    within = "/ogc/collections?q=" + "a" * (MAX_TARGET_BYTES - 100)
    assert _exchange(served, _get(within)).startswith(b"HTTP/1.1 200 ")


def test_over_large_header_fields_are_a_431_problem(served: str) -> None:
    one_huge = b"X-Stor: " + b"a" * 100_000 + b"\r\n"
    problem = _raw_problem(_exchange(served, _get("/healthz", one_huge)), 431)
    assert problem["title"] == "Huvudfälten är för stora"
    many = b"".join(f"X-Falt-{n}: {'b' * 500}\r\n".encode() for n in range(100))
    _raw_problem(_exchange(served, _get("/healthz", many)), 431)


def test_the_limits_hold_inside_the_application_too(client: TestClient) -> None:
    long_query = client.get("/ogc/collections", params={"q": "a" * MAX_TARGET_BYTES})
    assert long_query.status_code == 414
    assert long_query.headers["content-type"] == PROBLEM_MEDIA_TYPE
    big_headers = client.get("/healthz", headers={"X-Stor": "a" * 40_000})
    assert big_headers.status_code == 431
    assert big_headers.json()["title"] == "Huvudfälten är för stora"


def test_a_malformed_request_is_a_problem_not_plain_text(served: str) -> None:
    problem = _raw_problem(_exchange(served, b"GET /healthz HTTP/1.1\r\nHost\x01: x\r\n\r\n"), 400)
    assert problem["title"] == "Ogiltig begäran"


# -- slow clients ----------------------------------------------------------------------------------


def test_a_head_that_stops_arriving_is_a_408_problem(served: str) -> None:
    answer = _exchange(served, f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Lang".encode())
    problem = _raw_problem(answer, 408)
    assert problem["title"] == "Begäran kom inte fram i tid"


def test_a_connection_that_sends_nothing_is_closed(served: str) -> None:
    assert _exchange(served, b"") == b""


def test_a_body_that_stops_arriving_is_a_408_problem_and_frees_the_server(served: str) -> None:
    head = (
        f"POST /api/v1/ansvar/batch HTTP/1.1\r\nHost: {HOST}\r\n"
        "Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    host, port = served.split(":")
    with socket.create_connection((host, int(port)), timeout=SOCKET_TIMEOUT_S) as slow:
        slow.sendall(head + b"x,y\n")
        # While it waits for the rest, the server answers others, from the database too: the
        # waiting batch holds no pooled connection.
        assert httpx.get(f"http://{served}/healthz", timeout=SOCKET_TIMEOUT_S).status_code == 200
        areas = httpx.get(f"http://{served}/api/v1/driftomraden", timeout=SOCKET_TIMEOUT_S)
        assert areas.status_code == 200, areas.text
        answer = _until_closed(slow)
    problem = _raw_problem(answer, 408)
    assert problem["title"] == "Begäran kom inte fram i tid"
    assert b"connection: close" in answer.lower()


def test_an_idle_kept_alive_connection_is_closed(served: str) -> None:
    host, port = served.split(":")
    with socket.create_connection((host, int(port)), timeout=SOCKET_TIMEOUT_S) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        answer = _until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


# -- the rate limit --------------------------------------------------------------------------------


def _limited_app(settings: Settings, **more: Any) -> TestClient:
    limited = {"rate_limit_per_s": 0.01, "rate_limit_burst": 3} | more
    return TestClient(create_app(settings.model_copy(update=limited)))


def test_a_client_over_its_rate_gets_429_with_retry_after(settings: Settings) -> None:
    with _limited_app(settings) as client:
        assert [client.get("/ogc").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/ogc")
        assert client.get("/healthz").status_code == 200, "the health probe is never limited"
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert refused.json()["title"] == "För många begäranden"
    assert int(refused.headers["retry-after"]) >= 1


def test_forwarded_for_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    forged = [{"X-Forwarded-For": f"10.0.0.{n}"} for n in range(5)]
    with _limited_app(settings) as client:
        untrusted = [client.get("/ogc", headers=h).status_code for h in forged]
    assert untrusted == [200, 200, 200, 429, 429], "one client, whatever it claims"
    with _limited_app(settings, trusted_proxies="testclient") as client:
        behind_proxy = [client.get("/ogc", headers=h).status_code for h in forged * 3]
    assert behind_proxy == [200] * 15, "each forwarded client has its own bucket"


def test_there_is_no_rate_limit_by_default(client: TestClient) -> None:
    assert Settings().rate_limit_per_s == 0
    statuses = {client.get("/ogc").status_code for _ in range(Settings().rate_limit_burst + 50)}
    assert statuses == {200}


# -- absolute links: the configured base URL, never an unknown Host --------------------------------

LINKED = (
    "/ogc",
    "/ogc/api",
    "/ogc/collections",
    "/ogc/collections/fastigheter",
    "/ogc/collections/fastigheter/queryables",
    "/ogc/collections/skotselpunkter/items?limit=1",
)


def _hrefs(document: Any) -> list[str]:
    if isinstance(document, dict):
        found = [document["href"]] if isinstance(document.get("href"), str) else []
        found += [document[key] for key in ("url", "$id") if isinstance(document.get(key), str)]
        return found + [h for value in document.values() for h in _hrefs(value)]
    if isinstance(document, list):
        return [h for value in document for h in _hrefs(value)]
    return []


@pytest.mark.usefixtures("handmade_data")
@pytest.mark.parametrize("path", LINKED)
def test_a_forged_host_never_appears_in_links(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Host": "angripare.example"})
    assert response.status_code == 200, response.text
    assert "angripare" not in response.text
    hrefs = [h for h in _hrefs(response.json()) if "://" in h]
    assert hrefs, "the answer has absolute links"
    assert all(h.startswith("http://localhost/") for h in hrefs), hrefs


@pytest.mark.usefixtures("handmade_data")
def test_links_use_the_configured_base_url(settings: Settings) -> None:
    base = "https://karta.huddinge.example/ansvar"
    with TestClient(create_app(settings.model_copy(update={"base_url": base + "/"}))) as client:
        for path in LINKED:
            response = client.get(path, headers={"Host": "angripare.example"})
            assert "angripare" not in response.text, path
            hrefs = [h for h in _hrefs(response.json()) if "://" in h]
            assert hrefs, path
            assert all(h.startswith(base + "/") for h in hrefs), (path, hrefs)
        page = client.get("/ogc/collections/skotselpunkter/items?limit=1&produkt=bank")
    links = {link["rel"]: link["href"] for link in page.json()["links"]}
    assert links["self"] == f"{base}/ogc/collections/skotselpunkter/items?limit=1&produkt=bank"
    if "next" in links:
        assert links["next"].startswith(f"{base}/ogc/collections/skotselpunkter/items?")


def test_an_allowed_host_is_kept_with_its_port(client: TestClient) -> None:
    response = client.get("/ogc", headers={"Host": "127.0.0.1:8123"})
    assert response.json()["links"][0]["href"] == "http://127.0.0.1:8123/ogc"
    assert Settings().allowed_hosts.split(",") == ["localhost", "127.0.0.1"]


def test_the_address_the_client_connected_to_is_an_allowed_host(served: str) -> None:
    landing = httpx.get(f"http://{served}/ogc", timeout=SOCKET_TIMEOUT_S).json()
    assert landing["links"][0]["href"] == f"http://{served}/ogc"


# -- tokens and the logs ---------------------------------------------------------------------------


def test_tokens_never_reach_the_logs(
    engine: Engine, settings: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:
        token_id, token = create_token(conn, name="logg", role="admin", organisation=None, days=1)
    wrong = token[:-4] + ("abcd" if not token.endswith("abcd") else "efgh")
    unreachable = f"postgresql+psycopg://ansvar@{HOST}:{free_port()}/finns_inte"
    answered: dict[str, list[int]] = {}
    try:
        for database_url in (settings.database_url, unreachable):
            port = free_port()
            env = {
                "ANSVAR_DATABASE_URL": database_url,
                "ANSVAR_BASEMAP_URL": "",
                "ANSVAR_CONNECT_TIMEOUT_S": "1",
                "TMPDIR": str(tmp_path),
            }
            argv = serve_argv(port, log_level="debug", access_log=True)
            # With the database gone /healthz is a 503: the map's page says the server is up.
            ready = "/healthz" if database_url == settings.database_url else "/"
            server = start_server(argv, env, f"http://{HOST}:{port}{ready}", quiet=False)
            try:
                for secret in (token, wrong):
                    bearer = {"Authorization": f"Bearer {secret}"}
                    with httpx.Client(
                        base_url=f"http://{HOST}:{port}", headers=bearer, timeout=SOCKET_TIMEOUT_S
                    ) as http:
                        answered.setdefault(database_url, []).extend(
                            [
                                http.get("/api/v1/importer/999999").status_code,
                                http.post("/api/v1/importer", content=b"x").status_code,
                                http.get("/ogc/collections/fastigheter/items").status_code,
                                http.delete("/api/v1/skotselprodukter/FINNS-INTE").status_code,
                            ]
                        )
            finally:
                stop_server(server)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM api_token WHERE id = :id"), {"id": token_id})
    assert answered[settings.database_url][:3] == [404, 415, 200]
    assert 400 <= answered[settings.database_url][3] < 500
    assert answered[settings.database_url][4:] == [401] * 4
    assert set(answered[unreachable]) == {503}
    out, err = capfd.readouterr()
    logged = out + err
    assert '"GET /api/v1/importer/999999 HTTP/1.1" 401' in logged, "the access log was written"
    assert "connection failed" in logged, "the outage was logged"
    for secret in (token, wrong, token[:16], token[-16:]):
        assert secret not in logged
    assert "bearer" not in logged.lower()
