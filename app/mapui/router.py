"""HTTP for the staff map: its settings and the search box."""

from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.access.principal import ReadAccess
from app.core.standby_reads import LaggedReadConnectionDep
from app.mapui.queries import organisation_suggestions, parcel_suggestions
from app.mapui.schemas import MapSettings, Suggestions

router = APIRouter(tags=["karta"], dependencies=[ReadAccess])

MAX_SUGGESTIONS = 10


@router.get(
    "/karta/installningar",
    summary="Kartans inställningar: bakgrundskarta",
    response_model=MapSettings,
)
async def map_settings(request: Request) -> dict[str, Any]:
    """The base map the map should use (none when empty)."""
    settings = request.app.state.settings
    return {
        "bakgrundskarta": {"url": settings.basemap_url, "attribution": settings.basemap_attribution}
        if settings.basemap_url
        else None
    }


@router.get(
    "/sok",
    summary="Sök fastighetsbeteckning eller organisation",
    response_model=Suggestions,
)
async def search(
    conn: LaggedReadConnectionDep,
    q: str = Query(
        min_length=2, max_length=100, description="Början av en beteckning eller ett namn"
    ),
) -> Response:
    """Suggestions as you type: parcels by designation prefix, organisations by name."""
    text = " ".join(q.upper().split())
    if not text.startswith("HUDDINGE "):
        text = "HUDDINGE " + text
    suggestions: list[dict[str, Any]] = []
    parcels = await parcel_suggestions(conn, text, MAX_SUGGESTIONS)
    suggestions += [
        {
            "typ": "fastighet",
            "namn": namn,
            "bbox": [round(v, 6) for v in (west, south, east, north)],
            "punkt": [round(lon, 7), round(lat, 7)],
            "fastighetsytor": areas,
        }
        for namn, west, south, east, north, lon, lat, areas in parcels
    ]
    organisations = await organisation_suggestions(conn, q.strip(), MAX_SUGGESTIONS)
    suggestions += [
        {
            "typ": "organisation",
            "namn": namn,
            "slug": slug,
            "bbox": [round(v, 6) for v in bbox] if bbox else None,
        }
        for slug, namn, bbox in organisations
    ]
    return Response(orjson.dumps({"forslag": suggestions}), media_type="application/json")
