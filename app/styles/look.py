"""What a product looks like on the web map, as numbers every style format is written from."""

from dataclasses import dataclass

from app.catalogue.schemas import GeometryKind, Marker, Product

# The web map's defaults when the catalogue leaves an opacity out.
DEFAULT_AREA_FILL_OPACITY = 0.5
DEFAULT_MARKER_FILL_OPACITY = 1.0

# The OGC API collection of each geometry kind; style layers carry the same names.
COLLECTION_OF_KIND: dict[GeometryKind, str] = {
    "yta": "skotselytor",
    "linje": "skotsellinjer",
    "punkt": "skotselpunkter",
}
GEOMETRY_KINDS: tuple[GeometryKind, ...] = ("yta", "linje", "punkt")


@dataclass(frozen=True)
class Look:
    """One product's symbol in pixels: stroke, dashes, fill and, for points, the marker."""

    kind: GeometryKind
    stroke_colour: str
    stroke_width: float
    dash_array: str | None
    fill_colour: str
    fill_opacity: float
    marker: Marker | None
    marker_size: float | None

    @property
    def dashes(self) -> tuple[float, ...]:
        """The dash pattern as numbers (dash, gap, ...); empty for a solid line."""
        return tuple(float(part) for part in self.dash_array.split()) if self.dash_array else ()

    @property
    def filled(self) -> bool:
        """Areas and markers are filled, lines are not."""
        return self.kind != "linje"

    @property
    def stroked(self) -> bool:
        """A zero width draws no stroke on the web map (QGIS and SLD would draw a hairline)."""
        return self.stroke_width > 0


def look_of(product: Product) -> Look:
    """The product's symbol exactly as the web map draws it."""
    symbology = product.symbologi
    if product.geometrityp == "yta":
        fill_opacity = symbology.fyllnadsopacitet
        if fill_opacity is None:
            fill_opacity = DEFAULT_AREA_FILL_OPACITY
    elif product.geometrityp == "punkt":
        fill_opacity = symbology.fyllnadsopacitet
        if fill_opacity is None:
            fill_opacity = DEFAULT_MARKER_FILL_OPACITY
    else:
        fill_opacity = 0.0
    return Look(
        kind=product.geometrityp,
        stroke_colour=symbology.linjefarg,
        stroke_width=symbology.linjebredd,
        dash_array=symbology.streckmonster or None,
        fill_colour=symbology.fyllnadsfarg or symbology.linjefarg,
        fill_opacity=fill_opacity,
        marker=symbology.markor if product.geometrityp == "punkt" else None,
        marker_size=symbology.markorstorlek if product.geometrityp == "punkt" else None,
    )


def label_of(product: Product) -> str:
    """The legend text of a product: its code and name."""
    return f"{product.kod} {product.namn}"


def number(value: float) -> str:
    """A number as style files write it: no trailing zeros, at most four decimals."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
