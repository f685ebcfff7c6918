"""The price list (à-priser) of the coordination analysis: kr per unit and year per product.

A price is for one quality level, or (kvalitetsniva NULL) for every level of the product; at
most one of each per product. Prices are reviewed data (data/a-priser.csv) that an admin may
change, so they are audited like the catalogue by the existing trigger.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "a_pris",
        sa.Column("id", sa.Integer(), sa.Identity(always=True), nullable=False),
        sa.Column("skotselprodukt_kod", sa.Text(), nullable=False),
        sa.Column("kvalitetsniva", sa.Text(), nullable=True),
        sa.Column("enhet", sa.Text(), nullable=False),
        sa.Column("kr_per_enhet_och_ar", sa.Numeric(12, 2), nullable=False),
        sa.Column("kalla", sa.Text(), nullable=False),
        sa.Column("exempeldata", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint("kr_per_enhet_och_ar >= 0", name=op.f("ck_a_pris_pris_ej_negativt")),
        sa.CheckConstraint("enhet IN ('m²', 'm', 'st')", name=op.f("ck_a_pris_enhet")),
        sa.CheckConstraint("length(kalla) BETWEEN 1 AND 1000", name=op.f("ck_a_pris_kalla_langd")),
        sa.CheckConstraint(
            "kvalitetsniva IS NULL OR length(kvalitetsniva) BETWEEN 1 AND 100",
            name=op.f("ck_a_pris_kvalitetsniva_langd"),
        ),
        sa.ForeignKeyConstraint(
            ["skotselprodukt_kod"],
            ["skotselprodukt.kod"],
            name=op.f("fk_a_pris_skotselprodukt_kod_skotselprodukt"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_a_pris")),
        sa.UniqueConstraint(
            "skotselprodukt_kod",
            "kvalitetsniva",
            name="uq_a_pris_produkt_kvalitetsniva",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.execute(
        "CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON a_pris FOR EACH ROW"
        " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
        " EXECUTE FUNCTION andringslogg_skriv()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER andringslogg ON a_pris")
    op.drop_table("a_pris")
