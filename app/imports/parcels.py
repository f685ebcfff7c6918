"""Lantmäteriet Fastighetsindelning (registerenhetsomradesyta) → fastighet, with history.

Every feature is staged as typed columns (`parcel_stage`), the rules are applied to the whole
stage in SQL, and the versioned merge compares it with the current parcels in one pass.

A GeoPackage in SWEREF 99 TM, as Lantmäteriet delivers it, is read as COPY text that SQLite
builds (`geopackage_text`) in helper processes while the database parses the text. Into an
empty table it is copied straight in and the indexes are built afterwards: the table's
constraints are the rules (a UUID, a designation, one current row per objektidentitet, a valid,
non-empty multipolygon), so a file that breaks any of them is rolled back and staged like the
rest, where every rejected feature gets its reason. Other files, and a GeoPackage whose values
the text cannot carry, are read into Python and staged row by row; the rules see no difference.
"""

import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
import sqlalchemy.exc
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, text

from app.core.problems import InvalidInput
from app.imports.geopackage_text import (
    GeopackageLayer,
    NotPlainText,
    TextLayer,
    TextReader,
    describe_layer,
    has_features,
    quoted,
    text_of,
    wkb_hex,
)
from app.imports.parcel_stage import (
    OPTIONAL_COLUMNS,
    PARCELS,
    STAGE,
    STAGED_NAMES,
    create_stage,
    merge_stage,
)
from app.imports.progress import WRITING, step
from app.imports.reading import (
    check_in_sweden,
    crs_name,
    file_sha256,
    place_in_source_crs,
    read_layer,
    source_crs,
)
from app.imports.record import ImportResult, finish_import, start_import
from app.imports.staging import (
    column_defaults,
    copy_rows,
    copy_text,
    ewkb_hex,
    loading_in_bulk,
    lock_if_empty,
    owns_table,
)
from app.models import SRID

if TYPE_CHECKING:
    import geopandas as gpd

PARCEL_LAYER = "registerenhetsomradesyta"
REQUIRED_COLUMNS = ("objektidentitet", "registerenhetsreferens", "kommunnamn", "trakt", "etikett")
_AREA_SUFFIX = re.compile(r">\d+$")
_log = logging.getLogger(__name__)

# fastighet's columns as the load into an empty table copies them (valid_from and import_id
# come from column defaults set for the load).
_TABLE_COLUMNS = ("objektidentitet", "registerenhetsreferens", "beteckning", *STAGED_NAMES[2:15])
_UUID_COLUMNS = ("objektidentitet", "registerenhetsreferens")
_TEXT_COLUMNS = (
    "kommunnamn",
    "trakt",
    "block",
    "etikett",
    "objekttyp",
    "lanskod",
    "kommunkod",
    "samjelittera",
)
_INTEGER_COLUMNS = ("enhet", "omradesnummer", "osakertlage")
# Declared SQLite types, as GDAL writes them for string, integer and date-time fields.
_INTEGER_TYPES = ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BOOLEAN")
_TIME_TYPES = ("DATETIME", "DATE")


def designation(kommunnamn: str, trakt: str, etikett: str) -> str:
    """The parcel designation, e.g. 'HUDDINGE GRANTORP 5:9', from Lantmäteriet's columns."""
    return f"{kommunnamn.strip()} {trakt.strip()} {_AREA_SUFFIX.sub('', etikett.strip())}"


def import_parcels(
    conn: Connection,
    path: Path,
    *,
    layer: str | None = PARCEL_LAYER,
    crs: str | None = None,
    effective: datetime,
    full: bool = True,
    performed_by: str | None = None,
) -> ImportResult:
    """Import a Fastighetsindelning layer: new, changed and (with full) removed parcel areas."""
    geopackage = _geopackage_in_sweref(path, layer, crs)
    if geopackage is not None:
        result = _import_geopackage(
            conn,
            path,
            geopackage,
            CRS.from_user_input(crs or f"EPSG:{SRID}"),
            effective=effective,
            full=full,
            performed_by=performed_by,
        )
    else:
        frame = read_layer(path, layer, crs)
        import_id = _start(conn, path, layer, source_crs(frame), performed_by, effective)
        create_stage(conn, import_id)
        staged = _stage_frame(conn, frame)
        result = merge_stage(
            conn,
            import_id,
            staged,
            effective=effective,
            full=full,
            absent=_absent(frame.columns),
            place=place_in_source_crs(frame),
        )
    finish_import(conn, result)
    return result


def _absent(columns: Any) -> list[str]:
    """The optional columns a layer does not have."""
    return [c for c in OPTIONAL_COLUMNS if c not in columns]


def _missing_columns(columns: Any, geometry: str | None = None) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        present = [str(c) for c in columns if c != geometry]
        raise InvalidInput(
            "Lagret ser inte ut som Lantmäteriets Fastighetsindelning; kolumner saknas: "
            f"{', '.join(missing)}. Lagret har kolumnerna: {', '.join(present) or 'inga'}."
        )


def _start(
    conn: Connection,
    path: Path,
    layer: str | None,
    crs: str,
    performed_by: str | None,
    effective: datetime,
) -> int:
    return start_import(
        conn,
        "fastigheter",
        path,
        file_sha256(path),
        layer=layer,
        source_crs=crs,
        performed_by=performed_by,
        effective=effective,
    )


# --- A GeoPackage in EPSG:3006, read as text built by SQLite ------------------------------


def _geopackage_in_sweref(path: Path, layer: str | None, crs: str | None) -> GeopackageLayer | None:
    """The layer, when it is a GeoPackage table in EPSG:3006 whose columns suit the text path."""
    if layer is None:  # which layer comes first is GDAL's to say
        return None
    if crs is not None:
        try:
            if CRS.from_user_input(crs).to_epsg() != SRID:
                return None
        except CRSError:
            return None
    found = describe_layer(path, layer)
    if (
        found is None
        or found.has_z_or_m
        or found.geometry_type not in ("POLYGON", "MULTIPOLYGON")
        or (crs is None and found.srs != ("EPSG", SRID))
    ):
        return None
    types = found.columns
    textual = all(types.get(c, "TEXT").startswith("TEXT") for c in (*_UUID_COLUMNS, *_TEXT_COLUMNS))
    integral = all(types.get(c, "INTEGER") in _INTEGER_TYPES for c in _INTEGER_COLUMNS)
    timed = types.get("senastandrad", "DATETIME")
    dated = timed in _TIME_TYPES or timed.startswith("TEXT")
    return found if textual and integral and dated else None


def _text_fields(layer: GeopackageLayer) -> dict[str, str]:
    """SQLite expressions giving each staged column as COPY text ('' is NULL).

    As on the row-by-row path: values are trimmed (of spaces; other whitespace at the ends is
    kept), an empty value is missing, omradesnummer is 1 when missing or 0. A value its column
    cannot take ('2.5' as enhet, '!' for a non-integer osakertlage) makes COPY fail, and the
    general path takes over.
    """
    present = layer.columns

    def value(name: str) -> str:
        return text_of(name) if name in present else "''"

    def number(name: str) -> str:
        return quoted(name) if name in present else "NULL"

    osakert = number("osakertlage")
    return {
        **{name: value(name) for name in (*_UUID_COLUMNS, *_TEXT_COLUMNS, "senastandrad")},
        "enhet": f"ifnull({number('enhet')}, '')",
        "omradesnummer": f"ifnull(nullif({number('omradesnummer')}, 0), 1)",
        "osakertlage": (
            f"CASE WHEN {osakert} IS NULL THEN '' WHEN {osakert} = 0 THEN 'f' "
            f"WHEN typeof({osakert}) = 'integer' THEN 't' ELSE '!' END"
        ),
        "geom": wkb_hex(layer.geometry_column),
        # As written, for the rejection list: its own spelling, or the row number when empty.
        "ref": f"ifnull({quoted('objektidentitet')}, '')",
    }


def _table_fields(layer: GeopackageLayer) -> tuple[str, ...]:
    """SQLite expressions for fastighet's own columns, for the load into an empty table."""
    kommun, trakt, etikett = (
        f"nullif(trim({quoted(c)}), '')" if c in layer.columns else "NULL"
        for c in ("kommunnamn", "trakt", "etikett")
    )
    digits = f"rtrim({etikett}, '0123456789')"
    # designation(): the label without a trailing '>' and digits; NULL (refused) when a part
    # is missing.
    label = (
        f"CASE WHEN instr({etikett}, '>') = 0 THEN {etikett} "
        f"WHEN {digits} <> {etikett} AND substr({digits}, -1) = '>' "
        f"THEN substr({digits}, 1, length({digits}) - 1) ELSE {etikett} END"
    )
    beteckning = f"ifnull({kommun} || ' ' || {trakt} || ' ' || {label}, '')"
    return tuple((_text_fields(layer) | {"beteckning": beteckning})[c] for c in _TABLE_COLUMNS)


def _check_in_sweden(
    conn: Connection,
    table: str,
    bounds: tuple[float, float, float, float] | None,
    path: Path,
    source: CRS,
) -> None:
    """check_in_sweden, with the extent from table when the file's spatial index had none."""
    if bounds is None:
        found = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "  # noqa: S608 (constant)
                f"FROM (SELECT ST_Extent(geom) AS e FROM {table}) x"
            )
        ).one()
        bounds = None if found[0] is None else (found[0], found[1], found[2], found[3])
    check_in_sweden(bounds, path, source)


def _direct_spec(path: Path, layer: GeopackageLayer) -> TextLayer:
    return TextLayer(str(path), layer.table, _table_fields(layer), layer.geometry_column)


def _staged_spec(path: Path, layer: GeopackageLayer) -> TextLayer:
    fields = _text_fields(layer)
    return TextLayer(
        str(path), layer.table, tuple(fields[c] for c in STAGED_NAMES), layer.geometry_column
    )


def _load_directly(
    conn: Connection,
    path: Path,
    source: CRS,
    reader: TextReader,
    *,
    import_id: int,
    effective: datetime,
) -> int:
    """Copy the reader's rows straight into the empty, locked table; the rows loaded."""
    constants = {"valid_from": effective.isoformat(), "import_id": str(import_id)}
    # Its only foreign key refers to importkorning, which stays locked until commit.
    with (
        step(f"Läser {path.name} och bygger index"),
        loading_in_bulk(conn, PARCELS.table, foreign_keys=True),
        column_defaults(conn, PARCELS.table, constants),
    ):
        copy_text(conn, PARCELS.table, _TABLE_COLUMNS, reader.chunks())
        assert reader.summary is not None
        _check_in_sweden(conn, PARCELS.table, reader.summary.bounds, path, source)
    return reader.summary.rows


def _stage_text(
    conn: Connection, path: Path, source: CRS, reader: TextReader, *, import_id: int
) -> int:
    """Stage the reader's rows; the rows staged."""
    create_stage(conn, import_id)
    with step(f"Läser {path.name}"):
        copy_text(conn, STAGE, STAGED_NAMES, reader.chunks())
    assert reader.summary is not None
    _check_in_sweden(conn, STAGE, reader.summary.bounds, path, source)
    return reader.summary.rows


def _unsuitable(exc: Exception) -> bool:
    """Whether an error means the text path cannot carry this file (not that it failed)."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        exc = exc.orig if isinstance(exc.orig, Exception) else exc
    return isinstance(
        exc,
        NotPlainText | psycopg.DataError | psycopg.IntegrityError | psycopg.InternalError,
    )


def _attempt(conn: Connection, path: Path, work: Callable[[], int]) -> int | None:
    """Run work in a savepoint; None, and nothing of it kept, if the file does not suit it."""
    savepoint = conn.begin_nested()
    try:
        result = work()
    except Exception as exc:
        if not _unsuitable(exc):
            raise
        savepoint.rollback()
        _log.info("%s: taking the general path (%s)", path.name, exc)
        return None
    savepoint.commit()
    return result


def _import_geopackage(
    conn: Connection,
    path: Path,
    layer: GeopackageLayer,
    source: CRS,
    *,
    effective: datetime,
    full: bool,
    performed_by: str | None,
) -> ImportResult:
    """The text path: straight into an empty table, else staged; the general path if need be."""
    _missing_columns(layer.columns, layer.geometry_column)
    if not has_features(path, layer.table):  # as read_layer refuses an empty layer
        raise InvalidInput(f"{path.name}: lagret {layer.table} innehåller inga objekt.")
    # The helpers start on the likely path at once and read while the file's checksum is
    # computed; whether the table is empty is settled under the import lock.
    table = PARCELS.table
    exists = text(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 (a constant)
    empty = not conn.execute(exists).scalar_one()
    reader = TextReader(_direct_spec(path, layer) if empty else _staged_spec(path, layer))
    try:
        import_id = _start(conn, path, layer.table, crs_name(source), performed_by, effective)
        # Loading straight into the table sets its column defaults: the owner's right.
        if lock_if_empty(conn, table) and owns_table(conn, table):
            if not empty:
                reader.close()
                reader = TextReader(_direct_spec(path, layer))
            first = reader
            loaded = _attempt(
                conn,
                path,
                lambda: _load_directly(
                    conn, path, source, first, import_id=import_id, effective=effective
                ),
            )
            if loaded is not None:
                return ImportResult(import_id, inserted=loaded)
            reader.close()  # the file breaks a rule: staged, each rejection gets its reason
            reader = TextReader(_staged_spec(path, layer))
        elif empty:  # the table was filled meanwhile
            reader.close()
            reader = TextReader(_staged_spec(path, layer))
        again = reader
        staged = _attempt(
            conn, path, lambda: _stage_text(conn, path, source, again, import_id=import_id)
        )
    finally:
        reader.close()
    if staged is None:
        create_stage(conn, import_id)
        staged = _stage_frame(conn, read_layer(path, layer.table, source.to_string()))
    return merge_stage(
        conn, import_id, staged, effective=effective, full=full, absent=_absent(layer.columns)
    )


# --- Any other file, read into Python ------------------------------------------------------


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _text(value: Any) -> str | None:
    return None if _missing(value) else (str(value).strip() or None)


def _integer(value: Any) -> int | None:
    text = _text(value)
    return int(float(text)) if text is not None else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip("{} "))
    except (ValueError, AttributeError):
        return None


def _timestamp(value: Any) -> datetime | None:
    import pandas as pd

    if _missing(value):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.to_pydatetime()


def _stage_frame(conn: Connection, frame: "gpd.GeoDataFrame") -> int:
    """Stage a layer read into Python, one row at a time."""
    import shapely

    _missing_columns(frame.columns, frame.geometry.name)
    geoms = frame.geometry.to_numpy()
    hexes = np.full(len(geoms), None, dtype=object)
    present = ~shapely.is_missing(geoms)
    hexes[present] = ewkb_hex(geoms[present])
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    rows: list[tuple[Any, ...]] = []
    for i, record in enumerate(records):
        osakert = _integer(record.get("osakertlage"))
        written = record.get("objektidentitet")
        rows.append(
            (
                _uuid(record["objektidentitet"]),
                _uuid(record["registerenhetsreferens"]),
                _text(record["kommunnamn"]),
                _text(record["trakt"]),
                _text(record.get("block")),
                _integer(record.get("enhet")),
                _integer(record.get("omradesnummer")) or 1,
                _text(record["etikett"]),
                _text(record.get("objekttyp")),
                _text(record.get("lanskod")),
                _text(record.get("kommunkod")),
                _text(record.get("samjelittera")),
                None if osakert is None else bool(osakert),
                _timestamp(record.get("senastandrad")),
                hexes[i],
                f"rad {i + 1}" if _missing(written) or written == "" else str(written),
            )
        )
    with step(WRITING, total=len(rows)) as done:
        count = copy_rows(conn, STAGE, STAGED_NAMES, rows)
        done(count)
    return count
