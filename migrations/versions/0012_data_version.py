"""The data version: a row per transaction that writes a table the analysis reads.

A statement-level trigger on each versioned table inserts the writing transaction's id once
(ON CONFLICT DO NOTHING). A reader's (count, max) over the rows it can see names the set of
committed changes: rows only appear at commit, so the count grows with every commit, and the
max tells a table emptied and refilled (a larger id) from the one before. No row is updated,
so writers never wait for each other here.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.data_version.VERSIONED_TABLES when this migration was written.
TABLES = ("skotselobjekt", "driftomrade", "fastighet", "organisation", "skotselprodukt", "a_pris")


def upgrade() -> None:
    op.create_table(
        "dataversion",
        sa.Column(
            "transaktion",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id())::text::bigint"),
            nullable=False,
        ),
        sa.Column(
            "tid", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("transaktion", name=op.f("pk_dataversion")),
    )
    op.execute(
        """
        CREATE FUNCTION dataversion_registrera() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO dataversion DEFAULT VALUES ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER dataversion AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION dataversion_registrera()"
        )
    op.execute("INSERT INTO dataversion DEFAULT VALUES")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER dataversion ON {table}")
    op.execute("DROP FUNCTION dataversion_registrera()")
    op.drop_table("dataversion")
