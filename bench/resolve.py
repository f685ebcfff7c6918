"""Benchmark of "who maintains this point?" on a scaled demo of Huddinge.

    .venv/bin/python -m bench.resolve [--fastigheter 1000000] [--sekunder 20]

In one run, on the same database and the same random points inside the municipality:
  (a) floor: the candidate query alone, driven by --samtidighet concurrent psycopg clients
      (no HTTP, no rules, no JSON answer);
  (b) GET /api/v1/ansvar through uvicorn with 2 workers at the same concurrency (wrk);
  (c) latency at a steady offered load of --takt requests/s (open loop: latency counts from
      the moment each request was due, so a stall is not hidden).
Prints requests/s, p50 and p99 for each and the ratio (b)/(a).
"""

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.settings import Settings
from app.responsibility.queries import candidate_params
from app.responsibility.rules import Tolerances
from app.responsibility.service import CANDIDATES_PSYCOPG
from bench.common import percentile, require_tools, wrk
from bench.scaled_demo import scaled_demo_url
from tests.support.servers import free_port, start_ansvarskartan, stop_server

POINT_COUNT = 5_000


def random_points(url: str) -> list[tuple[float, float, float, float]]:
    """Points spread inside Huddinge: (x, y) in EPSG:3006 and (lon, lat)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(g), ST_Y(g), ST_X(ST_Transform(g, 4326)), ST_Y(ST_Transform(g, 4326))"
                " FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, :n, 126))).geom AS g"
                " FROM kommungrans WHERE kommunkod = '0126') p"
            ),
            {"n": POINT_COUNT},
        ).all()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def _floor(
    url: str, points: list[tuple[float, float, float, float]], concurrency: int, seconds: float
) -> tuple[float, list[float]]:
    """Requests/s and latencies (ms) of the bare candidate query."""
    sql = CANDIDATES_PSYCOPG
    settings = Settings()
    tolerances = Tolerances(
        settings.snap_point_m, settings.snap_line_m, settings.area_gap_m, settings.ambiguity_m
    )
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                x, y, _, _ = rng.choice(points)
                params = candidate_params(
                    [x],
                    [y],
                    preferred=None,
                    at=datetime.now(UTC),
                    day=date.today(),
                    municipality="0126",
                    tolerances=tolerances,
                )
                started = time.perf_counter()
                cursor = await conn.execute(sql, params)
                await cursor.fetchall()
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies


def _wrk(
    port: int, points: list[tuple[float, float, float, float]], concurrency: int, seconds: float
) -> dict[str, float]:
    """GET /api/v1/ansvar at random points at a fixed concurrency (wrk)."""
    shuffled = random.Random(1).sample(points, len(points))
    paths = [f"/api/v1/ansvar?lon={lon:.7f}&lat={lat:.7f}" for _, _, lon, lat in shuffled]
    return wrk(f"http://127.0.0.1:{port}", paths, concurrency, seconds)


async def _get(
    idle: "asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]", port: int, path: str
) -> int:
    """One GET over a kept-alive connection (a minimal HTTP/1.1 client: cheap on the CPU)."""
    try:
        reader, writer = idle.get_nowait()
    except asyncio.QueueEmpty:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    idle.put_nowait((reader, writer))
    return status


async def _steady(
    port: int, points: list[tuple[float, float, float, float]], rate: float, seconds: float
) -> tuple[list[float], int]:
    """Latencies (ms, from when each request was due) at a steady offered load (open loop)."""
    rng = random.Random(2)
    paths = [f"/api/v1/ansvar?lon={lon:.7f}&lat={lat:.7f}" for _, _, lon, lat in points]
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    latencies: list[float] = []
    failures = 0

    async def one(due: float, path: str, measured: bool) -> None:
        nonlocal failures
        status = await _get(idle, port, path)
        if measured:
            latencies.append((time.perf_counter() - due) * 1000)
            failures += status != 200

    warmup = 2.0
    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * (warmup + seconds))):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(due, rng.choice(paths), n >= rate * warmup)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    return latencies, failures


def main() -> None:
    """Run (a), (b) and (c) and print the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=1_000_000)
    parser.add_argument("--sekunder", type=float, default=20.0)
    parser.add_argument("--samtidighet", type=int, default=32)
    parser.add_argument("--takt", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    require_tools("wrk")

    url = scaled_demo_url(args.fastigheter)
    engine = create_engine(url)
    with engine.connect() as conn:
        parcels = conn.execute(text("SELECT count(*) FROM fastighet")).scalar_one()
        objects = conn.execute(text("SELECT count(*) FROM skotselobjekt")).scalar_one()
    engine.dispose()
    points = random_points(url)
    print(
        f"data: {parcels} parcel areas, {objects} maintenance objects; "
        f"{len(points)} random points in Huddinge"
    )

    floor_rps, floor_ms = asyncio.run(_floor(url, points, args.samtidighet, args.sekunder))
    print(
        f"(a) floor, candidate query, {args.samtidighet} psycopg clients: "
        f"{floor_rps:8.0f} req/s  p50 {percentile(floor_ms, 50):6.2f} ms  "
        f"p99 {percentile(floor_ms, 99):6.2f} ms"
    )

    port = free_port()
    pool_size = max(4, args.samtidighet // args.workers + 2)
    server = start_ansvarskartan(url, port, workers=args.workers, ANSVAR_POOL_SIZE=str(pool_size))
    try:
        http = _wrk(port, points, args.samtidighet, args.sekunder)
        http_rps = http["rps"]
        print(
            f"(b) HTTP, {args.workers} workers, concurrency {args.samtidighet}:       "
            f"{http_rps:8.0f} req/s  p50 {http['p50']:6.2f} ms  p99 {http['p99']:6.2f} ms"
            f"  errors {http['errors']:.0f}"
        )
        steady_ms, failures = asyncio.run(_steady(port, points, args.takt, args.sekunder))
        print(
            f"(c) HTTP at a steady {args.takt:.0f} req/s:                       "
            f"{len(steady_ms) / args.sekunder:8.0f} req/s  "
            f"p50 {percentile(steady_ms, 50):6.2f} ms  p99 {percentile(steady_ms, 99):6.2f} ms"
            f"  failures {failures}  (mean {statistics.fmean(steady_ms):.2f} ms)"
        )
    finally:
        stop_server(server)
    print(
        f"ratio (b)/(a): {http_rps / floor_rps:.2f}  (goal ≥ 0.5); "
        f"p99 at {args.takt:.0f} req/s: {percentile(steady_ms, 99):.2f} ms (goal ≤ 15 ms)"
    )


if __name__ == "__main__":
    main()
