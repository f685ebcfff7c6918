"""Open311 GeoReport v2 as a client uses it: httpx against the live service, real PostGIS.

The field lists below are written out as the specification (wiki.open311.org/GeoReport_v2)
names them, not imported from the app, so a field the app drops or renames fails here. JSON is
read with json, XML with xml.etree; reports made over Open311 are checked in /api/v1/felanmalan.
"""

import json
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.settings import Settings
from app.main import create_app
from app.reports.categories import read_categories, sync_categories
from tests.handmade import local_lonlat

V2 = "/open311/v2"
BENCH_PARK = (60, 60)  # a bench of the park unit's, in its contractor's operations area
STOCKHOLM = (18.0686, 59.3293)  # outside the municipality
CONTRACTOR = "sodertorns-parkdrift"

# GeoReport v2, field by field.
SPEC_DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
SPEC_ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SPEC_SERVICE = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
SPEC_DEFINITION = ["service_code", "attributes"]
SPEC_CREATED = ["service_request_id", "service_notice", "account_id"]
SPEC_REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SPEC_TOKEN = ["service_request_id", "token"]
SPEC_ERROR = ["code", "description"]


@pytest.fixture(scope="module")
def place(engine: Engine, handmade_data: None) -> Iterator[None]:  # noqa: ARG001 (set up first)
    """The hand-made patch and the categories, committed; the reports removed afterwards."""
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def keys(engine: Engine) -> Iterator[dict[str, str]]:
    """A token of the park unit's handlaggare, a reader's and an admin's."""
    made = {}
    with engine.begin() as conn:
        for key, role, organisation in (
            ("handlaggare", "handlaggare", "parkenheten"),
            ("lasare", "lasare", None),
            ("admin", "admin", None),
        ):
            _, made[key] = create_token(
                conn, name=f"open311 {key}", role=role, organisation=organisation, days=1
            )
    yield made
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'open311 %'"))


@pytest.fixture
def o311(live_server: str, place: None) -> Iterator[httpx.Client]:  # noqa: ARG001 (set up first)
    """An HTTP client on the live service, as an Open311 client would hold it."""
    with httpx.Client(base_url=live_server + V2, timeout=30) as http:
        yield http


def _xml(response: httpx.Response, root: str) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.text
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def _children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def _form(**extra: str) -> dict[str, str]:
    lon, lat = local_lonlat(BENCH_PARK)
    return {"service_code": "trasig-mobel", "lat": str(lat), "long": str(lon), **extra}


def _create(o311: httpx.Client, fmt: str = "json", **extra: str) -> str:
    response = o311.post(f"/requests.{fmt}", data=_form(**extra))
    assert response.status_code == 200, response.text
    if fmt == "xml":
        [request] = _xml(response, "service_requests")
        assert request.tag == "request"
        assert _children(request) == SPEC_CREATED
        return str(request.findtext("service_request_id"))
    [created] = json.loads(response.content)
    assert list(created) == SPEC_CREATED
    return str(created["service_request_id"])


def _error(response: httpx.Response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.text
    if fmt == "xml":
        errors = _xml(response, "errors")
        [error] = errors
        assert error.tag == "error"
        assert _children(error) == SPEC_ERROR
        assert error.findtext("code") == str(status)
        return str(error.findtext("description"))
    assert response.headers["content-type"] == "application/json"
    [error] = json.loads(response.content)
    assert list(error) == SPEC_ERROR
    assert error["code"] == status
    return str(error["description"])


def _organisation_name(engine: Engine, slug: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT namn FROM organisation WHERE slug = :s"), {"s": slug}
            ).scalar_one()
        )


def test_discovery_in_json_and_xml(o311: httpx.Client, live_server: str) -> None:
    document = json.loads(o311.get("/discovery.json").content)
    assert list(document) == SPEC_DISCOVERY
    [endpoint] = document["endpoints"]
    assert list(endpoint) == SPEC_ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == live_server + V2
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = _xml(o311.get("/discovery.xml"), "discovery")
    assert _children(root) == SPEC_DISCOVERY
    endpoint_xml = root.find("endpoints/endpoint")
    assert endpoint_xml is not None
    assert _children(endpoint_xml) == SPEC_ENDPOINT
    formats = [f.text for f in endpoint_xml.findall("formats/format")]
    assert formats == endpoint["formats"]


def test_the_services_are_the_categories(o311: httpx.Client) -> None:
    categories = read_categories()
    services = json.loads(o311.get("/services.json").content)
    assert [s["service_code"] for s in services] == [c.kod for c in categories]
    for found, category in zip(services, categories, strict=True):
        assert list(found) == SPEC_SERVICE
        assert found["service_name"] == category.namn
        assert found["description"] == category.beskrivning
        assert found["metadata"] is False
        assert found["type"] == "realtime"
    root = _xml(o311.get("/services.xml"), "services")
    assert [s.findtext("service_code") for s in root] == [c.kod for c in categories]
    assert all(s.tag == "service" and _children(s) == SPEC_SERVICE for s in root)
    assert {s.findtext("metadata") for s in root} == {"false"}
    definition = json.loads(o311.get("/services/klotter.json").content)
    assert list(definition) == SPEC_DEFINITION
    assert definition == {"service_code": "klotter", "attributes": []}
    definition_xml = _xml(o311.get("/services/klotter.xml"), "service_definition")
    assert _children(definition_xml) == SPEC_DEFINITION
    _error(o311.get("/services/finns-inte.json"), 404)
    _error(o311.get("/services/finns-inte.xml"), 404, "xml")


def test_a_request_made_over_open311_is_a_report_routed_the_same(
    o311: httpx.Client, live_server: str, keys: dict[str, str], engine: Engine
) -> None:
    number = _create(
        o311,
        description="Sitsen är sönder",
        email="anna@example.se",
        first_name="Anna",
        last_name="Svensson",
        phone="070-123 45 67",
        media_url="https://example.se/bild.jpg",
        **{"attribute[farg]": "grön"},
    )
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    api = httpx.get(f"{live_server}/api/v1/felanmalan/{number}", headers=admin)
    assert api.status_code == 200, api.text
    ours = api.json()
    # The same point over our own API: the routing must be the same.
    lon, lat = local_lonlat(BENCH_PARK)
    direct = httpx.post(
        f"{live_server}/api/v1/felanmalan",
        json={"lon": lon, "lat": lat, "kategori": "trasig-mobel"},
        headers=admin,
    )
    assert direct.status_code == 201, direct.text
    mine, theirs = ours["detaljer"], direct.json()["detaljer"]
    assert ours["nummer"] == number
    assert ours["mottagare"] == direct.json()["mottagare"]
    assert ours["mottagare"]["slug"] == "parkenheten"
    for key in ("huvudman", "utforare", "driftomrade", "beslutande_objekt", "regel"):
        assert mine[key] == theirs[key], key
    assert mine["utforare"]["slug"] == CONTRACTOR
    assert mine["beskrivning"] == "Sitsen är sönder\n\nBild: https://example.se/bild.jpg"
    assert mine["kontakt"] == {
        "namn": "Anna Svensson",
        "epost": "anna@example.se",
        "telefon": "070-123 45 67",
    }
    assert mine["anmald_av"] is None, "made anonymously"
    # With an api_key the report is signed by the token; XML answers the same way.
    signed = _create(o311, "xml", api_key=keys["handlaggare"])
    signed_report = httpx.get(f"{live_server}/api/v1/felanmalan/{signed}", headers=admin).json()
    assert "open311 handlaggare" in signed_report["detaljer"]["anmald_av"]
    assert _organisation_name(engine, "parkenheten") == ours["mottagare"]["namn"]


def test_a_request_in_json_and_xml_and_who_sees_its_description(
    o311: httpx.Client, keys: dict[str, str], engine: Engine
) -> None:
    number = _create(o311, description="Hemligt: ring mig")
    [public] = json.loads(o311.get(f"/requests/{number}.json").content)
    assert list(public) == SPEC_REQUEST
    assert public["service_request_id"] == number
    assert public["status"] == "open"
    assert public["service_code"] == "trasig-mobel"
    assert public["service_name"] == "Trasig bänk/bord"
    assert public["agency_responsible"] == _organisation_name(engine, "parkenheten")
    assert public["description"] is None, "public callers do not see the description"
    assert public["address"] == "HUDDINGE TESTTRAKT 1:1"
    lon, lat = local_lonlat(BENCH_PARK)
    assert public["lat"] == pytest.approx(lat, abs=1e-6)
    assert public["long"] == pytest.approx(lon, abs=1e-6)
    [handler] = json.loads(
        o311.get(f"/requests/{number}.json", params={"api_key": keys["handlaggare"]}).content
    )
    assert handler["description"] == "Hemligt: ring mig"
    reader = o311.get(
        f"/requests/{number}.json", headers={"Authorization": f"Bearer {keys['lasare']}"}
    )
    assert json.loads(reader.content)[0]["description"] is None
    root = _xml(o311.get(f"/requests/{number}.xml"), "service_requests")
    [request] = root
    assert request.tag == "request"
    assert _children(request) == SPEC_REQUEST
    assert request.findtext("service_request_id") == number
    assert request.findtext("description") in (None, "")
    assert request.findtext("status") == "open"
    _error(o311.get("/requests/F-1999-000001.json"), 404)
    _error(o311.get("/requests/F-1999-000001.xml"), 404, "xml")


def test_the_list_filters_by_number_status_code_and_window(
    o311: httpx.Client, live_server: str, keys: dict[str, str], engine: Engine
) -> None:
    first, second, old = _create(o311), _create(o311), _create(o311)
    closed = httpx.post(
        f"{live_server}/api/v1/felanmalan/{second}/status",
        json={"status": "dubblett", "dubblett_av": first},
        headers={"Authorization": f"Bearer {keys['handlaggare']}"},
    )
    assert closed.status_code == 200, closed.text
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE felanmalan SET skapad = now() - interval '100 days' WHERE nummer = :n"),
            {"n": old},
        )

    def numbers(fmt: str = "json", **params: str) -> list[str]:
        response = o311.get(f"/requests.{fmt}", params=params)
        assert response.status_code == 200, response.text
        if fmt == "xml":
            root = _xml(response, "service_requests")
            return [str(r.findtext("service_request_id")) for r in root]
        return [r["service_request_id"] for r in json.loads(response.content)]

    recent = numbers()
    assert first in recent
    assert second in recent
    assert old not in recent, "older than the default 90 days"
    assert numbers("xml") == recent
    assert second not in numbers(status="open")
    assert first not in numbers(status="closed")
    assert second in numbers(status="closed")
    assert set(numbers(status="open,closed")) == set(recent)
    assert numbers(service_code="klotter") == []
    by_number = numbers(service_request_id=f"{old},{first},F-1999-000001")
    assert sorted(by_number) == sorted([old, first]), "by number: no window"
    window = {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-03-01T00:00:00+01:00"}
    assert numbers(**window) == []
    [duplicate] = json.loads(o311.get(f"/requests/{second}.json").content)
    assert duplicate["status"] == "closed"
    assert first in duplicate["status_notes"]


def test_the_token_is_the_request(o311: httpx.Client) -> None:
    number = _create(o311)
    [found] = json.loads(o311.get(f"/tokens/{number}.json").content)
    assert list(found) == SPEC_TOKEN
    assert found == {"service_request_id": number, "token": number}
    root = _xml(o311.get(f"/tokens/{number}.xml"), "service_requests")
    assert [_children(r) for r in root] == [SPEC_TOKEN]
    _error(o311.get("/tokens/F-1999-000001.xml"), 404, "xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_open311_errors(
    o311: httpx.Client, fmt: str, engine: Engine, keys: dict[str, str]
) -> None:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM felanmalan")).scalar_one()
    post = f"/requests.{fmt}"
    assert "api_key" in _error(o311.post(post, data=_form(api_key="ak_fel")), 403, fmt)
    assert "service_code" in _error(o311.post(post, data={"lat": "59.2", "long": "17.9"}), 400, fmt)
    _error(o311.post(post, data=_form(service_code="finns-inte")), 400, fmt)
    _error(o311.post(post, data={"service_code": "klotter"}), 400, fmt)
    _error(o311.post(post, data=_form(lat="norr")), 400, fmt)
    _error(o311.post(post, data=_form(lat="nan")), 400, fmt)
    _error(o311.post(post, data=_form(email="inte en adress")), 400, fmt)
    _error(o311.post(post, data=_form(description="a\x00b")), 400, fmt)
    _error(o311.post(post, data=_form(media_url="javascript:alert(1)")), 400, fmt)
    lon, lat = STOCKHOLM
    outside = {"service_code": "klotter", "lat": str(lat), "long": str(lon)}
    _error(o311.post(post, data=outside), 400, fmt)
    _error(o311.post(post, data=_form(jurisdiction_id="0180")), 404, fmt)
    _error(o311.get(f"/services.{fmt}", params={"jurisdiction_id": "0180"}), 404, fmt)
    _error(o311.get(f"/requests.{fmt}", params={"start_date": "igår"}), 400, fmt)
    _error(o311.get(f"/requests.{fmt}", params={"status": "ny"}), 400, fmt)
    _error(o311.get(f"/requests.{fmt}", params={"service_code": "finns-inte"}), 404, fmt)
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    _error(o311.get(f"/requests.{fmt}", params=too_long), 400, fmt)
    _error(o311.get(f"/services.{fmt}", params={"api_key": "ak_fel"}), 403, fmt)
    _error(o311.get(f"/services.{fmt}", headers={"Authorization": "Basic eDp5"}), 403, fmt)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM felanmalan")).scalar_one()
    assert after == before, "a refused request makes no report"
    # The jurisdiction is accepted when it is ours.
    assert o311.get(f"/services.{fmt}", params={"jurisdiction_id": "0126"}).status_code == 200
    assert keys


@pytest.mark.usefixtures("place")
def test_closed_reading_and_no_anonymous_reports(
    engine: Engine,  # noqa: ARG001 (set up first)
    settings: Settings,
    keys: dict[str, str],
) -> None:
    closed = settings.model_copy(update={"public_read": False, "anonyma_felanmalan": False})
    with TestClient(create_app(closed)) as client:
        form = _form()
        refused = client.post(f"{V2}/requests.json", data=form)
        assert refused.status_code == 403
        assert "api_key" in refused.json()[0]["description"]
        anonymous = client.get(f"{V2}/services.xml")
        assert anonymous.status_code == 401
        assert ET.fromstring(anonymous.content).tag == "errors"
        signed = client.post(f"{V2}/requests.json", data={**form, "api_key": keys["lasare"]})
        assert signed.status_code == 200, signed.text
        number = signed.json()[0]["service_request_id"]
        read = client.get(f"{V2}/requests/{number}.json", params={"api_key": keys["lasare"]})
        assert read.status_code == 200
        assert read.headers["cache-control"].startswith("private")
