"""Benchmark: an operations area's whole package, against ogr2ogr writing its objects (baseline).

    .venv/bin/python -m bench.export [--fastigheter 1000000] [--omgangar 2]

Takes the driftområde with the most objects in the scaled demo. Baseline: `ogr2ogr -f GPKG`
reading the same objects (the package's own query) from PostGIS into one GeoPackage. Ours: read
the contents, write every file (PDF, XLSX, CSV, GPKG with styles, DXF, GeoJSON, LASMIG) and
zip them, as the download does (the map, its description and the DXF in a forked child beside
the other files). Both run in this process's run, alternating, so the ratio holds on a noisy
machine; ours is wall time, and each part's own time is printed too.
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from app.core.db import libpq_url
from app.export.contents import load_contents
from app.export.package import IN_CHILD, write_package
from bench.common import ogr_connection, require_tools
from bench.scaled_demo import scaled_demo_url

LARGEST_AREA_SQL = """
SELECT d.id, d.namn, count(o.id)
FROM driftomrade d
JOIN skotselobjekt o ON o.valid_to IS NULL AND o.huvudman_id = d.bestallare_id
 AND o.geom && d.geom AND ST_Intersects(o.geom, d.geom)
GROUP BY d.id ORDER BY 3 DESC LIMIT 1
"""
# The same objects as the package, with the columns a GeoPackage of them would carry.
BASELINE_SQL = """
SELECT o.objekt_id::text AS objekt_id, o.skotselprodukt_kod AS produkt, p.namn AS produktnamn,
       p.enhet, o.kvalitetsniva, h.namn AS huvudman, o.extern_id, o.valid_from AS giltig_fran,
       o.geom
FROM skotselobjekt o
JOIN driftomrade d ON d.id = {area_id}
JOIN organisation h ON h.id = o.huvudman_id
JOIN skotselprodukt p ON p.kod = o.skotselprodukt_kod
WHERE o.valid_to IS NULL AND o.huvudman_id = d.bestallare_id
  AND o.geom && d.geom AND ST_Intersects(o.geom, d.geom)
"""


def _ours(url: str, area_id: int, folder: Path) -> tuple[float, dict[str, float]]:
    """The package's wall time, and each part's own time (the child's files overlap the rest)."""
    started = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn:
        contents = load_contents(conn, area_id)
    assert contents is not None
    parts = {"läsa från PostGIS": time.perf_counter() - started}
    writing = time.perf_counter()
    files = write_package(contents, folder, folder.parent / "paket.zip")
    parts["skriva och zippa filerna (väggtid)"] = time.perf_counter() - writing
    parts |= {
        f"  {name}" + (" (barnprocess)" if name in IN_CHILD else ""): s for name, s in files.items()
    }
    return time.perf_counter() - started, parts


def _baseline(url: str, area_id: int, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            ogr_connection(url),
            "-sql",
            BASELINE_SQL.format(area_id=int(area_id)),
            "-nln",
            "skotselobjekt",
        ],
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the times, ratios and shares."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=1_000_000)
    parser.add_argument("--omgangar", type=int, default=2)
    args = parser.parse_args()
    require_tools("ogr2ogr")
    url = scaled_demo_url(args.fastigheter)
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(LARGEST_AREA_SQL).fetchone()
    assert row is not None, "the scaled demo has no operations areas"
    area_id, name, objects = row
    print(f"{name} (id {area_id}): {objects} objects, demo at {args.fastigheter} parcels")
    for round_number in range(1, args.omgangar + 1):
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            baseline = _baseline(url, area_id, folder / "ogr2ogr.gpkg")
            total, parts = _ours(url, area_id, folder / "paket")
        print(
            f"round {round_number}: package {total:.2f} s, ogr2ogr GPKG {baseline:.2f} s,"
            f" ratio {total / baseline:.2f}"
        )
        for part, seconds in parts.items():
            print(f"  {part:<40} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
