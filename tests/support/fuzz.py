"""Fuzzing the whole API from its OpenAPI with schemathesis, as each kind of client.

Shared by the bounded test (`tests/test_fuzz.py`, in `make test`) and the long run
(`python -m bench.fuzz`, `make fuzz`). The service runs on a database of its own, seeded with
the hand-made patch (`tests/handmade.py`), since fuzzed writes change data. Every identity
(anonymous, and a token of each role) runs schemathesis' engine, as its command line does,
with the checks below; the failures are collected, not raised, so a run reports them all.
"""

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.engine import events
from sqlalchemy import Engine, create_engine, text

from app.access.tokens import create_token
from app.catalogue.catalogue_file import read_catalogue
from app.catalogue.sync import sync_catalogue
from app.core.migrate import upgrade
from app.core.paths import CATALOGUE_CSV, DEMO_DATA_DIR
from app.core.problems import PROBLEM_MEDIA_TYPE
from app.demo.load import reset_data
from app.organisations.service import read_organisations, upsert_organisations
from app.reports.categories import read_categories, sync_categories
from tests.handmade import build_fixture
from tests.support.db_admin import ensure_database

SEED_ENV = "ANSVAR_FUZZ_SEED"
DEFAULT_SEED = 14
FUZZ_DATABASE_SUFFIX = "_fuzz"
# Paths with an error format of their own (Open311 answers in its own JSON); none exists yet.
OWN_ERROR_FORMAT_PREFIXES = ("/open311",)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "errors_are_problem_json",
)
TOKEN_NAME_PREFIX = "fuzz "


@dataclass(frozen=True)
class Identity:
    """Who a run's requests come from: anonymous (no role) or a token of a role."""

    name: str
    role: str | None = None
    organisation: str | None = None


IDENTITIES = (
    Identity("anonym"),
    Identity("lasare", "lasare"),
    Identity("gis", "gis"),
    Identity("gis-huge", "gis", "huge"),
    Identity("entreprenor", "entreprenor", "sodertorns-parkdrift"),
    Identity("admin", "admin"),
)


def seed_from_environment() -> int:
    """The seed of a run: ANSVAR_FUZZ_SEED, else the fixed default."""
    return int(os.environ.get(SEED_ENV, DEFAULT_SEED))


def prepare_database(url: str) -> Engine:
    """A migrated database with the catalogue, the demo organisations and the hand-made patch."""
    ensure_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
        reset_data(conn)
        sync_catalogue(conn, read_catalogue(CATALOGUE_CSV))
        sync_categories(conn, read_categories())
        upsert_organisations(conn, read_organisations(DEMO_DATA_DIR / "organisationer.json"))
        build_fixture(conn)
        conn.execute(
            text("DELETE FROM api_token WHERE namn LIKE :prefix"),
            {"prefix": TOKEN_NAME_PREFIX + "%"},
        )
    return engine


def identity_headers(engine: Engine, identities: Iterable[Identity]) -> dict[str, dict[str, str]]:
    """The request headers of each identity: a fresh bearer token of its role, or none."""
    headers: dict[str, dict[str, str]] = {}
    with engine.begin() as conn:
        for identity in identities:
            if identity.role is None:
                headers[identity.name] = {}
                continue
            _, token = create_token(
                conn,
                name=TOKEN_NAME_PREFIX + identity.name,
                role=identity.role,
                organisation=identity.organisation,
                days=1,
            )
            headers[identity.name] = {"Authorization": f"Bearer {token}"}
    return headers


@schemathesis.check
def errors_are_problem_json(
    ctx: schemathesis.CheckContext,  # noqa: ARG001 (schemathesis' signature)
    response: schemathesis.Response,
    case: schemathesis.Case[Any],
) -> bool | None:
    """Every 4xx is application/problem+json (except on paths with their own error format)."""
    # A check returns True when it does not apply (schemathesis records it as skipped).
    if not 400 <= response.status_code < 500:
        return True
    if case.formatted_path.startswith(OWN_ERROR_FORMAT_PREFIXES):
        return True
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media_type != PROBLEM_MEDIA_TYPE:
        raise AssertionError(
            f"{response.status_code} answered as '{media_type}', not {PROBLEM_MEDIA_TYPE}"
        )
    return None


@dataclass(frozen=True)
class FuzzFailure:
    """One distinct failure: which check, on which operation, and how to reproduce it."""

    identity: str
    operation: str
    check: str
    title: str
    message: str
    status: int | None
    answer: str
    curl: str

    def describe(self) -> str:
        """The failure in a few lines, for a test's message or the long run's output."""
        lines = [f"[{self.identity}] {self.operation}: {self.check} ({self.status}) {self.title}"]
        lines += [f"    {part[:600]}" for part in (self.message.strip(), self.answer) if part]
        return "\n".join([*lines, f"    {self.curl}"])


@dataclass
class FuzzOutcome:
    """What a run did: cases sent, distinct failures, errors of the engine itself."""

    seed: int
    cases: int = 0
    cases_by_identity: dict[str, int] = field(default_factory=dict)
    failures: list[FuzzFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def slowest(self, count: int = 5) -> str:
        """The operations that took the most time, with their seconds."""
        ranked = sorted(self.seconds_by_operation.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{operation} {seconds:.0f} s" for operation, seconds in ranked)

    def summary(self) -> str:
        """Cases run, failures and errors in one paragraph."""
        per_identity = ", ".join(f"{k} {v}" for k, v in self.cases_by_identity.items())
        lines = [
            f"fuzz seed {self.seed}: {self.cases} cases ({per_identity}),"
            f" {len(self.failures)} failures, {len(self.errors)} errors",
            *(failure.describe() for failure in self.failures),
            *(f"error: {error}" for error in self.errors),
        ]
        return "\n".join(lines)


def fuzz_config(
    base_url: str,
    headers: dict[str, str],
    *,
    seed: int,
    max_examples: int,
    coverage: bool,
    workers: int = 1,
) -> schemathesis.Config:
    """Schemathesis' configuration for one identity's run against base_url."""
    checks: dict[str, Any] = {"enabled": False} | {name: {"enabled": True} for name in CHECKS}
    generation = {"mode": "all", "max-examples": max_examples, "database": "none"}
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "color": False,
            "base-url": base_url,
            "headers": headers,
            "workers": workers,
            "request-timeout": 60,
            "checks": checks,
            "generation": generation,
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "warnings": False,
        }
    )


def _answer_excerpt(response: Any) -> str:
    if response is None or not response.content:
        return ""
    return bytes(response.content[:300]).decode("utf-8", "replace")


def _failures_of(identity: str, recorder: Any) -> Iterable[FuzzFailure]:
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            failure = check.failure_info.failure
            yield FuzzFailure(
                identity=identity,
                operation=recorder.label,
                check=check.name,
                title=failure.title,
                message=failure.message,
                status=response.status_code if response is not None else None,
                answer=_answer_excerpt(response),
                curl=check.failure_info.code_sample,
            )


def run_identity(
    outcome: FuzzOutcome,
    base_url: str,
    identity: str,
    headers: dict[str, str],
    *,
    max_examples: int,
    coverage: bool,
    workers: int = 1,
) -> None:
    """Fuzz every operation as one identity; add its cases and distinct failures to outcome."""
    # Each identity gets inputs of its own, derived from the run's seed and its name.
    config = fuzz_config(
        base_url,
        headers,
        seed=outcome.seed + zlib.crc32(identity.encode()),
        max_examples=max_examples,
        coverage=coverage,
        workers=workers,
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    seen = {(f.identity, f.operation, f.check, f.status) for f in outcome.failures}
    cases = 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            label = event.recorder.label
            spent = outcome.seconds_by_operation.get(label, 0.0) + event.elapsed_time
            outcome.seconds_by_operation[label] = spent
            for failure in _failures_of(identity, event.recorder):
                key = (failure.identity, failure.operation, failure.check, failure.status)
                if key not in seen:
                    seen.add(key)
                    outcome.failures.append(failure)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"[{identity}] {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"[{identity}] {event.exception!r}")
    outcome.cases += cases
    outcome.cases_by_identity[identity] = outcome.cases_by_identity.get(identity, 0) + cases
