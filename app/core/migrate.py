"""Running the Alembic migrations from code (CLI, tests, demo)."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from app.core.paths import REPO_ROOT


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
