"""SQL that builds GeoJSON features and vector tiles inside PostgreSQL (psycopg parameters).

A page is one statement: the features are written as GeoJSON text by PostGIS, joined into one
UTF-8 byte string, and handed to the client untouched; Python only adds the envelope (counts
and links). Paging is by key (keyset), so pages stay correct while others write.
"""

from dataclasses import dataclass
from typing import Any, NamedTuple

import psycopg

from app.features.collections import Collection
from app.features.params import Crs, Cursor, Envelope, Period

_ENVELOPE = "ST_MakeEnvelope(%(min_e)s, %(min_n)s, %(max_e)s, %(max_n)s, 3006)"


def _geometry(collection: Collection, crs: Crs) -> str:
    geometry = collection.geometry
    if crs.srid != 3006:
        geometry = f"ST_Transform({geometry}, {crs.srid})"
    if crs.northing_first:
        geometry = f"ST_FlipCoordinates({geometry})"
    return f"ST_AsGeoJSON({geometry}, {crs.decimals})"


def feature_sql(collection: Collection, crs: Crs) -> str:
    """SQL expression of one feature as GeoJSON text."""
    return (
        '\'{"type":"Feature","id":\' || to_json(' + collection.feature_id + ")::text"
        " || ',\"geometry\":' || coalesce(" + _geometry(collection, crs) + ", 'null')"
        " || ',\"properties\":' || " + collection.properties + "::text || '}'"
    )


@dataclass(frozen=True)
class Selection:
    """What a request selects from a collection, apart from paging."""

    envelope: Envelope | None
    period: Period | None
    filters: dict[str, Any]
    contractor: int | None = None  # organisation id of a contractor's token


def _conditions(collection: Collection, selection: Selection) -> tuple[list[str], dict[str, Any]]:
    conditions = [collection.base_filter]
    params: dict[str, Any] = {}
    if collection.temporal:
        # Without datetime: the versions that hold now, as /api/v1/ansvar answers (a version
        # dated later, e.g. a handover next week, is not the current one yet).
        period = selection.period or Period.now()
        if period.end is not None:
            conditions.append("t.valid_from <= %(period_end)s")
            params["period_end"] = period.end
        if period.start is not None:
            conditions.append("(t.valid_to IS NULL OR t.valid_to > %(period_start)s)")
            params["period_start"] = period.start
    if selection.envelope is not None:
        conditions.append(
            f"t.geom && {_ENVELOPE}"
            " AND ST_Intersects(t.geom, ST_GeomFromWKB(%(bbox_outline)s, 3006))"
        )
        e = selection.envelope
        params |= {
            "min_e": e.min_e,
            "min_n": e.min_n,
            "max_e": e.max_e,
            "max_n": e.max_n,
            "bbox_outline": e.outline_wkb,
        }
    if selection.contractor is not None and collection.contractor_scope is not None:
        conditions.append(collection.contractor_scope)
        params["scope_org"] = selection.contractor
    for name, value in selection.filters.items():
        conditions.append(collection.filters[name])
        params[name] = value
    return conditions, params


def items_sql(
    collection: Collection, crs: Crs, selection: Selection, cursor: Cursor | None, limit: int
) -> tuple[str, dict[str, Any]]:
    """One page of features as bytes, with its count, first and last key and whether more exist."""
    conditions, params = _conditions(collection, selection)
    forward = cursor is None or cursor.forward
    if cursor is not None:
        conditions.append(f"{collection.key} {'>' if forward else '<'} %(cursor_key)s")
        params["cursor_key"] = cursor.key
    direction = "ASC" if forward else "DESC"
    sql = f"""
WITH page AS (
  SELECT {collection.key} AS k, {feature_sql(collection, crs)} AS f
  FROM {collection.source}
  WHERE {" AND ".join(conditions)}
  ORDER BY {collection.key} {direction}
  LIMIT %(fetch)s
), numbered AS (
  SELECT k, f, row_number() OVER (ORDER BY k {direction}) AS rn FROM page
)
SELECT convert_to(coalesce(string_agg(f, ',' ORDER BY k) FILTER (WHERE rn <= %(limit)s), ''),
                  'UTF8') AS features,
       count(*) FILTER (WHERE rn <= %(limit)s) AS returned,
       min(k) FILTER (WHERE rn <= %(limit)s) AS first_key,
       max(k) FILTER (WHERE rn <= %(limit)s) AS last_key,
       count(*) > %(limit)s AS more
FROM numbered"""
    return sql, params | {"fetch": limit + 1, "limit": limit}


def count_sql(collection: Collection, selection: Selection) -> tuple[str, dict[str, Any]]:
    """The number of features a selection matches (only run when asked for)."""
    conditions, params = _conditions(collection, selection)
    return f"SELECT count(*) FROM {collection.source} WHERE {' AND '.join(conditions)}", params


def item_sql(
    collection: Collection, crs: Crs, period: Period | None, contractor: int | None = None
) -> tuple[str, dict[str, Any]]:
    """One feature by its public id, as bytes."""
    conditions, params = _conditions(collection, Selection(None, period, {}, contractor))
    conditions.append(f"{collection.feature_id} = %(feature_id)s")
    sql = (
        f"SELECT convert_to({feature_sql(collection, crs)}, 'UTF8') FROM {collection.source}"
        f" WHERE {' AND '.join(conditions)} ORDER BY {collection.key} DESC LIMIT 1"
    )
    return sql, params


# Web Mercator metres per tile at zoom 0; a pixel of a 4096-unit tile at Huddinge's latitude
# (cos 59.2° ≈ 0.51) is about this / 2^z / 4096 * 0.51 metres on the ground.
_WORLD_METRES = 40_075_016.69
_GROUND_SCALE = 0.51
TILE_EXTENT = 4096


def tile_sql(
    collection: Collection, z: int, x: int, y: int, max_features: int, contractor: int | None = None
) -> tuple[str, dict[str, Any]]:
    """A Mapbox vector tile of the features that hold now, simplified to the tile's pixel size."""
    pixel = _WORLD_METRES / (2**z) / TILE_EXTENT * _GROUND_SCALE
    conditions, params = _conditions(collection, Selection(None, None, {}, contractor))
    sql = f"""
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / {TILE_EXTENT}),
                      3006) AS local
), features AS (
  SELECT ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology({collection.geometry}, %(pixel)s),
                                   3857),
                      bounds.mercator, {TILE_EXTENT}, 64, true) AS geom,
         {collection.tile_properties}
  FROM {collection.source}, bounds
  WHERE {" AND ".join(conditions)} AND t.geom && bounds.local
  LIMIT %(max_features)s
)
SELECT ST_AsMVT(features.*, %(layer)s, {TILE_EXTENT}, 'geom')
FROM features WHERE geom IS NOT NULL"""
    return sql, params | {
        "z": z,
        "x": x,
        "y": y,
        "pixel": pixel,
        "max_features": max_features,
        "layer": collection.id,
    }


class Page(NamedTuple):
    """One page of features: their GeoJSON joined by commas, count, first and last key."""

    features: bytes
    returned: int
    first_key: Any
    last_key: Any
    more: bool


async def fetch_page(
    conn: psycopg.AsyncConnection[Any],
    collection: Collection,
    crs: Crs,
    selection: Selection,
    cursor: Cursor | None,
    limit: int,
) -> Page:
    """The page items_sql describes."""
    sql, values = items_sql(collection, crs, selection, cursor, limit)
    row = await (await conn.execute(sql, values, binary=True)).fetchone()
    assert row is not None
    features, returned, first_key, last_key, more = row
    return Page(bytes(features), returned, first_key, last_key, more)


async def count_matched(
    conn: psycopg.AsyncConnection[Any], collection: Collection, selection: Selection
) -> int:
    """How many features the selection matches."""
    sql, values = count_sql(collection, selection)
    row = await (await conn.execute(sql, values)).fetchone()
    return int(row[0]) if row else 0


async def fetch_item(
    conn: psycopg.AsyncConnection[Any],
    collection: Collection,
    crs: Crs,
    period: Period | None,
    contractor: int | None,
    feature_id: Any,
) -> bytes | None:
    """One feature as GeoJSON bytes; None when it is not there."""
    sql, values = item_sql(collection, crs, period, contractor)
    values["feature_id"] = feature_id
    row = await (await conn.execute(sql, values, binary=True)).fetchone()
    return None if row is None else bytes(row[0])


async def fetch_tile(
    conn: psycopg.AsyncConnection[Any],
    collection: Collection,
    z: int,
    x: int,
    y: int,
    max_features: int,
    contractor: int | None,
) -> bytes:
    """The vector tile tile_sql describes (empty bytes when nothing is in it)."""
    sql, values = tile_sql(collection, z, x, y, max_features, contractor)
    row = await (await conn.execute(sql, values, binary=True)).fetchone()
    return bytes(row[0]) if row and row[0] else b""


_BOUNDARY_EXTENT_SQL = (
    "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"
    " ST_Transform(ST_SetSRID(ST_Extent(geom), 3006), 4326) AS e FROM kommungrans) x"
)


async def boundary_extent(conn: psycopg.AsyncConnection[Any]) -> list[float] | None:
    """The municipal boundary's extent in WGS 84 (lon/lat, 6 decimals); None without one."""
    row = await (await conn.execute(_BOUNDARY_EXTENT_SQL)).fetchone()
    if row is None or row[0] is None:
        return None
    return [round(float(v), 6) for v in row]
