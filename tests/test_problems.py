"""The catalogue of problem types: each declared once, all rendered from their declaration."""

import importlib
import json
import pkgutil
import subprocess
import sys

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

import app
from app.core.problems import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    Conflict,
    InvalidInput,
    install_problem_handlers,
    problem_types,
)
from app.core.settings import Settings
from app.export.package import PackageFailed


def _every_module_of_app() -> None:
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)


def _subclasses(cls: type[AppError]) -> list[type[AppError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_problem_type_is_declared_once_in_the_catalogue() -> None:
    _every_module_of_app()
    catalogue = problem_types()
    declaring = [
        c for c in _subclasses(AppError) if "type" in vars(c) and c.__module__.startswith("app.")
    ]
    assert declaring, "the capabilities declare problem types of their own"
    for cls in declaring:
        assert catalogue[cls.type] is cls, f"{cls} is not the catalogue's {cls.type}"
    assert len({c.type for c in declaring}) == len(declaring), "a slug declared twice"
    for slug, cls in catalogue.items():
        assert 400 <= cls.status < 600, slug
        assert cls.title[:1].isupper(), slug
    # The general types the handlers use, and some that live with their capability.
    assert {"hittades-inte", "metoden-stods-inte", "ogiltig-parameter", "internt-fel"} <= set(
        catalogue
    )
    assert {"paketet-misslyckades", "massavslut-kraver-bekraftelse", "atkomst-nekad"} <= set(
        catalogue
    )


# Types only the command line raises: the HTTP API, and so its OpenAPI document, never has them.
COMMAND_LINE_ONLY = {"ogiltig-katalog"}  # the catalogue file, read by `catalogue sync`


def test_the_application_alone_registers_every_type_it_can_answer_with() -> None:
    """The OpenAPI document lists the catalogue as app.main sees it: it must be complete."""
    _every_module_of_app()
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, app.main; from app.core.problems import problem_types;"
            " print(json.dumps(sorted(problem_types())))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout) == sorted(set(problem_types()) - COMMAND_LINE_ONLY)


def test_a_slug_declared_twice_or_half_declared_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="declared twice"):

        class Again(Conflict):
            type = "hittades-inte"
            title = "Igen"

    with pytest.raises(TypeError, match="both type and title"):

        class Half(InvalidInput):
            type = "halv-typ"

    with pytest.raises(TypeError, match="both type and title"):

        class OtherStatus(Conflict):
            status = 412

    with pytest.raises(TypeError, match="slug"):

        class NotASlug(InvalidInput):
            type = "Med Mellanslag"
            title = "Fel"

    assert "halv-typ" not in problem_types()


def test_members_of_a_problem_render_flat() -> None:
    problem = PackageFailed("Paketet kunde inte skapas.", orsak=["ingen plats"]).to_problem("/x")
    assert problem == {
        "type": "paketet-misslyckades",
        "title": "Paketet kunde inte skapas",
        "status": 500,
        "detail": "Paketet kunde inte skapas.",
        "instance": "/x",
        "orsak": ["ingen plats"],
    }
    with pytest.raises(TypeError, match="RFC 9457"):
        InvalidInput("fel", status=200)


def _app_raising(error: BaseException) -> TestClient:
    application = FastAPI()
    application.state.settings = Settings(
        database_url="postgresql+psycopg://ansvar@db.example.invalid:5432/ansvarskartan"
    )
    install_problem_handlers(application)

    @application.get("/fel")
    async def fails() -> None:
        raise error

    return TestClient(application, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "error",
    [PermissionError(13, "Permission denied", "/var/lib/ansvarskartan"), OSError("disk full")],
    ids=["permission", "disk"],
)
def test_a_file_error_is_an_internal_error_not_the_database(error: OSError) -> None:
    response = _app_raising(error).get("/fel")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["type"] == "internt-fel"
    assert problem["title"] == "Internt fel"
    assert "databas" not in response.text.lower()


def test_a_lost_database_connection_is_still_database_unreachable() -> None:
    lost = OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused"))
    response = _app_raising(lost).get("/fel")
    assert response.status_code == 503
    problem = response.json()
    assert problem["type"] == "databasen-otillganglig"
    assert "db.example.invalid" in problem["detail"]


def test_the_frameworks_errors_take_their_types_from_the_catalogue(client: TestClient) -> None:
    catalogue = problem_types()
    for path, method, status, slug in (
        ("/api/v1/finns-inte", "GET", 404, "hittades-inte"),
        ("/api/v1/skotselprodukter", "DELETE", 405, "metoden-stods-inte"),
        ("/api/v1/ansvar?lon=norr&lat=59.2", "GET", 400, "ogiltig-parameter"),
    ):
        response = client.request(method, path)
        assert response.status_code == status, path
        problem = response.json()
        assert problem["type"] == slug
        assert problem["title"] == catalogue[slug].title
        assert problem["status"] == status == catalogue[slug].status
        assert problem["instance"] == path.split("?")[0]
