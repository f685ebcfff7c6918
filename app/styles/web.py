"""The web map's style document: Leaflet path options and marker specs per product."""

from collections.abc import Sequence
from typing import Any

from app.catalogue.schemas import Product
from app.styles.look import COLLECTION_OF_KIND, Look, look_of

# The web map draws a point without a size in the catalogue at this size (never the case today).
DEFAULT_MARKER_SIZE = 10.0


def leaflet_path_options(look: Look) -> dict[str, Any]:
    """Leaflet's path options for the product (the map's vector tiles and GeoJSON)."""
    return {
        "color": look.stroke_colour,
        "weight": look.stroke_width,
        "dashArray": look.dash_array,
        "opacity": 1,
        "fill": look.kind == "yta",
        "fillColor": look.fill_colour,
        "fillOpacity": look.fill_opacity if look.kind == "yta" else 0,
    }


def marker_spec(look: Look) -> dict[str, Any] | None:
    """The point marker in pixels (shape, size, fill, stroke), or None for areas and lines."""
    if look.marker is None:
        return None
    return {
        "shape": look.marker,
        "size": look.marker_size or DEFAULT_MARKER_SIZE,
        "fill": look.fill_colour,
        "fillOpacity": look.fill_opacity,
        "stroke": look.stroke_colour,
        "strokeWidth": look.stroke_width,
    }


def web_style(product: Product) -> dict[str, Any]:
    """One product's entry: what the legend names and how the map draws it."""
    look = look_of(product)
    return {
        "kod": product.kod,
        "namn": product.namn,
        "kategori": product.kategori,
        "geometrityp": product.geometrityp,
        "enhet": product.enhet,
        "beskrivning": product.beskrivning,
        "leaflet": leaflet_path_options(look),
        "markor": marker_spec(look),
    }


def web_styles(products: Sequence[Product]) -> dict[str, Any]:
    """The style document the map uses: products in catalogue order, each kind's collection."""
    return {
        "produkter": [web_style(product) for product in products],
        # The OGC API collection that holds the objects of each geometry kind.
        "samlingar": dict(COLLECTION_OF_KIND),
    }
