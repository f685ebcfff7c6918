"""Builds one package in its own process, so a large export never slows the map's server.

Run by the HTTP endpoint as `python -m app.export.worker AREA_ID ZIP [--utforare ORG_ID]`, or
with `--kalkyl` to write the client's calculation (one XLSX) instead of the package.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import psycopg

from app.analysis.prices import read_prices_sync
from app.core.db import libpq_url
from app.core.settings import get_settings
from app.export.calculation import write_calculation_xlsx
from app.export.contents import load_contents
from app.export.package import write_package

NOT_FOUND_EXIT = 3
# Below the server's priority: the map answers first when both want the processor.
NICENESS = 10


def main(argv: list[str] | None = None) -> int:
    """Write the zip of one operations area; exit 3 when the area is not there for the caller."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("area_id", type=int)
    parser.add_argument("archive", type=Path)
    parser.add_argument("--utforare", type=int, default=None)
    parser.add_argument("--kalkyl", action="store_true")
    args = parser.parse_args(argv)
    os.nice(NICENESS)
    url = libpq_url(get_settings().database_url)
    with psycopg.connect(url, application_name="ansvarskartan-paket", autocommit=True) as conn:
        contents = load_contents(conn, args.area_id, args.utforare)
        prices = read_prices_sync(conn) if args.kalkyl else []
    if contents is None:
        return NOT_FOUND_EXIT
    if args.kalkyl:
        with args.archive.open("wb") as out:
            write_calculation_xlsx(contents, prices, out)
        return 0
    with tempfile.TemporaryDirectory(prefix="ansvarskartan-paket-") as folder:
        write_package(contents, Path(folder), args.archive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
