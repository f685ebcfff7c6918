"""A database that cannot be reached gives one clear message, never a traceback."""

import os
import socket
import subprocess
import sys

from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_url() -> str:
    return f"postgresql+psycopg://ansvar@127.0.0.1:{_closed_port()}/ansvarskartan"


def test_api_answers_503_problem_when_the_database_is_down() -> None:
    settings = Settings(database_url=_unreachable_url(), connect_timeout_s=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for path in (
            "/healthz",
            "/api/v1/skotselprodukter",
            "/api/v1/organisationer",
            "/api/v1/ansvar?lon=17.98&lat=59.24",
        ):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["title"] == "Databasen kan inte nås"
            assert "Traceback" not in response.text
            assert "psycopg" not in response.text


def test_cli_prints_one_clear_line_when_the_database_is_down() -> None:
    env = os.environ | {"ANSVAR_DATABASE_URL": _unreachable_url()}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "catalogue", "sync"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "kan inte nå databasen" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_help_explains_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ("catalogue", "demo", "migrate", "serve"):
        assert command in result.stdout
    assert "vem sköter" in result.stdout.lower()
