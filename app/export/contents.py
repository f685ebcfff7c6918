"""What goes into an operations area's package: the area, the catalogue and its objects."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg.rows import dict_row
from shapely.geometry import MultiPolygon

from app.catalogue.products import PRODUCTS_SQL, product_from_columns
from app.catalogue.schemas import Product
from app.models import SRID

_AREA_SQL = """
SELECT d.id, d.namn, b.namn, b.slug, u.namn, u.slug, d.avtal_fran, d.avtal_till,
       ST_AsBinary(d.geom), d.bestallare_id
FROM driftomrade d
JOIN organisation b ON b.id = d.bestallare_id
JOIN organisation u ON u.id = d.utforare_id
WHERE d.id = %(id)s AND (%(own)s::int IS NULL OR d.utforare_id = %(own)s)
"""

_AREA_BY_NAME_SQL = "SELECT id FROM driftomrade WHERE lower(namn) = lower(%(namn)s)"

# The objects the area's client (huvudman) has inside or across the area, whole and current.
# Quantities come from PostGIS so the package agrees with every other sum of the database.
_OBJECTS_SQL = """
SELECT o.objekt_id::text, o.skotselprodukt_kod, o.geometrityp, o.kvalitetsniva, h.namn,
       o.extern_id, o.valid_from,
       CASE o.geometrityp WHEN 'yta' THEN ST_Area(o.geom)
                          WHEN 'linje' THEN ST_Length(o.geom) ELSE 1 END,
       ST_AsBinary(o.geom)
FROM skotselobjekt o
JOIN driftomrade d ON d.id = %(id)s
JOIN organisation h ON h.id = o.huvudman_id
WHERE o.valid_to IS NULL AND o.huvudman_id = d.bestallare_id
  AND o.geom && d.geom AND ST_Intersects(o.geom, d.geom)
ORDER BY o.skotselprodukt_kod, o.id
"""

OBJECT_COLUMNS = (
    "objekt_id",
    "produkt",
    "geometrityp",
    "kvalitetsniva",
    "huvudman",
    "extern_id",
    "giltig_fran",
    "mangd",
)


@dataclass(frozen=True)
class AreaSummary:
    """An operations area as the package presents it."""

    id: int
    name: str
    client: str
    client_slug: str
    performer: str
    performer_slug: str
    contract_start: date
    contract_end: date | None
    geom: MultiPolygon  # EPSG:3006


@dataclass(frozen=True)
class PackageContents:
    """Everything a package is made from, read in one transaction."""

    area: AreaSummary
    products: list[Product]  # the whole catalogue, in catalogue order
    objects: gpd.GeoDataFrame  # OBJECT_COLUMNS + geometry, EPSG:3006
    created: datetime  # when the data was read (Europe/Stockholm)

    def product(self, code: str) -> Product:
        """The catalogue entry of a product code."""
        return self._by_code[code]

    @property
    def _by_code(self) -> dict[str, Product]:
        return {product.kod: product for product in self.products}

    def products_present(self) -> list[Product]:
        """Catalogue entries that have objects in this area, in catalogue order."""
        present = set(self.objects["produkt"].unique())
        return [product for product in self.products if product.kod in present]


def find_area_id(conn: psycopg.Connection[Any], name: str) -> int | None:
    """The id of the operations area with this name (case-insensitive), if any."""
    row = conn.execute(_AREA_BY_NAME_SQL, {"namn": name}).fetchone()
    return int(row[0]) if row else None


def load_contents(
    conn: psycopg.Connection[Any], area_id: int, contractor: int | None = None
) -> PackageContents | None:
    """The area's contents, or None when it does not exist (or is another contractor's)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute(_AREA_SQL, {"id": area_id, "own": contractor}).fetchone()
        if row is None:
            return None
        created = conn.execute("SELECT now() AT TIME ZONE 'Europe/Stockholm'").fetchone()
        with conn.cursor(row_factory=dict_row) as cursor:
            products = [product_from_columns(r) for r in cursor.execute(PRODUCTS_SQL)]
        rows = conn.execute(_OBJECTS_SQL, {"id": area_id}).fetchall()
    area = AreaSummary(
        id=row[0],
        name=row[1],
        client=row[2],
        client_slug=row[3],
        performer=row[4],
        performer_slug=row[5],
        contract_start=row[6],
        contract_end=row[7],
        geom=_multipolygon(shapely.from_wkb(row[8])),
    )
    return PackageContents(
        area=area,
        products=products,
        objects=_frame(rows),
        created=created[0] if created else datetime.now(),
    )


def _frame(rows: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(OBJECT_COLUMNS) + 1)
    data: dict[str, Any] = {
        name: list(values) for name, values in zip(OBJECT_COLUMNS, columns, strict=False)
    }
    data["mangd"] = np.asarray(data["mangd"], dtype="float64")
    geometry = shapely.from_wkb(np.asarray(columns[-1], dtype=object))
    return gpd.GeoDataFrame(data, geometry=geometry, crs=SRID)


def _multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    assert isinstance(geom, shapely.Polygon)
    return MultiPolygon([geom])
