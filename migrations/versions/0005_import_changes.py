"""What an import did per object: the moment its versions start, retirements and repairs.

New and changed versions are found from the rows themselves (import_id and giltig_fran);
what leaves no trace there is recorded in importhandelse: retired objects, repaired
geometries, and the changes of tables that keep no history (driftomrade).
A rejected row that names an existing object is marked behalls: that object was kept.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "importkorning", sa.Column("giltig_fran", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "importavvisning",
        sa.Column("behalls", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_table(
        "importhandelse",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("slag", sa.Text(), nullable=False),
        sa.Column("objekt_ref", sa.Text(), nullable=False),
        sa.Column("beskrivning", sa.Text(), nullable=True),
        sa.Column("falt", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.CheckConstraint(
            "slag IN ('ny', 'andrad', 'avslutad', 'reparerad')",
            name=op.f("ck_importhandelse_slag"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_importhandelse_import_id_importkorning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importhandelse")),
    )
    op.create_index(
        op.f("ix_importhandelse_import_id"), "importhandelse", ["import_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_importhandelse_import_id"), table_name="importhandelse")
    op.drop_table("importhandelse")
    op.drop_column("importavvisning", "behalls")
    op.drop_column("importkorning", "giltig_fran")
