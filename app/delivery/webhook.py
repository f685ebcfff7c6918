"""Webhooks: the report as JSON, POSTed with an HMAC-SHA256 signature and an Idempotency-Key.

The receiver verifies `X-Ansvarskartan-Signatur: sha256=<hex>` over the exact body with the
organisation's secret, and recognises a resend by the Idempotency-Key (the delivery's id).
Any 2xx is delivered; everything else (3xx included: redirects are not followed) is retried.
"""

import hashlib
import hmac
from typing import Any
from uuid import UUID

import httpx
import orjson
import psycopg

SIGNATURE_HEADER = "X-Ansvarskartan-Signatur"

# The organisation's secret for the address: the report's receiver's first, since several
# organisations may share one receiving system.
_SECRET_SQL = """
SELECT m.webhook_hemlighet FROM felanmalan_mottagning m
WHERE m.webhook_url = %(url)s AND m.webhook_hemlighet IS NOT NULL
ORDER BY m.organisation_id = (SELECT mottagare_id FROM felanmalan WHERE id = %(report)s) DESC,
         m.organisation_id
LIMIT 1
"""


class WebhookFailed(Exception):
    """The receiver did not answer 2xx."""


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def secret_for(conn: psycopg.AsyncConnection[Any], url: str, report_id: int) -> str | None:
    """The webhook secret of the organisation receiving at url, None when none does any more."""
    cursor = await conn.execute(_SECRET_SQL, {"url": url, "report": report_id})
    row = await cursor.fetchone()
    return row[0] if row else None


def http_client(timeout_s: float) -> httpx.AsyncClient:
    """The client of one worker: short timeouts, no redirects, no proxies from the environment."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False
    )


async def post(
    client: httpx.AsyncClient, url: str, secret: str, payload: dict[str, Any], message_id: UUID
) -> None:
    """POST the payload signed; WebhookFailed unless the receiver answers 2xx."""
    body = orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: signature(secret, body),
        "Idempotency-Key": str(message_id),
        "User-Agent": "Ansvarskartan",
    }
    response = await client.post(url, content=body, headers=headers)
    if not response.is_success:
        raise WebhookFailed(f"mottagaren svarade HTTP {response.status_code}")
