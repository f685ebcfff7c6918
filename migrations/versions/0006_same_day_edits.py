"""Edits and handovers may start on the day the current version started, e.g. today.

An import (or an edit) earlier today opens a version from that moment; a handover dated today
means local midnight, which is earlier. Such a change now applies to that version in place,
from its own start: no version of zero length, and the version before it still ends where this
one starts. A start on an earlier day than the current version is still refused.
Days are local days (Europe/Stockholm), as the service's dates are.

Also an index of closed versions by object id: the layers show the version that holds now,
which is a closed one when a later version is already dated (a handover next week).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
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
EFFECTIVE = "coalesce(nullif(current_setting('ansvar.giltig_fran', true), '')::timestamptz, now())"
LOCAL_TIME_ZONE = "Europe/Stockholm"

# 0004's refusal: any start before the current version's.
_REFUSE_EARLIER = """ELSIF OLD.valid_from > moment THEN
    RAISE EXCEPTION 'Ändringen kan inte gälla från % när versionen gäller från %', moment, OLD.valid_from
      USING ERRCODE = 'check_violation';
  END IF;"""
# Only a start before the local day the current version started on is refused; from that day
# on, the change applies to the current version in place (from its own start).
_REFUSE_EARLIER_DAY = f"""ELSIF moment < date_trunc('day', OLD.valid_from, '{LOCAL_TIME_ZONE}') THEN
    RAISE EXCEPTION 'Ändringen kan inte gälla från % när versionen gäller från %; tidigast från %',
      to_char(moment AT TIME ZONE '{LOCAL_TIME_ZONE}', 'YYYY-MM-DD HH24:MI'),
      to_char(OLD.valid_from AT TIME ZONE '{LOCAL_TIME_ZONE}', 'YYYY-MM-DD HH24:MI'),
      to_char(OLD.valid_from AT TIME ZONE '{LOCAL_TIME_ZONE}', 'YYYY-MM-DD')
      USING ERRCODE = 'check_violation';
  END IF;  -- from the start of that day on: in place, from the version's own start"""

CLOSED_INDEXES = (
    ("ix_skotselobjekt_avslutad_objekt_id", "skotselobjekt", "objekt_id"),
    ("ix_fastighet_avslutad_objektidentitet", "fastighet", "objektidentitet"),
)


def _function(refusal: str) -> str:
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
  moment timestamptz := {EFFECTIVE};
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
  {refusal}
  RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.execute(_function(_REFUSE_EARLIER_DAY))
    for name, table, column in CLOSED_INDEXES:
        op.create_index(name, table, [column], postgresql_where=sa.text("valid_to IS NOT NULL"))


def downgrade() -> None:
    for name, table, _ in CLOSED_INDEXES:
        op.drop_index(name, table_name=table)
    op.execute(_function(_REFUSE_EARLIER))
