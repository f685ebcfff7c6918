"""What the browser tests of fault reports share: pages on a phone and a laptop, reports, photos."""

import io
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import FilePayload

from tests.handmade import local_lonlat
from tests.support.pages import LAPTOP, MISSING_RESOURCE, PHONE, open_map, view_of, watched_page

__all__ = ["LAPTOP", "MISSING_RESOURCE", "PHONE", "open_map", "view_of", "watched_page"]
REPORTS_URL = "/api/v1/felanmalan"


def create_report(
    base_url: str, xy: tuple[float, float], kategori: str, **fields: Any
) -> dict[str, Any]:
    """A report made over HTTP, as anyone can make one."""
    lon, lat = local_lonlat(xy)
    body = {"lon": lon, "lat": lat, "kategori": kategori, **fields}
    response = httpx.post(base_url + REPORTS_URL, json=body, timeout=30)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


def png_photo(
    colour: tuple[int, int, int] = (30, 120, 60), size: tuple[int, int] = (64, 48)
) -> bytes:
    """A small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def photo_file(name: str, data: bytes, media_type: str = "image/png") -> FilePayload:
    """A file for a file input, as a camera or the gallery would give it."""
    return {"name": name, "mimeType": media_type, "buffer": data}
