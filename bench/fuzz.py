"""The long fuzzing run: the whole API from its OpenAPI, as every identity, thousands of cases.

    .venv/bin/python -m bench.fuzz [--seed 14] [--examples 100] [--no-coverage] [--workers 1]

The service runs in its own uvicorn process on the database `<owner's database>_fuzz` (reset
and seeded with the hand-made patch each run, since fuzzed writes change data). Prints the
cases run per identity and every distinct failure with a curl command to reproduce it; exits
1 when there is one. The bounded run in `make test` is `tests/test_fuzz.py`.
"""

import argparse
import time

from app.core.settings import get_settings
from tests.support.db_admin import sibling_database_url
from tests.support.fuzz import (
    FUZZ_DATABASE_SUFFIX,
    IDENTITIES,
    FuzzOutcome,
    identity_headers,
    prepare_database,
    run_identity,
    seed_from_environment,
)
from tests.support.servers import running_server


def main() -> None:
    """Run the long fuzzing and print what it found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=seed_from_environment())
    parser.add_argument(
        "--examples",
        type=int,
        default=100,
        help="generated cases per operation, identity and mode (positive, negative)",
    )
    parser.add_argument(
        "--no-coverage",
        action="store_true",
        help="skip the coverage phase (boundary and invalid values of every parameter)",
    )
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    # The owner's URL: the run creates and migrates its database (the service then runs as it).
    url = sibling_database_url(get_settings().owner_database_url, FUZZ_DATABASE_SUFFIX)
    engine = prepare_database(url)
    try:
        headers = identity_headers(engine, IDENTITIES)
    finally:
        engine.dispose()
    outcome = FuzzOutcome(seed=args.seed)
    print(f"fuzz: seed {args.seed}, {args.examples} examples per operation", flush=True)
    started = time.perf_counter()
    with running_server(url, quiet=True, ANSVAR_BASEMAP_URL="") as base_url:
        for identity in IDENTITIES:
            before = (outcome.cases, len(outcome.failures))
            run_identity(
                outcome,
                base_url,
                identity.name,
                headers[identity.name],
                max_examples=args.examples,
                coverage=not args.no_coverage,
                workers=args.workers,
            )
            print(
                f"fuzz: {identity.name}: {outcome.cases - before[0]} cases,"
                f" {len(outcome.failures) - before[1]} new failures"
                f" ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    print(outcome.summary())
    print(f"fuzz: {time.perf_counter() - started:.0f} s")
    if outcome.failures or outcome.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
