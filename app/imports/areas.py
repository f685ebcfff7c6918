"""Operations areas (driftområden) and the municipality boundary."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from app.core.problems import InvalidInput
from app.imports.geometry_checks import check_geometries, repair_notes
from app.imports.reading import (
    file_sha256,
    missing_columns_error,
    place_in_source_crs,
    read_layer,
    source_crs,
)
from app.imports.record import ImportResult, Rejection, Repair, finish_import, start_import
from app.imports.staging import copy_into_temp, ewkb_hex
from app.imports.versions import geometry_differs
from app.organisations.service import organisation_ids

_AREA_COLUMNS = ("namn", "bestallare", "utforare", "avtal_fran")


def _multipolygon_hex(geoms: np.ndarray[Any, np.dtype[np.object_]]) -> Any:
    parts, index = shapely.get_parts(geoms, return_index=True)
    return ewkb_hex(np.asarray(shapely.multipolygons(parts, indices=index), dtype=object))


def _date(value: Any) -> date | None:
    if value is None or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


_CHANGED = {
    "bestallare_id": "beställare",
    "utforare_id": "utförare",
    "avtal_fran": "avtal_fran",
    "avtal_till": "avtal_till",
}


def _changed_fields(current: str, staged: str) -> str:
    """SQL: which fields of an operations area differ (the geometry within the tolerance)."""
    parts = [
        f"CASE WHEN {current}.{c} IS DISTINCT FROM {staged}.{c} THEN '{label}' END"
        for c, label in _CHANGED.items()
    ]
    parts.append(
        f"CASE WHEN {geometry_differs(current + '.geom', staged + '.geom')} THEN 'geometri' END"
    )
    return f"array_remove(ARRAY[{', '.join(parts)}], NULL)"


@dataclass(frozen=True)
class AreaFacts:
    """What a row of an areas layer says, and what the geometry check found."""

    name: str
    client: str
    performer: str
    start: date | None
    end: date | None
    geometry_problem: str | None = None


def area_rejection(
    facts: AreaFacts, known: Collection[str], allowed_client: str | None = None
) -> str | None:
    """Why a row of an areas layer cannot be imported, in Swedish; None when it can.

    known: the organisations' slugs; allowed_client: the one client a bound token may import
    areas for (None: any).
    """
    client, performer = facts.client, facts.performer
    if not facts.name:
        return "namn saknas"
    if client not in known or performer not in known:
        return f"beställaren '{client}' eller utföraren '{performer}' är ingen känd organisation"
    if allowed_client is not None and client != allowed_client:
        return f"beställaren '{client}' är inte din organisation ({allowed_client})"
    if facts.start is None or (facts.end is not None and facts.end <= facts.start):
        return "avtalsperioden saknas eller slutar före start"
    return facts.geometry_problem


def import_areas(
    conn: Connection,
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    performed_by: str | None = None,
    client: str | None = None,
) -> ImportResult:
    """Create or update driftområden by name, with client, performer and contract period.

    client: only areas of this client organisation may be imported (a bound token's).
    """
    frame = read_layer(path, layer, crs)
    missing_columns_error(path, frame, dict.fromkeys(_AREA_COLUMNS, "kolumnen"))
    organisations = organisation_ids(conn)
    import_id = start_import(
        conn,
        "driftomraden",
        path,
        file_sha256(path),
        layer=layer,
        source_crs=source_crs(frame),
        performed_by=performed_by,
        # A bound token's area import is its organisation's, so its record is readable by it.
        organisation_id=organisations.get(client) if client else None,
    )
    drawn = frame.geometry.to_numpy()
    geoms, reasons = check_geometries(
        drawn, np.full(len(frame), "yta", dtype=object), place_in_source_crs(frame)
    )
    notes = repair_notes(drawn, geoms, reasons)
    ok = np.array([r is None for r in reasons])
    hexes = np.full(len(frame), None, dtype=object)
    hexes[ok] = _multipolygon_hex(geoms[ok])
    rows: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    repairs: list[Repair] = []
    for i, record in enumerate(frame.drop(columns=frame.geometry.name).to_dict("records")):
        name = str(record["namn"] or "").strip()
        client_slug, performer = (str(record[c] or "").strip() for c in ("bestallare", "utforare"))
        start, end = _date(record["avtal_fran"]), _date(record.get("avtal_till"))
        facts = AreaFacts(name, client_slug, performer, start, end, reasons[i])
        reason = area_rejection(facts, organisations, client)
        if reason is not None:
            rejections.append(Rejection(name or f"rad {i + 1}", reason))
            continue
        if notes[i] is not None:
            repairs.append(Repair(name, str(notes[i])))
        rows.append(
            (name, organisations[client_slug], organisations[performer], start, end, hexes[i])
        )
    staged = copy_into_temp(
        conn,
        "stage_driftomrade",
        [
            ("namn", "text"),
            ("bestallare_id", "integer"),
            ("utforare_id", "integer"),
            ("avtal_fran", "date"),
            ("avtal_till", "date"),
            ("geom", "geometry(MultiPolygon, 3006)"),
        ],
        rows,
    )
    differs = f"cardinality({_changed_fields('d', 's')}) > 0"
    events = (
        conn.execute(
            text(
                "INSERT INTO importhandelse (import_id, slag, objekt_ref, falt) "
                "SELECT :import_id, CASE WHEN d.id IS NULL THEN 'ny' ELSE 'andrad' END, s.namn, "
                f"CASE WHEN d.id IS NOT NULL THEN {_changed_fields('d', 's')} END "
                "FROM stage_driftomrade s LEFT JOIN driftomrade d ON d.namn = s.namn "
                f"WHERE d.id IS NULL OR {differs} ORDER BY s.namn RETURNING slag"
            ),
            {"import_id": import_id},
        )
        .scalars()
        .all()
    )
    conn.execute(
        text(
            "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, avtal_till,"
            " geom, import_id) SELECT s.namn, s.bestallare_id, s.utforare_id, s.avtal_fran,"
            " s.avtal_till, s.geom, :import_id FROM stage_driftomrade s"
            " JOIN importhandelse e ON e.import_id = :import_id AND e.objekt_ref = s.namn"
            " AND e.slag IN ('ny', 'andrad')"
            " ON CONFLICT (namn) DO UPDATE SET bestallare_id = excluded.bestallare_id,"
            " utforare_id = excluded.utforare_id, avtal_fran = excluded.avtal_fran,"
            " avtal_till = excluded.avtal_till, geom = excluded.geom,"
            " import_id = excluded.import_id"
        ),
        {"import_id": import_id},
    )
    inserted = sum(1 for kind in events if kind == "ny")
    result = ImportResult(
        import_id,
        inserted=inserted,
        updated=len(events) - inserted,
        unchanged=staged - len(events),
        rejections=rejections,
        repairs=repairs,
    )
    finish_import(conn, result)
    return result


def import_municipality_boundaries(
    conn: Connection, path: Path, *, codes: set[str] | None = None, source: str
) -> int:
    """Load municipality polygons (SCB Digitala gränser: KnKod, KnNamn); return how many."""
    frame: gpd.GeoDataFrame = read_layer(path)
    if codes is not None:
        frame = frame[frame["KnKod"].isin(codes)]
    if frame.empty:
        raise InvalidInput(f"{path.name} innehåller inga av kommunerna {sorted(codes or [])}")
    hexes = _multipolygon_hex(shapely.make_valid(frame.geometry.to_numpy()))
    conn.execute(
        text(
            "INSERT INTO kommungrans (kommunkod, namn, kalla, geom)"
            " VALUES (:code, :name, :source, ST_GeomFromEWKB(decode(:geom, 'hex')))"
            " ON CONFLICT (kommunkod) DO UPDATE SET namn = excluded.namn,"
            " kalla = excluded.kalla, geom = excluded.geom"
        ),
        [
            {"code": code, "name": name, "source": source, "geom": geom}
            for code, name, geom in zip(frame["KnKod"], frame["KnNamn"], hexes, strict=True)
        ],
    )
    return len(frame)
