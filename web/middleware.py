"""Response headers every page and endpoint share."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on what the application answers: neither a browser's cache
    nor a proxy keeps a copy of a case, a referral or a task list, to be read later from a
    shared computer. A response to a signed-in user (by session or by token: DRF has set
    ``request.user`` by the time the response comes back) is always ``no-store``; a public
    page keeps a cache policy its view chose. Static files are answered by WhiteNoise before
    this middleware and keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if signed_in or not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
