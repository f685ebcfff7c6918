"""Batch input and output: GeoJSON or CSV points in; JSON or CSV answers out, optionally grouped."""

import csv
import io
from dataclasses import dataclass
from typing import Any

import orjson

from app.core.geo import WGS84, Point, make_point
from app.core.problems import AppError, InvalidInput, PayloadTooLarge
from app.responsibility.service import MAX_BATCH, Json

CSV_COLUMNS = (
    "id",
    "status",
    "regel",
    "huvudman",
    "huvudman_telefon",
    "huvudman_epost",
    "utforare",
    "fastighetsbeteckning",
    "markagare",
    "objekt_kod",
    "objekt_namn",
    "avstand_m",
    "tvetydig",
    "forklaring",
    "lon",
    "lat",
    "fel",
)


class BatchTooLarge(PayloadTooLarge):
    """More points than one request may carry."""

    type = "for-manga-punkter"
    title = "För många punkter"


@dataclass
class BatchRow:
    """One input point: its id and either the point or the error that made it unusable.

    A safety walk's row may also carry the category and description of its report.
    """

    id: str
    point: Point | AppError
    kategori: str | None = None
    beskrivning: str | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def _row(ident: str, x: Any, y: Any, epsg: int, extra: dict[str, Any] | None = None) -> BatchRow:
    given = extra or {}
    kategori, beskrivning = _text(given.get("kategori")), _text(given.get("beskrivning"))
    try:
        fx, fy = float(x), float(y)
    except (TypeError, ValueError):
        refused = InvalidInput(f"Koordinaterna '{x}', '{y}' är inte tal.")
        return BatchRow(ident, refused, kategori, beskrivning)
    try:
        return BatchRow(ident, make_point(fx, fy, epsg), kategori, beskrivning)
    except AppError as exc:
        return BatchRow(ident, exc, kategori, beskrivning)


def _check_size(count: int) -> None:
    if count == 0:
        raise InvalidInput("Inga punkter skickades.")
    if count > MAX_BATCH:
        raise BatchTooLarge(f"{count} punkter skickades; högst {MAX_BATCH} per anrop.")


def parse_geojson(body: bytes, epsg: int | None) -> list[BatchRow]:
    """Points of a GeoJSON FeatureCollection (WGS84 unless a crs is given)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"Kroppen är inte giltig JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidInput("Kroppen ska vara en GeoJSON FeatureCollection av punkter.")
    features = document.get("features")
    if not isinstance(features, list):
        raise InvalidInput("FeatureCollection saknar listan features.")
    _check_size(len(features))
    rows = []
    for n, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        ident = str(feature.get("id") or properties.get("id") or n)
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if (
            geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) < 2
        ):
            rows.append(BatchRow(ident, InvalidInput("Objektet är ingen punkt.")))
            continue
        rows.append(_row(ident, coordinates[0], coordinates[1], epsg or WGS84, properties))
    return rows


def parse_csv(body: bytes, epsg: int | None) -> list[BatchRow]:
    """Points of a CSV with id,lon,lat or id,x,y (x/y in the given crs, EPSG:3006 by default)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252")
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    if {"lon", "lat"} <= set(columns):
        x_col, y_col, row_epsg = columns["lon"], columns["lat"], WGS84
    elif {"x", "y"} <= set(columns):
        x_col, y_col, row_epsg = columns["x"], columns["y"], epsg or 3006
    else:
        raise InvalidInput("CSV-filen behöver kolumnerna id,lon,lat eller id,x,y.")
    id_col = columns.get("id")
    extra_cols = {key: columns[key] for key in ("kategori", "beskrivning") if key in columns}
    records = list(reader)
    _check_size(len(records))
    return [
        _row(
            str((record.get(id_col) if id_col else None) or n),
            (record.get(x_col) or "").strip().replace(",", "."),
            (record.get(y_col) or "").strip().replace(",", "."),
            row_epsg,
            {key: record.get(name) for key, name in extra_cols.items()},
        )
        for n, record in enumerate(records, start=1)
    ]


def _problem(error: AppError) -> dict[str, Any]:
    return {
        "type": error.type,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }


def result_json(ident: str, result: Json | AppError) -> dict[str, Any]:
    """One batch result as JSON: the answer, or the row's own error."""
    if isinstance(result, AppError):
        return {"id": ident, "fel": _problem(result)}
    return {"id": ident, **result}


def grouped_json(results: list[tuple[str, Json | AppError]]) -> dict[str, Any]:
    """Results grouped by accountable organisation (a safety walk's protocol)."""
    groups: dict[str, dict[str, Any]] = {}
    unanswered: list[dict[str, Any]] = []
    for ident, result in results:
        if not isinstance(result, AppError) and result["huvudman"] is not None:
            key = result["huvudman"]["slug"]
            group = groups.setdefault(key, {"huvudman": result["huvudman"], "punkter": []})
            group["punkter"].append(result_json(ident, result))
        else:
            unanswered.append(result_json(ident, result))
    ordered = sorted(groups.values(), key=lambda g: str(g["huvudman"]["namn"]))
    for group in ordered:
        group["antal"] = len(group["punkter"])
    return {"grupper": ordered, "utan_huvudman": unanswered, "antal": len(results)}


def _csv_record(ident: str, result: Json | AppError) -> dict[str, Any]:
    if isinstance(result, AppError):
        return {"id": ident, "status": "fel", "fel": f"{result.title}: {result.detail}"}
    huvudman, performer, owner, found = (
        result["huvudman"],
        result["utforare"],
        result["markagare"],
        result["objekt"],
    )
    contacts = huvudman["kontakter"] if huvudman else []
    contact = contacts[0] if contacts else {}
    return {
        "id": ident,
        "status": "ok",
        "regel": result["regel"],
        "huvudman": huvudman["namn"] if huvudman else "",
        "huvudman_telefon": contact.get("telefon") or "",
        "huvudman_epost": contact.get("epost") or "",
        "utforare": performer["organisation"]["namn"] if performer else "",
        "fastighetsbeteckning": owner["fastighetsbeteckning"] if owner else "",
        "markagare": " och ".join(o["namn"] for o in owner["agare"]) if owner else "",
        "objekt_kod": found["kod"] if found else "",
        "objekt_namn": found["namn"] if found else "",
        "avstand_m": "" if result["avstand_m"] is None else f"{result['avstand_m']:.2f}",
        "tvetydig": "ja" if result["tvetydig"] else "nej",
        "forklaring": result["forklaring"],
        "lon": f"{result['punkt']['lon']:.7f}",
        "lat": f"{result['punkt']['lat']:.7f}",
        "felanmalan": (result.get("felanmalan") or {}).get("nummer", ""),
    }


def results_csv(
    results: list[tuple[str, Json | AppError]], *, grouped: bool, reports: bool = False
) -> str:
    """Results as CSV; grouped sorts by accountable organisation, unanswered last.

    With reports (a safety walk that made them) a last column names each row's report.
    """
    records = [_csv_record(ident, result) for ident, result in results]
    if grouped:
        records.sort(key=lambda r: (r.get("huvudman") in (None, ""), r.get("huvudman") or ""))
    out = io.StringIO()
    columns = (*CSV_COLUMNS, "felanmalan") if reports else CSV_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()
