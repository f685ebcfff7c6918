"""Benchmark helpers: one clear line for a missing tool; a server ignoring SIGTERM is killed; the
tile of a place is the one PostGIS's tile envelope holds it in."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bench.common import require_tools, wrk
from bench.tiles import tile_of
from tests.support.servers import free_port, start_server, stop_server

# A web server that ignores SIGTERM, as pygeoapi did for 30 s.
STUBBORN = (
    "import http.server, signal, sys;"
    " signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    " http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])),"
    " http.server.SimpleHTTPRequestHandler).serve_forever()"
)
POLITE = STUBBORN.replace(" signal.signal(signal.SIGTERM, signal.SIG_IGN);", "")


def _serve(program: str, folder: Path) -> "subprocess.Popen[bytes]":
    port = free_port()
    return start_server(
        [sys.executable, "-c", program, str(port)], {}, f"http://127.0.0.1:{port}/", cwd=folder
    )


def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    server = _serve(STUBBORN, tmp_path)
    started = time.monotonic()
    stop_server(server, grace_s=0.5)
    assert server.returncode == -9, "killed, not stopped"
    assert time.monotonic() - started < 5


def test_a_server_that_stops_on_sigterm_is_not_killed(tmp_path: Path) -> None:
    server = _serve(POLITE, tmp_path)
    stop_server(server, grace_s=10)
    assert server.returncode == -15
    stop_server(server)  # a second stop does nothing


def test_a_missing_tool_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(SystemExit) as stopped:
        wrk("http://127.0.0.1:9", ["/"], 1, 1)
    message = str(stopped.value)
    assert message == "bench: wrk is not installed; install with `make bench-deps`."
    with pytest.raises(SystemExit, match="ogr2ogr, wrk are not installed"):
        require_tools("ogr2ogr", "wrk")


@pytest.mark.parametrize(
    ("lon", "lat", "z"), [(17.93, 59.23, 12), (17.98, 59.25, 15), (-70.5, -33.4, 9), (0.0, 0.0, 3)]
)
def test_a_places_tile_is_the_envelope_postgis_holds_it_in(
    engine: Engine, lon: float, lat: float, z: int
) -> None:
    tile = tile_of(lon, lat, z)
    with engine.connect() as conn:
        inside = conn.execute(
            text(
                "SELECT ST_Intersects(ST_TileEnvelope(:z, :x, :y),"
                " ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 3857))"
            ),
            {"z": tile[0], "x": tile[1], "y": tile[2], "lon": lon, "lat": lat},
        ).scalar_one()
    assert tile[0] == z
    assert inside
