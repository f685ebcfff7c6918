"""The analysis' slow parts through the cache, so the page's answers and the report share them.

Without a cache (the command line) each part is computed directly.
"""

from typing import Any

import psycopg

from app.analysis.cache import AnalysisCache
from app.analysis.neighbours import Neighbours, neighbours
from app.analysis.zones import Zone, coordination_zones


async def zones_of(
    conn: psycopg.AsyncConnection[Any], cache: AnalysisCache | None, distance_m: float
) -> list[Zone]:
    """Every coordination zone at the distance, ranked."""
    if cache is None:
        return await coordination_zones(conn, distance_m)
    return await cache.get(
        conn, ("zonlista", distance_m), lambda: coordination_zones(conn, distance_m)
    )


async def neighbours_of(
    conn: psycopg.AsyncConnection[Any],
    cache: AnalysisCache | None,
    tolerance_m: float,
    near_m: float,
    top: int,
) -> Neighbours:
    """The neighbour matrix and its top places."""
    if cache is None:
        return await neighbours(conn, tolerance_m, near_m, top)
    return await cache.get(
        conn,
        ("grannmatris", tolerance_m, near_m, top),
        lambda: neighbours(conn, tolerance_m, near_m, top),
    )
