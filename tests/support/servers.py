"""Servers in their own processes: the service under uvicorn, and the benchmarks' comparisons."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.core.paths import REPO_ROOT

HOST = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def uvicorn_argv(
    app: str,
    port: int,
    *,
    workers: int | None = None,
    factory: bool = False,
    python: str = sys.executable,
) -> list[str]:
    """The command that serves app (module:attribute) under uvicorn on port, quietly."""
    argv = [python, "-m", "uvicorn", app, *(["--factory"] if factory else [])]
    argv += ["--host", HOST, "--port", str(port)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    return [*argv, "--no-access-log", "--log-level", "warning"]


def start_server(
    argv: list[str],
    env: dict[str, str],
    ready_url: str,
    *,
    cwd: Path = REPO_ROOT,
    quiet: bool = True,
) -> "subprocess.Popen[bytes]":
    """Start a server in its own process group and wait until ready_url answers 200.

    quiet: drop the server's output (otherwise it goes where ours goes, e.g. to pytest).
    """
    output = subprocess.DEVNULL if quiet else None
    server = subprocess.Popen(
        argv, env=os.environ | env, cwd=cwd, start_new_session=True, stdout=output, stderr=output
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


def stop_server(server: "subprocess.Popen[bytes]", grace_s: float = 10.0) -> None:
    """Stop a server started by start_server, with its workers; killed after grace_s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        # A server may ignore SIGTERM (pygeoapi did, for 30 s): its whole group goes.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def start_ansvarskartan(
    database_url: str,
    port: int,
    *,
    workers: int | None = None,
    quiet: bool = True,
    ready_path: str = "/healthz",
    **env: str,
) -> "subprocess.Popen[bytes]":
    """The service as deployed (`ansvarskartan serve`) on port, ready when ready_path answers
    200 (/healthz: with its database)."""
    # `serve` sets the request-head limits and timeouts uvicorn alone would not (app.core.serving).
    argv = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    argv += [*(["--workers", str(workers)] if workers is not None else [])]
    argv += ["--log-level", "warning", "--no-access-log"]
    environment = {"ANSVAR_DATABASE_URL": database_url} | env
    return start_server(argv, environment, f"http://{HOST}:{port}{ready_path}", quiet=quiet)


@contextmanager
def running_server(
    database_url: str, *, workers: int | None = None, quiet: bool = False, **env: str
) -> Iterator[str]:
    """The service in a real uvicorn process on a port of its own; yields its base URL."""
    port = free_port()
    server = start_ansvarskartan(database_url, port, workers=workers, quiet=quiet, **env)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        stop_server(server)
