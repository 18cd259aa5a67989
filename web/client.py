"""Who is asking: the client's address, as every limit and lockout counts it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    """The client's address. Behind NUM_PROXIES trusted proxies it is the entry that the
    outermost proxy appended to X-Forwarded-For; with none, the connection's own address
    (a client's own X-Forwarded-For header is never believed)."""
    hops = settings.NUM_PROXIES
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))
