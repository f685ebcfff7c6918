"""Sign-in: server-side sessions, and the OpenID Connect sign-ins under way.

A session is stored by the SHA-256 hash of its random id (the cookie holds the id itself), with
the principal it stands for, its CSRF token and its two timeouts: idle (senast_sedd) and
absolute (giltig_till). A session made by signing in with an API token names the token, so
revoking the token ends its sessions too. A sign-in under way at an OpenID provider keeps its
PKCE verifier, nonce and destination under the hash of its state, for a few minutes.

No audit trigger: sessions are no responsibility data, and every request would log one.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app/models/access.py ROLES and BOUND_ROLES; a migration keeps its own copy of the values.
ROLES = ("lasare", "gis", "admin", "entreprenor", "handlaggare")
BOUND_ROLES = ("entreprenor", "handlaggare")


def upgrade() -> None:
    roles = ", ".join(f"'{role}'" for role in ROLES)
    bound = ", ".join(f"'{role}'" for role in BOUND_ROLES)
    op.create_table(
        "inloggning",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("sessions_hash", sa.Text(), nullable=False),
        sa.Column("csrf_token", sa.Text(), nullable=False),
        sa.Column("roll", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("epost", sa.Text(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("subjekt", sa.Text(), nullable=True),
        sa.Column(
            "skapad", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "senast_sedd",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("giltig_till", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"roll IN ({roles})", name=op.f("ck_inloggning_roll")),
        sa.CheckConstraint(
            f"roll NOT IN ({bound}) OR organisation_id IS NOT NULL",
            name=op.f("ck_inloggning_bunden_roll_har_organisation"),
        ),
        sa.CheckConstraint(
            "token_id IS NOT NULL OR subjekt IS NOT NULL", name=op.f("ck_inloggning_har_ursprung")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_inloggning_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_inloggning_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inloggning")),
        sa.UniqueConstraint("sessions_hash", name=op.f("uq_inloggning_sessions_hash")),
    )
    op.create_table(
        "inloggningsforsok",
        sa.Column("state_hash", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("kodverifierare", sa.Text(), nullable=False),
        sa.Column("nasta", sa.Text(), nullable=False),
        sa.Column(
            "skapad", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_inloggningsforsok")),
    )


def downgrade() -> None:
    op.drop_table("inloggningsforsok")
    op.drop_table("inloggning")
