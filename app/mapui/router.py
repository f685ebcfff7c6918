"""HTTP for the staff map: its settings and the search box."""

from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.access.principal import ReadAccess
from app.core.db import PooledConnectionDep

router = APIRouter(tags=["karta"], dependencies=[ReadAccess])

MAX_SUGGESTIONS = 10

# Designations by prefix, read in the order of the text_pattern_ops index so the scan stops
# after a few rows (a parcel with several areas has a row per area); then their extents.
_PARCELS_SQL = """
WITH names AS (
  SELECT DISTINCT beteckning FROM (
    SELECT beteckning FROM fastighet
    WHERE valid_to IS NULL AND beteckning LIKE %(prefix)s
    ORDER BY beteckning USING ~<~ LIMIT %(limit)s * 4) first_rows
)
SELECT n.beteckning, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM names n CROSS JOIN LATERAL (
  SELECT ST_Transform(ST_SetSRID(ST_Extent(f.geom), 3006), 4326) AS e
  FROM fastighet f WHERE f.beteckning = n.beteckning AND f.valid_to IS NULL) x
ORDER BY n.beteckning USING ~<~ LIMIT %(limit)s
"""
_ORGANISATIONS_SQL = """
SELECT o.slug, o.namn,
       (SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]
        FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(s.geom), 3006), 4326) AS e
              FROM skotselobjekt s WHERE s.huvudman_id = o.id AND s.valid_to IS NULL) x
        WHERE e IS NOT NULL)
FROM organisation o
WHERE o.namn ILIKE %(pattern)s OR o.kortnamn ILIKE %(pattern)s OR o.slug ILIKE %(pattern)s
ORDER BY o.namn LIMIT %(limit)s
"""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@router.get("/karta/installningar", summary="Kartans inställningar: bakgrundskarta")
async def map_settings(request: Request) -> dict[str, Any]:
    """The base map the map should use (none when empty)."""
    settings = request.app.state.settings
    return {
        "bakgrundskarta": {"url": settings.basemap_url, "attribution": settings.basemap_attribution}
        if settings.basemap_url
        else None
    }


@router.get("/sok", summary="Sök fastighetsbeteckning eller organisation")
async def search(
    conn: PooledConnectionDep,
    q: str = Query(
        min_length=2, max_length=100, description="Början av en beteckning eller ett namn"
    ),
) -> Response:
    """Suggestions as you type: parcels by designation prefix, organisations by name."""
    text = " ".join(q.upper().split())
    if not text.startswith("HUDDINGE "):
        text = "HUDDINGE " + text
    suggestions: list[dict[str, Any]] = []
    rows = await (
        await conn.execute(
            _PARCELS_SQL,
            {"prefix": _like_escape(text) + "%", "limit": MAX_SUGGESTIONS},
            # Never a generic plan: the index serves LIKE only when it sees the prefix.
            prepare=False,
        )
    ).fetchall()
    suggestions += [
        {"typ": "fastighet", "namn": row[0], "bbox": [round(v, 6) for v in row[1:]]} for row in rows
    ]
    rows = await (
        await conn.execute(
            _ORGANISATIONS_SQL,
            {"pattern": "%" + _like_escape(q.strip()) + "%", "limit": MAX_SUGGESTIONS},
        )
    ).fetchall()
    suggestions += [
        {
            "typ": "organisation",
            "namn": namn,
            "slug": slug,
            "bbox": [round(v, 6) for v in bbox] if bbox else None,
        }
        for slug, namn, bbox in rows
    ]
    return Response(orjson.dumps({"forslag": suggestions}), media_type="application/json")
