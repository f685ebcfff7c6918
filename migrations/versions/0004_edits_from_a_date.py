"""Versions of an edit may start at a given moment (ansvar.giltig_fran), e.g. a handover date.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT = (
    "skotselprodukt_kod",
    "geometrityp",
    "huvudman_id",
    "kvalitetsniva",
    "attribut",
    "geom",
    "extern_id",
    "dataleverantor_id",
)


def _function(effective: str) -> str:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT)
    columns = ", ".join(("objekt_id", *CONTENT, "valid_from", "valid_to", "import_id"))
    old_values = ", ".join(
        (
            "OLD.objekt_id",
            *(f"OLD.{c}" for c in CONTENT),
            "OLD.valid_from",
            "moment",
            "OLD.import_id",
        )
    )
    return f"""
CREATE OR REPLACE FUNCTION skotselobjekt_versionera() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moment timestamptz := {effective};
BEGIN
  IF OLD.valid_to IS NOT NULL THEN
    RAISE EXCEPTION 'En avslutad version av skötselobjekt % kan inte ändras', OLD.objekt_id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.valid_to IS NOT NULL OR NOT ({changed}) THEN
    RETURN NEW;
  END IF;
  NEW.objekt_id := OLD.objekt_id;
  IF OLD.valid_from < moment THEN
    INSERT INTO skotselobjekt ({columns}) VALUES ({old_values});
    NEW.valid_from := moment;
  ELSIF OLD.valid_from > moment THEN
    RAISE EXCEPTION 'Ändringen kan inte gälla från % när versionen gäller från %', moment, OLD.valid_from
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.execute(
        _function(
            "coalesce(nullif(current_setting('ansvar.giltig_fran', true), '')::timestamptz, now())"
        )
    )


def downgrade() -> None:
    op.execute(_function("now()"))
