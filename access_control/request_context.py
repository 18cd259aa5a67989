"""Per-request facts: the signed-in user, and what the access log records (a request id and the interface used)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request

from agencies.models import User

request_id: ContextVar[str] = ContextVar("request_id", default="")
interface: ContextVar[str] = ContextVar("interface", default="task")
# What the policy has read once for this request, by key (``policy.base.read_once``): set for
# requests that only read (GET, HEAD, OPTIONS), None elsewhere (writes, tasks, the shell).
read_once: ContextVar[dict[Any, Any] | None] = ContextVar("read_once", default=None)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a page or API request (their views require sign-in)."""
    assert isinstance(request.user, User)
    return request.user


_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give each request an id (a caller's X-Request-ID if it is well-formed) and note
    whether it came through the pages or the API; answer with the id. A request that only
    reads gets a place for what the policy reads once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        rid_token = request_id.set(rid)
        iface_token = interface.set("api" if request.path.startswith("/api/") else "page")
        read_once_token = read_once.set({} if request.method in READ_ONLY_METHODS else None)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(rid_token)
            interface.reset(iface_token)
            read_once.reset(read_once_token)
        response["X-Request-ID"] = rid
        return response
