"""The compose file's load balancer (scripts/compose-nginx.conf) in a real nginx, in front of real
service nodes: reads are spread over the nodes, a read one node cannot answer is answered by the
other, and a write goes to one node only, even when that node fails it."""

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.core.paths import REPO_ROOT
from app.core.settings import Settings
from tests.handmade import local_lonlat
from tests.support.receivers import wait_until
from tests.support.servers import HOST, free_port, start_ansvarskartan, stop_server

COMPOSE_CONF = REPO_ROOT / "scripts" / "compose-nginx.conf"
NGINX = "/usr/sbin/nginx"
BENCH = (60, 60)  # the park unit's bench (tests/handmade.py)
# A database nothing listens on: the node starts, and answers 503 for what needs the database.
NO_DATABASE = "postgresql+psycopg://ansvar@127.0.0.1:1/ingen"
# What the test's nginx logs per request: which nodes it tried, and what each answered.
LOG_FORMAT = '\'$request_method $status "$upstream_addr" "$upstream_status"\''

Balancer = Callable[[str, str], str]


@pytest.fixture(scope="module")
def nodes(settings: Settings, handmade_data: None) -> Iterator[dict[str, str]]:  # noqa: ARG001 (a fixture set up first)
    """Two service nodes on the test database and one whose database cannot be reached, each
    as host:port."""
    started: list[subprocess.Popen[bytes]] = []
    addresses: dict[str, str] = {}
    try:
        for name, url, ready, wait_s in (
            ("a", settings.database_url, "/healthz", settings.connect_timeout_s),
            ("b", settings.database_url, "/healthz", settings.connect_timeout_s),
            # It gives up on its database after 0.5 s, not the default 5 s.
            ("utan-databas", NO_DATABASE, "/openapi.json", 0.5),
        ):
            port = free_port()
            node = start_ansvarskartan(
                url,
                port,
                ready_path=ready,
                ANSVAR_BASEMAP_URL="",
                ANSVAR_CONNECT_TIMEOUT_S=str(wait_s),
            )
            started.append(node)
            addresses[name] = f"{HOST}:{port}"
        yield addresses
    finally:
        for server in started:
            stop_server(server)


def nginx_conf(folder: Path, port: int, first: str, second: str) -> str:
    """The compose file's nginx configuration with the two nodes and the port given, inside
    a main configuration of the test's own (its files in folder, a log of the nodes tried)."""
    site = COMPOSE_CONF.read_text(encoding="utf-8")
    for compose, here in (
        ("server app1:8000 ", f"server {first} "),
        ("server app2:8000 ", f"server {second} "),
        ("listen 80;", f"listen {HOST}:{port};"),
    ):
        assert compose in site, f"{COMPOSE_CONF.name} no longer has '{compose}'"
        site = site.replace(compose, here)
    # As root, nginx's workers would run as nobody, who cannot enter the test's folder.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{}}
http {{
    log_format nodes {LOG_FORMAT};
    access_log {folder}/access.log nodes;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
"""


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[Balancer]:
    """Starts nginx in front of two of the nodes (host:port each); its base URL. Stopped after."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is not installed: `scripts/system-deps.sh --test` installs it")
    running: list[subprocess.Popen[bytes]] = []

    def start(first: str, second: str) -> str:
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(nginx_conf(tmp_path, port, first, second), encoding="utf-8")
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        running.append(process)
        base = f"http://{HOST}:{port}"

        def answers() -> bool:
            if process.poll() is not None:
                errors = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"nginx exited: {errors}")
            try:
                return httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answers, "nginx in front of the nodes", 30)
        (tmp_path / "access.log").write_text("")
        return base

    yield start
    for process in running:
        process.terminate()
        process.wait(timeout=10)


def _log(folder: Path) -> list[tuple[str, int, list[str], list[str]]]:
    """The requests nginx logged: method, status, the nodes tried and what each answered."""
    entries = []
    path = folder / "access.log"
    for line in path.read_text().splitlines() if path.exists() else []:
        method, status, tried, answered = line.split(" ", 2)[:2] + line.split('"')[1::2]
        entries.append((method, int(status), tried.split(", "), answered.split(", ")))
    return entries


def _resolve(base: str) -> httpx.Response:
    lon, lat = local_lonlat(BENCH)
    return httpx.get(f"{base}/api/v1/ansvar", params={"lon": lon, "lat": lat}, timeout=10)


def test_reads_are_spread_over_both_nodes(
    balancer: Balancer, nodes: dict[str, str], tmp_path: Path
) -> None:
    base = balancer(nodes["a"], nodes["b"])
    statuses = [_resolve(base).status_code for _ in range(8)]
    assert statuses == [200] * 8
    served = [tried[-1] for method, _, tried, _ in _log(tmp_path) if method == "GET"]
    assert served.count(nodes["a"]) >= 2, served
    assert served.count(nodes["b"]) >= 2, served


def test_a_read_one_node_cannot_answer_is_answered_by_the_other(
    balancer: Balancer, nodes: dict[str, str], tmp_path: Path
) -> None:
    base = balancer(nodes["a"], nodes["utan-databas"])
    statuses = [_resolve(base).status_code for _ in range(6)]
    assert statuses == [200] * 6
    retried = [(tried, answered) for _, _, tried, answered in _log(tmp_path) if len(tried) > 1]
    assert (
        [nodes["utan-databas"], nodes["a"]],
        ["503", "200"],
    ) in retried, _log(tmp_path)


def test_a_write_goes_to_one_node_even_when_that_node_fails_it(
    balancer: Balancer, nodes: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    base = balancer(nodes["a"], nodes["utan-databas"])
    lon, lat = local_lonlat(BENCH)
    marker = f"lastbalanserare {uuid.uuid4().hex}"
    body: dict[str, Any] = {"lon": lon, "lat": lat, "kategori": "trasig-mobel"}
    statuses = [
        httpx.post(
            f"{base}/api/v1/felanmalan", json=body | {"beskrivning": f"{marker} {n}"}, timeout=10
        ).status_code
        for n in range(6)
    ]
    with engine.connect() as conn:
        made = conn.execute(
            text("SELECT count(*) FROM felanmalan WHERE beskrivning LIKE :m"),
            {"m": f"{marker} %"},
        ).scalar_one()
    # The node without its database refused some; nginx did not send those to the other node.
    assert 503 in statuses, statuses
    assert made == statuses.count(201) > 0, statuses
    writes = [(tried, status) for method, status, tried, _ in _log(tmp_path) if method == "POST"]
    assert len(writes) == 6
    assert all(len(tried) == 1 for tried, _ in writes), writes
    assert {status for tried, status in writes if tried == [nodes["utan-databas"]]} == {503}
