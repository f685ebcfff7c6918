"""A GeoPackage layer as PostgreSQL COPY text, built by SQLite in helper processes.

Reading every field of a large layer into Python objects costs more than everything else an
import does. A GeoPackage is an SQLite database, so SQLite itself can build each row's COPY
line (tab separated, '' for NULL; the geometry as hex WKB, its GeoPackage header cut off).
The reading runs in processes of their own (`python -m app.imports.geopackage_text`, which
needs only the standard library) that stream the lines on stdout in framed chunks, so the
reading and the database parsing the lines run side by side.

A value that COPY text would read differently (a backslash, tab, newline or carriage return)
is not escaped: the helper stops with `NotPlainText` and the importer takes its general path,
so such files are slower but read right.
"""

import json
import os
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

CHUNK_ROWS = 65536
_FRAME = struct.Struct("!cQ")
_DATA, _SUMMARY, _ERROR = b"D", b"S", b"E"
# Header bytes before the WKB of a GeoPackage geometry, by the low hex digit of its flags
# (the envelope indicator and the byte order bit).
_HEADER_BY_FLAGS = {"0": 8, "1": 8, "2": 40, "3": 40, "4": 56, "5": 56, "6": 56, "7": 56}
_HEADER_BY_FLAGS |= {"8": 72, "9": 72}
# A literal tab between the fields: char(9) would be a function call per field and row.
_SEPARATOR = " || '\t' || "


class NotPlainText(Exception):
    """The layer cannot be carried as plain COPY text (or not read with SQL at all)."""


@dataclass(frozen=True)
class GeopackageLayer:
    """A feature table of a GeoPackage, from the GeoPackage's own metadata tables."""

    table: str
    geometry_column: str
    geometry_type: str  # as the standard names it: POLYGON, MULTIPOLYGON, ...
    has_z_or_m: bool
    srs: tuple[str, int] | None  # (organization, code), e.g. ("EPSG", 3006)
    columns: dict[str, str]  # declared SQLite type by column name, upper case


def describe_layer(path: Path, layer: str) -> GeopackageLayer | None:
    """The feature table layer of the GeoPackage at path; None if path holds no such table.

    Read with SQLite alone, so the import of a GeoPackage need not load GDAL's Python stack.
    """
    try:
        with closing(_open(path)) as db:
            found = db.execute(
                "SELECT g.column_name, upper(g.geometry_type_name), g.z, g.m, "
                "s.organization, s.organization_coordsys_id FROM gpkg_contents c "
                "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                "WHERE c.data_type = 'features' AND c.table_name = ?",
                (layer,),
            ).fetchone()
            if found is None:
                return None
            columns = db.execute(f"PRAGMA table_info({quoted(layer)})").fetchall()
    except sqlite3.Error:
        return None
    column, geometry_type, z, m, organization, code = found
    return GeopackageLayer(
        table=layer,
        geometry_column=str(column),
        geometry_type=str(geometry_type),
        has_z_or_m=bool(z) or bool(m),
        srs=None if organization is None else (str(organization).upper(), int(code)),
        columns={str(row[1]): str(row[2]).upper() for row in columns},
    )


def has_features(path: Path, layer: str) -> bool:
    """Whether the GeoPackage's table layer holds any row (true when SQLite cannot tell)."""
    try:
        with closing(_open(path)) as db:
            found = db.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted(layer)})")  # noqa: S608 (quoted)
            return bool(found.fetchone()[0])
    except sqlite3.Error:  # the general path reads it with GDAL and says what is wrong
        return True


def _open(path: Path) -> sqlite3.Connection:
    """The file as a read-only SQLite database."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


@dataclass(frozen=True)
class TextLayer:
    """What to read: SQL expressions over the layer's columns, one per COPY field."""

    path: str
    layer: str
    fields: tuple[str, ...]
    # The geometry column whose extent the summary reports, if its spatial index tells.
    geometry: str
    chunk_rows: int = CHUNK_ROWS
    # This helper reads chunk i when i % parts == part.
    part: int = 0
    parts: int = 1


@dataclass(frozen=True)
class TextSummary:
    """What the helper read: the rows and the extent of the geometries (None if unknown)."""

    rows: int
    bounds: tuple[float, float, float, float] | None


def quoted(identifier: str) -> str:
    """An SQL identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def text_of(column: str) -> str:
    """SQLite: a text column without surrounding spaces, '' (NULL in COPY) when there is none."""
    return f"ifnull(trim({quoted(column)}), '')"


def wkb_hex(column: str) -> str:
    """SQLite: a GeoPackage geometry as hex WKB, '' for NULL.

    An extended or unknown header leaves bytes that are no WKB, so COPY fails on them.
    """
    g = quoted(column)
    header = " ".join(f"WHEN '{d}' THEN {n}" for d, n in _HEADER_BY_FLAGS.items())
    return (
        f"CASE WHEN {g} IS NULL THEN '' ELSE hex(substr({g}, 1 + CASE "
        f"substr(hex(substr({g}, 4, 1)), 2, 1) {header} ELSE 0 END)) END"
    )


class TextReader:
    """Helper processes reading spec; `chunks()` yields their COPY text in order.

    They start at once, so the reading overlaps whatever the caller does before it copies.
    Two helpers read alternate chunks: building the text is the slower half of an unchanged
    re-import, and the database's share of it is light.
    """

    def __init__(self, spec: TextLayer, helpers: int = 2) -> None:
        self.summary: TextSummary | None = None
        # The helpers find this package wherever the caller runs from.
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        self._processes = [
            subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=os.environ | {"PYTHONPATH": path},
            )
            for _ in range(max(1, helpers))
        ]
        for part, process in enumerate(self._processes):
            assert process.stdin is not None
            share = asdict(spec) | {"part": part, "parts": len(self._processes)}
            process.stdin.write(json.dumps(share).encode())
            process.stdin.close()

    def __enter__(self) -> "TextReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helpers that still run."""
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def chunks(self) -> Iterator[bytes]:
        """The UTF-8 COPY chunks in the layer's order; then `summary` is set."""
        outputs = [process.stdout for process in self._processes if process.stdout is not None]
        summaries: list[dict[str, Any]] = []
        turn = 0
        # Chunk i comes from helper i % helpers; each ends with its summary.
        while len(summaries) < len(outputs):
            kind, payload = _read_frame(outputs[turn % len(outputs)])
            turn += 1
            if kind == _DATA:
                if payload:
                    yield payload
            elif kind == _SUMMARY:
                summaries.append(json.loads(payload))
            else:
                raise NotPlainText(payload.decode())
        bounds = next((b for b in (s["bounds"] for s in summaries) if b is not None), None)
        self.summary = TextSummary(
            rows=sum(s["rows"] for s in summaries),
            bounds=None if bounds is None else (bounds[0], bounds[1], bounds[2], bounds[3]),
        )


def _read_frame(stdout: IO[bytes]) -> tuple[bytes, bytes]:
    head = stdout.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise NotPlainText("a reading process ended without a summary")
    kind, length = _FRAME.unpack(head)
    return kind, stdout.read(length)


def _plain(payload: bytes, rows: int, fields: int) -> bool:
    """True when no value carries a character that COPY text treats specially."""
    return (
        b"\\" not in payload
        and b"\r" not in payload
        and payload.count(b"\n") == rows
        and payload.count(b"\t") == rows * (fields - 1)
    )


def _produce(spec: TextLayer, out: IO[bytes]) -> None:
    """Read the layer chunk by chunk (by rowid) and write the framed COPY text to out."""

    def frame(kind: bytes, payload: bytes) -> None:
        out.write(_FRAME.pack(kind, len(payload)))
        out.write(payload)

    # The layer and column names are quoted, the expressions are the importer's own and the
    # row bounds are parameters.
    table = quoted(spec.layer)
    line = _SEPARATOR.join(f"({field})" for field in spec.fields)
    chunk = f"SELECT {line} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"  # noqa: S608
    try:
        with closing(_open(Path(spec.path))) as db:
            db.text_factory = bytes  # UTF-8 as stored, straight on to COPY
            span = f"SELECT min(rowid), max(rowid) FROM {table}"  # noqa: S608
            low, high = db.execute(span).fetchone()
            rows = 0
            starts = range(low or 0, (high if high is not None else -1) + 1, spec.chunk_rows)
            for start in starts[spec.part :: spec.parts]:
                lines = [row[0] for row in db.execute(chunk, (start, start + spec.chunk_rows - 1))]
                payload = b"\n".join(lines) + b"\n" if lines else b""
                if not _plain(payload, len(lines), len(spec.fields)):
                    raise NotPlainText("a value holds a backslash, tab or line break")
                frame(_DATA, payload)  # empty too: the reader takes chunks in turn
                rows += len(lines)
            bounds = _extent(db, spec) if spec.part == 0 else None
    except sqlite3.Error as exc:  # not a table SQLite can read as expected: the general way
        raise NotPlainText(str(exc)) from exc
    frame(_SUMMARY, json.dumps({"rows": rows, "bounds": bounds}).encode())


def _extent(db: sqlite3.Connection, spec: TextLayer) -> list[float] | None:
    """The extent of the non-empty geometries from the layer's spatial index; None without."""
    # The R-tree holds a box per non-empty geometry, rounded outwards to single precision
    # (under a metre here); reading it costs next to nothing.
    index = quoted(f"rtree_{spec.layer}_{spec.geometry}")
    try:
        found = db.execute(
            f"SELECT min(minx), min(miny), max(maxx), max(maxy) FROM {index}"  # noqa: S608
        ).fetchone()
    except sqlite3.Error:
        return None
    if found is None or any(value is None for value in found):
        return None
    return [float(value) for value in found]


def main() -> None:
    """The helper process: a TextLayer as JSON on stdin, framed COPY text on stdout."""
    values = json.loads(sys.stdin.buffer.read())
    spec = TextLayer(**(values | {"fields": tuple(values["fields"])}))
    out = sys.stdout.buffer
    try:
        _produce(spec, out)
    except NotPlainText as exc:
        message = str(exc).encode()
        out.write(_FRAME.pack(_ERROR, len(message)))
        out.write(message)
    out.flush()


if __name__ == "__main__":
    main()
