"""The quality levels (kvalitetsnivåer): what is done at each level of a product and how often.

One row per task (moment) of a product at a level, in the order of the reviewed file
(data/kvalitetsnivaer.csv). Reviewed data an import replaces, audited like the price list. Not
in the data version of 0012: the coordination analysis never reads what a level means, so a
changed description must not throw its cached results away.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kvalitetsniva_moment",
        sa.Column("id", sa.Integer(), sa.Identity(always=True), nullable=False),
        sa.Column("skotselprodukt_kod", sa.Text(), nullable=False),
        sa.Column("kvalitetsniva", sa.Text(), nullable=False),
        sa.Column("moment", sa.Text(), nullable=False),
        sa.Column("utforande", sa.Text(), nullable=False),
        sa.Column("frekvens", sa.Text(), nullable=False),
        sa.Column("exempeldata", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("sortering", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(kvalitetsniva) BETWEEN 1 AND 100",
            name=op.f("ck_kvalitetsniva_moment_kvalitetsniva_langd"),
        ),
        sa.CheckConstraint(
            "length(moment) BETWEEN 1 AND 200", name=op.f("ck_kvalitetsniva_moment_moment_langd")
        ),
        sa.CheckConstraint(
            "length(utforande) BETWEEN 1 AND 2000",
            name=op.f("ck_kvalitetsniva_moment_utforande_langd"),
        ),
        sa.CheckConstraint(
            "length(frekvens) BETWEEN 1 AND 500",
            name=op.f("ck_kvalitetsniva_moment_frekvens_langd"),
        ),
        sa.CheckConstraint("sortering >= 1", name=op.f("ck_kvalitetsniva_moment_sortering")),
        sa.ForeignKeyConstraint(
            ["skotselprodukt_kod"],
            ["skotselprodukt.kod"],
            name=op.f("fk_kvalitetsniva_moment_skotselprodukt_kod_skotselprodukt"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kvalitetsniva_moment")),
        sa.UniqueConstraint(
            "skotselprodukt_kod",
            "kvalitetsniva",
            "moment",
            name="uq_kvalitetsniva_moment_produkt_niva_moment",
        ),
    )
    op.execute(
        "CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON kvalitetsniva_moment"
        " FOR EACH ROW"
        " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
        " EXECUTE FUNCTION andringslogg_skriv()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER andringslogg ON kvalitetsniva_moment")
    op.drop_table("kvalitetsniva_moment")
