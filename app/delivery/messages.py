"""What a delivery says: the report as read when it is sent, as an e-mail (Swedish, plain
text) or as a webhook's JSON.

The text is composed at each attempt from the report's current row, so a resend after a crash
carries the same message id with the report as it stands then.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row

from app.core.public_url import listed
from app.core.settings import Settings

_REPORT_SQL = """
SELECT f.id, f.nummer, f.kategori, k.namn AS kategori_namn, f.beskrivning, f.status,
       ST_X(f.geom) AS x, ST_Y(f.geom) AS y,
       ST_X(ST_Transform(f.geom, 4326)) AS lon, ST_Y(ST_Transform(f.geom, 4326)) AS lat,
       f.regel, f.beslutande_objekt::text AS beslutande_objekt, f.tvetydig,
       f.anmalare_namn, f.anmalare_epost, f.anmalare_telefon, f.skapad, f.stangd,
       mo.namn AS mottagare, hm.namn AS huvudman, ut.namn AS utforare, d.namn AS driftomrade,
       o.skotselprodukt_kod AS objekt_produkt, p.namn AS objekt_produkt_namn,
       dup.nummer AS dubblett_av, h.notering, fr.namn AS vidarebefordrad_fran
FROM felanmalan f
JOIN felkategori k ON k.kod = f.kategori
JOIN organisation mo ON mo.id = f.mottagare_id
LEFT JOIN organisation hm ON hm.id = f.huvudman_id
LEFT JOIN organisation ut ON ut.id = f.utforare_id
LEFT JOIN driftomrade d ON d.id = f.driftomrade_id
LEFT JOIN felanmalan dup ON dup.id = f.dubblett_av
LEFT JOIN LATERAL (
  SELECT s.skotselprodukt_kod FROM skotselobjekt s WHERE s.objekt_id = f.beslutande_objekt
  ORDER BY s.valid_to IS NULL DESC, s.valid_from DESC LIMIT 1) o ON true
LEFT JOIN skotselprodukt p ON p.kod = o.skotselprodukt_kod
LEFT JOIN LATERAL (
  SELECT e.notering, e.fran_id FROM felanmalan_handelse e WHERE e.felanmalan_id = f.id
  ORDER BY e.tid DESC, e.id DESC LIMIT 1) h ON true
LEFT JOIN organisation fr ON fr.id = h.fran_id
WHERE f.id = %(report)s
"""

RULE_WORDS = {
    "punktobjekt": "närmaste punktobjekt (regel 1)",
    "linjeobjekt": "närmaste linjeobjekt (regel 2)",
    "tackande-yta": "ytan som täcker platsen (regel 3)",
    "narliggande-yta": "närmaste yta (regel 4)",
    "fastighet": "fastigheten och dess ägare (regel 5)",
    "ingen": "ingen ansvarig hittades; anmälan gick till kommunen",
}
STATUS_WORDS = {
    "ny": "ny",
    "mottagen": "mottagen",
    "pagar": "pågår",
    "atgardad": "åtgärdad",
    "ej-vart-ansvar": "inte vårt ansvar",
    "dubblett": "dubblett",
}
_SWEDEN = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Email:
    """An e-mail's subject and plain-text body."""

    subject: str
    body: str


async def load_report(conn: psycopg.AsyncConnection[Any], report_id: int) -> dict[str, Any] | None:
    """The report with its category, organisations and latest event; None when it is gone."""
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(_REPORT_SQL, {"report": report_id})
        return await cursor.fetchone()


def base_url(settings: Settings) -> str:
    """The service's public root for links in messages: base_url, else the first allowed host."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    return f"http://{next(iter(listed(settings.allowed_hosts)), 'localhost')}"


def map_link(settings: Settings, report: dict[str, Any]) -> str:
    """The map zoomed in on the report's point, the point selected (frontend/src/urlstate.js)."""
    lat, lon = f"{report['lat']:.6f}", f"{report['lon']:.6f}"
    return f"{base_url(settings)}/#18/{lat}/{lon}/{lat}/{lon}"


def page_link(settings: Settings, report: dict[str, Any]) -> str:
    """The report's public page."""
    return f"{base_url(settings)}/felanmalan/{report['nummer']}"


def _when(moment: datetime | None) -> str:
    return moment.astimezone(_SWEDEN).strftime("%Y-%m-%d %H:%M") if moment else "–"


def _place(settings: Settings, report: dict[str, Any]) -> list[str]:
    return [
        f"Plats: {report['lat']:.6f} N, {report['lon']:.6f} E (WGS 84)"
        f" – {report['y']:.0f} N, {report['x']:.0f} E (SWEREF 99 TM)",
        f"Karta: {map_link(settings, report)}",
    ]


def _decision(report: dict[str, Any]) -> list[str]:
    rule = report["regel"]
    lines = ["Så bestämdes mottagaren:"]
    lines.append(f"  Regel: {RULE_WORDS.get(rule, rule) if rule else 'ingen regel angiven'}")
    if report["beslutande_objekt"]:
        product = report["objekt_produkt_namn"] or report["objekt_produkt"] or "okänd produkt"
        lines.append(f"  Avgörande objekt: {report['beslutande_objekt']} ({product})")
    lines.append(f"  Huvudman: {report['huvudman'] or 'okänd'}")
    if report["utforare"]:
        area = f" ({report['driftomrade']})" if report["driftomrade"] else ""
        lines.append(f"  Utförare: {report['utforare']}{area}")
    lines.append(
        "  Tvetydigt: ja – en annan organisation har ansvar alldeles intill; kontrollera att"
        " anmälan hamnat rätt."
        if report["tvetydig"]
        else "  Tvetydigt: nej"
    )
    return lines


def _contact(report: dict[str, Any]) -> list[str]:
    parts = [
        v
        for v in (report["anmalare_namn"], report["anmalare_epost"], report["anmalare_telefon"])
        if v
    ]
    return [f"Anmälare: {', '.join(parts) if parts else 'anonym'}"]


def _to_receiver(settings: Settings, report: dict[str, Any], purpose: str) -> Email:
    number = report["nummer"]
    if purpose == "kopia":
        subject = f"Kopia: felanmälan {number} – {report['kategori_namn']}"
        opening = (
            f"Kopia till utföraren. Felanmälan {number} har skickats till {report['mottagare']},"
            " som är mottagare."
        )
    elif purpose == "vidarebefordrad":
        subject = f"Vidarebefordrad felanmälan {number} – {report['kategori_namn']}"
        source = report["vidarebefordrad_fran"] or "en annan organisation"
        opening = (
            f"Felanmälan {number} har vidarebefordrats till {report['mottagare']} av {source}."
        )
        if report["notering"]:
            opening += f"\nMeddelande: {report['notering']}"
    else:
        subject = f"Ny felanmälan {number} – {report['kategori_namn']}"
        opening = f"En ny felanmälan har kommit till {report['mottagare']}."
    lines = [
        opening,
        "",
        f"Nummer: {number}",
        f"Kategori: {report['kategori_namn']}",
        f"Inkom: {_when(report['skapad'])}",
        *_place(settings, report),
        "",
        "Beskrivning:",
        report["beskrivning"] or "(ingen beskrivning)",
        "",
        *_contact(report),
        "",
        *_decision(report),
        "",
        f"Anmälans sida: {page_link(settings, report)}",
    ]
    return Email(subject, "\n".join(lines) + "\n")


def _receipt(settings: Settings, report: dict[str, Any]) -> Email:
    number = report["nummer"]
    lines = [
        "Tack för din felanmälan!",
        "",
        f"Nummer: {number}",
        f"Kategori: {report['kategori_namn']}",
        f"Mottagare: {report['mottagare']}",
        *_place(settings, report),
        "",
        f"Här kan du följa anmälan: {page_link(settings, report)}",
        "",
        "Du får ett meddelande när anmälan är avslutad. Det här mejlet går inte att svara på.",
    ]
    return Email(f"Din felanmälan {number} är mottagen", "\n".join(lines) + "\n")


def _closing(settings: Settings, report: dict[str, Any]) -> Email:
    number = report["nummer"]
    status = report["status"]
    if status == "dubblett":
        outcome = f"Anmälan är en dubblett av {report['dubblett_av'] or 'en annan anmälan'}."
    elif status == "ej-vart-ansvar":
        outcome = f"{report['mottagare']} ansvarar inte för platsen och har avslutat anmälan."
    else:
        outcome = f"{report['mottagare']} har åtgärdat felet."
    lines = [
        f"Din felanmälan {number} ({report['kategori_namn']}) är avslutad.",
        "",
        outcome,
        *([f"Meddelande: {report['notering']}"] if report["notering"] else []),
        f"Avslutad: {_when(report['stangd'])}",
        "",
        f"Anmälans sida: {page_link(settings, report)}",
        "",
        "Tack för att du hjälper till! Det här mejlet går inte att svara på.",
    ]
    return Email(f"Din felanmälan {number} är avslutad", "\n".join(lines) + "\n")


def compose_email(settings: Settings, report: dict[str, Any], purpose: str) -> Email:
    """The e-mail of one delivery: to the receiver (ny, vidarebefordrad), the performer's copy,
    the reporter's receipt (kvitto) or the closing message (stangd)."""
    if purpose == "kvitto":
        return _receipt(settings, report)
    if purpose == "stangd":
        return _closing(settings, report)
    return _to_receiver(settings, report, purpose)


def webhook_payload(
    settings: Settings, report: dict[str, Any], purpose: str, message_id: str
) -> dict[str, Any]:
    """The webhook's JSON: the message's id and purpose, and the report."""
    return {
        "meddelande_id": message_id,
        "syfte": purpose,
        "felanmalan": {
            "nummer": report["nummer"],
            "kategori": {"kod": report["kategori"], "namn": report["kategori_namn"]},
            "status": report["status"],
            "beskrivning": report["beskrivning"],
            "plats": {
                "lon": round(report["lon"], 7),
                "lat": round(report["lat"], 7),
                "sweref99tm": {"x": round(report["x"], 3), "y": round(report["y"], 3)},
            },
            "karta": map_link(settings, report),
            "sida": page_link(settings, report),
            "skapad": report["skapad"].isoformat(),
            "mottagare": report["mottagare"],
            "huvudman": report["huvudman"],
            "utforare": report["utforare"],
            "driftomrade": report["driftomrade"],
            "regel": report["regel"],
            "beslutande_objekt": report["beslutande_objekt"],
            "tvetydig": report["tvetydig"],
            "anmalare": {
                "namn": report["anmalare_namn"],
                "epost": report["anmalare_epost"],
                "telefon": report["anmalare_telefon"],
            },
        },
    }
