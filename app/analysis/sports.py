"""Sports facilities by principal (the municipality's report, 5.1.4): the products of the
catalogue's category Idrott, per huvudman, and the facilities where they lie.

A facility is a cluster of live Idrott objects (ST_ClusterDBSCAN, eps = the distance, minpoints
1), so pitches of two principals within the distance of each other are one facility: the places
where one principal could run what two run today. A facility is known by the md5 of its members'
objekt_id, sorted, and named by the parcel under the point on surface of its largest object.
"""

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from app.analysis.live import live_now
from app.analysis.rows import QuantityRow, row_from_json

SPORTS_CATEGORY = "Idrott"
DEFAULT_FACILITY_DISTANCE_M = 100.0

_FACILITIES_SQL = f"""
WITH sport AS (
  SELECT o.objekt_id, o.huvudman_id, o.skotselprodukt_kod, o.kvalitetsniva, o.geometrityp, o.geom,
         CASE o.geometrityp WHEN 'yta' THEN ST_Area(o.geom) WHEN 'linje' THEN ST_Length(o.geom)
              ELSE 1 END AS q,
         ST_ClusterDBSCAN(o.geom, eps := %(eps)s, minpoints := 1) OVER () AS cluster
  FROM skotselobjekt o JOIN skotselprodukt p ON p.kod = o.skotselprodukt_kod
  WHERE p.kategori = %(category)s
    AND {live_now("o")}
),
facilities AS MATERIALIZED (
  SELECT cluster, md5(string_agg(objekt_id::text, ',' ORDER BY objekt_id)) AS key,
         ST_ConvexHull(ST_Collect(geom)) AS hull,
         (array_agg(geom ORDER BY q DESC, objekt_id))[1] AS largest
  FROM sport GROUP BY cluster
)
SELECT 'anlaggning', f.key, json_build_object(
         'namn', (SELECT p.beteckning FROM fastighet p
                  WHERE p.valid_to IS NULL AND ST_Intersects(p.geom, ST_PointOnSurface(f.largest))
                  ORDER BY p.beteckning LIMIT 1),
         'geometri', ST_AsGeoJSON(ST_Transform(
           CASE WHEN ST_Dimension(f.hull) < 2 THEN ST_Buffer(f.hull, 1) ELSE f.hull END, 4326
         ), 7)::json)::text
FROM facilities f
UNION ALL
SELECT 'mangd', f.key, json_build_object(
         'organisation', g.slug, 'produkt', s.skotselprodukt_kod, 'kvalitet', s.kvalitetsniva,
         'typ', s.geometrityp, 'objekt', count(*), 'mangd', sum(s.q))::text
FROM sport s JOIN facilities f USING (cluster) JOIN organisation g ON g.id = s.huvudman_id
GROUP BY f.key, g.slug, s.skotselprodukt_kod, s.kvalitetsniva, s.geometrityp
"""  # noqa: S608 (constants)
_PRODUCTS_SQL = (
    "SELECT kod, namn FROM skotselprodukt WHERE kategori = %(category)s ORDER BY sortering, kod"
)


@dataclass(frozen=True)
class Facility:
    """A sports facility: its outline, the parcel it is named by, and quantities by principal."""

    key: str
    parcel: str | None
    outline: dict[str, Any]  # GeoJSON in WGS84: the members' convex hull (1 m wide if flat)
    quantities: list[QuantityRow]  # scope = the key

    @property
    def principals(self) -> list[str]:
        """The facility's huvudmän, by slug."""
        return sorted({row.organisation_slug for row in self.quantities})

    @property
    def area_m2(self) -> float:
        """The facility's sports area (m² of area objects)."""
        return sum(row.quantity for row in self.quantities if row.unit == "m²")


async def sports_products(conn: psycopg.AsyncConnection[Any]) -> dict[str, str]:
    """The Idrott products' names by code, in catalogue order."""
    rows = await (await conn.execute(_PRODUCTS_SQL, {"category": SPORTS_CATEGORY})).fetchall()
    return {str(code): str(name) for code, name in rows}


async def sports_facilities(
    conn: psycopg.AsyncConnection[Any], distance_m: float
) -> list[Facility]:
    """Every facility: those with two or more principals first, then by area, then key."""
    params = {"eps": distance_m, "category": SPORTS_CATEGORY}
    found: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[QuantityRow]] = {}
    for kind, key, payload in await (await conn.execute(_FACILITIES_SQL, params)).fetchall():
        item = orjson.loads(payload)
        if kind == "anlaggning":
            found[key] = item
            continue
        rows.setdefault(key, []).append(row_from_json(key, item))
    facilities = [
        Facility(
            key=key,
            parcel=item["namn"],
            outline=item["geometri"],
            quantities=sorted(
                rows.get(key, []),
                key=lambda r: (r.organisation_slug, r.product_code, r.quality_level or ""),
            ),
        )
        for key, item in found.items()
    ]
    facilities.sort(key=lambda f: (-len(f.principals), -f.area_m2, f.key))
    return facilities
