"""A request-rate limit per client address: a token bucket, 429 with Retry-After when empty.

Each client address (the peer, or the client a trusted proxy names in X-Forwarded-For; see
ANSVAR_TRUSTED_PROXIES) has a bucket of `rate_limit_burst` requests that refills at
`rate_limit_per_s`. The limit is off (0) unless set: the map fires dozens of tile and item
requests per pan, and a test or benchmark runs hundreds per second from one address, so a
default that no normal use meets would stop nothing a deployment cares about; the compose file
sets one. The buckets live in each worker process: with n workers a client may get up to n
times the rate. /healthz is never limited (the orchestrator's probe).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.problems import AppError, problem_response

UNLIMITED_PATHS = frozenset({"/healthz"})
# Past this many addresses, the full buckets (clients that have been quiet) are forgotten.
MAX_TRACKED_CLIENTS = 10_000


class TooManyRequests(AppError):
    """The client has sent more requests than its rate allows."""

    status = 429
    type = "for-manga-begaranden"
    title = "För många begäranden"


@dataclass
class Bucket:
    """Tokens left and when they were counted."""

    tokens: float
    counted_at: float


class TokenBuckets:
    """One token bucket per key, refilled at rate_per_s up to burst."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str, now: float) -> float:
        """Take a token for key: 0 when granted, else the seconds until one is there."""
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_TRACKED_CLIENTS:
                self._forget_full(now)
            bucket = self.buckets[key] = Bucket(float(self.burst), now)
        else:
            elapsed = max(0.0, now - bucket.counted_at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_s)
            bucket.counted_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate_per_s

    def _forget_full(self, now: float) -> None:
        refill_s = self.burst / self.rate_per_s
        self.buckets = {
            key: bucket
            for key, bucket in self.buckets.items()
            if now - bucket.counted_at < refill_s
        }


def refusal(
    buckets: TokenBuckets, key: str, detail: Callable[[int], str]
) -> TooManyRequests | None:
    """Take a token of key's bucket: None when granted, else the 429 (detail of Retry-After s)."""
    wait_s = buckets.take(key, time.monotonic())
    if wait_s <= 0:
        return None
    retry_after = max(1, math.ceil(wait_s))
    return TooManyRequests(detail(retry_after), headers={"Retry-After": str(retry_after)})


class RateLimitMiddleware:
    """429 problem+json with Retry-After for a client over its rate."""

    def __init__(self, app: ASGIApp, *, rate_per_s: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_s, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its client's bucket; refuse it when the bucket is empty."""
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "-"
        refused = refusal(
            self.buckets,
            key,
            lambda retry_after: (
                f"Högst {self.buckets.rate_per_s:g} begäranden per sekund tas emot från samma "
                f"adress. Försök igen om {retry_after} s."
            ),
        )
        if refused is not None:
            response = problem_response(refused.to_problem(scope["path"]), refused.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
