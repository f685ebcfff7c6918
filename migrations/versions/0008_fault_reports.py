"""Fault reports (felanmälan): categories, reports, their status history, photos, deliveries.

A report is routed at creation (huvudman, utförare, deciding object, rule, ambiguity) and goes
to a receiving organisation, which may forward it. Its deliveries (e-mail, webhook, receipts)
are rows of an outbox written in the report's own transaction; a worker sends them. The role
`handlaggare` (bound to an organisation) handles reports without editing maintenance data.

Reports, their events and the receiving settings are audited like the other writes, without
the reporter's contact data (removed after closing, so the log must not keep it) and without
a webhook's secret.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("ny", "mottagen", "pagar", "atgardad", "ej-vart-ansvar", "dubblett")
PURPOSES = ("ny", "kopia", "kvitto", "stangd", "vidarebefordrad")
_ROLES_BEFORE = "'lasare', 'gis', 'admin', 'entreprenor'"
_ROLES_AFTER = _ROLES_BEFORE + ", 'handlaggare'"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _audit(table: str, left_out: str = "") -> str:
    return (
        f"CREATE TRIGGER andringslogg AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW"
        " WHEN (coalesce(current_setting('ansvar.massimport', true), '') <> 'on')"
        f" EXECUTE FUNCTION andringslogg_skriv({left_out})"
    )


def upgrade() -> None:
    op.execute(f"""
CREATE TABLE felkategori (
  kod text PRIMARY KEY CHECK (kod ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  namn text NOT NULL CHECK (length(namn) BETWEEN 1 AND 200),
  beskrivning text NOT NULL DEFAULT '' CHECK (length(beskrivning) <= 4000),
  produkter text[] NOT NULL DEFAULT '{{}}',
  ordning integer NOT NULL DEFAULT 0,
  aktiv boolean NOT NULL DEFAULT true
);

CREATE TABLE felanmalan_mottagning (
  organisation_id integer PRIMARY KEY REFERENCES organisation(id) ON DELETE CASCADE,
  epost text CHECK (length(epost) <= 254),
  webhook_url text CHECK (webhook_url ~ '^https?://' AND length(webhook_url) <= 2000),
  webhook_hemlighet text CHECK (length(webhook_hemlighet) BETWEEN 16 AND 200),
  kopia_till_utforare boolean NOT NULL DEFAULT false,
  CHECK (webhook_url IS NULL OR webhook_hemlighet IS NOT NULL)
);

CREATE SEQUENCE felanmalan_nummer_seq;

CREATE TABLE felanmalan (
  id bigserial PRIMARY KEY,
  nummer text NOT NULL CONSTRAINT uq_felanmalan_nummer UNIQUE
    CHECK (nummer ~ '^F-[0-9]{{4}}-[0-9]{{6,}}$'),
  geom geometry(Point, 3006) NOT NULL CHECK (ST_IsValid(geom)),
  kategori text NOT NULL REFERENCES felkategori(kod) ON DELETE RESTRICT,
  beskrivning text NOT NULL DEFAULT '' CHECK (length(beskrivning) <= 4000),
  status text NOT NULL DEFAULT 'ny' CHECK (status IN ({_quoted(STATUSES)})),
  mottagare_id integer NOT NULL REFERENCES organisation(id) ON DELETE RESTRICT,
  huvudman_id integer REFERENCES organisation(id) ON DELETE RESTRICT,
  utforare_id integer REFERENCES organisation(id) ON DELETE RESTRICT,
  driftomrade_id integer REFERENCES driftomrade(id) ON DELETE SET NULL,
  beslutande_objekt uuid,
  regel text,
  tvetydig boolean NOT NULL DEFAULT false,
  dubblett_av bigint REFERENCES felanmalan(id) ON DELETE SET NULL
    CHECK (dubblett_av IS DISTINCT FROM id),
  protokoll text CHECK (length(protokoll) <= 100),
  anmald_av text CHECK (length(anmald_av) <= 300),
  anmalare_namn text CHECK (length(anmalare_namn) <= 200),
  anmalare_epost text CHECK (length(anmalare_epost) <= 254),
  anmalare_telefon text CHECK (length(anmalare_telefon) <= 50),
  skapad timestamptz NOT NULL DEFAULT now(),
  andrad timestamptz NOT NULL DEFAULT now(),
  stangd timestamptz,
  gallrad timestamptz,
  CHECK ((status = 'dubblett') = (dubblett_av IS NOT NULL)),
  CHECK ((status IN ('atgardad', 'ej-vart-ansvar', 'dubblett')) = (stangd IS NOT NULL))
);
CREATE INDEX ix_felanmalan_geom ON felanmalan USING gist (geom);
CREATE INDEX ix_felanmalan_mottagare_status ON felanmalan (mottagare_id, status);
CREATE INDEX ix_felanmalan_protokoll ON felanmalan (protokoll) WHERE protokoll IS NOT NULL;
CREATE INDEX ix_felanmalan_gallras ON felanmalan (stangd)
  WHERE stangd IS NOT NULL AND gallrad IS NULL;

CREATE TABLE felanmalan_handelse (
  id bigserial PRIMARY KEY,
  felanmalan_id bigint NOT NULL REFERENCES felanmalan(id) ON DELETE CASCADE,
  tid timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL CHECK (status IN ({_quoted(STATUSES)})),
  fran_id integer REFERENCES organisation(id) ON DELETE RESTRICT,
  till_id integer REFERENCES organisation(id) ON DELETE RESTRICT,
  utford_av text CHECK (length(utford_av) <= 300),
  notering text NOT NULL DEFAULT '' CHECK (length(notering) <= 4000)
);
CREATE INDEX ix_felanmalan_handelse_felanmalan ON felanmalan_handelse (felanmalan_id, tid);

CREATE TABLE felanmalan_foto (
  id bigserial PRIMARY KEY,
  felanmalan_id bigint NOT NULL REFERENCES felanmalan(id) ON DELETE CASCADE,
  nummer smallint NOT NULL CHECK (nummer BETWEEN 1 AND 3),
  mediatyp text NOT NULL CHECK (mediatyp IN ('image/jpeg', 'image/png', 'image/webp')),
  bredd integer NOT NULL CHECK (bredd BETWEEN 1 AND 2048),
  hojd integer NOT NULL CHECK (hojd BETWEEN 1 AND 2048),
  data bytea NOT NULL,
  CONSTRAINT uq_felanmalan_foto_felanmalan_id_nummer UNIQUE (felanmalan_id, nummer)
);

CREATE TABLE leverans (
  id bigserial PRIMARY KEY,
  felanmalan_id bigint NOT NULL REFERENCES felanmalan(id) ON DELETE CASCADE,
  meddelande_id uuid NOT NULL CONSTRAINT uq_leverans_meddelande_id UNIQUE
    DEFAULT gen_random_uuid(),
  kanal text NOT NULL CHECK (kanal IN ('epost', 'webhook')),
  adress text NOT NULL CHECK (length(adress) <= 2000),
  syfte text NOT NULL CHECK (syfte IN ({_quoted(PURPOSES)})),
  status text NOT NULL DEFAULT 'vantar' CHECK (status IN ('vantar', 'skickad', 'avbruten')),
  forsok integer NOT NULL DEFAULT 0,
  nasta_forsok timestamptz NOT NULL DEFAULT now(),
  senaste_fel text,
  skapad timestamptz NOT NULL DEFAULT now(),
  skickad timestamptz
);
CREATE INDEX ix_leverans_att_skicka ON leverans (nasta_forsok) WHERE status = 'vantar';
CREATE INDEX ix_leverans_felanmalan ON leverans (felanmalan_id);

ALTER TABLE api_token DROP CONSTRAINT ck_api_token_roll;
ALTER TABLE api_token ADD CONSTRAINT ck_api_token_roll CHECK (roll IN ({_ROLES_AFTER}));
ALTER TABLE api_token ADD CONSTRAINT ck_api_token_handlaggare_har_organisation
  CHECK (roll <> 'handlaggare' OR organisation_id IS NOT NULL);
""")
    op.execute(_audit("felkategori"))
    op.execute(_audit("felanmalan_mottagning", "'webhook_hemlighet'"))
    op.execute(_audit("felanmalan", "'anmalare_namn', 'anmalare_epost', 'anmalare_telefon'"))
    op.execute(_audit("felanmalan_handelse"))


def downgrade() -> None:
    op.execute(f"""
DELETE FROM api_token WHERE roll = 'handlaggare';
ALTER TABLE api_token DROP CONSTRAINT ck_api_token_handlaggare_har_organisation;
ALTER TABLE api_token DROP CONSTRAINT ck_api_token_roll;
ALTER TABLE api_token ADD CONSTRAINT ck_api_token_roll CHECK (roll IN ({_ROLES_BEFORE}));
DROP TABLE leverans;
DROP TABLE felanmalan_foto;
DROP TABLE felanmalan_handelse;
DROP TABLE felanmalan;
DROP SEQUENCE felanmalan_nummer_seq;
DROP TABLE felanmalan_mottagning;
DROP TABLE felkategori;
""")
