"""History and audit in the database itself, so edits made in QGIS are versioned and audited.

- skotselobjekt: an UPDATE of a current row's content keeps the row (QGIS knows it by id) as
  the new version from now and inserts the old content as a closed version; a DELETE of a
  current row retires it instead; closed versions cannot be changed.
- andringslogg: every row written to the responsibility tables, with who (the setting
  ansvar.anvandare, else the database user), when, why (ansvar.orsak), before and after.
  Bulk imports set ansvar.massimport and are audited by their importkorning row instead.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDITED = (
    "skotselobjekt",
    "fastighetsagare",
    "driftomrade",
    "organisation",
    "kontakt",
    "skotselprodukt",
    "kodmappning",
)
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


def upgrade() -> None:
    op.create_table(
        "andringslogg",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("tabell", sa.Text(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("rad_id", sa.Text(), nullable=True),
        sa.Column("utford_av", sa.Text(), nullable=False),
        sa.Column(
            "utford_tid",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("orsak", sa.Text(), nullable=True),
        sa.Column("fore", postgresql.JSONB(), nullable=True),
        sa.Column("efter", postgresql.JSONB(), nullable=True),
        sa.CheckConstraint(
            "operation IN ('INSERT', 'UPDATE', 'DELETE')", name=op.f("ck_andringslogg_operation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_andringslogg")),
    )
    op.create_index("ix_andringslogg_tabell_rad_id", "andringslogg", ["tabell", "rad_id"])
    op.create_index("ix_andringslogg_utford_tid", "andringslogg", ["utford_tid"])

    op.execute("""
CREATE FUNCTION andringslogg_skriv() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  after_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
BEGIN
  INSERT INTO andringslogg (tabell, operation, rad_id, utford_av, orsak, fore, efter)
  VALUES (TG_TABLE_NAME, TG_OP, coalesce(after_row, before_row) ->> 'id',
          coalesce(nullif(current_setting('ansvar.anvandare', true), ''), session_user),
          nullif(current_setting('ansvar.orsak', true), ''),
          before_row, after_row);
  RETURN NULL;
END $$
""")
    for table in AUDITED:
        # The condition is checked before any function call, so a bulk import pays next to
        # nothing for the rows it does not log.
        op.execute(
            f"CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW"
            " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
            " EXECUTE FUNCTION andringslogg_skriv()"
        )

    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT)
    columns = ", ".join(("objekt_id", *CONTENT, "valid_from", "valid_to", "import_id"))
    old_values = ", ".join(
        (
            "OLD.objekt_id",
            *(f"OLD.{c}" for c in CONTENT),
            "OLD.valid_from",
            "now()",
            "OLD.import_id",
        )
    )
    op.execute(f"""
CREATE FUNCTION skotselobjekt_versionera() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.valid_to IS NOT NULL THEN
    RAISE EXCEPTION 'En avslutad version av skötselobjekt % kan inte ändras', OLD.objekt_id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.valid_to IS NOT NULL OR NOT ({changed}) THEN
    RETURN NEW;  -- retiring the current version, or nothing of substance changed
  END IF;
  NEW.objekt_id := OLD.objekt_id;
  IF OLD.valid_from < now() THEN
    INSERT INTO skotselobjekt ({columns}) VALUES ({old_values});
    NEW.valid_from := now();
  END IF;  -- edited earlier in the same transaction: that is still one version
  RETURN NEW;
END $$
""")
    op.execute("""
CREATE FUNCTION skotselobjekt_avsluta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.valid_to IS NULL AND OLD.valid_from < now() THEN
    UPDATE skotselobjekt SET valid_to = now() WHERE id = OLD.id;
    RETURN NULL;  -- kept as history instead of deleted
  END IF;
  RETURN OLD;
END $$
""")
    op.execute(
        "CREATE TRIGGER versionera BEFORE UPDATE ON skotselobjekt"
        " FOR EACH ROW EXECUTE FUNCTION skotselobjekt_versionera()"
    )
    op.execute(
        "CREATE TRIGGER avsluta BEFORE DELETE ON skotselobjekt"
        " FOR EACH ROW EXECUTE FUNCTION skotselobjekt_avsluta()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER avsluta ON skotselobjekt")
    op.execute("DROP TRIGGER versionera ON skotselobjekt")
    op.execute("DROP FUNCTION skotselobjekt_avsluta()")
    op.execute("DROP FUNCTION skotselobjekt_versionera()")
    for table in AUDITED:
        op.execute(f"DROP TRIGGER andringslogg ON {table}")
    op.execute("DROP FUNCTION andringslogg_skriv()")
    op.drop_index("ix_andringslogg_utford_tid", table_name="andringslogg")
    op.drop_index("ix_andringslogg_tabell_rad_id", table_name="andringslogg")
    op.drop_table("andringslogg")
