"""Benchmark of making fault reports, against the answer they are routed by, and of delivering them.

    .venv/bin/python -m bench.reports [--fastigheter 20000] [--sekunder 20] [--takt 50]

In one run, on the same database, the same service and the same points (on maintenance
objects, so each point has someone responsible and each report is made):
  (a) baseline: GET /api/v1/ansvar at a steady --takt requests/s (open loop: latency counts
      from the moment each request was due, so a stall is not hidden);
  (b) POST /api/v1/felanmalan at the same rate and points: routing, the report, its event and
      its deliveries in one transaction;
  (c) the delivery worker sending the outbox (b) filled to a local SMTP sink (aiosmtpd).
Prints p50 and p99 of (a) and (b), the ratio (b)/(a), and (c)'s messages per second. The
reports are removed before and after.
"""

import argparse
import asyncio
import random
import time

import orjson
from sqlalchemy import Engine, create_engine, text

from app.core.settings import Settings
from app.delivery.worker import run_worker
from app.reports.categories import read_categories, sync_categories
from bench.common import percentile
from bench.scaled_demo import scaled_demo_url
from tests.support.receivers import smtp_receiver
from tests.support.servers import HOST, free_port, start_ansvarskartan, stop_server

POINT_COUNT = 2_000
CATEGORIES = ("trasig-mobel", "nedskrapning", "klotter", "ovrigt")

Request = tuple[str, str, bytes]  # method, path, body


def _points(engine: Engine) -> list[tuple[float, float]]:
    """lon/lat of points on current maintenance objects, a fixed random sample."""
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(0.126)"))
        rows = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
                " AS p FROM skotselobjekt WHERE valid_to IS NULL ORDER BY random() LIMIT :n) s"
            ),
            {"n": POINT_COUNT},
        ).all()
    return [(float(r[0]), float(r[1])) for r in rows]


def _remove_reports(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan CASCADE"))


async def _send(
    idle: "asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]",
    port: int,
    request: Request,
) -> int:
    """One request over a kept-alive connection (a minimal HTTP/1.1 client: cheap on the CPU)."""
    method, path, body = request
    try:
        reader, writer = idle.get_nowait()
    except asyncio.QueueEmpty:
        reader, writer = await asyncio.open_connection(HOST, port)
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
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
    port: int, requests: list[Request], rate: float, seconds: float, expected: int
) -> tuple[list[float], int]:
    """Latencies (ms, from when each request was due) at a steady offered load, and failures."""
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    latencies: list[float] = []
    failures = 0

    async def one(due: float, request: Request, measured: bool) -> None:
        nonlocal failures
        status = await _send(idle, port, request)
        if measured:
            latencies.append((time.perf_counter() - due) * 1000)
            failures += status != expected

    warmup = 2.0
    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * (warmup + seconds))):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        request = requests[n % len(requests)]
        tasks.append(asyncio.create_task(one(due, request, n >= rate * warmup)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    return latencies, failures


def _line(name: str, latencies: list[float], seconds: float, failures: int) -> str:
    return (
        f"{name} {len(latencies) / seconds:6.1f} req/s  p50 {percentile(latencies, 50):7.2f} ms"
        f"  p99 {percentile(latencies, 99):7.2f} ms  failures {failures}"
    )


async def _deliver(url: str) -> tuple[int, int, float]:
    """Messages waiting, sent to an SMTP sink by one worker, and the seconds it took."""
    with smtp_receiver() as inbox:
        settings = Settings(
            database_url=url,
            smtp_host=HOST,
            smtp_port=inbox.port,
            smtp_starttls=False,
            mail_from="Ansvarskartan <felanmalan@bench.example>",
        )
        engine = create_engine(url)
        with engine.connect() as conn:
            waiting = conn.execute(
                text("SELECT count(*) FROM leverans WHERE status = 'vantar'")
            ).scalar_one()
        engine.dispose()
        started = time.perf_counter()
        tally = await run_worker(settings, once=True)
        elapsed = time.perf_counter() - started
        assert len(inbox.messages) == tally.sent, "the sink got what the worker sent"
    return waiting, tally.sent, elapsed


def main() -> None:
    """Run (a), (b) and (c) and print the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=20_000)
    parser.add_argument("--sekunder", type=float, default=20.0)
    parser.add_argument("--takt", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    url = scaled_demo_url(args.fastigheter)
    engine = create_engine(url)
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
        parcels = conn.execute(text("SELECT count(*) FROM fastighet")).scalar_one()
        objects = conn.execute(text("SELECT count(*) FROM skotselobjekt")).scalar_one()
    _remove_reports(engine)
    points = _points(engine)
    print(
        f"data: {parcels} parcel areas, {objects} maintenance objects; "
        f"{len(points)} points on maintenance objects"
    )
    rng = random.Random(2)
    order = [rng.choice(points) for _ in range(len(points))]
    resolves: list[Request] = [
        ("GET", f"/api/v1/ansvar?lon={lon:.7f}&lat={lat:.7f}", b"") for lon, lat in order
    ]
    reports: list[Request] = [
        (
            "POST",
            "/api/v1/felanmalan",
            orjson.dumps(
                {
                    "lon": lon,
                    "lat": lat,
                    "kategori": CATEGORIES[n % len(CATEGORIES)],
                    "beskrivning": "Mätning av felanmälan.",
                    "kontakt": {"epost": f"anmalare{n}@bench.example"},
                }
            ),
        )
        for n, (lon, lat) in enumerate(order)
    ]

    port = free_port()
    server = start_ansvarskartan(
        url,
        port,
        workers=args.workers,
        ANSVAR_DELIVERY_IN_SERVICE="false",
        ANSVAR_RETENTION_IN_SERVICE="false",
        ANSVAR_ANONYMA_FELANMALAN_PER_MINUT="0",
    )
    try:
        resolve_ms, resolve_failures = asyncio.run(
            _steady(port, resolves, args.takt, args.sekunder, 200)
        )
        print(
            _line(
                f"(a) GET /api/v1/ansvar at {args.takt:.0f}/s:     ",
                resolve_ms,
                args.sekunder,
                resolve_failures,
            )
        )
        create_ms, create_failures = asyncio.run(
            _steady(port, reports, args.takt, args.sekunder, 201)
        )
        print(
            _line(
                f"(b) POST /api/v1/felanmalan at {args.takt:.0f}/s:",
                create_ms,
                args.sekunder,
                create_failures,
            )
        )
    finally:
        stop_server(server)

    waiting, sent, elapsed = asyncio.run(_deliver(url))
    print(
        f"(c) delivery worker to an SMTP sink: {sent} of {waiting} messages in {elapsed:.2f} s"
        f" = {sent / elapsed:.0f} messages/s"
    )
    _remove_reports(engine)
    engine.dispose()
    p50 = percentile(create_ms, 50) / percentile(resolve_ms, 50)
    p99 = percentile(create_ms, 99) / percentile(resolve_ms, 99)
    print(
        f"ratio (b)/(a): p50 {p50:.2f}, p99 {p99:.2f} (goal ≤ 2); p99 of (b) at "
        f"{args.takt:.0f}/s: {percentile(create_ms, 99):.2f} ms (goal ≤ 50 ms)"
    )


if __name__ == "__main__":
    main()
