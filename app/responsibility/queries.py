"""The candidate query: everything the rules need for many points, in one SQL round trip.

Points arrive as two float arrays (EPSG:3006). Per point, a lateral block gathers the nearest
point and line objects within the farthest distance any of them may decide from (the snap
distance; which of them may decide is the rules' business), the area objects within the gap
tolerance (covering ones have distance 0), the parcels within the ambiguity distance with their
owners, and the operations areas covering it. A last row (n NULL) carries, in `gemensamt`, every
organisation referenced with its contacts and guidance, whether the preferred product and the
fault category exist, the category's products and the municipality's name, so the answer needs
nothing more from the database.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from app.responsibility.rules import Tolerances

# How many candidates of each kind are kept per point: enough for runner-ups and ambiguity.
CANDIDATES_PER_KIND = 8

_LIVE = "{a}.valid_from <= :t AND ({a}.valid_to IS NULL OR {a}.valid_to > :t)"


def _objects(kind: str, tolerance: str, rule: str) -> str:
    # The catalogue is joined after the limit: joined inside, the planner may loop over every
    # product and probe the spatial index once per product.
    return f"""
       (SELECT n.regel, n.id, n.version_id, n.extern_id, n.kod, p.namn, n.geometrityp,
               n.huvudman_id, n.avstand, p.prioritet, n.yta
        FROM (SELECT {rule} AS regel, o.objekt_id AS id, o.id AS version_id, o.extern_id,
                     o.skotselprodukt_kod AS kod, o.geometrityp, o.huvudman_id,
                     ST_Distance(o.geom, q.g) AS avstand, ST_Area(o.geom) AS yta
              FROM skotselobjekt o
              WHERE o.geometrityp = '{kind}' AND ST_DWithin(o.geom, q.g, {tolerance})
                AND {_LIVE.format(a="o")}
              ORDER BY ST_Distance(o.geom, q.g) LIMIT {CANDIDATES_PER_KIND}) n
        JOIN skotselprodukt p ON p.kod = n.kod)"""


CANDIDATES_SQL = text(f"""
WITH q AS (
  SELECT u.n, ST_SetSRID(ST_MakePoint(u.x, u.y), 3006) AS g
  FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS u(x, y, n)
),
answers AS MATERIALIZED (
  SELECT q.n,
    (NOT EXISTS (SELECT 1 FROM kommungrans WHERE kommunkod = :kommun)
     OR EXISTS (SELECT 1 FROM kommungrans k
                WHERE k.kommunkod = :kommun AND ST_Covers(k.geom, q.g))) AS inom_kommunen,
    (SELECT coalesce(json_agg(c), '[]'::json) FROM (
      {_objects("punkt", ":objekt_m", "1")}
      UNION ALL
      {_objects("linje", ":objekt_m", "2")}
      UNION ALL
      {_objects("yta", ":yta_m", "CASE WHEN ST_Covers(o.geom, q.g) THEN 3 ELSE 4 END")}
    ) c) AS kandidater,
    (SELECT coalesce(json_agg(f), '[]'::json) FROM (
       SELECT fa.id, fa.beteckning, ST_Covers(fa.geom, q.g) AS tacker,
              ST_Distance(fa.geom, q.g) AS avstand,
              ARRAY(SELECT a.organisation_id FROM fastighetsagare a
                    WHERE a.registerenhetsreferens = fa.registerenhetsreferens
                      AND {_LIVE.format(a="a")}
                    ORDER BY a.organisation_id) AS agare
       FROM fastighet fa
       WHERE ST_DWithin(fa.geom, q.g, :tvetydig_m) AND {_LIVE.format(a="fa")}
       ORDER BY ST_Distance(fa.geom, q.g), fa.id LIMIT {CANDIDATES_PER_KIND}
    ) f) AS fastigheter,
    (SELECT coalesce(json_agg(d), '[]'::json) FROM (
       SELECT d.id, d.namn, d.bestallare_id, d.utforare_id, d.avtal_fran, d.avtal_till
       FROM driftomrade d
       WHERE ST_Covers(d.geom, q.g) AND d.avtal_fran <= :dag
         AND (d.avtal_till IS NULL OR d.avtal_till >= :dag)
       ORDER BY d.avtal_fran DESC, d.id
    ) d) AS driftomraden
  FROM q
),
refs AS (
  SELECT (c ->> 'huvudman_id')::int AS id FROM answers, json_array_elements(kandidater) c
  UNION SELECT json_array_elements_text(f -> 'agare')::int
        FROM answers, json_array_elements(fastigheter) f
  UNION SELECT (d ->> 'bestallare_id')::int FROM answers, json_array_elements(driftomraden) d
  UNION SELECT (d ->> 'utforare_id')::int FROM answers, json_array_elements(driftomraden) d
)
SELECT n, inom_kommunen, kandidater, fastigheter, driftomraden, NULL::json AS gemensamt
FROM answers
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, json_build_object(
  'produkt_finns', EXISTS (SELECT 1 FROM skotselprodukt WHERE kod = :produkt),
  'kategori_produkter', (SELECT to_json(produkter) FROM felkategori
                         WHERE kod = :kategori AND aktiv),
  'kommun', (SELECT namn FROM kommungrans WHERE kommunkod = :kommun),
  'organisationer', (
    SELECT coalesce(json_object_agg(o.id, json_build_object(
      'slug', o.slug, 'namn', o.namn, 'kortnamn', o.kortnamn, 'typ', o.typ,
      'vagledning', o.vagledning,
      'kontakter', coalesce((
        SELECT json_agg(json_build_object(
          'roll', k.roll, 'telefon', k.telefon, 'epost', k.epost,
          'felanmalan_url', k.felanmalan_url, 'oppettider', k.oppettider,
          'exempeldata', k.exempeldata) ORDER BY k.sortering, k.id)
        FROM kontakt k WHERE k.organisation_id = o.id), '[]'::json))), '{{}}'::json)
    FROM organisation o WHERE o.id IN (SELECT id FROM refs)))
""")


def candidate_params(
    xs: list[float],
    ys: list[float],
    *,
    preferred: str | None,
    category: str | None = None,
    at: datetime,
    day: date,
    municipality: str,
    tolerances: Tolerances,
) -> dict[str, Any]:
    """Bind parameters of CANDIDATES_SQL."""
    return {
        "xs": xs,
        "ys": ys,
        "t": at,
        "dag": day,
        "kommun": municipality,
        "produkt": preferred,
        "kategori": category,
        "objekt_m": tolerances.reach_m,
        "yta_m": tolerances.area_gap_m,
        "tvetydig_m": max(tolerances.ambiguity_m, 0.0),
    }


# In psycopg's parameter style: the 1-based numbers of the points that lie in an operations
# area the organisation performs.
WITHIN_PERFORMED_AREAS_SQL = """
SELECT coalesce(array_agg(u.n), '{}') FROM unnest(%(xs)s::float8[], %(ys)s::float8[])
  WITH ORDINALITY AS u(x, y, n)
WHERE EXISTS (SELECT 1 FROM driftomrade d WHERE d.utforare_id = %(org)s
              AND ST_Covers(d.geom, ST_SetSRID(ST_MakePoint(u.x, u.y), 3006)))
"""
