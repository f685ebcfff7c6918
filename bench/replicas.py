"""Benchmark: reads on a hot standby against reads on the primary, and the standby's replay lag
while an import runs.

    .venv/bin/python -m bench.replicas [--fastigheter 1000000] [--import-fastigheter 100000]
                                       [--sekunder 15] [--samtidighet 32] [--omgangar 2]

Standby 1 of the local cluster (scripts/local-postgis.sh standby, pg_basebackup -R) is started
for the run and removed after. In each round, on the same random points of the scaled demo:
  (a) baseline: GET /api/v1/ansvar through `ansvarskartan serve` (2 workers) reading from the
      primary (wrk at --samtidighet);
  (b) the same service with ANSVAR_REPLICA_URLS naming the standby: the same reads go there
      (checked on /healthz: the standby's reads grow, the primary's do not).
Prints requests/s, p50/p99 and the ratio (b)/(a): the cost of routing reads to a standby on the
same machine. Then (c): `ansvarskartan import fastigheter` of --import-fastigheter parcels into
a database of its own on the primary while the standby's lag is sampled every 0.1 s the way the
service measures it (app.core.replicas.LagMeter); prints the import's time and the lag's max
and p99.
"""

import argparse
import importlib
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.core.db import libpq_url
from app.core.replicas import PRIMARY_POSITION_SQL, STANDBY_POSITION_SQL, LagMeter
from app.core.settings import get_settings
from bench.common import percentile, require_tools, wrk
from bench.resolve import random_points
from bench.scaled_demo import scaled_demo_url
from tests.support.db_admin import ensure_database, sibling_database_url
from tests.support.servers import free_port, start_ansvarskartan, stop_server

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "local-postgis.sh"
STANDBY_PORT_OFFSET = 100  # scripts/local-postgis.sh: standby N listens on PORT + 100·N
SAMPLE_S = 0.1
# bench/import.py's parcel file and timed import ("import" is a keyword, hence importlib).
IMPORT_BENCH = importlib.import_module("bench.import")


def _standby(action: str) -> None:
    subprocess.run(["bash", str(SCRIPT), "standby", action, "1"], check=True)


def _on_standby(url: str) -> str:
    parsed = make_url(url)
    assert parsed.port is not None
    return parsed.set(port=parsed.port + STANDBY_PORT_OFFSET).render_as_string(hide_password=False)


def _caught_up(primary_url: str, standby_url: str) -> None:
    """Wait until the standby has replayed what the primary had written when asked."""
    with psycopg.connect(libpq_url(primary_url), autocommit=True) as primary:
        row = primary.execute(PRIMARY_POSITION_SQL).fetchone()
    assert row is not None
    with psycopg.connect(libpq_url(standby_url), autocommit=True) as standby:
        while True:
            replayed = standby.execute(STANDBY_POSITION_SQL).fetchone()
            if replayed is not None and replayed[1] is not None and replayed[1] >= row[0]:
                return
            time.sleep(SAMPLE_S)


def _paths(url: str) -> list[str]:
    return [f"/api/v1/ansvar?lon={lon:.6f}&lat={lat:.6f}" for _, _, lon, lat in random_points(url)]


def _databases(port: int) -> dict[str, dict[str, Any]]:
    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
    return {d["namn"]: d for d in health["databaser"]}


def _reads(port: int) -> dict[str, int]:
    return {name: int(d["lasningar"]) for name, d in _databases(port).items()}


def _served(
    url: str, paths: list[str], args: argparse.Namespace, replica: str | None = None
) -> tuple[dict[str, float], dict[str, int]]:
    """wrk's figures for the service (reading from replica when given), and the reads each
    database served meanwhile (as one worker counted them: /healthz answers from one)."""
    port = free_port()
    server = start_ansvarskartan(
        url, port, workers=2, ANSVAR_POOL_SIZE="20", ANSVAR_REPLICA_URLS=replica or ""
    )
    try:
        if replica:  # the standby in rotation before the clock starts
            deadline = time.monotonic() + 30
            while _databases(port)["standby 1"]["status"] != "ok":
                if time.monotonic() > deadline:
                    raise SystemExit(f"the standby is not in rotation: {_databases(port)}")
                time.sleep(0.2)
        wrk(f"http://127.0.0.1:{port}", paths, args.samtidighet, 3)  # warm both workers
        before = _reads(port)
        result = wrk(f"http://127.0.0.1:{port}", paths, args.samtidighet, args.sekunder)
        after = _reads(port)
    finally:
        stop_server(server)
    return result, {name: after[name] - before.get(name, 0) for name in after}


def _lag_during_import(parcels: int) -> tuple[float, list[float]]:
    """Seconds of the import, and the standby's lag sampled while it ran."""
    path = IMPORT_BENCH.parcel_file(parcels, 126)
    url = sibling_database_url(get_settings().owner_database_url, "_bench_replicas")
    ensure_database(url)
    engine = create_engine(url)
    IMPORT_BENCH.empty_database(engine)
    engine.dispose()
    _caught_up(url, _on_standby(url))
    lags: list[float] = []
    meter = LagMeter(keep_s=600)
    done = threading.Event()

    def sample() -> None:
        with (
            psycopg.connect(libpq_url(url), autocommit=True) as primary,
            psycopg.connect(libpq_url(_on_standby(url)), autocommit=True) as standby,
        ):
            while not done.is_set():
                now = time.monotonic()
                written = primary.execute(PRIMARY_POSITION_SQL).fetchone()
                replayed = standby.execute(STANDBY_POSITION_SQL).fetchone()
                if written is not None:
                    meter.sample(now, int(written[0]))
                if replayed is not None and replayed[1] is not None:
                    lag = meter.lag(int(replayed[1]), now)
                    if lag is not None:
                        lags.append(lag)
                time.sleep(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        seconds = float(IMPORT_BENCH.cli_import_seconds(url, path))
        _caught_up(url, _on_standby(url))  # until the standby has it all
    finally:
        done.set()
        sampler.join()
    return seconds, lags


def main() -> None:
    """Run (a), (b) and (c) and print the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=1_000_000)
    parser.add_argument("--import-fastigheter", type=int, default=100_000)
    parser.add_argument("--sekunder", type=float, default=15.0)
    parser.add_argument("--samtidighet", type=int, default=32)
    parser.add_argument("--omgangar", type=int, default=2)
    args = parser.parse_args()
    require_tools("wrk")
    url = scaled_demo_url(args.fastigheter)
    paths = _paths(url)
    _standby("start")
    try:
        _caught_up(url, _on_standby(url))
        print(f"resolve at {len(paths)} random points, demo at {args.fastigheter} parcels")
        for number in range(1, args.omgangar + 1):
            primary, _ = _served(url, paths, args)
            standby, reads = _served(url, paths, args, _on_standby(url))
            if not reads.get("standby 1") or reads.get("primär"):
                raise SystemExit(f"the reads did not all go to the standby: {reads}")
            print(
                f"round {number}: (a) primary {primary['rps']:7.0f} req/s p50 {primary['p50']:5.2f}"
                f" ms p99 {primary['p99']:6.2f} ms | (b) standby {standby['rps']:7.0f} req/s"
                f" p50 {standby['p50']:5.2f} ms p99 {standby['p99']:6.2f} ms"
                f" | ratio (b)/(a) {standby['rps'] / primary['rps']:.2f}",
                flush=True,
            )
        seconds, lags = _lag_during_import(args.import_fastigheter)
        print(
            f"(c) import of {args.import_fastigheter} parcels: {seconds:.1f} s; standby lag over"
            f" {len(lags)} samples: max {max(lags):.2f} s, p99 {percentile(lags, 99):.2f} s,"
            f" p50 {percentile(lags, 50):.2f} s"
        )
    finally:
        _standby("remove")


if __name__ == "__main__":
    main()
