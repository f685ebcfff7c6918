"""An organisation's maintenance layers, in its own codes → skotselobjekt, with history."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, select, text

from app.core.problems import NotFound
from app.imports.geometry_checks import check_geometries, repair_notes
from app.imports.mapping import stored_mapping
from app.imports.progress import WRITING, step
from app.imports.reading import (
    chosen_layers,
    file_sha256,
    missing_columns_error,
    place_in_source_crs,
    read_layer,
    source_crs,
)
from app.imports.record import ImportResult, Rejection, Repair, finish_import, start_import
from app.imports.staging import copy_into_temp, ewkb_hex
from app.imports.versions import VersionedTable, fill_from_current, keep_rows, merge_versions
from app.imports.wording import is_over_http
from app.models import Skotselprodukt
from app.organisations.lookup import unknown_organisation
from app.organisations.service import organisation_ids

OBJECTS = VersionedTable(
    table="skotselobjekt",
    key=("dataleverantor_id", "extern_id"),
    compared=(
        "skotselprodukt_kod",
        "geometrityp",
        "huvudman_id",
        "kvalitetsniva",
        "attribut",
        "geom",
    ),
    copied=("import_id",),
    carried={"objekt_id": "gen_random_uuid()"},
    ref="{a}.extern_id",
    description="{a}.skotselprodukt_kod",
    labels={
        "skotselprodukt_kod": "produkt",
        "huvudman_id": "huvudman",
        "kvalitetsniva": "kvalitetsnivå",
        "geom": "geometri",
    },
    attributes="attribut",
)
PROGRESS_EVERY = 10_000
_STAGE_TYPES = [
    ("dataleverantor_id", "integer"),
    ("extern_id", "text"),
    ("skotselprodukt_kod", "text"),
    ("geometrityp", "text"),
    ("huvudman_id", "integer"),
    ("kvalitetsniva", "text"),
    ("attribut", "jsonb"),
    ("geom", "geometry(Geometry, 3006)"),
    ("import_id", "integer"),
]
KEPT_NOTE = "det befintliga objektet behålls oförändrat"


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return value


def closed_lines_as_areas(
    geoms: NDArray[np.object_], expected_kinds: NDArray[np.object_]
) -> NDArray[np.object_]:
    """Closed lines where the product is an area become polygons: CAD draws areas that way."""
    geoms = geoms.copy()
    lines = np.array([kind == "yta" for kind in expected_kinds]) & (
        shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING
    )
    closed = np.zeros(len(geoms), dtype=bool)
    closed[lines] = shapely.is_closed(geoms[lines]) & (shapely.get_num_points(geoms[lines]) >= 4)
    for i in np.flatnonzero(closed):
        geoms[i] = shapely.Polygon(geoms[i].coords)
    return geoms


def _first_with_same_shape(
    products: NDArray[np.object_], geoms: NDArray[np.object_], usable: NDArray[np.bool_]
) -> list[int | None]:
    """Per feature, the row of an earlier usable feature with the same product and geometry."""
    first: dict[tuple[str, bytes], int] = {}
    earlier: list[int | None] = [None] * len(geoms)
    indexes = np.flatnonzero(usable)
    shapes = shapely.to_wkb(shapely.normalize(geoms[indexes]))
    for i, shape in zip(indexes, shapes, strict=True):
        earlier[i] = first.setdefault((str(products[i]), shape), int(i))
        if earlier[i] == i:
            earlier[i] = None
    return earlier


@dataclass(frozen=True)
class FeatureFacts:
    """What the checks found out about one feature of an organisation's layer."""

    extern_id: str | None
    legacy_code: str | None
    product: str | None
    geometry_problem: str | None
    kept_copy: str | None = None  # the feature already taken with the same id
    twin: str | None = None  # an earlier feature with the same product and geometry


def rejection_reason(facts: FeatureFacts, id_column: str, code_column: str) -> str | None:
    """Why a feature cannot be imported, in Swedish; None when it can."""
    if not facts.extern_id:
        return f"id-kolumnen {id_column} är tom"
    if facts.kept_copy is not None:
        return f"id:t förekommer flera gånger i filen; {facts.kept_copy} behölls"
    if facts.legacy_code is None:
        return f"koden i {code_column} saknas"
    if facts.product is None:
        return f"koden '{facts.legacy_code}' saknar mappning till en skötselprodukt"
    if facts.geometry_problem is not None:
        return facts.geometry_problem
    if facts.twin is not None:
        return f"samma produkt och geometri som {facts.twin} (dubblett)"
    return None


def _ref(ids: NDArray[np.object_], row: int) -> str:
    return f"rad {row + 1}" if pd.isna(ids[row]) else f"{ids[row]} (rad {row + 1})"


def read_layers(path: Path, layers: list[str] | None, crs: str | None) -> gpd.GeoDataFrame:
    """The named layers (or the only one) of a file, stacked, in EPSG:3006."""
    frames = [read_layer(path, layer, crs) for layer in chosen_layers(path, layers)]
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    layer = gpd.GeoDataFrame(stacked, geometry=frames[0].geometry.name, crs=frames[0].crs)
    layer.attrs = frames[0].attrs
    return layer


def _supplier_id(conn: Connection, organisation: str) -> int:
    """The organisation's id; an unknown one is an error saying how this caller adds one."""
    known = organisation_ids(conn)
    if organisation in known:
        return known[organisation]
    if not is_over_http():
        raise unknown_organisation(known, organisation)
    raise NotFound(
        f"Organisationen '{organisation[:100]}' finns inte. Kända organisationer: "
        f"{', '.join(sorted(known)) or 'inga'}. En administratör lägger till den med "
        "PUT /api/v1/organisationer/{slug}."
    )


def import_objects(
    conn: Connection,
    path: Path,
    organisation: str,
    *,
    id_column: str,
    code_column: str,
    quality_column: str | None = None,
    layers: list[str] | None = None,
    crs: str | None = None,
    effective: datetime,
    full: bool = True,
    performed_by: str | None = None,
) -> ImportResult:
    """Import an organisation's objects, mapping its codes with its stored legacy-code mapping.

    What the file does not say stays as it is: without a quality column the quality levels,
    an attribute column the file lacks, the huvudman (handed over or not), and every object
    whose row was rejected.
    """
    organisation_id = _supplier_id(conn, organisation)
    mapping = stored_mapping(conn, organisation_id)
    kinds = dict(conn.execute(select(Skotselprodukt.kod, Skotselprodukt.geometrityp)).all())
    with step(f"Läser {path.name}"):
        frame = read_layers(path, layers, crs)
    columns = {id_column: "id-kolumnen", code_column: "kodkolumnen"}
    if quality_column is not None:
        columns[quality_column] = "kvalitetskolumnen"
    missing_columns_error(path, frame, columns)
    import_id = start_import(
        conn,
        "skotselobjekt",
        path,
        file_sha256(path),
        layer=",".join(layers or []) or None,
        source_crs=source_crs(frame),
        organisation_id=organisation_id,
        performed_by=performed_by,
        effective=effective,
    )

    legacy_codes = frame[code_column].astype("string").str.strip()
    products = legacy_codes.map(mapping)
    expected = products.map(kinds).astype(object).where(products.notna(), None).to_numpy()
    with step("Kontrollerar geometrier"):
        drawn = closed_lines_as_areas(frame.geometry.to_numpy(), expected)
        geoms, reasons = check_geometries(drawn, expected, place_in_source_crs(frame))
        notes = repair_notes(drawn, geoms, reasons)
        usable = np.array([r is None for r in reasons]) & products.notna().to_numpy()
        first_of_shape = _first_with_same_shape(products.to_numpy(), geoms, usable)
    hexes = np.full(len(frame), None, dtype=object)
    hexes[usable] = ewkb_hex(geoms[usable])
    attribute_columns = [
        c
        for c in frame.columns
        if c not in {id_column, code_column, quality_column, frame.geometry.name}
    ]
    records = frame[attribute_columns].to_dict("records")
    ids = frame[id_column].astype("string").str.strip().to_numpy()
    qualities = frame[quality_column].astype("string").to_numpy() if quality_column else None

    rows: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    repairs: list[Repair] = []
    taken: dict[str, int] = {}
    named: dict[int, str] = {}  # rejection → the id its row gave, when no copy was taken
    with step("Kontrollerar objekten", total=len(frame)) as done:
        for i in range(len(frame)):
            if i and i % PROGRESS_EVERY == 0:
                done(PROGRESS_EVERY)
            extern_id = None if pd.isna(ids[i]) else str(ids[i])
            copy = taken.get(extern_id) if extern_id else None
            twin = first_of_shape[i]
            facts = FeatureFacts(
                extern_id=extern_id,
                legacy_code=None if pd.isna(legacy_codes.iloc[i]) else str(legacy_codes.iloc[i]),
                product=None if pd.isna(products.iloc[i]) else str(products.iloc[i]),
                geometry_problem=reasons[i],
                kept_copy=None if copy is None else f"raden {copy + 1}",
                twin=None if twin is None else _ref(ids, twin),
            )
            reason = rejection_reason(facts, id_column, code_column)
            if reason is not None:
                if extern_id and copy is None:
                    named[len(rejections)] = extern_id
                rejections.append(Rejection(extern_id or f"rad {i + 1}", reason))
                continue
            assert extern_id is not None
            assert facts.product is not None
            taken[extern_id] = i
            if notes[i] is not None:
                repairs.append(Repair(extern_id, str(notes[i])))
            quality = None if qualities is None or pd.isna(qualities[i]) else str(qualities[i])
            attributes = {
                k: v
                for k, v in ((k, _json_value(v)) for k, v in records[i].items())
                if v is not None
            }
            rows.append(
                (
                    organisation_id,
                    extern_id,
                    facts.product,
                    kinds[facts.product],
                    organisation_id,
                    quality,
                    orjson.dumps(attributes).decode(),
                    hexes[i],
                    import_id,
                )
            )
    scope = {"dataleverantor_id": organisation_id}
    with step(WRITING, total=len(rows)) as done:
        staged = copy_into_temp(conn, "stage_skotselobjekt", _STAGE_TYPES, rows)
        done(staged)
        unread = {
            "huvudman_id": "c.huvudman_id",
            "attribut": "(c.attribut - CAST(:read AS text[])) || s.attribut",
        }
        if quality_column is None:
            unread["kvalitetsniva"] = "c.kvalitetsniva"
        fill_from_current(
            conn,
            OBJECTS,
            "stage_skotselobjekt",
            unread,
            scope=scope,
            params={"read": attribute_columns},
        )
        kept = _keep_rejected(
            conn, organisation_id, rejections, {k: v for k, v in named.items() if v not in taken}
        )
    with step("Jämför med gällande versioner"):
        counts = merge_versions(
            conn,
            OBJECTS,
            "stage_skotselobjekt",
            staged,
            import_id=import_id,
            effective=effective,
            scope=scope,
            full=full,
            kept=kept,
        )
    result = ImportResult.merged(import_id, counts, rejections, repairs)
    finish_import(conn, result)
    return result


def _keep_rejected(
    conn: Connection, organisation_id: int, rejections: list[Rejection], named: dict[int, str]
) -> str:
    """Mark the rejections whose id names a current object as keeping it; the kept keys' table.

    named maps a rejection's index to the id its row gave.
    """
    current = set(
        conn.execute(
            text(
                "SELECT extern_id FROM skotselobjekt WHERE dataleverantor_id = :org "
                "AND valid_to IS NULL AND extern_id = ANY(CAST(:ids AS text[]))"
            ),
            {"org": organisation_id, "ids": sorted(set(named.values()))},
        ).scalars()
    )
    for i, extern_id in named.items():
        if extern_id in current:
            rejections[i] = rejections[i].keeping(KEPT_NOTE)
    return keep_rows(
        conn,
        "stage_skotselobjekt",
        {"dataleverantor_id": "integer", "extern_id": "text"},
        [(organisation_id, extern_id) for extern_id in sorted(current)],
    )
