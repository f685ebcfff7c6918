"""How a writer is named where readers see it (history, fault reports): never by e-mail."""

from sqlalchemy import Connection, text

from app.access.tokens import actor_sql


def _named(conn: Connection, signature: str) -> str:
    sql = f"SELECT {actor_sql('CAST(:s AS text)')}"
    return str(conn.execute(text(sql), {"s": signature}).scalar_one())


def test_a_person_signed_in_with_an_account_is_named_without_the_e_mail(conn: Connection) -> None:
    assert _named(conn, "inloggning:anna.berg@huge.example Anna Berg") == "Anna Berg (inloggad)"


def test_a_token_is_named_by_its_name_role_and_organisation(conn: Connection) -> None:
    token_id = conn.execute(
        text(
            "INSERT INTO api_token (namn, roll, organisation_id, token_hash, giltig_till)"
            " SELECT 'GIS Huge', 'gis', id, repeat('a', 64), now() + interval '1 day'"
            " FROM organisation WHERE slug = 'huge' RETURNING id"
        )
    ).scalar_one()
    assert _named(conn, f"token:{token_id} GIS Huge") == "GIS Huge (gis, Huge)"


def test_any_other_signature_is_shown_as_it_is(conn: Connection) -> None:
    assert _named(conn, "import: parcels.gpkg") == "import: parcels.gpkg"
