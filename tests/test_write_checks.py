"""Every write is checked: geometry by the importers' rules, If-Match, text limits, links, and
a bound gis token's organisation. Each refusal is a problem in Swedish and stores nothing."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.text_limits import (
    EMAIL_LENGTH,
    FREE_TEXT_LENGTH,
    NAME_LENGTH,
    PHONE_LENGTH,
    REASON_LENGTH,
    SHORT_TEXT_LENGTH,
    URL_LENGTH,
)
from app.editing.geometry import MAX_COORDINATES
from tests.commands import run_cli
from tests.handmade import build_fixture, local_lonlat
from tests.support.tables import PLACE_TABLES, empty_tables

PROBLEM = "application/problem+json"
GEOMETRY_TITLE = "Ogiltig geometri"
PARAMETER_TITLE = "Ogiltig parameter"
FORBIDDEN_TITLE = "Åtkomst nekad"
HUDDINGE_LONLAT = local_lonlat((90, 90))


@pytest.fixture
def patch_data(engine: Engine) -> Iterator[None]:
    """A fresh hand-made patch for every test (the accepted writes change it)."""
    empty_tables(engine, (*PLACE_TABLES, "andringslogg"))
    with engine.begin() as conn:
        build_fixture(conn)
    yield
    empty_tables(engine, (*PLACE_TABLES, "andringslogg", "api_token"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM organisation WHERE slug LIKE 'prov-%'"))


def _token(engine: Engine, organisation: str | None = None, role: str = "gis") -> dict[str, str]:
    with engine.begin() as conn:
        _, token = create_token(
            conn, name=f"{role} {organisation}", role=role, organisation=organisation, days=1
        )
    return {"Authorization": f"Bearer {token}"}


def _state(engine: Engine) -> tuple[int, ...]:
    """Rows of objects, organisations and contacts, and the audit log's size and newest id."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM skotselobjekt), (SELECT count(*) FROM"
                    " organisation), (SELECT count(*) FROM kontakt), (SELECT count(*) FROM"
                    " andringslogg), (SELECT coalesce(max(id), 0) FROM andringslogg)"
                )
            ).one()
        )


def _refused(response: httpx.Response, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["title"] == title
    return problem


def _refused_as_too_long(response: httpx.Response) -> dict[str, Any]:
    """A body with a very long text: a 400 from its schema, or a 413 from a body limit."""
    if response.status_code == 413:
        return _refused(response, 413, "Begäran är för stor")
    return _refused(response, 400, PARAMETER_TITLE)


def _object_of(engine: Engine, organisation: str, kind: str = "punkt") -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT min(s.objekt_id::text) FROM skotselobjekt s JOIN organisation o"
                    " ON o.id = s.huvudman_id WHERE o.slug = :org AND s.geometrityp = :kind"
                    " AND s.valid_to IS NULL"
                ),
                {"org": organisation, "kind": kind},
            ).scalar_one()
        )


def _etag(client: TestClient, object_id: str) -> str:
    versions = client.get(f"/api/v1/skotselobjekt/{object_id}/historik").json()["versioner"]
    current = next(v for v in versions if v["giltig_till"] is None)
    return f'"{current["giltig_fran"]}"'


def _new(geometry: dict[str, Any], produkt: str = "UT1", **fields: Any) -> dict[str, Any]:
    return {
        "produkt": produkt,
        "huvudman": "parkenheten",
        "orsak": "Ritad för hand",
        "geometri": geometry,
    } | fields


def _point(*coordinates: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": list(coordinates)}


def _local_polygon(ring: list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(local_lonlat(xy)) for xy in ring]]}


# Geometry -------------------------------------------------------------------------------------

OUTSIDE_SWEDEN = {
    "Sydney": (_point(151.2093, -33.8688), "utanför Sverige"),
    "lat/lon swapped": (_point(HUDDINGE_LONLAT[1], HUDDINGE_LONLAT[0]), "bytt plats"),
    "metres, not degrees": (_point(670_060.0, 6_568_060.0), "inte ut som WGS84"),
    "one vertex in Denmark": (
        {"type": "LineString", "coordinates": [list(HUDDINGE_LONLAT), [9.0, 56.0]]},
        "utanför Sverige",
    ),
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", OUTSIDE_SWEDEN)
def test_a_geometry_outside_sweden_is_refused(
    engine: Engine, client: TestClient, case: str
) -> None:
    geometry, words = OUTSIDE_SWEDEN[case]
    produkt = "H1" if geometry["type"] == "LineString" else "UT1"
    gis = _token(engine)
    before = _state(engine)
    refused = client.post("/api/v1/skotselobjekt", json=_new(geometry, produkt), headers=gis)
    problem = _refused(refused, 400, GEOMETRY_TITLE)
    assert words in problem["detail"]
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_coordinate_that_is_not_a_finite_number_is_refused(
    engine: Engine, client: TestClient, value: str
) -> None:
    gis = _token(engine)
    before = _state(engine)
    body = json.dumps(_new(_point(12345.5, HUDDINGE_LONLAT[1]))).replace("12345.5", value)
    refused = client.post(
        "/api/v1/skotselobjekt",
        content=body.encode(),
        headers=gis | {"content-type": "application/json"},
    )
    problem = _refused(refused, 400, GEOMETRY_TITLE)
    assert "ändliga tal" in problem["detail"]
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
def test_a_gps_point_with_altitude_is_stored_without_it(engine: Engine, client: TestClient) -> None:
    created = client.post(
        "/api/v1/skotselobjekt",
        json=_new(_point(*HUDDINGE_LONLAT, 42.5)),
        headers=_token(engine),
    )
    assert created.status_code == 201, created.text
    with engine.connect() as conn:
        dimensions = conn.execute(
            text(
                "SELECT ST_NDims(geom) FROM skotselobjekt"
                " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": created.json()["id"]},
        ).scalar_one()
    assert dimensions == 2


WRONG_GEOMETRY = {
    "a point for an area product": (_new(_point(*HUDDINGE_LONLAT), "G2"), "produkten är yta"),
    "an area for a point product": (
        _new(_local_polygon([(80, 80), (90, 80), (90, 90), (80, 80)]), "UT1"),
        "produkten är punkt",
    ),
    "a bow-tie that cannot be repaired": (
        _new(_local_polygon([(250, 150), (270, 170), (270, 150), (250, 170), (250, 150)]), "G1"),
        "som inte kan lagas",
    ),
    "a multipoint": (
        _new({"type": "MultiPoint", "coordinates": [list(HUDDINGE_LONLAT)]}, "UT1"),
        "MultiPoint stöds inte",
    ),
    "an empty line": (_new({"type": "LineString", "coordinates": []}, "H1"), "tom"),
    "a feature, not a geometry": (
        _new({"type": "Feature", "geometry": _point(*HUDDINGE_LONLAT)}, "UT1"),
        "GeoJSON-geometri",
    ),
    "a position of one number": (_new(_point(17.9), "UT1"), "inte giltiga GeoJSON"),
    "coordinates as text": (
        _new({"type": "Point", "coordinates": ["17.9", "59.2"]}, "UT1"),
        "inte giltiga GeoJSON",
    ),
    "more coordinates than anything drawn by hand": (
        _new(
            {
                "type": "LineString",
                "coordinates": [
                    [HUDDINGE_LONLAT[0] + n * 1e-7, HUDDINGE_LONLAT[1]]
                    for n in range(MAX_COORDINATES + 1)
                ],
            },
            "H1",
        ),
        "fler än 20 000 koordinater",
    ),
    "a ring of two points": (
        _new({"type": "Polygon", "coordinates": [[list(HUDDINGE_LONLAT)] * 2]}, "G1"),
        "inte giltiga GeoJSON",
    ),
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", WRONG_GEOMETRY)
def test_a_geometry_of_the_wrong_kind_or_broken_is_refused(
    engine: Engine, client: TestClient, case: str
) -> None:
    body, words = WRONG_GEOMETRY[case]
    gis = _token(engine)
    before = _state(engine)
    problem = _refused(
        client.post("/api/v1/skotselobjekt", json=body, headers=gis), 400, GEOMETRY_TITLE
    )
    assert words in problem["detail"]
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
def test_an_area_is_repaired_as_an_import_repairs_it(engine: Engine, client: TestClient) -> None:
    # The top edge doubles back over itself: a sliver loop, 0.04 % of the area.
    ring = [(250, 150), (270, 150), (270, 170), (260, 170), (260.5, 170.3), (260.5, 169.7)]
    created = client.post(
        "/api/v1/skotselobjekt",
        json=_new(_local_polygon([*ring, (250, 170), (250, 150)]), "G1"),
        headers=_token(engine),
    )
    assert created.status_code == 201, created.text
    with engine.connect() as conn:
        valid, area = conn.execute(
            text(
                "SELECT ST_IsValid(geom), ST_Area(geom) FROM skotselobjekt"
                " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": created.json()["id"]},
        ).one()
    assert valid
    assert area == pytest.approx(398.5, abs=0.5)


@pytest.mark.usefixtures("patch_data")
def test_a_patched_geometry_is_checked_and_a_good_one_stored(
    engine: Engine, client: TestClient
) -> None:
    bench = _object_of(engine, "parkenheten")
    gis = _token(engine)
    seen = _etag(client, bench)
    before = _state(engine)
    moved_away = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"geometri": _point(151.2093, -33.8688), "orsak": "Flyttad"},
        headers=gis | {"If-Match": seen},
    )
    assert "utanför Sverige" in _refused(moved_away, 400, GEOMETRY_TITLE)["detail"]
    as_area = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"geometri": _local_polygon([(50, 50), (60, 50), (60, 60), (50, 50)]), "orsak": "Fel"},
        headers=gis | {"If-Match": seen},
    )
    assert "produkten är punkt" in _refused(as_area, 400, GEOMETRY_TITLE)["detail"]
    assert _state(engine) == before
    moved = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"geometri": _point(*local_lonlat((61, 61)), 30.0), "orsak": "Flyttad en meter"},
        headers=gis | {"If-Match": seen},
    )
    assert moved.status_code == 204, moved.text
    answer = client.get("/api/v1/ansvar", params={"x": 670_061, "y": 6_568_061, "crs": "EPSG:3006"})
    assert answer.json()["objekt"]["id"] == bench


@pytest.mark.usefixtures("patch_data")
def test_a_handover_area_outside_sweden_is_refused(engine: Engine, client: TestClient) -> None:
    gis = _token(engine)
    before = _state(engine)
    square = [[151.0, -34.0], [151.1, -34.0], [151.1, -33.9], [151.0, -34.0]]
    refused = client.post(
        "/api/v1/skotselobjekt/overlatelse",
        json={
            "fran": "parkenheten",
            "till": "kultur-fritid",
            "omrade": {"type": "Polygon", "coordinates": [square]},
            "giltig_fran": "2030-01-01",
            "orsak": "Fel område",
        },
        headers=gis,
    )
    problem = _refused(refused, 400, GEOMETRY_TITLE)
    assert problem["detail"].startswith("omrade hamnar utanför Sverige")
    assert _state(engine) == before


# If-Match --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("patch_data")
def test_a_change_or_retirement_without_if_match_is_428(engine: Engine, client: TestClient) -> None:
    bench = _object_of(engine, "parkenheten")
    gis = _token(engine)
    before = _state(engine)
    changed = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "A", "orsak": "Utan version"},
        headers=gis,
    )
    retired = client.delete(
        f"/api/v1/skotselobjekt/{bench}", params={"orsak": "Utan version"}, headers=gis
    )
    for response in (changed, retired):
        problem = _refused(response, 428, "Objektets version krävs (If-Match)")
        assert problem["type"] == "version-kravs"
        assert f"/api/v1/skotselobjekt/{bench}/historik" in problem["detail"]
        assert "If-Match" in problem["detail"]
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
def test_a_retirement_from_a_stale_version_is_409(engine: Engine, client: TestClient) -> None:
    bench = _object_of(engine, "parkenheten")
    gis = _token(engine)
    seen = _etag(client, bench)
    changed = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "A", "orsak": "Först"},
        headers=gis | {"If-Match": seen},
    )
    assert changed.status_code == 204
    before = _state(engine)
    retired = client.delete(
        f"/api/v1/skotselobjekt/{bench}",
        params={"orsak": "Från gammal version"},
        headers=gis | {"If-Match": seen},
    )
    problem = _refused(retired, 409, "Objektet har ändrats av någon annan")
    assert problem["aktuell_version"] == changed.headers["etag"].strip('"')
    assert _state(engine) == before


def test_the_api_description_requires_if_match(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for method in ("patch", "delete"):
        operation = paths["/api/v1/skotselobjekt/{objekt_id}"][method]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [(p["name"], p["required"]) for p in headers] == [("If-Match", True)]
        assert PROBLEM in operation["responses"]["428"]["content"]
        assert PROBLEM in operation["responses"]["409"]["content"]


# Text limits and links ------------------------------------------------------------------------


def _organisation(**fields: Any) -> dict[str, Any]:
    return {"slug": "prov-forening", "namn": "Provföreningen", "typ": "forening"} | fields


def _contact(**fields: Any) -> dict[str, Any]:
    return {"kontakter": [{"roll": "Styrelsen"} | fields]}


TOO_LONG_ORGANISATIONS = {
    "a 1 MB name": _organisation(namn="Å" * 1_000_000),
    "a name": _organisation(namn="x" * (NAME_LENGTH + 1)),
    "a short name": _organisation(kortnamn="x" * (SHORT_TEXT_LENGTH + 1)),
    "an organisation number": _organisation(organisationsnummer="1" * (SHORT_TEXT_LENGTH + 1)),
    "a web site": _organisation(webbplats="https://x.example/" + "x" * URL_LENGTH),
    "a role": _organisation(**{"kontakter": [{"roll": "x" * (NAME_LENGTH + 1)}]}),
    "a phone number": _organisation(**_contact(telefon="1" * (PHONE_LENGTH + 1))),
    "an e-mail address": _organisation(**_contact(epost="a@" + "x" * EMAIL_LENGTH)),
    "opening hours": _organisation(**_contact(oppettider="x" * (FREE_TEXT_LENGTH + 1))),
    "a link": _organisation(**_contact(felanmalan_url="https://x.example/" + "x" * URL_LENGTH)),
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", TOO_LONG_ORGANISATIONS)
def test_an_organisation_with_too_long_a_text_is_refused(
    engine: Engine, client: TestClient, case: str
) -> None:
    admin = _token(engine, role="admin")
    before = _state(engine)
    saved = client.put(
        "/api/v1/organisationer/prov-forening",
        params={"orsak": "För lång text"},
        json=TOO_LONG_ORGANISATIONS[case],
        headers=admin,
    )
    _refused_as_too_long(saved)
    assert len(saved.content) < 10_000, "the value is not echoed back"
    assert _state(engine) == before


BAD_LINKS = {
    "javascript:": _contact(felanmalan_url="javascript:alert(document.cookie)"),
    "JavaScript: in capitals": _contact(felanmalan_url="JavaScript:alert(1)"),
    "data:": _contact(felanmalan_url="data:text/html,<script>alert(1)</script>"),
    "vbscript:": _contact(felanmalan_url="vbscript:msgbox(1)"),
    "a space before javascript:": _contact(felanmalan_url=" javascript:alert(1)"),
    "no scheme": _contact(felanmalan_url="felanmalan.example"),
    "a web site that is javascript:": {"webbplats": "javascript:alert(1)"},
    "a web site that is mailto:": {"webbplats": "mailto:info@example.com"},
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", BAD_LINKS)
def test_a_link_that_is_not_web_mail_or_phone_is_refused(
    engine: Engine, client: TestClient, case: str
) -> None:
    admin = _token(engine, role="admin")
    before = _state(engine)
    saved = client.put(
        "/api/v1/organisationer/prov-forening",
        params={"orsak": "Farlig länk"},
        json=_organisation(**BAD_LINKS[case]),
        headers=admin,
    )
    _refused(saved, 400, PARAMETER_TITLE)
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
def test_web_mail_and_phone_links_are_accepted(engine: Engine, client: TestClient) -> None:
    contacts = [
        {"roll": "Webb", "felanmalan_url": "https://felanmalan.example/park"},
        {"roll": "Post", "felanmalan_url": "mailto:park@example.com"},
        {"roll": "Telefon", "felanmalan_url": "tel:+46-8-535-300-00"},
    ]
    saved = client.put(
        "/api/v1/organisationer/prov-forening",
        params={"orsak": "Bra länkar"},
        json=_organisation(webbplats="HTTPS://prov.example", kontakter=contacts),
        headers=_token(engine, role="admin"),
    )
    assert saved.status_code == 204, saved.text
    stored = next(
        o for o in client.get("/api/v1/organisationer").json() if o["slug"] == "prov-forening"
    )
    assert [c["felanmalan_url"] for c in stored["kontakter"]] == [
        c["felanmalan_url"] for c in contacts
    ]
    assert stored["webbplats"] == "https://prov.example"


TOO_LONG_EDITS: dict[str, dict[str, Any]] = {
    "a reason": {"orsak": "x" * (REASON_LENGTH + 1)},
    "a quality level": {"kvalitetsniva": "x" * (SHORT_TEXT_LENGTH + 1)},
    "a huvudman": {"huvudman": "x" * 1_000_000},
    "a product code": {"produkt": "X" * 17},
    "attributes of 30 KB": {"attribut": {"anteckning": "x" * 30_000}},
    "101 attributes": {"attribut": {f"a{n}": n for n in range(101)}},
    "a field the API does not know": {"geometry": _point(*HUDDINGE_LONLAT)},
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", TOO_LONG_EDITS)
def test_an_object_with_too_long_a_text_is_refused(
    engine: Engine, client: TestClient, case: str
) -> None:
    gis = _token(engine)
    before = _state(engine)
    body = _new(_point(*HUDDINGE_LONLAT)) | TOO_LONG_EDITS[case]
    _refused_as_too_long(client.post("/api/v1/skotselobjekt", json=body, headers=gis))
    assert _state(engine) == before


@pytest.mark.usefixtures("patch_data")
def test_a_too_long_reason_to_retire_is_refused(engine: Engine, client: TestClient) -> None:
    bench = _object_of(engine, "parkenheten")
    gis = _token(engine) | {"If-Match": _etag(client, bench)}
    before = _state(engine)
    retired = client.delete(
        f"/api/v1/skotselobjekt/{bench}", params={"orsak": "x" * (REASON_LENGTH + 1)}, headers=gis
    )
    _refused(retired, 400, PARAMETER_TITLE)
    assert _state(engine) == before


def test_the_api_description_states_the_limits(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    organisation = schemas["OrganisationIn"]["properties"]
    assert organisation["namn"]["maxLength"] == NAME_LENGTH
    contact = schemas["Contact"]["properties"]
    link = contact["felanmalan_url"]
    assert link["maxLength"] == URL_LENGTH
    assert link["pattern"].startswith("^(https?://|mailto:|tel:)")
    assert schemas["NewObject"]["properties"]["orsak"]["maxLength"] == REASON_LENGTH


# The command line's import of organisations ---------------------------------------------------

CLI_REFUSALS = {
    "a 1 MB name": (
        _organisation(namn="Å" * 1_000_000),
        "organisation 1 (prov-forening): namn får vara högst 200 tecken (är 1000000)",
    ),
    "a javascript: link": (
        _organisation(**_contact(felanmalan_url="javascript:alert(1)")),
        "kontakt 1: felanmalan_url ska vara en länk som börjar med http:, https:, mailto:"
        " eller tel: (inte 'javascript:alert(1)')",
    ),
    "a 1 MB slug": (
        _organisation(slug="a" * 1_000_000),
        "slug får vara högst 100 tecken (är 1000000)",
    ),
}


@pytest.mark.usefixtures("patch_data")
@pytest.mark.parametrize("case", CLI_REFUSALS)
def test_organisation_import_refuses_what_the_api_refuses(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    organisation, message = CLI_REFUSALS[case]
    path = tmp_path / "organisationer.json"
    path.write_text(json.dumps([organisation], ensure_ascii=False), encoding="utf-8")
    before = _state(engine)
    done = run_cli(engine, "organisation", "importera", str(path))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Fel: organisationer.json, organisation 1")
    assert message in line
    assert len(line) < 400, "one readable line, not the value"
    assert _state(engine) == before


# A gis token bound to an organisation ---------------------------------------------------------


@pytest.mark.usefixtures("patch_data")
def test_a_bound_gis_token_writes_only_its_own_organisations_objects(
    engine: Engine, client: TestClient
) -> None:
    bound = _token(engine, "parkenheten")
    own, others = _object_of(engine, "parkenheten"), _object_of(engine, "huge")
    before = _state(engine)
    refusals = {
        "create for another": client.post(
            "/api/v1/skotselobjekt",
            json=_new(_point(*HUDDINGE_LONLAT), huvudman="huge"),
            headers=bound,
        ),
        "change another's": client.patch(
            f"/api/v1/skotselobjekt/{others}",
            json={"kvalitetsniva": "A", "orsak": "Inte min"},
            headers=bound | {"If-Match": _etag(client, others)},
        ),
        "move its own to another": client.patch(
            f"/api/v1/skotselobjekt/{own}",
            json={"huvudman": "huge", "orsak": "Bort med den"},
            headers=bound | {"If-Match": _etag(client, own)},
        ),
        "retire another's": client.delete(
            f"/api/v1/skotselobjekt/{others}",
            params={"orsak": "Inte min"},
            headers=bound | {"If-Match": _etag(client, others)},
        ),
        "hand over another's": client.post(
            "/api/v1/skotselobjekt/overlatelse",
            json={
                "fran": "huge",
                "till": "parkenheten",
                "omrade": _local_polygon([(0, 0), (200, 0), (200, 200), (0, 0)]),
                "giltig_fran": "2030-01-01",
                "orsak": "Ta över",
            },
            headers=bound,
        ),
        "hand its own to another": client.post(
            "/api/v1/skotselobjekt/overlatelse",
            json={
                "fran": "parkenheten",
                "till": "kultur-fritid",
                "omrade": _local_polygon([(0, 0), (200, 0), (200, 200), (0, 0)]),
                "giltig_fran": "2030-01-01",
                "orsak": "Lämna bort",
            },
            headers=bound,
        ),
    }
    for what, response in refusals.items():
        problem = _refused(response, 403, FORBIDDEN_TITLE)
        assert "knuten till parkenheten" in problem["detail"], what
    assert _state(engine) == before

    created = client.post(
        "/api/v1/skotselobjekt", json=_new(_point(*HUDDINGE_LONLAT)), headers=bound
    )
    assert created.status_code == 201, created.text
    changed = client.patch(
        f"/api/v1/skotselobjekt/{own}",
        json={"kvalitetsniva": "A", "orsak": "Min egen"},
        headers=bound | {"If-Match": _etag(client, own)},
    )
    assert changed.status_code == 204, changed.text


@pytest.mark.usefixtures("patch_data")
def test_an_unbound_gis_token_writes_for_every_organisation(
    engine: Engine, client: TestClient
) -> None:
    unbound = _token(engine)
    others = _object_of(engine, "huge")
    changed = client.patch(
        f"/api/v1/skotselobjekt/{others}",
        json={"huvudman": "husf", "orsak": "Överenskommet"},
        headers=unbound | {"If-Match": _etag(client, others)},
    )
    assert changed.status_code == 204, changed.text
    created = client.post(
        "/api/v1/skotselobjekt",
        json=_new(_point(*HUDDINGE_LONLAT), huvudman="huge"),
        headers=unbound,
    )
    assert created.status_code == 201, created.text
