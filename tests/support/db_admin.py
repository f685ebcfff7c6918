"""Creating databases for tests and benchmarks."""

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def sibling_database_url(url: str, suffix: str) -> str:
    """The URL of a database next to url's, named with a suffix (credentials kept)."""
    parsed = make_url(url)
    name = (parsed.database or "ansvarskartan").removesuffix("_test") + suffix
    return parsed.set(database=name).render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database with PostGIS if it does not exist yet."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if not exists:
                # Identifier from our own configuration, quoted; never from a request.
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET client_min_messages = warning")
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    """Drop the database if it exists, ending the sessions still connected to it."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # Identifier from our own configuration, quoted; never from a request.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        admin.dispose()
