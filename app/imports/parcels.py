"""Lantmäteriet Fastighetsindelning (registerenhetsomradesyta) → fastighet, with history."""

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from app.errors import InvalidInput
from app.imports.geometry_checks import check_geometries
from app.imports.reading import file_sha256, read_layer, source_crs
from app.imports.record import ImportResult, Rejection, finish_import, start_import
from app.imports.staging import VersionedTable, copy_into_temp, ewkb_hex, merge_versions

PARCEL_LAYER = "registerenhetsomradesyta"
REQUIRED_COLUMNS = ("objektidentitet", "registerenhetsreferens", "kommunnamn", "trakt", "etikett")
_AREA_SUFFIX = re.compile(r">\d+$")

PARCELS = VersionedTable(
    table="fastighet",
    key=("objektidentitet",),
    compared=(
        "registerenhetsreferens",
        "beteckning",
        "kommunnamn",
        "trakt",
        "block",
        "enhet",
        "omradesnummer",
        "etikett",
        "objekttyp",
        "lanskod",
        "kommunkod",
        "samjelittera",
        "osakertlage",
        "senastandrad",
        "geom",
    ),
    copied=("import_id",),
)
_STAGE_TYPES = {
    "objektidentitet": "uuid",
    "registerenhetsreferens": "uuid",
    "beteckning": "text",
    "kommunnamn": "text",
    "trakt": "text",
    "block": "text",
    "enhet": "integer",
    "omradesnummer": "integer",
    "etikett": "text",
    "objekttyp": "text",
    "lanskod": "text",
    "kommunkod": "text",
    "samjelittera": "text",
    "osakertlage": "boolean",
    "senastandrad": "timestamptz",
    "geom": "geometry(MultiPolygon, 3006)",
    "import_id": "integer",
}


def designation(kommunnamn: str, trakt: str, etikett: str) -> str:
    """The parcel designation, e.g. 'HUDDINGE GRANTORP 5:9', from Lantmäteriet's columns."""
    return f"{kommunnamn.strip()} {trakt.strip()} {_AREA_SUFFIX.sub('', etikett.strip())}"


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return str(value).strip() or None


def _integer(value: Any) -> int | None:
    text = _text(value)
    return int(float(text)) if text is not None else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip("{} "))
    except (ValueError, AttributeError):
        return None


def _timestamp(value: Any) -> datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.to_pydatetime()


def _as_multipolygons(geoms: np.ndarray[Any, np.dtype[np.object_]]) -> Any:
    parts, index = shapely.get_parts(geoms, return_index=True)
    return shapely.multipolygons(parts, indices=index)


def _parcel_rows(
    frame: gpd.GeoDataFrame, import_id: int
) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(
            "Lagret ser inte ut som Lantmäteriets Fastighetsindelning; kolumner saknas: "
            + ", ".join(missing)
        )
    geoms, reasons = check_geometries(
        frame.geometry.to_numpy(), np.full(len(frame), "yta", dtype=object)
    )
    usable = np.array([r is None for r in reasons])
    hexes = np.full(len(geoms), None, dtype=object)
    hexes[usable] = ewkb_hex(_as_multipolygons(geoms[usable]))
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    rows: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    seen: set[uuid.UUID] = set()
    for i, record in enumerate(records):
        object_id = _uuid(record["objektidentitet"])
        ref = str(record.get("objektidentitet") or f"rad {i + 1}")
        kommun, trakt, etikett = (_text(record[c]) for c in ("kommunnamn", "trakt", "etikett"))
        register_ref = _uuid(record["registerenhetsreferens"])
        reason: str | None
        if object_id is None:
            reason = "objektidentitet saknas eller är inte ett UUID"
        elif register_ref is None:
            reason = "registerenhetsreferens saknas eller är inte ett UUID"
        elif not (kommun and trakt and etikett):
            reason = "kommunnamn, trakt eller etikett saknas, så beteckningen kan inte bildas"
        elif object_id in seen:
            reason = "objektidentiteten förekommer flera gånger i filen"
        else:
            reason = reasons[i]
        if reason is not None:
            rejections.append(Rejection(ref, reason))
            continue
        assert object_id is not None and kommun and trakt and etikett
        seen.add(object_id)
        osakert = _integer(record.get("osakertlage"))
        rows.append(
            (
                object_id,
                register_ref,
                designation(kommun, trakt, etikett),
                kommun,
                trakt,
                _text(record.get("block")),
                _integer(record.get("enhet")),
                _integer(record.get("omradesnummer")) or 1,
                etikett,
                _text(record.get("objekttyp")),
                _text(record.get("lanskod")),
                _text(record.get("kommunkod")),
                _text(record.get("samjelittera")),
                None if osakert is None else bool(osakert),
                _timestamp(record.get("senastandrad")),
                hexes[i],
                import_id,
            )
        )
    return rows, rejections


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
    frame = read_layer(path, layer, crs)
    import_id = start_import(
        conn,
        "fastigheter",
        path,
        file_sha256(path),
        layer=layer,
        source_crs=source_crs(frame),
        performed_by=performed_by,
    )
    rows, rejections = _parcel_rows(frame, import_id)
    staged = copy_into_temp(conn, "stage_fastighet", list(_STAGE_TYPES.items()), rows)
    counts = merge_versions(
        conn, PARCELS, "stage_fastighet", staged, effective=effective, full=full
    )
    result = ImportResult(
        import_id, counts.inserted, counts.updated, counts.unchanged, counts.retired, rejections
    )
    finish_import(conn, result)
    return result
