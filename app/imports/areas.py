"""Operations areas (driftområden) and the municipality boundary."""

from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from app.errors import InvalidInput
from app.imports.geometry_checks import check_geometries
from app.imports.reading import file_sha256, read_layer, source_crs
from app.imports.record import ImportResult, Rejection, finish_import, start_import
from app.imports.staging import copy_into_temp, ewkb_hex
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


def import_areas(
    conn: Connection,
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    performed_by: str | None = None,
) -> ImportResult:
    """Create or update driftområden by name, with client, performer and contract period."""
    frame = read_layer(path, layer, crs)
    missing = [c for c in _AREA_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{path.name} saknar kolumnerna {', '.join(missing)}")
    import_id = start_import(
        conn,
        "driftomraden",
        path,
        file_sha256(path),
        layer=layer,
        source_crs=source_crs(frame),
        performed_by=performed_by,
    )
    organisations = organisation_ids(conn)
    geoms, reasons = check_geometries(
        frame.geometry.to_numpy(), np.full(len(frame), "yta", dtype=object)
    )
    ok = np.array([r is None for r in reasons])
    hexes = np.full(len(frame), None, dtype=object)
    hexes[ok] = _multipolygon_hex(geoms[ok])
    rows: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    for i, record in enumerate(frame.drop(columns=frame.geometry.name).to_dict("records")):
        name = str(record["namn"] or "").strip()
        client, performer = (str(record[c] or "").strip() for c in ("bestallare", "utforare"))
        start, end = _date(record["avtal_fran"]), _date(record.get("avtal_till"))
        reason = reasons[i]
        if not name:
            reason = "namn saknas"
        elif client not in organisations or performer not in organisations:
            reason = (
                f"beställaren '{client}' eller utföraren '{performer}' är ingen känd organisation"
            )
        elif start is None or (end is not None and end <= start):
            reason = "avtalsperioden saknas eller slutar före start"
        if reason is not None:
            rejections.append(Rejection(name or f"rad {i + 1}", reason))
            continue
        rows.append((name, organisations[client], organisations[performer], start, end, hexes[i]))
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
    written = conn.execute(
        text(
            "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, avtal_till,"
            " geom, import_id) SELECT namn, bestallare_id, utforare_id, avtal_fran, avtal_till,"
            " geom, :import_id FROM stage_driftomrade"
            " ON CONFLICT (namn) DO UPDATE SET bestallare_id = excluded.bestallare_id,"
            " utforare_id = excluded.utforare_id, avtal_fran = excluded.avtal_fran,"
            " avtal_till = excluded.avtal_till, geom = excluded.geom,"
            " import_id = excluded.import_id"
            " WHERE (driftomrade.bestallare_id, driftomrade.utforare_id, driftomrade.avtal_fran,"
            " driftomrade.avtal_till, driftomrade.geom) IS DISTINCT FROM (excluded.bestallare_id,"
            " excluded.utforare_id, excluded.avtal_fran, excluded.avtal_till, excluded.geom)"
            " RETURNING (xmax = 0) AS inserted"
        ),
        {"import_id": import_id},
    ).all()
    inserted = sum(1 for row in written if row.inserted)
    result = ImportResult(
        import_id,
        inserted=inserted,
        updated=len(written) - inserted,
        unchanged=staged - len(written),
        rejections=rejections,
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
