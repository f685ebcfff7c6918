"""Quantities per huvudman × skötselprodukt × quality level within a scope, as QuantityRow.

Scopes: the whole municipality (every live object, unclipped), each current driftområde and a
polygon (objects clipped to it), each grid cell (clipped to the cell; cells aligned to multiples
of the size in EPSG:3006, so their sums are the municipality's) and each trakt (a district: the
`trakt` of the current parcels, the part of the designation between the municipality and the
block number; an object belongs wholly to the trakt of the parcel under its point on surface,
to "" when it lies on no parcel). Units as the tender packages': m² of area objects, m of line
objects, st of point objects.
"""

from typing import Any, Literal

import psycopg

from app.analysis.live import live_now
from app.analysis.rows import UNIT_OF_KIND, QuantityRow

Scope = Literal["kommun", "driftomrade", "trakt", "ruta", "polygon"]
DEFAULT_CELL_M = 500
MIN_CELL_M = 50
MAX_CELL_M = 5000
NO_DISTRICT = ""  # the trakt scope of objects on no parcel


_MEASURE = (
    "CASE o.geometrityp WHEN 'yta' THEN ST_Area({g}) WHEN 'linje' THEN ST_Length({g}) ELSE 1 END"
)
_FULL = _MEASURE.format(g="o.geom")
# Summed on the pieces' own keys first (a hash aggregate on integers), named afterwards.
_GROUPED = """
, grouped AS (
  SELECT {keys}, huvudman_id, kod, kvalitetsniva, geometrityp, count(*) AS n, sum(q) AS q
  FROM pieces WHERE q > 0
  GROUP BY {keys}, huvudman_id, kod, kvalitetsniva, geometrityp
)
SELECT {scope} AS scope, org.slug, g.kod, g.kvalitetsniva, g.geometrityp, g.n, g.q
FROM grouped g JOIN organisation org ON org.id = g.huvudman_id
ORDER BY 1, 2, 3, 4 NULLS FIRST
"""
_BY_SCOPE = _GROUPED.format(keys="scope", scope="g.scope")
_BY_CELL = _GROUPED.format(
    keys="i, j", scope="(g.i::bigint * %(s)s) || '_' || (g.j::bigint * %(s)s)"
)
_LIVE = f"skotselobjekt o WHERE {live_now()}"
_COLUMNS = "o.huvudman_id, o.skotselprodukt_kod AS kod, o.kvalitetsniva, o.geometrityp"

_MUNICIPALITY_SQL = f"""
WITH pieces AS (SELECT 'kommun' AS scope, {_COLUMNS}, {_FULL} AS q FROM {_LIVE})
{_BY_SCOPE}"""  # noqa: S608 (constants)

# Current contracts only, in Sweden's today; a contractor sees its own areas alone.
_AREAS_SQL = f"""
WITH areas AS (
  SELECT d.id, d.geom FROM driftomrade d
  WHERE d.avtal_fran <= (now() AT TIME ZONE 'Europe/Stockholm')::date
    AND (d.avtal_till IS NULL OR d.avtal_till >= (now() AT TIME ZONE 'Europe/Stockholm')::date)
    AND (%(own)s::int IS NULL OR d.utforare_id = %(own)s)
), pieces AS (
  SELECT a.id::text AS scope, {_COLUMNS},
         CASE WHEN ST_CoveredBy(o.geom, a.geom) THEN {_FULL}
              ELSE {_MEASURE.format(g="ST_Intersection(o.geom, a.geom)")} END AS q
  FROM areas a JOIN skotselobjekt o ON {live_now()} AND ST_Intersects(o.geom, a.geom)
)
{_BY_SCOPE}"""  # noqa: S608 (constants)

_POLYGON_SQL = f"""
WITH shape AS (SELECT ST_GeomFromWKB(%(wkb)s, 3006) AS geom),
pieces AS (
  SELECT 'polygon' AS scope, {_COLUMNS},
         CASE WHEN ST_CoveredBy(o.geom, s.geom) THEN {_FULL}
              ELSE {_MEASURE.format(g="ST_Intersection(o.geom, s.geom)")} END AS q
  FROM shape s JOIN skotselobjekt o ON {live_now()} AND ST_Intersects(o.geom, s.geom)
)
{_BY_SCOPE}"""  # noqa: S608 (constants)

_DISTRICTS_SQL = f"""
WITH pieces AS (
  SELECT coalesce(f.trakt, '') AS scope, {_COLUMNS}, {_FULL} AS q
  FROM skotselobjekt o
  LEFT JOIN LATERAL (
    SELECT f.trakt FROM fastighet f
    WHERE f.valid_to IS NULL AND ST_Intersects(f.geom, ST_PointOnSurface(o.geom))
    ORDER BY f.beteckning LIMIT 1
  ) f ON true
  WHERE {live_now()}
)
{_BY_SCOPE}"""  # noqa: S608 (constants)

# An object within one cell (by its bounding box) is measured whole; one spanning cells is clipped
# to each. A bounding box ending exactly on a grid line reaches the next cell with nothing in it,
# which q > 0 drops; a point on a grid line belongs to the cell east or north of it.
_CLIPPED_TO_CELL = _MEASURE.format(
    g="ST_ClipByBox2D(o.geom,"
    " ST_MakeEnvelope(i * %(s)s, j * %(s)s, (i + 1) * %(s)s, (j + 1) * %(s)s, 3006)::box2d)"
)
_CELLS_SQL = f"""
WITH live AS NOT MATERIALIZED (
  SELECT {_COLUMNS}, o.geom,
         floor(ST_XMin(o.geom) / %(s)s)::int AS i0, floor(ST_XMax(o.geom) / %(s)s)::int AS i1,
         floor(ST_YMin(o.geom) / %(s)s)::int AS j0, floor(ST_YMax(o.geom) / %(s)s)::int AS j1
  FROM {_LIVE}
), pieces AS (
  SELECT o.i0 AS i, o.j0 AS j, o.huvudman_id, o.kod, o.kvalitetsniva, o.geometrityp, {_FULL} AS q
  FROM live o WHERE o.i0 = o.i1 AND o.j0 = o.j1
  UNION ALL
  SELECT i, j, o.huvudman_id, o.kod, o.kvalitetsniva, o.geometrityp,
         {_CLIPPED_TO_CELL} AS q
  FROM live o, generate_series(o.i0, o.i1) i, generate_series(o.j0, o.j1) j
  WHERE NOT (o.i0 = o.i1 AND o.j0 = o.j1)
)
{_BY_CELL}"""  # noqa: S608 (constants)


def cell_corner(scope: str) -> tuple[int, int]:
    """The south-west corner of the cell with this id."""
    x0, y0 = scope.split("_")
    return int(x0), int(y0)


def _statement(
    scope: Scope, cell_m: int, polygon_wkb: bytes | None, contractor: int | None
) -> tuple[str, dict[str, Any]]:
    if scope == "kommun":
        return _MUNICIPALITY_SQL, {}
    if scope == "driftomrade":
        return _AREAS_SQL, {"own": contractor}
    if scope == "trakt":
        return _DISTRICTS_SQL, {}
    if scope == "ruta":
        if not MIN_CELL_M <= cell_m <= MAX_CELL_M:
            raise ValueError(f"cell_m {cell_m} outside {MIN_CELL_M}–{MAX_CELL_M}")
        return _CELLS_SQL, {"s": int(cell_m)}
    if polygon_wkb is None:
        raise ValueError("the polygon scope needs polygon_wkb")
    return _POLYGON_SQL, {"wkb": polygon_wkb}


def _rows(fetched: list[tuple[Any, ...]]) -> list[QuantityRow]:
    return [
        QuantityRow(
            scope=str(scope),
            organisation_slug=str(slug),
            product_code=str(code),
            quality_level=level,
            unit=UNIT_OF_KIND[str(kind)],
            objects=int(count),
            quantity=float(amount),
        )
        for scope, slug, code, level, kind, count, amount in fetched
    ]


async def quantities(
    conn: psycopg.AsyncConnection[Any],
    scope: Scope,
    *,
    cell_m: int = DEFAULT_CELL_M,
    polygon_wkb: bytes | None = None,
    contractor: int | None = None,
) -> list[QuantityRow]:
    """Live objects' quantities per scope × huvudman × product × quality level."""
    sql, params = _statement(scope, cell_m, polygon_wkb, contractor)
    cursor = await conn.execute(sql, params)
    return _rows(await cursor.fetchall())


def quantities_sync(
    conn: psycopg.Connection[Any],
    scope: Scope,
    *,
    cell_m: int = DEFAULT_CELL_M,
    polygon_wkb: bytes | None = None,
    contractor: int | None = None,
) -> list[QuantityRow]:
    """quantities() on a synchronous psycopg connection (the command line, reports)."""
    sql, params = _statement(scope, cell_m, polygon_wkb, contractor)
    return _rows(conn.execute(sql, params).fetchall())
