"""Benchmark of OGC API – Features items pages against tipg, pygeoapi and the bare SQL.

    .venv/bin/python -m bench.features [--fastigheter 1000000] [--sekunder 10]

All servers read the same parcel table of the scaled demo (tipg and pygeoapi from their own
virtualenvs in .cache/bench, created on the first run), each with 2 uvicorn workers, at the same
concurrency, asked for pages of 100, 1,000 and 5,000 parcels from the same random bboxes (wrk).
The floor is our own page statement run by as many psycopg clients, without HTTP.
Prints requests/s, p50/p99 and bytes per response of each cell as it is measured, then the
ratios ours/tipg, ours/pygeoapi and ours/floor. Needs wrk (`make bench-deps`).
"""

import os
import subprocess
import tempfile
from pathlib import Path

from pyproj import Transformer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.features.collections import COLLECTIONS
from app.features.params import SUPPORTED_CRS, parse_bbox
from app.features.queries import Selection, items_sql
from bench.common import (
    OURS,
    Statement,
    load_arguments,
    ratio_line,
    require_tools,
    server_venv,
    sql_floor,
    wrk,
)
from bench.scaled_demo import scaled_demo_url
from tests.support.servers import free_port, start_server, stop_server, uvicorn_argv

PAGE_SIZES = (100, 1_000, 5_000)
BBOX_COUNT = 300


def _bboxes(url: str, page_size: int) -> list[tuple[str, str]]:
    """Random bboxes, each holding about 1.3 pages of parcels, as a map viewport would.

    Centred on random parcels; the half side is the distance to the parcel that is
    1.2 × page_size-th nearest, so the box holds at least that many. Returned in CRS84 and as
    the enclosing box in EPSG:3006.
    """
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c), (SELECT ST_Distance(f.geom, c) FROM fastighet f"
                "  WHERE f.valid_to IS NULL ORDER BY f.geom <-> c OFFSET :k LIMIT 1)"
                " FROM (SELECT ST_PointOnSurface(geom) AS c FROM fastighet"
                "  TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT :n) x"
            ),
            {"n": BBOX_COUNT, "k": int(page_size * 1.2)},
        ).all()
    engine.dispose()
    to_crs84 = Transformer.from_crs(3006, 4326, always_xy=True)
    boxes = []
    for x, y, radius in rows:
        e0, n0, e1, n1 = x - radius, y - radius, x + radius, y + radius
        west, south, east, north = to_crs84.transform_bounds(e0, n0, e1, n1)
        boxes.append(
            (
                f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}",
                f"{e0:.1f},{n0:.1f},{e1:.1f},{n1:.1f}",
            )
        )
    return boxes


def _pygeoapi_config(directory: Path, url: str, port: int) -> tuple[Path, Path]:
    db = make_url(url)
    config = directory / "pygeoapi.yml"
    config.write_text(f"""
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 100, max_items: 10000}}
  limit: 100
  map: {{url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", attribution: "OSM"}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                   terms_of_service: none, url: "http://127.0.0.1"}}
  license: {{name: none, url: "http://127.0.0.1"}}
  provider: {{name: bench, url: "http://127.0.0.1"}}
  contact: {{name: bench, position: bench, address: bench, city: bench, stateorprovince: bench,
            postalcode: "0", country: SE, phone: "0", fax: "0", email: bench@example.org,
            url: "http://127.0.0.1", hours: none, instructions: none, role: pointOfContact}}
resources:
  fastigheter:
    type: collection
    title: Fastigheter
    description: parcels
    keywords: [parcels]
    extents:
      spatial: {{bbox: [17.8, 59.1, 18.3, 59.3], crs: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {db.host}, port: {db.port}, dbname: {db.database}, user: {db.username},
               password: "", search_path: [public]}}
        id_field: id
        table: fastighet
        geom_field: geom
        storage_crs: http://www.opengis.net/def/crs/EPSG/0/3006
        crs: [http://www.opengis.net/def/crs/OGC/1.3/CRS84, http://www.opengis.net/def/crs/EPSG/0/3006]
""")
    openapi = directory / "openapi.yml"
    return config, openapi


def _page_statements(bboxes: list[tuple[str, str]], limit: int) -> list[Statement]:
    """Our page statement of each bbox (CRS84), as the server runs it."""
    collection = COLLECTIONS["fastigheter"]
    crs84 = SUPPORTED_CRS[0]
    return [
        items_sql(collection, crs84, Selection(parse_bbox(b, crs84), None, {}), None, limit)
        for b, _ in bboxes
    ]


FLOOR = "golv (SQL)"
HEADER = f"{'server':<16}{'page':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bytes/resp':>12}"
# How long a comparison server gets to stop after SIGTERM before it is killed.
STOP_GRACE_S = 10.0


def _print_cell(name: str, size: int, r: dict[str, float]) -> None:
    """One measured cell, printed at once so a later failure cannot lose it."""
    print(
        f"{name:<16}{size:>6}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
        f"{r['bytes']:>12.0f}" + (f"  errors {r['errors']:.0f}" if r["errors"] else ""),
        flush=True,
    )


def main() -> None:
    """Run every server and page size, printing each cell as it is measured, then the ratios."""
    args = load_arguments(__doc__)
    require_tools("wrk")

    url = scaled_demo_url(args.fastigheter)
    db = make_url(url)
    plain_dsn = db.set(drivername="postgresql").render_as_string(hide_password=False)
    tipg_python = server_venv("tipg", ["tipg", "uvicorn[standard]"])
    pygeoapi_python = server_venv(
        "pygeoapi",
        ["pygeoapi==0.21.0", "psycopg2-binary", "geoalchemy2", "starlette", "uvicorn[standard]"],
    )
    results: dict[tuple[str, int], dict[str, float]] = {}
    boxes = {size: _bboxes(url, size) for size in PAGE_SIZES}

    print(
        f"fastigheter: {args.fastigheter} requested; concurrency {args.samtidighet}, "
        f"{args.sekunder:.0f} s per cell"
    )
    print(HEADER, flush=True)
    for size in PAGE_SIZES:
        results[(FLOOR, size)] = sql_floor(
            url, _page_statements(boxes[size], size), args.samtidighet, args.sekunder
        )
        _print_cell(FLOOR, size, results[(FLOOR, size)])

    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, tuple[list[str], dict[str, str], str, str]] = {}
        port = free_port()
        servers[OURS] = (
            uvicorn_argv("app.main:create_app", port, workers=2, factory=True),
            {"ANSVAR_DATABASE_URL": url},
            f"http://127.0.0.1:{port}",
            "/ogc/collections/fastigheter/items?limit={limit}&bbox={bbox}",
        )
        port = free_port()
        servers["tipg"] = (
            uvicorn_argv("tipg.main:app", port, workers=2, python=str(tipg_python)),
            {
                "DATABASE_URL": plain_dsn,
                "TIPG_DB_SCHEMAS": '["public"]',
                "TIPG_DB_TABLES": '["public.fastighet"]',
                "TIPG_MAX_FEATURES_PER_QUERY": "10000",
            },
            f"http://127.0.0.1:{port}",
            "/collections/public.fastighet/items?limit={limit}&bbox={bbox}",
        )
        port = free_port()
        config, openapi = _pygeoapi_config(Path(tmp), url, port)
        subprocess.run(
            [
                str(pygeoapi_python.parent / "pygeoapi"),
                "openapi",
                "generate",
                str(config),
                "--output-file",
                str(openapi),
            ],
            check=True,
            capture_output=True,
            env=os.environ | {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
        )
        servers["pygeoapi"] = (
            uvicorn_argv(
                "pygeoapi.starlette_app:APP", port, workers=2, python=str(pygeoapi_python)
            ),
            {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
            f"http://127.0.0.1:{port}",
            # pygeoapi 0.21 writes a bbox it transforms to EPSG:3006 in northing/easting order
            # and then reads it as easting/northing, so it gets the same area in EPSG:3006.
            "/collections/fastigheter/items?f=json&limit={limit}&bbox={sweref}"
            "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3006",
        )
        for name, (argv, env, base, template) in servers.items():
            crs84, sweref = boxes[100][0]
            first_path = template.format(limit=10, bbox=crs84, sweref=sweref)
            try:
                server = start_server(argv, env, base + first_path)
            except SystemExit as exc:
                # One comparison that does not start must not cost the others' cells.
                print(f"{name:<16}skipped: {exc}", flush=True)
                continue
            try:
                for size in PAGE_SIZES:
                    paths = [
                        template.format(limit=size, bbox=crs84, sweref=sweref)
                        for crs84, sweref in boxes[size]
                    ]
                    results[(name, size)] = wrk(base, paths, args.samtidighet, args.sekunder)
                    _print_cell(name, size, results[(name, size)])
            finally:
                stop_server(server, grace_s=STOP_GRACE_S)

    for size in PAGE_SIZES:
        print(f"page {size}: {ratio_line(results, size, ('tipg', 'pygeoapi', FLOOR))}")


if __name__ == "__main__":
    main()
