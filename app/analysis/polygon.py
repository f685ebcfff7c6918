"""The polygon a request sums within: GeoJSON in WGS84 or a named CRS, checked like an edit."""

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from app.core.geo import WGS84, parse_crs, transformer
from app.editing.geometry import InvalidGeometry, checked_geometry

_POLYGON_TYPES = ("Polygon", "MultiPolygon")


def polygon_wkb(geojson: dict[str, Any], crs: str | None) -> bytes:
    """The polygon as WKB in EPSG:3006, refused (InvalidGeometry) as an edited area would be."""
    if geojson.get("type") not in _POLYGON_TYPES:
        raise InvalidGeometry(
            f"geometri ska vara en GeoJSON Polygon eller MultiPolygon; typen är"
            f" {geojson.get('type')!r}."
        )
    srid = parse_crs(crs)
    if srid != WGS84:
        # Checked in lon/lat like every drawn geometry; the checks parse it (and its size) again.
        try:
            geom = shape(geojson)
        except (
            ValueError,
            TypeError,
            AttributeError,
            IndexError,
            KeyError,
            shapely.errors.ShapelyError,
        ):
            raise InvalidGeometry("geometri: koordinaterna är inte giltig GeoJSON.") from None
        to_lonlat = transformer(srid, WGS84)
        geom = shapely.transform(
            shapely.force_2d(geom), lambda xy: np.column_stack(to_lonlat.transform(*xy.T))
        )
        geojson = json.loads(shapely.to_geojson(geom))
    return checked_geometry(geojson, "yta", field="geometri")
