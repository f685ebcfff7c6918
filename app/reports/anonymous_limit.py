"""The rate of anonymous fault reports per client address (ANSVAR_ANONYMA_FELANMALAN_PER_MINUT).

A bucket of core.rate_limit per client address (the peer, or the client a trusted proxy names),
holding a minute's worth of reports and refilled at that rate; token holders are not counted.
Like the general limit, the buckets live in each worker process.
"""

from fastapi import Request

from app.core.rate_limit import TokenBuckets, refusal


def per_minute(request: Request) -> int:
    """Anonymous reports a client address may make per minute; 0: no limit."""
    return int(request.app.state.settings.anonyma_felanmalan_per_minut)


def _buckets(request: Request, rate: int) -> TokenBuckets:
    state = request.app.state
    buckets: TokenBuckets | None = getattr(state, "anonymous_report_buckets", None)
    if buckets is None:
        buckets = state.anonymous_report_buckets = TokenBuckets(rate / 60.0, rate)
    return buckets


def check_anonymous_report(request: Request) -> None:
    """Count an anonymous report against its client address; 429 with Retry-After when over."""
    rate = per_minute(request)
    if rate <= 0:
        return
    key = request.client.host if request.client else "-"
    refused = refusal(
        _buckets(request, rate),
        key,
        lambda retry_after: (
            f"Högst {rate} felanmälningar i minuten tas emot utan token från samma adress. "
            f"Försök igen om {retry_after} s, eller anmäl med en token."
        ),
    )
    if refused is not None:
        raise refused
