"""Fault reports over HTTP: categories, routing, photos, privacy, status, forwarding, retention.

Real tokens of every role in the test database, real photos made with Pillow (with EXIF GPS),
the hand-made patch of tests/handmade.py committed so the app sees it; every refusal is checked
to leave the reports, their events, photos, deliveries and the audit log as they were.
"""

import io
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy import Connection, Engine, text

from app.access.tokens import create_token
from app.catalogue.catalogue_file import CatalogueFileError
from app.core.settings import Settings
from app.main import create_app
from app.reports.categories import Category, read_categories, sync_categories
from app.reports.schemas import CategoryOut, NearbyList, ReportList, ReportOut
from tests.commands import run_cli
from tests.handmade import local_lonlat

URL = "/api/v1/felanmalan"
BENCH_PARK = (60, 60)  # a bench of the park unit's, in the contractor's operations area
LAWN_HUGE = (150, 20)  # Huge's lawn, in the area Huge performs itself
NOBODYS = (50, 150)  # a parcel of unknown owner, no object near
PRIVATE_LAND = (180, 150)  # a private owner's parcel, no object near
STOCKHOLM = (18.0686, 59.3293)  # outside Huddinge
CONTRACTOR = "sodertorns-parkdrift"
TABLES = ("felanmalan", "felanmalan_handelse", "felanmalan_foto", "leverans", "andringslogg")
TOKENS = {  # key: role, organisation
    "lasare": ("lasare", None),
    "gis": ("gis", None),
    "gis-park": ("gis", "parkenheten"),
    "admin": ("admin", None),
    "entreprenor": ("entreprenor", CONTRACTOR),
    "handlaggare-park": ("handlaggare", "parkenheten"),
    "handlaggare-huge": ("handlaggare", "huge"),
}


@pytest.fixture(scope="module")
def place(engine: Engine, handmade_data: None) -> Iterator[int]:  # noqa: ARG001 (set up first)
    """The hand-made patch and the categories, committed; the reports removed afterwards.

    Its value is the last audit row before the module: report ids restart with the patch, so
    the audit rows of this module's reports are those after it.
    """
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
        since = conn.execute(text("SELECT coalesce(max(id), 0) FROM andringslogg")).scalar_one()
    yield since
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def tokens(engine: Engine) -> Iterator[dict[str, dict[str, str]]]:
    """Headers of a token per key of TOKENS, and their ids under 'id:<key>'."""
    headers: dict[str, dict[str, str]] = {}
    with engine.begin() as conn:
        for key, (role, organisation) in TOKENS.items():
            token_id, token = create_token(
                conn, name=f"felanm {key}", role=role, organisation=organisation, days=1
            )
            headers[key] = {"Authorization": f"Bearer {token}"}
            headers[f"id:{key}"] = {"id": str(token_id)}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'felanm %'"))


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _body(xy: tuple[float, float], kategori: str = "trasig-mobel", **extra: Any) -> dict[str, Any]:
    lon, lat = local_lonlat(xy)
    return {"lon": lon, "lat": lat, "kategori": kategori, **extra}


def _create(client: TestClient, xy: tuple[float, float], headers: Any = None, **extra: Any) -> Any:
    response = client.post(URL, json=_body(xy, **extra), headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def _row(engine: Engine, nummer: str) -> Any:
    with engine.connect() as conn:
        return (
            conn.execute(
                text(
                    "SELECT f.*, m.slug AS mottagare, h.slug AS huvudman, u.slug AS utforare,"
                    " d.namn AS driftomrade FROM felanmalan f"
                    " JOIN organisation m ON m.id = f.mottagare_id"
                    " LEFT JOIN organisation h ON h.id = f.huvudman_id"
                    " LEFT JOIN organisation u ON u.id = f.utforare_id"
                    " LEFT JOIN driftomrade d ON d.id = f.driftomrade_id WHERE f.nummer = :n"
                ),
                {"n": nummer},
            )
            .mappings()
            .one()
        )


def _deliveries(engine: Engine, nummer: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.kanal, l.adress, l.syfte FROM leverans l JOIN felanmalan f"
                " ON f.id = l.felanmalan_id WHERE f.nummer = :n ORDER BY l.id"
            ),
            {"n": nummer},
        )
        return [tuple(r) for r in rows]


def _jpeg_with_gps(size: tuple[int, int] = (3000, 1500), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 3, size[1] // 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 12.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (17.0, 56.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    # The test's own premise: the original carries the position.
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def _image(fmt: str, size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGBA" if fmt != "JPEG" else "RGB", size, (10, 120, 40, 255))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels but holds next to nothing (a bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _multipart(
    client: TestClient, xy: tuple[float, float], photos: list[tuple[str, bytes, str]], **fields: str
) -> Any:
    lon, lat = local_lonlat(xy)
    data = {"lon": str(lon), "lat": str(lat), "kategori": "trasig-mobel", **fields}
    files = [("foto", photo) for photo in photos]
    return client.post(URL, data=data, files=files)


# Categories -------------------------------------------------------------------------------


@pytest.mark.usefixtures("place")
def test_the_active_categories_are_listed_in_their_order(client: TestClient) -> None:
    response = client.get("/api/v1/felkategorier")
    assert response.status_code == 200
    listed = response.json()
    assert [c["kod"] for c in listed] == [c.kod for c in read_categories()]
    bench = next(c for c in listed if c["kod"] == "trasig-mobel")
    assert bench["namn"] == "Trasig bänk/bord"
    assert bench["produkter"] == ["UT1"]


def test_a_category_of_products_not_in_the_catalogue_is_refused(conn: Connection) -> None:
    sync_categories(conn, read_categories())
    before = conn.execute(text("SELECT kod, aktiv FROM felkategori ORDER BY kod")).all()
    unknown = Category("ny-sak", "Ny sak", "", ("UT1", "XX9"), 5, line=7)
    with pytest.raises(CatalogueFileError) as refused:
        sync_categories(conn, [*read_categories(), unknown])
    assert "ny-sak" in refused.value.detail
    assert "XX9" in refused.value.detail
    assert "rad 7" in refused.value.detail
    assert conn.execute(text("SELECT kod, aktiv FROM felkategori ORDER BY kod")).all() == before


def test_a_category_in_use_is_deactivated_and_an_unused_one_removed(conn: Connection) -> None:
    sync_categories(conn, read_categories())
    conn.execute(
        text(
            "INSERT INTO felanmalan (nummer, geom, kategori, mottagare_id) SELECT 'F-2026-999999',"
            " ST_SetSRID(ST_MakePoint(670060, 6568060), 3006), 'klotter', id FROM organisation"
            " WHERE slug = 'parkenheten'"
        )
    )
    kept = [c for c in read_categories() if c.kod not in ("klotter", "staket")]
    report = sync_categories(conn, kept)
    assert report.deactivated == ["klotter"]
    assert report.removed == ["staket"]
    rows: dict[str, bool] = dict(conn.execute(text("SELECT kod, aktiv FROM felkategori")).all())
    assert rows["klotter"] is False
    assert "staket" not in rows
    again = sync_categories(conn, read_categories())
    assert again.added == ["staket"]
    assert again.updated == ["klotter"]
    assert conn.execute(text("SELECT aktiv FROM felkategori WHERE kod = 'klotter'")).scalar_one()


# Creating and routing ---------------------------------------------------------------------


def test_a_report_is_routed_like_the_answer_and_written_with_its_deliveries(
    place: int, client: TestClient, engine: Engine
) -> None:
    lon, lat = local_lonlat(BENCH_PARK)
    answer = client.get("/api/v1/ansvar", params={"lon": lon, "lat": lat, "produkt": "UT1"}).json()
    created = client.post(
        URL,
        json=_body(
            BENCH_PARK,
            beskrivning="Sitsen är trasig.",
            kontakt={"namn": "Anna Andersson", "epost": "anna@example.org", "telefon": "070-1"},
        ),
    )
    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown["nummer"].startswith("F-20")
    assert len(shown["nummer"].split("-")[2]) == 6
    assert shown["mottagare"] == {"slug": "parkenheten", "namn": answer["huvudman"]["namn"]}
    assert shown["kategori"] == {"kod": "trasig-mobel", "namn": "Trasig bänk/bord"}
    assert shown["status"] == "ny"
    assert created.headers["location"].endswith(f"{URL}/{shown['nummer']}")
    assert shown["detaljer"] is None, "an anonymous reporter does not see the receiver's view"
    stored = _row(engine, shown["nummer"])
    assert stored["huvudman"] == stored["mottagare"] == answer["huvudman"]["slug"]
    assert stored["utforare"] == answer["utforare"]["organisation"]["slug"] == CONTRACTOR
    assert stored["driftomrade"] == answer["utforare"]["driftomrade"]["namn"]
    assert str(stored["beslutande_objekt"]) == answer["objekt"]["id"]
    assert stored["regel"] == answer["regel"]
    assert stored["tvetydig"] is answer["tvetydig"]
    assert stored["anmalare_epost"] == "anna@example.org"
    assert stored["anmald_av"] is None
    deliveries = _deliveries(engine, shown["nummer"])
    assert ("epost", "park@huddinge.example", "ny") in deliveries
    assert ("epost", "anna@example.org", "kvitto") in deliveries
    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT e.status, e.utford_av FROM felanmalan_handelse e"
                " WHERE e.felanmalan_id = :id"
            ),
            {"id": stored["id"]},
        ).all()
        audit = conn.execute(
            text(
                "SELECT tabell, utford_av, efter::text FROM andringslogg"
                " WHERE tabell IN ('felanmalan', 'felanmalan_handelse')"
                " AND (efter ->> 'id' = :id OR efter ->> 'felanmalan_id' = :id) AND id > :since"
            ),
            {"id": str(stored["id"]), "since": place},
        ).all()
    assert events == [("ny", "anonym")]
    assert {(t, who) for t, who, _ in audit} == {
        ("felanmalan", "anonym"),
        ("felanmalan_handelse", "anonym"),
    }
    assert not any("anna@example.org" in after for _, _, after in audit), "no contact in the log"


def test_a_token_holder_is_named_as_the_reporter_and_the_writer(
    place: int, client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    shown = _create(client, LAWN_HUGE, tokens["lasare"], kategori="nedskrapning")
    assert shown["mottagare"]["slug"] == "huge"
    stored = _row(engine, shown["nummer"])
    token_id = tokens["id:lasare"]["id"]
    assert stored["anmald_av"] == f"token:{token_id} felanm lasare"
    with engine.connect() as conn:
        writer = conn.execute(
            text(
                "SELECT utford_av FROM andringslogg WHERE tabell = 'felanmalan'"
                " AND operation = 'INSERT' AND efter ->> 'id' = :id AND id > :since"
            ),
            {"id": str(stored["id"]), "since": place},
        ).scalar_one()
    assert writer == f"token:{token_id} felanm lasare"
    handler = client.get(f"{URL}/{shown['nummer']}", headers=tokens["handlaggare-huge"]).json()
    assert handler["detaljer"]["anmald_av"] == "felanm lasare (lasare)"


@pytest.mark.usefixtures("place")
def test_anonymous_reports_can_be_turned_off(
    engine: Engine, settings: Settings, tokens: dict[str, Any]
) -> None:
    closed = settings.model_copy(update={"anonyma_felanmalan": False})
    with TestClient(create_app(closed)) as client:
        before = _counts(engine)
        refused = client.post(URL, json=_body(BENCH_PARK))
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert _counts(engine) == before
        assert client.post(URL, json=_body(BENCH_PARK), headers=tokens["lasare"]).is_success


def _big_field() -> dict[str, Any]:
    return {"beskrivning": "x" * 4001}


REFUSALS = [  # name, body changes (or a point), status, problem type
    ("utanför kommunen", {"lon": STOCKHOLM[0], "lat": STOCKHOLM[1]}, 404, "utanfor-kommunen"),
    ("ingen ansvarig", {"xy": NOBODYS}, 404, "ingen-ansvarig"),
    ("privat fastighetsägare", {"xy": PRIVATE_LAND}, 404, "ingen-ansvarig"),
    ("okänd kategori", {"kategori": "finns-inte"}, 400, "okand-felkategori"),
    ("för lång beskrivning", _big_field(), 400, "ogiltig-parameter"),
    ("ogiltig e-post", {"kontakt": {"epost": "inte en adress"}}, 400, "ogiltig-parameter"),
    ("okänt fält", {"prioritet": "hog"}, 400, "ogiltig-parameter"),
    ("både lon och x", {"x": 670060.0, "y": 6568060.0}, 400, "ogiltig-begaran"),
    ("ingen punkt", {"lon": None, "lat": None}, 400, "ogiltig-begaran"),
]


@pytest.mark.usefixtures("place")
@pytest.mark.parametrize(
    ("change", "status", "kind"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_refused_report_leaves_the_database_unchanged(
    client: TestClient, engine: Engine, change: dict[str, Any], status: int, kind: str
) -> None:
    change = dict(change)
    body = _body(change.pop("xy", BENCH_PARK))
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    before = _counts(engine)
    response = client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == kind
    assert _counts(engine) == before


@pytest.mark.usefixtures("place")
def test_x_and_y_in_sweref_are_taken_as_the_answer_takes_them(client: TestClient) -> None:
    from tests.handmade import E0, N0

    body = {"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006", "kategori": "trasig-mobel"}
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["mottagare"]["slug"] == "parkenheten"
    assert response.json()["punkt"]["x"] == pytest.approx(E0 + 60)
    other = client.post(URL, json={**body, "kategori": "ovrigt"})  # no product preferred
    assert other.status_code == 201, other.text
    assert other.json()["mottagare"]["slug"] == "parkenheten"


# Photos -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("place")
def test_photos_are_re_encoded_upright_small_and_without_exif(
    client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    photos = [
        ("telefon.jpg", _jpeg_with_gps(), "image/jpeg"),
        ("bild.png", _image("PNG"), "image/png"),
        ("bild.webp", _image("WEBP"), "image/webp"),
    ]
    response = _multipart(client, BENCH_PARK, photos, kontakt_epost="b@example.org")
    assert response.status_code == 201, response.text
    nummer = response.json()["nummer"]
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT p.nummer, p.mediatyp, p.bredd, p.hojd, p.data FROM felanmalan_foto p"
                " JOIN felanmalan f ON f.id = p.felanmalan_id WHERE f.nummer = :n"
                " ORDER BY p.nummer"
            ),
            {"n": nummer},
        ).all()
    assert [(n, m) for n, m, *_ in stored] == [
        (1, "image/jpeg"),
        (2, "image/png"),
        (3, "image/webp"),
    ]
    # 3000 × 1500 turned a quarter (orientation 6) and scaled to a longest side of 2,048.
    assert (stored[0].bredd, stored[0].hojd) == (1024, 2048)
    for photo in stored:
        data = bytes(photo.data)
        image = Image.open(io.BytesIO(data))
        assert image.size == (photo.bredd, photo.hojd)
        assert not image.getexif(), f"photo {photo.nummer} keeps EXIF"
        assert b"Exif" not in data
        assert b"TestPhone" not in data
    handler = tokens["handlaggare-park"]
    fetched = client.get(f"{URL}/{nummer}/foto/1", headers=handler)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/jpeg"
    assert fetched.headers["cache-control"] == "private, no-store"
    assert fetched.content == bytes(stored[0].data)
    shown = client.get(f"{URL}/{nummer}", headers=handler).json()
    assert [p["href"].rsplit("/", 1)[1] for p in shown["detaljer"]["foton"]] == ["1", "2", "3"]
    assert client.get(f"{URL}/{nummer}/foto/1").status_code == 401
    assert client.get(f"{URL}/{nummer}/foto/1", headers=tokens["lasare"]).status_code == 403
    other = client.get(f"{URL}/{nummer}/foto/1", headers=tokens["handlaggare-huge"])
    missing = client.get(f"{URL}/F-2000-000001/foto/1", headers=tokens["handlaggare-huge"])
    assert other.status_code == missing.status_code == 404
    assert other.json()["type"] == missing.json()["type"]
    assert client.get(f"{URL}/{nummer}/foto/1", headers=tokens["entreprenor"]).status_code == 200


PHOTO_REFUSALS = [  # name, photos, status, problem type
    ("ingen bild", [("x.jpg", b"%PDF-1.4 inte en bild", "image/jpeg")], 415, "fotot-ar-ingen-bild"),
    (
        "gif",
        [("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif")],
        415,
        "fotot-ar-ingen-bild",
    ),
    (
        "trasig jpeg",
        [("x.jpg", _jpeg_with_gps((64, 64))[:300], "image/jpeg")],
        415,
        "fotot-ar-ingen-bild",
    ),
    ("fyra foton", [("x.png", _image("PNG", (8, 8)), "image/png")] * 4, 400, "ogiltig-begaran"),
    (
        "bomb 81 Mpx",
        [("x.png", _png_header_only(9000, 9000), "image/png")],
        413,
        "fotot-ar-for-stort",
    ),
    (
        "bomb 400 Mpx",
        [("x.png", _png_header_only(20000, 20000), "image/png")],
        413,
        "fotot-ar-for-stort",
    ),
    (
        "över 10 MB",
        [("x.jpg", b"\xff\xd8" + b"\x00" * (10 * 2**20), "image/jpeg")],
        413,
        "fotot-ar-for-stort",
    ),
]


@pytest.mark.usefixtures("place")
@pytest.mark.parametrize(
    ("photos", "status", "kind"),
    [r[1:] for r in PHOTO_REFUSALS],
    ids=[r[0] for r in PHOTO_REFUSALS],
)
def test_a_refused_photo_refuses_the_report_and_changes_nothing(
    client: TestClient, engine: Engine, photos: list[tuple[str, bytes, str]], status: int, kind: str
) -> None:
    before = _counts(engine)
    response = _multipart(client, BENCH_PARK, photos)
    assert response.status_code == status, response.text
    assert response.json()["type"] == kind
    assert _counts(engine) == before


# Reading and privacy ----------------------------------------------------------------------


@pytest.mark.usefixtures("place")
def test_public_reads_show_no_contact_and_no_description(
    client: TestClient, settings: Settings, tokens: dict[str, Any]
) -> None:
    shown = _create(
        client,
        BENCH_PARK,
        beskrivning="Ring mig på 070-123 45 67",
        kontakt={"namn": "Bo Berg", "epost": "bo@example.org"},
    )
    one = f"{URL}/{shown['nummer']}"
    callers: list[dict[str, str]] = [
        {},
        tokens["lasare"],
        tokens["handlaggare-huge"],
        tokens["gis"],
    ]
    for caller in callers:
        response = client.get(one, headers=caller)
        assert response.status_code == 200
        assert response.json()["detaljer"] is None
        for secret in ("bo@example.org", "Bo Berg", "070-123"):
            assert secret not in response.text
        listed = client.get(URL, params={"limit": 1000}, headers=caller)
        assert shown["nummer"] in listed.text
        assert "bo@example.org" not in listed.text
    assert client.get(one).headers.get("cache-control") is None
    for key in ("handlaggare-park", "gis-park", "entreprenor", "admin"):
        response = client.get(one, headers=tokens[key])
        details = response.json()["detaljer"]
        assert details is not None, key
        assert details["kontakt"] == {"namn": "Bo Berg", "epost": "bo@example.org", "telefon": None}
        assert details["beskrivning"] == "Ring mig på 070-123 45 67"
        assert [e["status"] for e in details["handelser"]] == ["ny"]
        assert response.headers["cache-control"] == "private, no-store"
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as closed:
        assert closed.get(one).status_code == 401
        assert closed.get(one, headers=tokens["lasare"]).status_code == 200


@pytest.mark.usefixtures("place")
def test_a_contractor_reads_the_details_of_its_areas_reports_only(
    client: TestClient, settings: Settings, tokens: dict[str, Any]
) -> None:
    own = _create(client, BENCH_PARK)
    other = _create(client, LAWN_HUGE, kategori="nedskrapning")
    contractor = tokens["entreprenor"]
    # Reading is public: the contractor reads every report, as anyone does, the details of its own.
    assert client.get(f"{URL}/{own['nummer']}", headers=contractor).json()["detaljer"] is not None
    public = client.get(f"{URL}/{other['nummer']}", headers=contractor)
    assert public.status_code == 200
    assert public.json()["detaljer"] is None
    listed = client.get(URL, params={"limit": 1000}, headers=contractor).json()
    shown = {r["nummer"]: r["detaljer"] for r in listed["felanmalningar"]}
    assert shown[own["nummer"]] is not None
    assert shown[other["nummer"]] is None
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as closed:
        assert closed.get(f"{URL}/{own['nummer']}", headers=contractor).status_code == 200
        assert closed.get(f"{URL}/{other['nummer']}", headers=contractor).status_code == 404
        listed = closed.get(URL, params={"limit": 1000}, headers=contractor).json()
    numbers = {r["nummer"] for r in listed["felanmalningar"]}
    assert own["nummer"] in numbers
    assert other["nummer"] not in numbers
    assert all(r["detaljer"] is not None for r in listed["felanmalningar"])


@pytest.mark.usefixtures("place")
def test_the_list_filters_and_pages(client: TestClient) -> None:
    park = _create(client, BENCH_PARK, kategori="klotter")
    huge = _create(client, LAWN_HUGE, kategori="nedskrapning")

    def numbers(**params: Any) -> list[str]:
        response = client.get(URL, params={"limit": 1000, **params})
        assert response.status_code == 200, response.text
        return [r["nummer"] for r in response.json()["felanmalningar"]]

    assert huge["nummer"] in numbers(organisation="huge")
    assert park["nummer"] not in numbers(organisation="huge")
    assert park["nummer"] in numbers(kategori="klotter")
    assert huge["nummer"] not in numbers(kategori="klotter")
    assert park["nummer"] in numbers(status="ny,mottagen")
    assert park["nummer"] not in numbers(status="atgardad")
    lon, lat = local_lonlat(BENCH_PARK)
    near_park = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    assert park["nummer"] in numbers(bbox=near_park)
    assert huge["nummer"] not in numbers(bbox=near_park)
    today = park["skapad"][:10]
    assert park["nummer"] in numbers(fran=today, till=today)
    assert park["nummer"] not in numbers(till="2000-01-01")
    everything = numbers()
    assert everything.index(huge["nummer"]) < everything.index(park["nummer"]), "newest first"
    first = client.get(URL, params={"limit": 1}).json()
    assert first["antal"] == 1
    second = client.get(first["lankar"]["nasta"]).json()
    assert second["felanmalningar"][0]["nummer"] == everything[1]
    for bad in ({"organisation": "finns-inte"}, {"status": "klar"}, {"limit": 0}):
        refused = client.get(URL, params=bad)
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("place")
def test_open_reports_of_the_same_category_within_30_m_are_found(
    client: TestClient, tokens: dict[str, Any]
) -> None:
    shown = _create(client, BENCH_PARK, kategori="papperskorg")

    def nearby(xy: tuple[float, float], kategori: str = "papperskorg") -> dict[str, float]:
        lon, lat = local_lonlat(xy)
        response = client.get(f"{URL}/nara", params={"lon": lon, "lat": lat, "kategori": kategori})
        assert response.status_code == 200, response.text
        assert all(r["detaljer"] is None for r in response.json()["felanmalningar"])
        return {r["nummer"]: r["avstand_m"] for r in response.json()["felanmalningar"]}

    assert nearby((80, 60))[shown["nummer"]] == pytest.approx(20, abs=0.05)
    assert shown["nummer"] not in nearby((95, 60))  # 35 m
    assert shown["nummer"] not in nearby((80, 60), "klotter")
    handler = tokens["handlaggare-park"]
    closed = client.post(
        f"{URL}/{shown['nummer']}/status", json={"status": "ej-vart-ansvar"}, headers=handler
    )
    assert closed.status_code == 200, closed.text
    assert shown["nummer"] not in nearby((80, 60))


# Status -----------------------------------------------------------------------------------


def _status(client: TestClient, nummer: str, headers: dict[str, str], **change: Any) -> Any:
    return client.post(f"{URL}/{nummer}/status", json=change, headers=headers)


def test_the_status_goes_its_way_with_events_audit_and_a_closing_message(
    place: int, client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    shown = _create(client, BENCH_PARK, kontakt={"epost": "c@example.org"})
    nummer = shown["nummer"]
    handler = tokens["handlaggare-park"]
    before = _counts(engine)
    skipped = _status(client, nummer, handler, status="atgardad")
    assert skipped.status_code == 409
    assert skipped.json()["type"] == "otillaten-statusandring"
    assert skipped.json()["tillatna"] == ["mottagen", "ej-vart-ansvar", "dubblett"]
    assert _counts(engine) == before
    for status in ("mottagen", "pagar", "atgardad"):
        response = _status(client, nummer, handler, status=status, notering=f"nu {status}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    stored = _row(engine, nummer)
    assert stored["stangd"] is not None
    assert ("epost", "c@example.org", "stangd") in _deliveries(engine, nummer)
    events = response.json()["detaljer"]["handelser"]
    assert [e["status"] for e in events] == ["ny", "mottagen", "pagar", "atgardad"]
    assert events[-1]["utford_av"] == "felanm handlaggare-park (handlaggare, Parkenheten)"
    assert events[-1]["notering"] == "nu atgardad"
    with engine.connect() as conn:
        writers = conn.execute(
            text(
                "SELECT DISTINCT utford_av, orsak FROM andringslogg WHERE tabell = 'felanmalan'"
                " AND operation = 'UPDATE' AND efter ->> 'id' = :id AND id > :since"
            ),
            {"id": str(stored["id"]), "since": place},
        ).all()
    signed = f"token:{tokens['id:handlaggare-park']['id']} felanm handlaggare-park"
    assert {w for w, _ in writers} == {signed}
    assert f"felanmälan {nummer}: atgardad" in {why for _, why in writers}
    before = _counts(engine)
    reopened = _status(client, nummer, handler, status="mottagen")
    assert reopened.status_code == 409
    assert reopened.json()["tillatna"] == []
    assert _counts(engine) == before


@pytest.mark.usefixtures("place")
def test_only_the_receiver_its_contractor_an_unbound_gis_and_admin_change_the_status(
    client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    park = _create(client, BENCH_PARK)["nummer"]
    huge = _create(client, LAWN_HUGE, kategori="nedskrapning")["nummer"]
    before = _counts(engine)
    refusals = [
        (park, {}, 401),
        (park, tokens["lasare"], 403),
        (park, tokens["handlaggare-huge"], 403),
        (huge, tokens["gis-park"], 403),
        (huge, tokens["entreprenor"], 403),  # outside its areas (public reading shows it)
        ("F-2000-000001", tokens["admin"], 404),
    ]
    for nummer, headers, status in refusals:
        response = _status(client, nummer, headers, status="mottagen")
        assert response.status_code == status, (nummer, headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert _counts(engine) == before
    assert _status(client, park, tokens["entreprenor"], status="mottagen").status_code == 200
    assert _status(client, park, tokens["gis"], status="pagar").status_code == 200
    assert _status(client, huge, tokens["handlaggare-huge"], status="mottagen").status_code == 200
    assert _status(client, huge, tokens["admin"], status="pagar").status_code == 200


@pytest.mark.usefixtures("place")
def test_not_ours_forwards_the_report_to_the_organisation_that_receives_it(
    client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    nummer = _create(client, BENCH_PARK)["nummer"]
    park, huge = tokens["handlaggare-park"], tokens["handlaggare-huge"]
    before = _counts(engine)
    for till in ("finns-inte", "parkenheten"):
        refused = _status(client, nummer, park, status="ej-vart-ansvar", till=till)
        assert refused.status_code == 400, refused.text
    wrong = _status(client, nummer, park, status="mottagen", till="huge")
    assert wrong.status_code == 400
    assert _counts(engine) == before
    forwarded = _status(
        client, nummer, park, status="ej-vart-ansvar", till="huge", notering="Huges mark"
    )
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["status"] == "ny"
    assert forwarded.json()["mottagare"]["slug"] == "huge"
    assert forwarded.json()["detaljer"] is None, "the former receiver no longer sees the details"
    stored = _row(engine, nummer)
    assert stored["mottagare"] == "huge"
    assert stored["huvudman"] == "parkenheten", "the routing is remembered"
    assert stored["stangd"] is None
    assert ("epost", "felanmalan@huge.example", "vidarebefordrad") in _deliveries(engine, nummer)
    events = client.get(f"{URL}/{nummer}", headers=huge).json()["detaljer"]["handelser"]
    assert [
        (e["status"], (e["fran"] or {}).get("slug"), (e["till"] or {}).get("slug")) for e in events
    ] == [
        ("ny", None, "parkenheten"),
        ("ej-vart-ansvar", "parkenheten", "huge"),
        ("ny", None, "huge"),
    ]
    assert events[1]["notering"] == "Huges mark"
    assert _status(client, nummer, park, status="mottagen").status_code == 403
    assert _status(client, nummer, huge, status="mottagen").status_code == 200


@pytest.mark.usefixtures("place")
def test_a_duplicate_names_the_report_it_repeats(
    client: TestClient, engine: Engine, tokens: dict[str, Any]
) -> None:
    first = _create(client, BENCH_PARK)["nummer"]
    second = _create(client, BENCH_PARK)["nummer"]
    handler = tokens["handlaggare-park"]
    before = _counts(engine)
    for change in (
        {"status": "dubblett"},
        {"status": "dubblett", "dubblett_av": second},
        {"status": "dubblett", "dubblett_av": "F-2000-000001"},
        {"status": "mottagen", "dubblett_av": first},
    ):
        refused = _status(client, second, handler, **change)
        assert refused.status_code == 400, (change, refused.text)
    assert _counts(engine) == before
    marked = _status(client, second, handler, status="dubblett", dubblett_av=first)
    assert marked.status_code == 200, marked.text
    assert marked.json()["dubblett_av"] == first
    assert marked.json()["stangd"] is not None
    public = client.get(f"{URL}/{second}").json()
    assert public["status"] == "dubblett"
    assert public["dubblett_av"] == first
    chained = _status(client, first, handler, status="dubblett", dubblett_av=second)
    assert chained.status_code == 400, "a duplicate of a duplicate names the original instead"


# Retention and the command line -----------------------------------------------------------


def test_gallra_removes_contact_and_photos_of_long_closed_reports(
    place: int, client: TestClient, engine: Engine, settings: Settings, tokens: dict[str, Any]
) -> None:
    photo = [("x.png", _image("PNG", (16, 16)), "image/png")]
    numbers = []
    for _ in range(2):
        response = _multipart(
            client, BENCH_PARK, photo, kontakt_epost="d@example.org", kontakt_namn="D"
        )
        assert response.status_code == 201, response.text
        numbers.append(response.json()["nummer"])
        closed = _status(client, numbers[-1], tokens["admin"], status="ej-vart-ansvar")
        assert closed.status_code == 200
    old, recent = numbers
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE felanmalan SET stangd = now() - interval '400 days' WHERE nummer = :n"),
            {"n": old},
        )
        conn.execute(
            text("UPDATE felanmalan SET stangd = now() - interval '10 days' WHERE nummer = :n"),
            {"n": recent},
        )
    done = run_cli(engine, "felanmalan", "gallra", ANSVAR_DATABASE_URL=settings.database_url)
    assert done.returncode == 0, done.stderr
    assert "Gallrat 1 felanmälningar" in done.stdout
    assert "1 foton borttagna" in done.stdout
    gone = _row(engine, old)
    assert (gone["anmalare_namn"], gone["anmalare_epost"], gone["anmalare_telefon"]) == (None,) * 3
    assert gone["gallrad"] is not None
    kept = _row(engine, recent)
    assert kept["anmalare_epost"] == "d@example.org"
    assert kept["gallrad"] is None
    assert ("epost", "(gallrad)", "kvitto") in _deliveries(engine, old)
    assert ("epost", "d@example.org", "kvitto") in _deliveries(engine, recent)
    with engine.connect() as conn:
        photos: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT f.nummer, count(p.id) FROM felanmalan f LEFT JOIN felanmalan_foto p"
                    " ON p.felanmalan_id = f.id WHERE f.nummer = ANY(:n) GROUP BY f.nummer"
                ),
                {"n": numbers},
            ).all()
        )
        audit = conn.execute(
            text(
                "SELECT utford_av, efter::text FROM andringslogg WHERE tabell = 'felanmalan'"
                " AND efter ->> 'id' = :id AND efter ->> 'gallrad' IS NOT NULL AND id > :since"
            ),
            {"id": str(gone["id"]), "since": place},
        ).one()
    assert photos == {old: 0, recent: 1}
    assert audit.utford_av == "gallring"
    again = run_cli(engine, "felanmalan", "gallra", ANSVAR_DATABASE_URL=settings.database_url)
    assert "Gallrat 0 felanmälningar" in again.stdout
    shown = client.get(f"{URL}/{old}", headers=tokens["admin"]).json()
    assert shown["detaljer"]["kontakt"] is None
    assert shown["detaljer"]["gallrad"] is not None


@pytest.mark.usefixtures("place")
def test_the_command_line_lists_shows_and_changes_reports(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    nummer = _create(client, BENCH_PARK, kontakt={"telefon": "08-123 456"})["nummer"]

    def cli(*args: str) -> Any:
        return run_cli(engine, "felanmalan", *args, ANSVAR_DATABASE_URL=settings.database_url)

    listed = cli("lista", "--organisation", "parkenheten")
    assert listed.returncode == 0, listed.stderr
    assert nummer in listed.stdout
    changed = cli("status", nummer, "mottagen", "--notering", "Sett")
    assert changed.returncode == 0, changed.stderr
    assert f"{nummer} har nu status mottagen" in changed.stdout
    shown = cli("visa", nummer)
    assert shown.returncode == 0, shown.stderr
    assert "08-123 456" in shown.stdout
    assert "mottagen" in shown.stdout
    assert "(cli): Sett" in shown.stdout
    before = _counts(engine)
    refused = cli("status", nummer, "atgardad")
    assert refused.returncode == 1
    assert "Tillåtna: pagar, ej-vart-ansvar, dubblett" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _counts(engine) == before
    missing = cli("visa", "F-2000-000001")
    assert missing.returncode == 1
    assert "finns inte" in missing.stderr
    with engine.connect() as conn:
        who = conn.execute(
            text(
                "SELECT e.utford_av FROM felanmalan_handelse e JOIN felanmalan f"
                " ON f.id = e.felanmalan_id WHERE f.nummer = :n AND e.status = 'mottagen'"
            ),
            {"n": nummer},
        ).scalar_one()
    assert who == "cli"


def test_catalogue_sync_also_syncs_the_categories(engine: Engine) -> None:
    done = run_cli(engine, "catalogue", "sync")
    assert done.returncode == 0, done.stderr
    assert "Felkategorierna:" in done.stdout
    with engine.connect() as conn:
        active = conn.execute(text("SELECT count(*) FROM felkategori WHERE aktiv")).scalar_one()
    assert active == len(read_categories())


@pytest.mark.usefixtures("place")
def test_the_answers_are_those_the_api_description_documents(
    client: TestClient, tokens: dict[str, Any]
) -> None:
    created = _create(client, BENCH_PARK, kontakt={"namn": "E"})
    handler = tokens["handlaggare-park"]
    one = client.get(f"{URL}/{created['nummer']}", headers=handler).json()
    ReportOut.model_validate(created)
    ReportOut.model_validate(one)
    assert one["detaljer"]["handelser"] is not None
    ReportList.model_validate(client.get(URL, headers=handler).json())
    lon, lat = local_lonlat(BENCH_PARK)
    near = client.get(f"{URL}/nara", params={"lon": lon, "lat": lat, "kategori": "trasig-mobel"})
    assert NearbyList.model_validate(near.json()).antal >= 1
    for category in client.get("/api/v1/felkategorier").json():
        CategoryOut.model_validate(category)
    changed = _status(client, created["nummer"], handler, status="mottagen")
    ReportOut.model_validate(changed.json())


@pytest.mark.usefixtures("place")
def test_the_service_removes_old_personal_data_when_it_starts(
    client: TestClient, engine: Engine, settings: Settings, tokens: dict[str, Any]
) -> None:
    photo = [("x.png", _image("PNG", (16, 16)), "image/png")]
    response = _multipart(
        client, BENCH_PARK, photo, kontakt_epost="e@example.org", kontakt_namn="E"
    )
    assert response.status_code == 201, response.text
    number = response.json()["nummer"]
    assert _status(client, number, tokens["admin"], status="ej-vart-ansvar").status_code == 200
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE felanmalan SET stangd = now() - interval '400 days' WHERE nummer = :n"),
            {"n": number},
        )
    assert _row(engine, number)["gallrad"] is None
    # The session's app runs no removal (tests/conftest.py); a service that does runs it at start.
    with TestClient(create_app(settings.model_copy(update={"retention_in_service": True}))):
        deadline = time.monotonic() + 30
        while _row(engine, number)["gallrad"] is None and time.monotonic() < deadline:
            time.sleep(0.1)
    gone = _row(engine, number)
    assert gone["gallrad"] is not None
    assert gone["anmalare_epost"] is None
