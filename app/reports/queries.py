"""The statements of fault reports (psycopg's parameter style), and a report row as JSON."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.access.tokens import actor_sql
from app.core.problems import InvalidParameter
from app.models.reports import CLOSED_STATUSES, REPORT_STATUSES, STATUS_TEXT

NEARBY_M = 30.0
_CLOSED = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)

ACTIVE_CATEGORIES = (
    "SELECT kod, namn, beskrivning, produkter, ordning FROM felkategori WHERE aktiv"
    " ORDER BY ordning, kod"
)
ACTIVE_CATEGORY = "SELECT kod, namn, produkter FROM felkategori WHERE kod = %(kod)s AND aktiv"
ORGANISATION_ID = "SELECT id, namn FROM organisation WHERE slug = %(slug)s"

# The organisations whose contractor may handle a report: performers of the receiver's
# operations areas that cover the point.
_CONTRACTORS = (
    "ARRAY(SELECT d.utforare_id FROM driftomrade d WHERE d.bestallare_id = f.mottagare_id"
    " AND ST_Covers(d.geom, f.geom))"
)
# A contractor's token reads the reports of its areas only, like the rest of its reads.
_SCOPE = (
    "(%(contractor)s::int IS NULL OR EXISTS (SELECT 1 FROM driftomrade d"
    " WHERE d.utforare_id = %(contractor)s AND d.bestallare_id = f.mottagare_id"
    " AND ST_Covers(d.geom, f.geom)))"
)

_COLUMNS = f"""
f.id, f.nummer, f.status, f.kategori, k.namn AS kategori_namn,
ST_X(ST_Transform(f.geom, 4326)) AS lon, ST_Y(ST_Transform(f.geom, 4326)) AS lat,
ST_X(f.geom) AS x, ST_Y(f.geom) AS y,
f.mottagare_id, m.slug AS mottagare_slug, m.namn AS mottagare_namn,
f.skapad, f.andrad, f.stangd, dup.nummer AS dubblett_av_nummer,
f.beskrivning, f.anmalare_namn, f.anmalare_epost, f.anmalare_telefon,
CASE WHEN f.anmald_av IS NOT NULL THEN {actor_sql("f.anmald_av")} END AS anmald_av,
h.slug AS huvudman_slug, h.namn AS huvudman_namn,
u.slug AS utforare_slug, u.namn AS utforare_namn,
f.driftomrade_id, dr.namn AS driftomrade_namn, f.beslutande_objekt::text AS beslutande_objekt,
f.regel, f.tvetydig, f.protokoll, f.gallrad,
{_CONTRACTORS} AS entreprenorer,
coalesce((SELECT json_agg(json_build_object('nummer', p.nummer, 'mediatyp', p.mediatyp,
                          'bredd', p.bredd, 'hojd', p.hojd) ORDER BY p.nummer)
          FROM felanmalan_foto p WHERE p.felanmalan_id = f.id), '[]') AS foton
"""  # noqa: S608 (constants and actor_sql of a constant)
_FROM = """
FROM felanmalan f
JOIN felkategori k ON k.kod = f.kategori
JOIN organisation m ON m.id = f.mottagare_id
LEFT JOIN organisation h ON h.id = f.huvudman_id
LEFT JOIN organisation u ON u.id = f.utforare_id
LEFT JOIN driftomrade dr ON dr.id = f.driftomrade_id
LEFT JOIN felanmalan dup ON dup.id = f.dubblett_av
"""

REPORT_BY_NUMBER = f"SELECT {_COLUMNS} {_FROM} WHERE f.nummer = %(nummer)s AND {_SCOPE}"
# A status change holds the report's row until it commits, so two changes cannot interleave.
REPORT_FOR_UPDATE = f"SELECT {_COLUMNS} {_FROM} WHERE f.nummer = %(nummer)s FOR UPDATE OF f"
REPORT_BY_ID = f"SELECT {_COLUMNS} {_FROM} WHERE f.id = %(id)s"

NEARBY = f"""
SELECT {_COLUMNS}, ST_Distance(f.geom, pt.geom) AS avstand_m
{_FROM}
CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 3006) AS geom) pt
WHERE f.kategori = %(kategori)s AND f.status NOT IN ({_CLOSED})
  AND ST_DWithin(f.geom, pt.geom, {NEARBY_M}) AND {_SCOPE}
ORDER BY avstand_m, f.id
LIMIT 50
"""

EVENTS = f"""
SELECT e.tid, e.status, fo.slug AS fran_slug, fo.namn AS fran_namn,
       t.slug AS till_slug, t.namn AS till_namn,
       CASE WHEN e.utford_av IS NOT NULL THEN {actor_sql("e.utford_av")} END AS utford_av,
       e.notering
FROM felanmalan_handelse e
LEFT JOIN organisation fo ON fo.id = e.fran_id
LEFT JOIN organisation t ON t.id = e.till_id
WHERE e.felanmalan_id = %(id)s
ORDER BY e.tid, e.id
"""  # noqa: S608 (actor_sql of a constant)

PHOTO = "SELECT mediatyp, data FROM felanmalan_foto WHERE felanmalan_id = %(id)s AND nummer = %(n)s"

# The number: F-<the year in Swedish time>-<the sequence, at least six digits>.
INSERT_REPORT = """
WITH n AS (SELECT nextval('felanmalan_nummer_seq')::text AS v)
INSERT INTO felanmalan (nummer, geom, kategori, beskrivning, mottagare_id, huvudman_id,
  utforare_id, driftomrade_id, beslutande_objekt, regel, tvetydig, anmald_av,
  anmalare_namn, anmalare_epost, anmalare_telefon)
SELECT 'F-' || to_char(now() AT TIME ZONE 'Europe/Stockholm', 'YYYY') || '-'
         || lpad(n.v, greatest(6, length(n.v)), '0'),
  ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 3006), %(kategori)s, %(beskrivning)s, h.id, h.id,
  (SELECT id FROM organisation WHERE slug = %(utforare)s), %(driftomrade)s,
  CAST(%(objekt)s AS uuid), %(regel)s, %(tvetydig)s, %(anmald_av)s,
  %(namn)s, %(epost)s, %(telefon)s
FROM n, organisation h WHERE h.slug = %(huvudman)s
RETURNING id, nummer, mottagare_id
"""

INSERT_EVENT = """
INSERT INTO felanmalan_handelse (felanmalan_id, status, fran_id, till_id, utford_av, notering)
VALUES (%(id)s, %(status)s, %(fran)s, %(till)s, %(who)s, %(notering)s)
"""

INSERT_PHOTO = """
INSERT INTO felanmalan_foto (felanmalan_id, nummer, mediatyp, bredd, hojd, data)
VALUES (%(id)s, %(n)s, %(mediatyp)s, %(bredd)s, %(hojd)s, %(data)s)
"""

SET_STATUS = f"""
UPDATE felanmalan SET status = %(status)s, andrad = now(),
  stangd = CASE WHEN %(status)s IN ({_CLOSED}) THEN now() END,
  dubblett_av = %(dubblett_av)s
WHERE id = %(id)s
"""  # noqa: S608 (constants)

FORWARD = """
UPDATE felanmalan SET status = 'ny', mottagare_id = %(till)s, andrad = now(), stangd = NULL
WHERE id = %(id)s
"""

DUPLICATE_TARGET = "SELECT id, status, dubblett_av FROM felanmalan WHERE nummer = %(nummer)s"


@dataclass(frozen=True)
class ListFilters:
    """What a list of reports is narrowed to; None: not narrowed."""

    organisation_id: int | None = None
    statuses: tuple[str, ...] = ()
    kategori: str | None = None
    bbox_wkb: bytes | None = None
    from_time: datetime | None = None
    to_time: datetime | None = None
    protokoll: str | None = None
    after: str | None = None
    contractor: int | None = None
    area_id: int | None = None
    oldest_first: bool = False


def parse_statuses(value: str | None) -> tuple[str, ...]:
    """The statuses of a comma-separated filter; () when it is not given."""
    if value is None:
        return ()
    statuses = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in statuses if s not in REPORT_STATUSES]
    if unknown or not statuses:
        raise InvalidParameter(
            f"status kan vara {', '.join(REPORT_STATUSES)} (flera med komma), inte '{value}'."
        )
    return statuses


def _conditions(filters: ListFilters) -> tuple[list[str], dict[str, Any]]:
    """The WHERE conditions of the filters (the caller's scope first) and their parameters."""
    conditions = [_SCOPE]
    params: dict[str, Any] = {"contractor": filters.contractor}
    after = (
        "f.id > (SELECT a.id FROM felanmalan a WHERE a.nummer = %(after)s)"
        if filters.oldest_first
        else "f.id < (SELECT a.id FROM felanmalan a WHERE a.nummer = %(after)s)"
    )
    checks: list[tuple[Any, str, str]] = [
        (filters.organisation_id, "organisation", "f.mottagare_id = %(organisation)s"),
        (list(filters.statuses) or None, "statuses", "f.status = ANY(%(statuses)s)"),
        (filters.kategori, "kategori", "f.kategori = %(kategori)s"),
        (filters.bbox_wkb, "bbox", "ST_Intersects(f.geom, ST_GeomFromWKB(%(bbox)s, 3006))"),
        (
            filters.area_id,
            "area",
            "EXISTS (SELECT 1 FROM driftomrade da WHERE da.id = %(area)s"
            " AND ST_Covers(da.geom, f.geom))",
        ),
        (filters.from_time, "from_time", "f.skapad >= %(from_time)s"),
        (filters.to_time, "to_time", "f.skapad <= %(to_time)s"),
        (filters.protokoll, "protokoll", "f.protokoll = %(protokoll)s"),
        (filters.after, "after", after),
    ]
    for value, name, condition in checks:
        if value is not None:
            conditions.append(condition)
            params[name] = value
    return conditions, params


def list_sql(filters: ListFilters, limit: int) -> tuple[str, dict[str, Any]]:
    """The statement of one page (newest first, or oldest first; one row more than limit)."""
    conditions, params = _conditions(filters)
    params["limit"] = limit + 1
    where = " AND ".join(conditions)
    # Reports are numbered as they come in, so the id orders by age (on the primary key's
    # index, which a LIMIT can walk) and keys the pages.
    order = "f.id" if filters.oldest_first else "f.id DESC"
    return f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY {order} LIMIT %(limit)s", params


def status_counts_sql(filters: ListFilters) -> tuple[str, dict[str, Any]]:
    """How many reports of the filters have each status (statuses without reports left out)."""
    conditions, params = _conditions(filters)
    where = " AND ".join(conditions)
    # The conditions are constants; every value is a parameter.
    grouped = f"FROM felanmalan f WHERE {where} GROUP BY f.status"
    return f"SELECT f.status, count(*) AS antal {grouped}", params


def median_times_sql(filters: ListFilters, days: int) -> tuple[str, dict[str, Any]]:
    """Per category, the reports of the filters marked atgardad in the last days, and the
    median time from reaching their receiver (its latest ny event, else creation) to that."""
    conditions, params = _conditions(filters)
    params["days"] = days
    where = " AND ".join(conditions)
    sql = f"""
WITH handled AS (
  SELECT f.kategori, e.tid - coalesce(
           (SELECT max(r.tid) FROM felanmalan_handelse r WHERE r.felanmalan_id = f.id
              AND r.status = 'ny' AND r.tid <= e.tid), f.skapad) AS took
  FROM felanmalan f
  JOIN felanmalan_handelse e ON e.felanmalan_id = f.id AND e.status = 'atgardad'
  WHERE e.tid >= now() - make_interval(days => %(days)s) AND {where}
)
SELECT h.kategori, k.namn AS kategori_namn, count(*) AS antal,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.took)) AS median_s
FROM handled h JOIN felkategori k ON k.kod = h.kategori
GROUP BY h.kategori, k.namn, k.ordning
ORDER BY k.ordning, h.kategori
"""  # noqa: S608 (the conditions are constants; every value is a parameter)
    return sql, params


def _name(slug: str | None, name: str | None) -> dict[str, str] | None:
    return {"slug": slug, "namn": name} if slug is not None and name is not None else None


def report_json(
    row: dict[str, Any],
    base: str,
    *,
    details: bool,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A report row (REPORT_* statements) as the API shows it; details only when allowed.

    With its events (a report shown alone) it carries its public history for everyone, and
    the full history, notes and writers included, in the details.
    """
    href = f"{base}/api/v1/felanmalan/{row['nummer']}"
    shown: dict[str, Any] = {
        "nummer": row["nummer"],
        "status": row["status"],
        "status_text": STATUS_TEXT[row["status"]],
        "kategori": {"kod": row["kategori"], "namn": row["kategori_namn"]},
        "punkt": {
            "lon": round(row["lon"], 7),
            "lat": round(row["lat"], 7),
            "x": round(row["x"], 2),
            "y": round(row["y"], 2),
        },
        "mottagare": {"slug": row["mottagare_slug"], "namn": row["mottagare_namn"]},
        "skapad": row["skapad"],
        "andrad": row["andrad"],
        "stangd": row["stangd"],
        "dubblett_av": row["dubblett_av_nummer"],
        "lankar": {"self": href},
        "offentlig_historik": None if events is None else public_history(events),
        "detaljer": None,
    }
    if "avstand_m" in row:
        shown["avstand_m"] = round(row["avstand_m"], 2)
    if not details:
        return shown
    contact = [row["anmalare_namn"], row["anmalare_epost"], row["anmalare_telefon"]]
    shown["detaljer"] = {
        "beskrivning": row["beskrivning"],
        "kontakt": dict(zip(("namn", "epost", "telefon"), contact, strict=True))
        if any(contact)
        else None,
        "anmald_av": row["anmald_av"],
        "huvudman": _name(row["huvudman_slug"], row["huvudman_namn"]),
        "utforare": _name(row["utforare_slug"], row["utforare_namn"]),
        "driftomrade": {"id": row["driftomrade_id"], "namn": row["driftomrade_namn"]}
        if row["driftomrade_id"] is not None
        else None,
        "beslutande_objekt": row["beslutande_objekt"],
        "regel": row["regel"],
        "tvetydig": row["tvetydig"],
        "protokoll": row["protokoll"],
        "gallrad": row["gallrad"],
        "foton": [{**p, "href": f"{href}/foto/{p['nummer']}"} for p in row["foton"]],
        "handelser": None
        if events is None
        else [
            {
                "tid": e["tid"],
                "status": e["status"],
                "fran": _name(e["fran_slug"], e["fran_namn"]),
                "till": _name(e["till_slug"], e["till_namn"]),
                "utford_av": e["utford_av"],
                "notering": e["notering"],
            }
            for e in events
        ],
    }
    return shown


def public_history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events (EVENTS, oldest first) as anyone may see them: when, which status, and the
    organisation that had the report then; no notes, no writers (personal data)."""
    shown = []
    receiver: dict[str, str] | None = None
    for event in events:
        status = event["status"]
        forwarded_to = _name(event["till_slug"], event["till_namn"])
        holder = receiver
        if status == "ej-vart-ansvar":
            holder = _name(event["fran_slug"], event["fran_namn"]) or receiver
        elif forwarded_to is not None:
            holder = forwarded_to
        text = STATUS_TEXT[status]
        if status == "ej-vart-ansvar" and forwarded_to is not None:
            text = f"Skickad vidare till {forwarded_to['namn']}"
        shown.append(
            {"tid": event["tid"], "status": status, "status_text": text, "mottagare": holder}
        )
        receiver = forwarded_to or receiver
    return shown
