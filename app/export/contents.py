"""What goes into an operations area's package: the area, the catalogue and its objects.

Objects are clipped at the area's boundary: a contract is priced on what lies inside it, so an
object crossing into the neighbouring area counts in each package with its own part only, and
the parts of one object add up to the whole across the packages.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg.rows import dict_row
from shapely.geometry import MultiPolygon

from app.analysis.live import WORK_MEM_SQL
from app.catalogue.levels import LevelTask, load_levels
from app.catalogue.products import PRODUCTS_SQL, product_from_columns
from app.catalogue.schemas import Product
from app.export.map_sheets import Sheet, plan_detail_sheets
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

# The client's (huvudman's) objects valid now (as app.analysis.live counts them) in the area,
# each with its part inside the area.
# Objects wholly inside keep their geometry (the common case, and no intersection to compute);
# a part that only touches the boundary (no area, no length) is not in the package. Quantities
# come from PostGIS so the package agrees with every other sum of the database.
# OFFSET 0 keeps each subquery whole: flattened, PostgreSQL computed the clipped part once for
# the filter and again for each column that uses it (three ST_CoveredBy per object).
_OBJECTS_SQL = """
SELECT x.objekt_id::text, x.skotselprodukt_kod, x.geometrityp, x.kvalitetsniva, x.huvudman,
       x.extern_id, (extract(epoch FROM x.valid_from) * 1000000)::bigint, x.whole_amount,
       x.inside_amount, ST_AsBinary(x.inside)
FROM (
    SELECT c.*,
           CASE c.geometrityp WHEN 'yta' THEN ST_Area(c.geom)
                              WHEN 'linje' THEN ST_Length(c.geom) ELSE 1 END AS whole_amount,
           CASE c.geometrityp WHEN 'yta' THEN ST_Area(c.inside)
                              WHEN 'linje' THEN ST_Length(c.inside) ELSE 1 END AS inside_amount
    FROM (
        SELECT o.id, o.objekt_id, o.skotselprodukt_kod, o.geometrityp, o.kvalitetsniva,
               h.namn AS huvudman, o.extern_id, o.valid_from, o.geom,
               CASE WHEN o.geometrityp = 'punkt' OR ST_CoveredBy(o.geom, d.geom) THEN o.geom
                    ELSE ST_CollectionExtract(ST_Intersection(o.geom, d.geom),
                                              CASE o.geometrityp WHEN 'yta' THEN 3 ELSE 2 END)
               END AS inside
        FROM skotselobjekt o
        JOIN driftomrade d ON d.id = %(id)s
        JOIN organisation h ON h.id = o.huvudman_id
        WHERE o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
          AND o.huvudman_id = d.bestallare_id
          AND o.geom && d.geom AND ST_Intersects(o.geom, d.geom)
        OFFSET 0
    ) c
    OFFSET 0
) x
JOIN skotselprodukt p ON p.kod = x.skotselprodukt_kod
WHERE x.inside_amount > 0
ORDER BY p.sortering, x.skotselprodukt_kod, x.id
"""

# The current parcels within PARCEL_MARGIN_M of the area, drawn lightly on the map: found
# through the area's subdivided pieces, since the bounding box of an area in two distant parts
# holds most of the municipality's parcels (ST_DWithin on the whole area: 23 s at 1M, this 0.6 s).
_PARCELS_SQL = """
WITH pieces AS MATERIALIZED (
    SELECT ST_Subdivide(ST_Buffer(d.geom, %(margin)s), 64) AS geom
    FROM driftomrade d WHERE d.id = %(id)s
)
SELECT DISTINCT ON (f.id) f.beteckning, ST_AsBinary(f.geom)
FROM pieces p
JOIN fastighet f ON f.geom && p.geom AND ST_Intersects(f.geom, p.geom)
WHERE f.valid_to IS NULL
ORDER BY f.id
"""
# Parcels are read a little beyond the area so the map's edges are not bare.
PARCEL_MARGIN_M = 60.0

OBJECT_COLUMNS = (
    "objekt_id",
    "produkt",
    "geometrityp",
    "kvalitetsniva",
    "huvudman",
    "extern_id",
    "giltig_fran",
    "mangd_hela",  # the whole object's quantity (m², m or st)
    "mangd",  # the quantity inside the area: what the package counts
)
# Columns derived after reading: share inside, partly inside, the package's running number and
# the detail sheet that shows the object (0: only the overview).
DERIVED_COLUMNS = ("andel_inom", "delvis_inom", "nr", "blad")
# Below this the part outside is rounding, not a crossing (0.01 %).
PARTLY_INSIDE_BELOW = 0.9999


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
    # OBJECT_COLUMNS + DERIVED_COLUMNS + geometry (the part inside the area), EPSG:3006, in the
    # order of the lists: by sheet, then catalogue order; `nr` counts 1, 2, ... in that order.
    objects: gpd.GeoDataFrame
    created: datetime  # when the data was read (Europe/Stockholm)
    sheets: list[Sheet] = field(default_factory=list)  # the detail sheets, numbered from 1
    parcels: gpd.GeoDataFrame | None = None  # beteckning + geometry, EPSG:3006
    levels: list[LevelTask] = field(default_factory=list)  # of the products present

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
        # The sort of the objects by catalogue order stays in memory (it spilled at 1M).
        conn.execute(WORK_MEM_SQL)
        rows = conn.execute(_OBJECTS_SQL, {"id": area_id}).fetchall()
        parcel_rows = conn.execute(
            _PARCELS_SQL, {"id": area_id, "margin": PARCEL_MARGIN_M}
        ).fetchall()
        codes = sorted({r[1] for r in rows})
        levels = load_levels(conn, codes) if codes else []
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
    objects = _frame(rows)
    sheets, sheet_of = plan_detail_sheets(area.geom, objects.geometry.to_numpy())
    return PackageContents(
        area=area,
        products=products,
        objects=_numbered(objects, sheet_of, products),
        created=created[0] if created else datetime.now(),
        sheets=sheets,
        parcels=_parcels(parcel_rows),
        levels=levels,
    )


def _frame(rows: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(OBJECT_COLUMNS) + 1)
    data: dict[str, Any] = {
        name: list(values) for name, values in zip(OBJECT_COLUMNS, columns, strict=False)
    }
    # Microseconds since the epoch: 371,707 datetimes from psycopg took pandas 1.6 s, these 0.02 s.
    data["giltig_fran"] = pd.to_datetime(
        np.asarray(data["giltig_fran"], dtype="int64"), unit="us", utc=True
    )
    data["mangd_hela"] = np.asarray(data["mangd_hela"], dtype="float64")
    data["mangd"] = np.asarray(data["mangd"], dtype="float64")
    share = np.divide(
        data["mangd"],
        data["mangd_hela"],
        out=np.ones(len(rows)),
        where=data["mangd_hela"] > 0,
    )
    data["andel_inom"] = np.minimum(share, 1.0)
    data["delvis_inom"] = data["andel_inom"] < PARTLY_INSIDE_BELOW
    geometry = shapely.from_wkb(np.asarray(columns[-1], dtype=object))
    return gpd.GeoDataFrame(data, geometry=geometry, crs=SRID)


def _numbered(
    objects: gpd.GeoDataFrame, sheet_of: np.ndarray, products: list[Product]
) -> gpd.GeoDataFrame:
    """Objects ordered by sheet (overview-only last), then catalogue order, numbered from 1."""
    objects = objects.assign(blad=np.asarray(sheet_of, dtype="int64"))
    order = {product.kod: k for k, product in enumerate(products)}
    last = int(objects["blad"].max()) + 1 if len(objects) else 1
    sheet_key = objects["blad"].where(objects["blad"] > 0, last)
    keys = np.lexsort(
        (
            np.arange(len(objects)),
            objects["produkt"].map(order).to_numpy(),
            sheet_key.to_numpy(),
        )
    )
    ordered = objects.iloc[keys].reset_index(drop=True)
    ordered["nr"] = np.arange(1, len(ordered) + 1, dtype="int64")
    return ordered


def _parcels(rows: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    names = [r[0] for r in rows]
    geometry = shapely.from_wkb(np.asarray([r[1] for r in rows], dtype=object))
    return gpd.GeoDataFrame({"beteckning": names}, geometry=geometry, crs=SRID)


def _multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    assert isinstance(geom, shapely.Polygon)
    return MultiPolygon([geom])
