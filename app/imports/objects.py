"""An organisation's maintenance layers, in its own codes → skotselobjekt, with history."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from app.errors import InvalidInput, NotFound
from app.imports.geometry_checks import check_geometries
from app.imports.mapping import stored_mapping
from app.imports.progress import step
from app.imports.reading import file_sha256, read_layer, source_crs
from app.imports.record import ImportResult, Rejection, finish_import, start_import
from app.imports.staging import VersionedTable, copy_into_temp, ewkb_hex, merge_versions
from app.models import Skotselprodukt
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


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
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


def _ref(ids: NDArray[np.object_], row: int) -> str:
    return f"rad {row + 1}" if pd.isna(ids[row]) else str(ids[row])


def read_layers(path: Path, layers: list[str] | None, crs: str | None) -> gpd.GeoDataFrame:
    """The named layers (or the only one) of a file, stacked, in EPSG:3006."""
    names: list[str | None] = list(layers) if layers else [None]
    frames = [read_layer(path, layer, crs) for layer in names]
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    layer = gpd.GeoDataFrame(stacked, geometry=frames[0].geometry.name, crs=frames[0].crs)
    layer.attrs = frames[0].attrs
    return layer


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
    """Import an organisation's objects, mapping its codes with its stored legacy-code mapping."""
    organisation_id = organisation_ids(conn).get(organisation)
    if organisation_id is None:
        raise NotFound(f"Organisationen '{organisation}' finns inte")
    mapping = stored_mapping(conn, organisation_id)
    kinds = dict(conn.execute(select(Skotselprodukt.kod, Skotselprodukt.geometrityp)).all())
    with step(f"Läser {path.name}"):
        frame = read_layers(path, layers, crs)
    for column in (id_column, code_column, quality_column):
        if column is not None and column not in frame.columns:
            raise InvalidInput(f"{path.name} saknar kolumnen '{column}'")
    import_id = start_import(
        conn,
        "skotselobjekt",
        path,
        file_sha256(path),
        layer=",".join(layers or []) or None,
        source_crs=source_crs(frame),
        organisation_id=organisation_id,
        performed_by=performed_by,
    )

    legacy_codes = frame[code_column].astype("string").str.strip()
    products = legacy_codes.map(mapping)
    expected = products.map(kinds).astype(object).where(products.notna(), None).to_numpy()
    with step("Kontrollerar geometrier"):
        drawn = closed_lines_as_areas(frame.geometry.to_numpy(), expected)
        geoms, reasons = check_geometries(drawn, expected)
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
    seen: set[str] = set()
    with step("Kontrollerar objekten", total=len(frame)) as done:
        for i in range(len(frame)):
            if i and i % PROGRESS_EVERY == 0:
                done(PROGRESS_EVERY)
            extern_id = None if pd.isna(ids[i]) else str(ids[i])
            ref = extern_id or f"rad {i + 1}"
            product = products.iloc[i]
            if not extern_id:
                reason: str | None = f"id-kolumnen {id_column} är tom"
            elif extern_id in seen:
                reason = "id:t förekommer flera gånger i filen"
            elif pd.isna(legacy_codes.iloc[i]):
                reason = f"koden i {code_column} saknas"
            elif pd.isna(product):
                reason = f"koden '{legacy_codes.iloc[i]}' saknar mappning till en skötselprodukt"
            elif reasons[i] is not None:
                reason = reasons[i]
            elif (twin := first_of_shape[i]) is not None:
                reason = f"samma produkt och geometri som {_ref(ids, twin)} (dubblett)"
            else:
                reason = None
            if reason is not None:
                rejections.append(Rejection(ref, reason))
                continue
            seen.add(str(extern_id))
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
                    product,
                    kinds[product],
                    organisation_id,
                    quality,
                    orjson.dumps(attributes).decode(),
                    hexes[i],
                    import_id,
                )
            )
    with step("Skriver till databasen", total=len(rows)) as done:
        staged = copy_into_temp(conn, "stage_skotselobjekt", _STAGE_TYPES, rows)
        done(staged)
    with step("Jämför med gällande versioner"):
        counts = merge_versions(
            conn,
            OBJECTS,
            "stage_skotselobjekt",
            staged,
            effective=effective,
            scope={"dataleverantor_id": organisation_id},
            full=full,
        )
    result = ImportResult(
        import_id, counts.inserted, counts.updated, counts.unchanged, counts.retired, rejections
    )
    finish_import(conn, result)
    return result
