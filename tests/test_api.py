"""The HTTP surface of the foundation: health, catalogue, organisations, errors."""

from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from app.core.paths import CATALOGUE_CSV

PROBLEM = "application/problem+json"


def test_health_answers_ok_with_postgis_and_schema(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["schemaversion"]


def test_catalogue_lists_every_product_with_symbology(client: TestClient) -> None:
    response = client.get("/api/v1/skotselprodukter")
    assert response.status_code == 200
    products = response.json()
    file_codes = [
        line.split(",", 1)[0] for line in CATALOGUE_CSV.read_text(encoding="utf-8").splitlines()[1:]
    ]
    assert [p["kod"] for p in products] == file_codes
    assert len(products) >= 33
    bench = next(p for p in products if p["kod"] == "UT1")
    assert bench["geometrityp"] == "punkt"
    assert bench["enhet"] == "st"
    assert bench["symbologi"]["markor"]
    assert bench["symbologi"]["fyllnadsfarg"].startswith("#")
    lawn = next(p for p in products if p["kod"] == "G1")
    assert lawn["symbologi"]["markor"] is None
    assert lawn["symbologi"]["fyllnadsopacitet"] > 0


def test_organisations_carry_contacts_marked_as_example_data(client: TestClient) -> None:
    organisations = {o["slug"]: o for o in client.get("/api/v1/organisationer").json()}
    assert {"parkenheten", "kultur-fritid", "huge", "husf", "trafikverket", "privat"} <= set(
        organisations
    )
    assert organisations["parkenheten"]["overordnad"] == "huddinge-kommun"
    contractors = [o for o in organisations.values() if o["typ"] == "entreprenor"]
    assert contractors, "the demo needs a park contractor"
    contacts = [c for o in organisations.values() for c in o["kontakter"]]
    assert contacts
    assert all(c["exempeldata"] for c in contacts)


def test_unknown_path_is_a_swedish_problem(client: TestClient) -> None:
    response = client.get("/api/v1/finns-inte")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Hittades inte"


def test_wrong_method_is_a_problem_not_a_traceback(client: TestClient) -> None:
    response = client.delete("/api/v1/skotselprodukter")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


def test_openapi_documents_the_api_as_valid_openapi_30(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.0.")
    validate(document)  # raises on anything that is not valid OpenAPI 3.0
    paths = document["paths"]
    assert {"/healthz", "/api/v1/skotselprodukter", "/api/v1/organisationer"} <= set(paths)
    assert {"/api/v1/ansvar", "/ogc/collections/{collection_id}/items"} <= set(paths)
