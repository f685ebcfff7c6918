"""The package's GIS files: a styled GeoPackage for QGIS and a GeoJSON for everything else.

Each object's geometry is its part inside the operations area, and `mangd` the quantity of
that part; `mangd_hela`, `andel_inom` (0–1) and `delvis_inom` tell how much of the whole object
that is, `nr` and `blad` where the PDF map shows it.
"""

from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from app.core.geo import transformer
from app.export.contents import PackageContents
from app.models import SRID
from app.styles.look import COLLECTION_OF_KIND
from app.styles.qml import layer_qml
from app.styles.sld import sld_document

AREA_LAYER = "driftomrade"
GEOMETRY_COLUMN = "geom"
# Column order and names as the contractor reads them; `produkt` is what the styles key on.
ATTRIBUTES = (
    "objekt_id",
    "nr",  # the object's number on the PDF map and in the per-object list
    "produkt",
    "produktnamn",
    "kategori",
    "enhet",
    "mangd",  # the part inside the area
    "mangd_hela",  # the whole object, inside and outside the area
    "andel_inom",  # mangd / mangd_hela, 0–1
    "delvis_inom",  # part of the object lies outside the area
    "kvalitetsniva",
    "huvudman",
    "extern_id",
    "giltig_fran",
    "blad",  # the PDF's detail sheet that shows the object; 0: only the overview
)
GEOJSON_DECIMALS = 7
# Centimetres are more than any quantity in a tender needs, and keep the numbers readable.
QUANTITY_DECIMALS = 2
# 0.01 % of an object: as fine as contents tells "partly inside" from rounding.
SHARE_DECIMALS = 4


def object_table(contents: PackageContents) -> gpd.GeoDataFrame:
    """Every object (its part inside the area) with its product's name, category and unit, in
    Swedish column names."""
    objects = contents.objects
    codes = objects["produkt"]
    table = pd.DataFrame(
        {
            "objekt_id": objects["objekt_id"],
            "nr": objects["nr"],
            "produkt": codes,
            "produktnamn": codes.map({p.kod: p.namn for p in contents.products}),
            "kategori": codes.map({p.kod: p.kategori for p in contents.products}),
            "enhet": codes.map({p.kod: p.enhet for p in contents.products}),
            "mangd": objects["mangd"].round(QUANTITY_DECIMALS),
            "mangd_hela": objects["mangd_hela"].round(QUANTITY_DECIMALS),
            "andel_inom": objects["andel_inom"].round(SHARE_DECIMALS),
            "delvis_inom": objects["delvis_inom"].astype(bool),
            "kvalitetsniva": objects["kvalitetsniva"],
            "huvudman": objects["huvudman"],
            "extern_id": objects["extern_id"],
            # GeoPackage stores times in UTC.
            "giltig_fran": objects["giltig_fran"].dt.tz_convert("UTC"),
            "blad": objects["blad"],
            "geometrityp": objects["geometrityp"],
        }
    )
    return gpd.GeoDataFrame(table, geometry=objects.geometry.to_numpy(), crs=objects.crs)


def write_geopackage(contents: PackageContents, path: Path) -> list[str]:
    """Areas, lines, points and the boundary in EPSG:3006, styled for QGIS; the layer names."""
    table = object_table(contents)
    layers: list[str] = []
    styles: list[dict[str, object]] = []
    for kind, collection in COLLECTION_OF_KIND.items():
        rows = table[table["geometrityp"] == kind]
        if rows.empty:
            continue
        geometry = rows.geometry.to_numpy()
        if kind != "punkt":  # one geometry type per layer, as the OGC collections
            geometry = shapely.force_2d(_as_multi(geometry))
        layer = gpd.GeoDataFrame(
            rows[list(ATTRIBUTES)].reset_index(drop=True),
            geometry=gpd.GeoSeries(geometry, crs=rows.crs).reset_index(drop=True),
        )
        _write_layer(layer, path, collection, append=bool(layers))
        layers.append(collection)
        styles.append(
            _style_row(
                collection, layer_qml(contents.products, kind, layer_name=collection), contents
            )
        )
    _write_layer(_area_layer(contents), path, AREA_LAYER, append=bool(layers))
    layers.append(AREA_LAYER)
    _write_styles(path, styles, contents)
    return layers


def write_geojson(contents: PackageContents, path: Path) -> None:
    """All objects in one RFC 7946 GeoJSON file (WGS 84, lon/lat, seven decimals)."""
    table = object_table(contents)
    geometry = shapely.orient_polygons(_wgs84(table.geometry.to_numpy()), exterior_cw=False)
    properties = table.drop(columns="geometry")
    utc = properties["giltig_fran"].dt.tz_convert("UTC").to_numpy(dtype="datetime64[s]")
    properties["giltig_fran"] = np.char.add(np.datetime_as_string(utc, unit="s"), "Z")
    names = list(properties.columns)
    columns = [properties[name].tolist() for name in names]
    shapes = shapely.to_geojson(geometry)
    with path.open("wb") as out:
        out.write(b'{"type":"FeatureCollection","features":[\n')
        for i, (values, shape) in enumerate(zip(zip(*columns, strict=True), shapes, strict=True)):
            out.write(b",\n" if i else b"")
            out.write(b'{"type":"Feature","properties":')
            out.write(orjson.dumps(dict(zip(names, values, strict=True))))
            out.write(b',"geometry":' + shape.encode() + b"}")
        out.write(b"\n]}\n")


def _wgs84(geometry: NDArray[np.object_]) -> NDArray[np.object_]:
    """Lon/lat rounded to seven decimals (about a centimetre), as RFC 7946 advises."""
    to_wgs84 = transformer(SRID, 4326)

    def transform(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = to_wgs84.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack((lon, lat)), GEOJSON_DECIMALS)

    transformed: NDArray[np.object_] = shapely.transform(geometry, transform)
    return transformed


def _as_multi(geometry: NDArray[np.object_]) -> NDArray[np.object_]:
    multi = geometry.copy()
    kinds = shapely.get_type_id(multi)
    polygons = kinds == shapely.GeometryType.POLYGON
    lines = kinds == shapely.GeometryType.LINESTRING
    multi[polygons] = [shapely.MultiPolygon([part]) for part in multi[polygons]]
    multi[lines] = [shapely.MultiLineString([part]) for part in multi[lines]]
    return multi


def _area_layer(contents: PackageContents) -> gpd.GeoDataFrame:
    area = contents.area
    return gpd.GeoDataFrame(
        {
            "namn": [area.name],
            "bestallare": [area.client],
            "utforare": [area.performer],
            "avtal_fran": [area.contract_start],
            "avtal_till": [area.contract_end],
            "hektar": [round(area.geom.area / 10_000, 2)],
        },
        geometry=[area.geom],
        crs=contents.objects.crs,
    )


def _write_layer(frame: gpd.GeoDataFrame, path: Path, layer: str, *, append: bool) -> None:
    pyogrio.write_dataframe(
        frame,
        path,
        driver="GPKG",
        layer=layer,
        append=append,
        # GeoPackage 1.2 opens without warnings in the QGIS and GDAL versions still in use.
        **({} if append else {"VERSION": "1.2"}),
        GEOMETRY_NAME=GEOMETRY_COLUMN,
        SPATIAL_INDEX="YES",
    )


def _style_row(layer: str, qml: str, contents: PackageContents) -> dict[str, object]:
    return {
        "f_table_catalog": "",
        "f_table_schema": "",
        "f_table_name": layer,
        "f_geometry_column": GEOMETRY_COLUMN,
        "styleName": "Skötselprodukter",
        "styleQML": qml,
        "styleSLD": "",
        "useAsDefault": True,
        "description": "Den gemensamma symboliken för skötselprodukter (Ansvarskartan)",
        "owner": "",
        "ui": "",
        "update_time": contents.created,
    }


def _write_styles(path: Path, styles: list[dict[str, object]], contents: PackageContents) -> None:
    """QGIS opens a layer styled when layer_styles holds a default style for it."""
    sld = sld_document(contents.products)
    rows = pd.DataFrame([row | {"styleSLD": sld} for row in styles])
    rows["update_time"] = pd.to_datetime(rows["update_time"].map(_naive))
    pyogrio.write_dataframe(rows, path, driver="GPKG", layer="layer_styles", append=True)


def _naive(moment: object) -> datetime:
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=None)
