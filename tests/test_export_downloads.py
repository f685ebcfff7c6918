"""Who may download what of an operations area: the package, and the client's calculation.

The calculation (kalkyl) carries the client's own price estimate, so it is a download of its
own for `gis`/`admin` and never a file of the package a contractor gets. A contractor asking
for an area that is not its own is told only that it does not exist or is not its own.
"""

import io
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.export.router import XLSX_MEDIA_TYPE
from tests.support.tokens import Headers, bearer_headers

PARK, HUGE = "Testområde park", "Testområde Huge"  # the park contractor performs the first only


@pytest.fixture(scope="module")
def tokens(engine: Engine, handmade_data: None) -> Iterator[dict[str, Headers]]:  # noqa: ARG001 (a fixture set up first)
    """Bearer headers of a gis user, an admin and the park contractor."""
    roles = {"gis": None, "admin": None, "entreprenor": "sodertorns-parkdrift"}
    with bearer_headers(engine, "hamta", roles) as headers:
        yield headers


@pytest.fixture(scope="module")
def ids(engine: Engine, handmade_data: None) -> dict[str, int]:  # noqa: ARG001 (a fixture set up first)
    """Operations area ids by name."""
    with engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(text("SELECT namn, id FROM driftomrade"))}


def test_gis_and_admin_download_the_calculation_as_a_workbook(
    client: TestClient, tokens: dict[str, dict[str, str]], ids: dict[str, int]
) -> None:
    for role in ("gis", "admin"):
        response = client.get(f"/api/v1/driftomraden/{ids[PARK]}/kalkyl.xlsx", headers=tokens[role])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX_MEDIA_TYPE
        assert "_kalkyl_" in response.headers["content-disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames
        assert response.headers["cache-control"] == "private, no-store"


def test_the_contractor_gets_no_calculation_and_the_package_holds_none(
    client: TestClient, tokens: dict[str, dict[str, str]], ids: dict[str, int]
) -> None:
    own = f"/api/v1/driftomraden/{ids[PARK]}"
    refused = client.get(f"{own}/kalkyl.xlsx", headers=tokens["entreprenor"])
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(f"{own}/kalkyl.xlsx").status_code == 401
    for role in ("entreprenor", "gis"):
        package = client.get(f"{own}/paket", headers=tokens[role])
        assert package.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
        assert not [name for name in names if "kalkyl" in name.lower()], names


def test_a_missing_area_has_no_calculation_and_gis_is_told_plainly(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    plain = client.get("/api/v1/driftomraden/999999/kalkyl.xlsx", headers=tokens["gis"])
    assert plain.status_code == 404
    assert plain.headers["content-type"] == "application/problem+json"
    assert plain.json()["detail"] == "Driftområdet 999999 finns inte."
