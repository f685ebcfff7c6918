"""Running the Alembic migrations from code (CLI, tests, demo), and the service role's grants."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from app.core.paths import REPO_ROOT
from app.core.problems import AppError


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's Alembic config; with a connection, migrations run on it."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database on connection up to revision."""
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    """Migrate the database on connection down to revision."""
    command.downgrade(alembic_config(connection), revision)


# Every table and sequence of the schema's owner in public, PostGIS' own (extension members)
# left out; the service writes every table but Alembic's record of the schema's version.
_OWNED_RELATIONS = (
    "SELECT c.relname, c.relkind FROM pg_class c "
    "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S') "
    "AND pg_has_role(c.relowner, 'USAGE') "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d "
    "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
    "ORDER BY c.relname"
)
_TABLE_WRITES = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"
_SEQUENCE_USE = "USAGE, SELECT"


def grant_service_role(connection: Connection, role: str) -> bool:
    """Give role what the service needs of this database; True when it is a superuser anyway.

    Reading and writing the data tables (TRUNCATE: the demo reset), using their sequences, and
    the same for tables and sequences the owner makes later (default privileges). Temporary
    tables (imports stage in them), COPY FROM STDIN, advisory locks and custom settings such as
    ansvar.massimport need no grant beyond TEMPORARY on the database.
    """
    superuser = connection.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).scalar_one_or_none()
    if superuser is None:
        # The command line's error; never an HTTP answer.
        raise AppError(
            f"Rollen '{role}' i ANSVAR_DATABASE_URL finns inte. Skapa den (utan superanvändarrätt)"
            " och kör migrate igen."
        )

    def grant(statement: str, *names: str) -> None:
        # The server quotes the identifiers (format's %I); the role comes from configuration.
        sql = connection.execute(
            text("SELECT format(:statement, VARIADIC CAST(:names AS text[]))"),
            {"statement": statement, "names": [*names, role]},
        ).scalar_one()
        connection.exec_driver_sql(sql)

    database = connection.execute(text("SELECT current_database()")).scalar_one()
    grant("GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I", database)
    grant("GRANT USAGE ON SCHEMA public TO %I")
    for name, kind in connection.execute(text(_OWNED_RELATIONS)).all():
        if kind == "S":
            grant(f"GRANT {_SEQUENCE_USE} ON SEQUENCE public.%I TO %I", name)
        else:
            privileges = "SELECT" if name == "alembic_version" else _TABLE_WRITES
            grant(f"GRANT {privileges} ON TABLE public.%I TO %I", name)
    grant(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {_TABLE_WRITES} ON TABLES TO %I")
    grant(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {_SEQUENCE_USE} ON SEQUENCES TO %I")
    return bool(superuser)
