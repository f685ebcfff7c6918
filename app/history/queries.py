"""SQL of a maintenance object's history: its versions and the audited changes behind them."""

import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

from app.access.tokens import actor_sql

_VERSIONS_SQL = f"""
SELECT s.id AS version_id, s.valid_from AS giltig_fran, s.valid_to AS giltig_till,
       s.skotselprodukt_kod AS produkt, p.namn AS produktnamn, h.slug AS huvudman,
       h.namn AS huvudman_namn, s.kvalitetsniva, s.attribut, s.import_id,
       CASE WHEN k.id IS NOT NULL THEN json_build_object(
         'id', k.id, 'fil', k.filnamn, 'lager', k.lager, 'utford_av', {actor_sql("k.utford_av")},
         'startad', k.startad) END AS import
FROM skotselobjekt s
JOIN skotselprodukt p ON p.kod = s.skotselprodukt_kod
JOIN organisation h ON h.id = s.huvudman_id
-- the import that wrote this version: an edit later keeps the row's import_id, not its moment
LEFT JOIN importkorning k ON k.id = s.import_id
  AND (k.giltig_fran IS NULL OR k.giltig_fran = s.valid_from)
WHERE s.objekt_id = %(id)s
  -- a contractor sees the objects in the areas it performs (one version there is enough)
  AND (%(own)s::int IS NULL OR EXISTS (
    SELECT 1 FROM skotselobjekt v JOIN driftomrade d ON d.utforare_id = %(own)s
      AND d.geom && v.geom AND ST_Intersects(d.geom, v.geom)
    WHERE v.objekt_id = %(id)s))
ORDER BY s.valid_from, s.id
"""  # noqa: S608 (actor_sql of a constant)
# Changes from the audit log; the geometry is reported as changed or not, not as its bytes.
_CHANGES_SQL = f"""
SELECT a.utford_tid AS tid, a.operation, {actor_sql("a.utford_av")} AS utford_av, a.orsak,
       ARRAY(SELECT k FROM jsonb_object_keys(coalesce(a.efter, a.fore)) k
             WHERE k NOT IN ('id', 'valid_from', 'valid_to')
               AND (a.fore -> k) IS DISTINCT FROM (a.efter -> k)
             ORDER BY k) AS andrade_falt
FROM andringslogg a
WHERE a.tabell = 'skotselobjekt'
  AND coalesce(a.efter, a.fore) ->> 'objekt_id' = %(id_text)s
  -- the closed copy a trigger writes when a version is replaced is not a change of its own
  AND NOT (a.operation = 'INSERT' AND a.efter ->> 'valid_to' IS NOT NULL)
ORDER BY a.utford_tid, a.id
"""  # noqa: S608 (actor_sql of a constant)


async def object_history(
    conn: psycopg.AsyncConnection[Any], stable_id: uuid.UUID, contractor: int | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The object's versions (oldest first) and changes; None when it has none the caller may see.

    contractor: the organisation of a contractor's token, which sees only objects in its areas.
    """
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(_VERSIONS_SQL, {"id": stable_id, "own": contractor})
        versions = await cursor.fetchall()
        if not versions:
            return None
        await cursor.execute(_CHANGES_SQL, {"id_text": str(stable_id)})
        return versions, await cursor.fetchall()
