"""Benchmark of vector tiles (Mapbox Vector Tile) at the map's zoom levels, against the bare SQL
and tipg.

    .venv/bin/python -m bench.tiles [--fastigheter 1000000] [--sekunder 10]

The cells are what the map asks for zoomed out (frontend/src/layers.js): maintenance areas from
zoom 12, lines from 13, parcels from 15. Each cell's tiles are the tiles of random places in the
municipality, the same for every server. Our service runs with 2 uvicorn workers and is asked
through wrk without compression; the floor is our own tile statement run by as many psycopg
clients, without HTTP. tipg (its own virtualenv in .cache/bench, made on the first run) serves
the parcel table as it is, so it is measured on the parcel cell only. Prints each cell as it is
measured, then the ratios ours/floor and ours/tipg. Needs wrk (`make bench-deps`).
"""

import math

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.features.collections import COLLECTIONS
from app.features.queries import tile_sql
from app.features.router import MAX_TILE_FEATURES
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

# (collection, zoom): the map's tiles zoomed out, from the farthest out to the parcels.
CELLS = (("skotselytor", 12), ("skotselytor", 14), ("skotsellinjer", 14), ("fastigheter", 15))
TILE_SAMPLE = 400
FLOOR = "golv (SQL)"
TIPG = "tipg"
TIPG_CELL = ("fastigheter", 15)
HEADER = f"{'server':<16}{'samling':<15}{'z':>3}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bytes':>9}"
STOP_GRACE_S = 10.0

Tile = tuple[int, int, int]
Cell = tuple[str, int]


def tile_of(lon: float, lat: float, z: int) -> Tile:
    """The WebMercatorQuad tile (z, x, y) holding a WGS 84 position."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _tiles(url: str, zoom: int) -> list[Tile]:
    """The distinct tiles of random places in the municipality (a fixed seed), as a map moved
    around would ask."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform((ST_Dump(ST_GeneratePoints("
                "geom, :n, 126))).geom, 4326) AS c FROM kommungrans) x"
            ),
            {"n": TILE_SAMPLE},
        ).all()
    engine.dispose()
    return sorted({tile_of(lon, lat, zoom) for lon, lat in rows})


def _statements(collection: str, tiles: list[Tile]) -> list[Statement]:
    """Our tile statement of each tile, as the service runs it for an anonymous reader."""
    found = COLLECTIONS[collection]
    return [tile_sql(found, z, x, y, MAX_TILE_FEATURES) for z, x, y in tiles]


def _print_cell(name: str, cell: Cell, r: dict[str, float]) -> None:
    """One measured cell, printed at once so a later failure cannot lose it."""
    collection, zoom = cell
    print(
        f"{name:<16}{collection:<15}{zoom:>3}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
        f"{r['bytes']:>9.0f}" + (f"  errors {r['errors']:.0f}" if r["errors"] else ""),
        flush=True,
    )


def _measure_servers(
    url: str, tiles: dict[Cell, list[Tile]], concurrency: int, seconds: float
) -> dict[tuple[str, Cell], dict[str, float]]:
    """Every cell through our service, and the parcel cell through tipg."""
    plain_dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tipg_python = server_venv("tipg", ["tipg", "uvicorn[standard]"])
    ours_port, tipg_port = free_port(), free_port()
    servers = {
        OURS: (
            uvicorn_argv("app.main:create_app", ours_port, workers=2, factory=True),
            {"ANSVAR_DATABASE_URL": url},
            f"http://127.0.0.1:{ours_port}",
            "/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}",
            list(CELLS),
        ),
        TIPG: (
            uvicorn_argv("tipg.main:app", tipg_port, workers=2, python=str(tipg_python)),
            {
                "DATABASE_URL": plain_dsn,
                "TIPG_DB_SCHEMAS": '["public"]',
                "TIPG_DB_TABLES": '["public.fastighet"]',
                "TIPG_MAX_FEATURES_PER_TILE": str(MAX_TILE_FEATURES),
            },
            f"http://127.0.0.1:{tipg_port}",
            "/collections/public.fastighet/tiles/WebMercatorQuad/{z}/{x}/{y}",
            [TIPG_CELL],
        ),
    }
    results: dict[tuple[str, Cell], dict[str, float]] = {}
    for name, (argv, env, base, template, cells) in servers.items():
        z, x, y = tiles[TIPG_CELL][0]
        first = template.format(collection=TIPG_CELL[0], z=z, x=x, y=y)
        try:
            server = start_server(argv, env, base + first)
        except SystemExit as exc:
            # One comparison that does not start must not cost the others' cells.
            print(f"{name:<16}skipped: {exc}", flush=True)
            continue
        try:
            for cell in cells:
                paths = [
                    template.format(collection=cell[0], z=z, x=x, y=y) for z, x, y in tiles[cell]
                ]
                results[(name, cell)] = wrk(base, paths, concurrency, seconds)
                _print_cell(name, cell, results[(name, cell)])
        finally:
            stop_server(server, grace_s=STOP_GRACE_S)
    return results


def main() -> None:
    """Measure the floor, our service and tipg on every cell, then print the ratios."""
    args = load_arguments(__doc__)
    require_tools("wrk")
    url = scaled_demo_url(args.fastigheter)
    tiles = {cell: _tiles(url, cell[1]) for cell in CELLS}
    print(
        f"fastigheter: {args.fastigheter} requested; concurrency {args.samtidighet}, "
        f"{args.sekunder:.0f} s per cell; tiles per cell: "
        + ", ".join(f"{c}/{z} {len(t)}" for (c, z), t in tiles.items())
    )
    print(HEADER, flush=True)
    results: dict[tuple[str, Cell], dict[str, float]] = {}
    for cell in CELLS:
        statements = _statements(cell[0], tiles[cell])
        results[(FLOOR, cell)] = sql_floor(url, statements, args.samtidighet, args.sekunder)
        _print_cell(FLOOR, cell, results[(FLOOR, cell)])
    results |= _measure_servers(url, tiles, args.samtidighet, args.sekunder)
    for cell in CELLS:
        print(f"{cell[0]} z{cell[1]}: {ratio_line(results, cell, (FLOOR, TIPG))}")


if __name__ == "__main__":
    main()
