"""API tokens: a role, an optional organisation, a hash (never the token), expiry and revocation.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("roll", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column(
            "skapad", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("giltig_till", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aterkallad", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "roll IN ('lasare', 'gis', 'admin', 'entreprenor')", name=op.f("ck_api_token_roll")
        ),
        sa.CheckConstraint(
            "roll <> 'entreprenor' OR organisation_id IS NOT NULL",
            name=op.f("ck_api_token_entreprenor_har_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_api_token_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.execute(
        "CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON api_token FOR EACH ROW"
        " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
        " EXECUTE FUNCTION andringslogg_skriv()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER andringslogg ON api_token")
    op.drop_table("api_token")
