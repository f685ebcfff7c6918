"""The audit log keeps no token hashes: api_token's rows are logged without token_hash.

A trigger's arguments now name the columns its table's audit rows leave out; api_token's
trigger names token_hash, and the hashes already logged are removed (a downgrade cannot bring
them back, nor should it).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WRITE_AUDIT_ROW = """
CREATE OR REPLACE FUNCTION andringslogg_skriv() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  after_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
BEGIN
  IF TG_NARGS > 0 THEN  -- columns the log must not keep (jsonb - NULL would be NULL)
    before_row := before_row - TG_ARGV;
    after_row := after_row - TG_ARGV;
  END IF;
  INSERT INTO andringslogg (tabell, operation, rad_id, utford_av, orsak, fore, efter)
  VALUES (TG_TABLE_NAME, TG_OP, coalesce(after_row, before_row) ->> 'id',
          coalesce(nullif(current_setting('ansvar.anvandare', true), ''), session_user),
          nullif(current_setting('ansvar.orsak', true), ''),
          before_row, after_row);
  RETURN NULL;
END $$
"""
# As migration 0002 wrote it.
_WRITE_AUDIT_ROW_0002 = """
CREATE OR REPLACE FUNCTION andringslogg_skriv() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


def _token_trigger(arguments: str) -> str:
    return (
        "CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON api_token FOR EACH ROW"
        " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
        f" EXECUTE FUNCTION andringslogg_skriv({arguments})"
    )


def upgrade() -> None:
    op.execute(_WRITE_AUDIT_ROW)
    op.execute("DROP TRIGGER andringslogg ON api_token")
    op.execute(_token_trigger("'token_hash'"))
    op.execute(
        "UPDATE andringslogg SET fore = fore - 'token_hash', efter = efter - 'token_hash'"
        " WHERE tabell = 'api_token'"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER andringslogg ON api_token")
    op.execute(_token_trigger(""))
    op.execute(_WRITE_AUDIT_ROW_0002)
