"""Pieces every benchmark uses: ports, percentiles, starting and stopping servers."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.paths import REPO_ROOT


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def start_server(
    argv: list[str], env: dict[str, str], ready_url: str, cwd: Path = REPO_ROOT
) -> "subprocess.Popen[bytes]":
    """Start a server in its own process group and wait until ready_url answers 200."""
    server = subprocess.Popen(
        argv,
        env=os.environ | env,
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"the server for {ready_url} exited")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{ready_url} did not answer")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: "subprocess.Popen[bytes]") -> None:
    """Stop a server started by start_server, with its workers."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def start_ansvarskartan(
    database_url: str, port: int, *, workers: int, pool_size: int = 10, **env: str
) -> "subprocess.Popen[bytes]":
    """Our service under uvicorn on port, ready when /healthz answers."""
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    environment = {"ANSVAR_DATABASE_URL": database_url, "ANSVAR_POOL_SIZE": str(pool_size)} | env
    return start_server(argv, environment, f"http://127.0.0.1:{port}/healthz")
