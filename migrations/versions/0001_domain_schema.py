"""Domain schema: organisations, catalogue, parcels, maintenance objects, operations areas.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 14:50:44.322653
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table(
        "kommungrans",
        sa.Column("kommunkod", sa.Text(), nullable=False),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("kalla", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_kommungrans_giltig_geometri")
        ),
        sa.PrimaryKeyConstraint("kommunkod", name=op.f("pk_kommungrans")),
    )
    op.create_geospatial_index(
        "ix_kommungrans_geom",
        "kommungrans",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("kortnamn", sa.Text(), nullable=True),
        sa.Column("typ", sa.Text(), nullable=False),
        sa.Column("overordnad_id", sa.Integer(), nullable=True),
        sa.Column("organisationsnummer", sa.Text(), nullable=True),
        sa.Column("webbplats", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name=op.f("ck_organisation_slug_format")
        ),
        sa.CheckConstraint(
            "typ IN ('kommun', 'forvaltning', 'kommunalt_bolag', 'entreprenor', 'stat', 'privat', 'forening')",
            name=op.f("ck_organisation_typ"),
        ),
        sa.CheckConstraint(
            "overordnad_id IS DISTINCT FROM id", name=op.f("ck_organisation_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["overordnad_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_overordnad_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisation_slug")),
    )
    op.create_table(
        "skotselprodukt",
        sa.Column("kod", sa.Text(), nullable=False),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("kategori", sa.Text(), nullable=False),
        sa.Column("geometrityp", sa.Text(), nullable=False),
        sa.Column("enhet", sa.Text(), nullable=False),
        sa.Column("beskrivning", sa.Text(), nullable=False),
        sa.Column("prioritet", sa.Integer(), nullable=False),
        sa.Column("fyllnadsfarg", sa.Text(), nullable=True),
        sa.Column("fyllnadsopacitet", sa.Float(), nullable=True),
        sa.Column("linjefarg", sa.Text(), nullable=False),
        sa.Column("linjebredd", sa.Float(), nullable=False),
        sa.Column("streckmonster", sa.Text(), nullable=True),
        sa.Column("markor", sa.Text(), nullable=True),
        sa.Column("markorstorlek", sa.Float(), nullable=True),
        sa.Column("sortering", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(geometrityp = 'punkt') = (markor IS NOT NULL AND coalesce(markorstorlek, 0) > 0)",
            name=op.f("ck_skotselprodukt_markor_endast_punkt"),
        ),
        sa.CheckConstraint(
            "(geometrityp, enhet) IN (('yta', 'm²'), ('linje', 'm'), ('punkt', 'st'))",
            name=op.f("ck_skotselprodukt_enhet_matchar_geometrityp"),
        ),
        sa.CheckConstraint(
            "fyllnadsfarg IS NULL OR fyllnadsfarg ~ '^#[0-9a-fA-F]{6}$'",
            name=op.f("ck_skotselprodukt_fyllnadsfarg"),
        ),
        sa.CheckConstraint(
            "kod ~ '^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9.]*$'", name=op.f("ck_skotselprodukt_kod_format")
        ),
        sa.CheckConstraint(
            "linjefarg ~ '^#[0-9a-fA-F]{6}$'", name=op.f("ck_skotselprodukt_linjefarg")
        ),
        sa.CheckConstraint(
            "markor IS NULL OR markor IN ('circle', 'square', 'triangle', 'diamond', 'star', 'cross')",
            name=op.f("ck_skotselprodukt_markor"),
        ),
        sa.CheckConstraint(
            "fyllnadsopacitet IS NULL OR fyllnadsopacitet BETWEEN 0 AND 1",
            name=op.f("ck_skotselprodukt_opacitet"),
        ),
        sa.CheckConstraint("linjebredd >= 0", name=op.f("ck_skotselprodukt_linjebredd")),
        sa.CheckConstraint(
            "prioritet BETWEEN 0 AND 1000", name=op.f("ck_skotselprodukt_prioritet")
        ),
        sa.PrimaryKeyConstraint("kod", name=op.f("pk_skotselprodukt")),
        sa.UniqueConstraint("kod", "geometrityp", name="uq_skotselprodukt_kod_geometrityp"),
    )
    op.create_table(
        "importkorning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("typ", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("filnamn", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("lager", sa.Text(), nullable=True),
        sa.Column("kalla_crs", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'pagar'"), nullable=False),
        sa.Column(
            "startad", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("avslutad", sa.DateTime(timezone=True), nullable=True),
        sa.Column("utford_av", sa.Text(), nullable=True),
        sa.Column("antal_nya", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("antal_andrade", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("antal_oforandrade", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("antal_avslutade", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("antal_avvisade", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pagar', 'klar', 'misslyckad', 'torrkorning')",
            name=op.f("ck_importkorning_status"),
        ),
        sa.CheckConstraint(
            "typ IN ('fastigheter', 'agare', 'skotselobjekt', 'driftomraden', 'kommungrans')",
            name=op.f("ck_importkorning_typ"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_importkorning_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importkorning")),
    )
    op.create_table(
        "kodmappning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kod", sa.Text(), nullable=False),
        sa.Column("benamning", sa.Text(), nullable=True),
        sa.Column("skotselprodukt_kod", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kodmappning_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skotselprodukt_kod"],
            ["skotselprodukt.kod"],
            name=op.f("fk_kodmappning_skotselprodukt_kod_skotselprodukt"),
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kodmappning")),
        sa.UniqueConstraint(
            "organisation_id", "kod", name=op.f("uq_kodmappning_organisation_id_kod")
        ),
    )
    op.create_index(
        op.f("ix_kodmappning_skotselprodukt_kod"),
        "kodmappning",
        ["skotselprodukt_kod"],
        unique=False,
    )
    op.create_table(
        "kontakt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("roll", sa.Text(), nullable=False),
        sa.Column("telefon", sa.Text(), nullable=True),
        sa.Column("epost", sa.Text(), nullable=True),
        sa.Column("felanmalan_url", sa.Text(), nullable=True),
        sa.Column("oppettider", sa.Text(), nullable=True),
        sa.Column("exempeldata", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("sortering", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kontakt_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kontakt")),
    )
    op.create_index(
        op.f("ix_kontakt_organisation_id"), "kontakt", ["organisation_id"], unique=False
    )
    op.create_geospatial_table(
        "driftomrade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namn", sa.Text(), nullable=False),
        sa.Column("bestallare_id", sa.Integer(), nullable=False),
        sa.Column("utforare_id", sa.Integer(), nullable=False),
        sa.Column("avtal_fran", sa.Date(), nullable=False),
        sa.Column("avtal_till", sa.Date(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_driftomrade_giltig_geometri")
        ),
        sa.CheckConstraint(
            "avtal_till IS NULL OR avtal_fran < avtal_till",
            name=op.f("ck_driftomrade_avtalsperiod"),
        ),
        sa.ForeignKeyConstraint(
            ["bestallare_id"],
            ["organisation.id"],
            name=op.f("fk_driftomrade_bestallare_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_driftomrade_import_id_importkorning"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["utforare_id"],
            ["organisation.id"],
            name=op.f("fk_driftomrade_utforare_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driftomrade")),
        sa.UniqueConstraint("namn", name=op.f("uq_driftomrade_namn")),
    )
    op.create_index(
        op.f("ix_driftomrade_bestallare_id"), "driftomrade", ["bestallare_id"], unique=False
    )
    op.create_geospatial_index(
        "ix_driftomrade_geom",
        "driftomrade",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_driftomrade_import_id"), "driftomrade", ["import_id"], unique=False)
    op.create_index(
        op.f("ix_driftomrade_utforare_id"), "driftomrade", ["utforare_id"], unique=False
    )
    op.create_geospatial_table(
        "fastighet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objektidentitet", sa.UUID(), nullable=False),
        sa.Column("registerenhetsreferens", sa.UUID(), nullable=False),
        sa.Column("beteckning", sa.Text(), nullable=False),
        sa.Column("kommunnamn", sa.Text(), nullable=False),
        sa.Column("trakt", sa.Text(), nullable=False),
        sa.Column("block", sa.Text(), nullable=True),
        sa.Column("enhet", sa.Integer(), nullable=True),
        sa.Column("omradesnummer", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("etikett", sa.Text(), nullable=True),
        sa.Column("objekttyp", sa.Text(), nullable=True),
        sa.Column("lanskod", sa.Text(), nullable=True),
        sa.Column("kommunkod", sa.Text(), nullable=True),
        sa.Column("samjelittera", sa.Text(), nullable=True),
        sa.Column("osakertlage", sa.Boolean(), nullable=True),
        sa.Column("senastandrad", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_fastighet_giltig_geometri")
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from < valid_to", name=op.f("ck_fastighet_giltighetsperiod")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_fastighet_import_id_importkorning"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fastighet")),
    )
    op.create_index(
        "ix_fastighet_beteckning",
        "fastighet",
        ["beteckning"],
        unique=False,
        postgresql_ops={"beteckning": "text_pattern_ops"},
    )
    op.create_geospatial_index(
        "ix_fastighet_geom",
        "fastighet",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_fastighet_import_id"), "fastighet", ["import_id"], unique=False)
    op.create_index(
        op.f("ix_fastighet_registerenhetsreferens"),
        "fastighet",
        ["registerenhetsreferens"],
        unique=False,
    )
    op.create_index(
        "uq_fastighet_aktuell_objektidentitet",
        "fastighet",
        ["objektidentitet"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_table(
        "fastighetsagare",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registerenhetsreferens", sa.UUID(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from < valid_to",
            name=op.f("ck_fastighetsagare_giltighetsperiod"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_fastighetsagare_import_id_importkorning"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_fastighetsagare_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fastighetsagare")),
    )
    op.create_index(
        op.f("ix_fastighetsagare_import_id"), "fastighetsagare", ["import_id"], unique=False
    )
    op.create_index(
        op.f("ix_fastighetsagare_organisation_id"),
        "fastighetsagare",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fastighetsagare_registerenhetsreferens"),
        "fastighetsagare",
        ["registerenhetsreferens"],
        unique=False,
    )
    op.create_index(
        "uq_fastighetsagare_aktuell",
        "fastighetsagare",
        ["registerenhetsreferens", "organisation_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_table(
        "importavvisning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("objekt_ref", sa.Text(), nullable=False),
        sa.Column("orsak", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_importavvisning_import_id_importkorning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importavvisning")),
    )
    op.create_index(
        op.f("ix_importavvisning_import_id"), "importavvisning", ["import_id"], unique=False
    )
    op.create_geospatial_table(
        "skotselobjekt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "objekt_id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column("extern_id", sa.Text(), nullable=True),
        sa.Column("dataleverantor_id", sa.Integer(), nullable=True),
        sa.Column("skotselprodukt_kod", sa.Text(), nullable=False),
        sa.Column("geometrityp", sa.Text(), nullable=False),
        sa.Column("huvudman_id", sa.Integer(), nullable=False),
        sa.Column("kvalitetsniva", sa.Text(), nullable=True),
        sa.Column(
            "attribut",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "CASE geometrityp WHEN 'yta' THEN ST_GeometryType(geom) IN ('ST_Polygon', 'ST_MultiPolygon') WHEN 'linje' THEN ST_GeometryType(geom) IN ('ST_LineString', 'ST_MultiLineString') WHEN 'punkt' THEN ST_GeometryType(geom) = 'ST_Point' ELSE false END",
            name=op.f("ck_skotselobjekt_geometri_matchar_geometrityp"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)",
            name=op.f("ck_skotselobjekt_giltig_geometri"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from < valid_to",
            name=op.f("ck_skotselobjekt_giltighetsperiod"),
        ),
        sa.ForeignKeyConstraint(
            ["dataleverantor_id"],
            ["organisation.id"],
            name=op.f("fk_skotselobjekt_dataleverantor_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["huvudman_id"],
            ["organisation.id"],
            name=op.f("fk_skotselobjekt_huvudman_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["importkorning.id"],
            name=op.f("fk_skotselobjekt_import_id_importkorning"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["skotselprodukt_kod", "geometrityp"],
            ["skotselprodukt.kod", "skotselprodukt.geometrityp"],
            name="fk_skotselobjekt_produkt_och_geometrityp",
            onupdate="RESTRICT",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skotselobjekt")),
    )
    op.create_geospatial_index(
        "ix_skotselobjekt_geom",
        "skotselobjekt",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_skotselobjekt_huvudman_id"), "skotselobjekt", ["huvudman_id"], unique=False
    )
    op.create_index(
        op.f("ix_skotselobjekt_import_id"), "skotselobjekt", ["import_id"], unique=False
    )
    op.create_index(
        "ix_skotselobjekt_produkt",
        "skotselobjekt",
        ["skotselprodukt_kod", "geometrityp"],
        unique=False,
    )
    op.create_index(
        "uq_skotselobjekt_aktuell_extern_id",
        "skotselobjekt",
        ["dataleverantor_id", "extern_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL AND extern_id IS NOT NULL"),
    )
    op.create_index(
        "uq_skotselobjekt_aktuell_objekt_id",
        "skotselobjekt",
        ["objekt_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_skotselobjekt_aktuell_objekt_id",
        table_name="skotselobjekt",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.drop_index(
        "uq_skotselobjekt_aktuell_extern_id",
        table_name="skotselobjekt",
        postgresql_where=sa.text("valid_to IS NULL AND extern_id IS NOT NULL"),
    )
    op.drop_index("ix_skotselobjekt_produkt", table_name="skotselobjekt")
    op.drop_index(op.f("ix_skotselobjekt_import_id"), table_name="skotselobjekt")
    op.drop_index(op.f("ix_skotselobjekt_huvudman_id"), table_name="skotselobjekt")
    op.drop_geospatial_index(
        "ix_skotselobjekt_geom",
        table_name="skotselobjekt",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("skotselobjekt")
    op.drop_index(op.f("ix_importavvisning_import_id"), table_name="importavvisning")
    op.drop_table("importavvisning")
    op.drop_index(
        "uq_fastighetsagare_aktuell",
        table_name="fastighetsagare",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.drop_index(op.f("ix_fastighetsagare_registerenhetsreferens"), table_name="fastighetsagare")
    op.drop_index(op.f("ix_fastighetsagare_organisation_id"), table_name="fastighetsagare")
    op.drop_index(op.f("ix_fastighetsagare_import_id"), table_name="fastighetsagare")
    op.drop_table("fastighetsagare")
    op.drop_index(
        "uq_fastighet_aktuell_objektidentitet",
        table_name="fastighet",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.drop_index(op.f("ix_fastighet_registerenhetsreferens"), table_name="fastighet")
    op.drop_index(op.f("ix_fastighet_import_id"), table_name="fastighet")
    op.drop_geospatial_index(
        "ix_fastighet_geom", table_name="fastighet", postgresql_using="gist", column_name="geom"
    )
    op.drop_index(
        "ix_fastighet_beteckning",
        table_name="fastighet",
        postgresql_ops={"beteckning": "text_pattern_ops"},
    )
    op.drop_geospatial_table("fastighet")
    op.drop_index(op.f("ix_driftomrade_utforare_id"), table_name="driftomrade")
    op.drop_index(op.f("ix_driftomrade_import_id"), table_name="driftomrade")
    op.drop_geospatial_index(
        "ix_driftomrade_geom", table_name="driftomrade", postgresql_using="gist", column_name="geom"
    )
    op.drop_index(op.f("ix_driftomrade_bestallare_id"), table_name="driftomrade")
    op.drop_geospatial_table("driftomrade")
    op.drop_index(op.f("ix_kontakt_organisation_id"), table_name="kontakt")
    op.drop_table("kontakt")
    op.drop_index(op.f("ix_kodmappning_skotselprodukt_kod"), table_name="kodmappning")
    op.drop_table("kodmappning")
    op.drop_table("importkorning")
    op.drop_table("skotselprodukt")
    op.drop_table("organisation")
    op.drop_geospatial_index(
        "ix_kommungrans_geom", table_name="kommungrans", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("kommungrans")
