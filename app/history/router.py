"""HTTP: the versions of a maintenance object and the changes that made them."""

import uuid
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response
from psycopg.rows import dict_row

from app.access.principal import ReadAccess
from app.core.db import PooledConnectionDep
from app.core.errors import NotFound

router = APIRouter(tags=["historik"], dependencies=[ReadAccess])

_VERSIONS_SQL = """
SELECT s.id AS version_id, s.valid_from AS giltig_fran, s.valid_to AS giltig_till,
       s.skotselprodukt_kod AS produkt, p.namn AS produktnamn, h.slug AS huvudman,
       h.namn AS huvudman_namn, s.kvalitetsniva, s.attribut, s.import_id,
       CASE WHEN k.id IS NOT NULL THEN json_build_object(
         'id', k.id, 'fil', k.filnamn, 'lager', k.lager, 'utford_av', k.utford_av,
         'startad', k.startad) END AS import
FROM skotselobjekt s
JOIN skotselprodukt p ON p.kod = s.skotselprodukt_kod
JOIN organisation h ON h.id = s.huvudman_id
-- the import that wrote this version: an edit later keeps the row's import_id, not its moment
LEFT JOIN importkorning k ON k.id = s.import_id
  AND (k.giltig_fran IS NULL OR k.giltig_fran = s.valid_from)
WHERE s.objekt_id = %(id)s
ORDER BY s.valid_from, s.id
"""
# Changes from the audit log; the geometry is reported as changed or not, not as its bytes.
_CHANGES_SQL = """
SELECT a.utford_tid AS tid, a.operation, a.utford_av, a.orsak,
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
"""


@router.get(
    "/skotselobjekt/{objekt_id}/historik",
    summary="Ett skötselobjekts versioner och ändringar (vem, när, varför)",
)
async def history(objekt_id: str, conn: PooledConnectionDep) -> Response:
    """Every version of the object, oldest first, and the audited changes behind them."""
    try:
        stable_id = uuid.UUID(objekt_id)
    except ValueError:
        raise NotFound(f"Skötselobjektet '{objekt_id}' finns inte.") from None
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(_VERSIONS_SQL, {"id": stable_id})
        versions = await cursor.fetchall()
        if not versions:
            raise NotFound(f"Skötselobjektet '{objekt_id}' finns inte.")
        await cursor.execute(_CHANGES_SQL, {"id_text": str(stable_id)})
        changes = await cursor.fetchall()
    body: dict[str, Any] = {
        "objekt_id": str(stable_id),
        "versioner": versions,
        "andringar": changes,
    }
    return Response(orjson.dumps(body), media_type="application/json")
