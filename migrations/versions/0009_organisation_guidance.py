"""Guidance on organisations: what a resident should do when this organisation is the answer.

An optional free text (vagledning) shown with the organisation in every answer, e.g. that a
private owner maintains the land and whom to ask about it. Audited with the organisation row
by the existing trigger.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app/core/text_limits.py FREE_TEXT_LENGTH; a migration keeps its own copy of the value.
FREE_TEXT_LENGTH = 4000


def upgrade() -> None:
    op.add_column("organisation", sa.Column("vagledning", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_organisation_vagledning_length"),
        "organisation",
        f"length(vagledning) BETWEEN 1 AND {FREE_TEXT_LENGTH}",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_organisation_vagledning_length"), "organisation", type_="check")
    op.drop_column("organisation", "vagledning")
