"""Where browsers report what the Content Security Policy blocked (its ``report-uri``).

A report is logged as a warning, and no more: which directive, what kind of thing was blocked
(an origin, "inline" or "eval", never a whole URL) and the path of the page (never its query
string). A report is written by whoever sends it, so it is read as untrusted input: bounded in
size, any malformed body answered 400, nothing of it stored or echoed back."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("tandem.csp")

MAX_REPORT_BYTES = 16 * 1024
_FIELD_CHARS = 200


def _origin(value: object) -> str:
    """What was blocked, without a path or query: ``https://host``, or a keyword such as ``inline``."""
    text = str(value or "")[:_FIELD_CHARS]
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return parts.scheme or text.split(":", 1)[0] or "unknown"


def _path(value: object) -> str:
    return urlsplit(str(value or "")[:_FIELD_CHARS]).path or "unknown"


def _violations(body: Any) -> list[dict[str, Any]]:
    """The violations in a report: one ``{"csp-report": {...}}`` (report-uri) or a list of
    Reporting API reports (``report-to``)."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        report = body["csp-report"]
        return [
            {
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "page": report.get("document-uri"),
            }
        ]
    if isinstance(body, list):
        return [
            {
                "directive": item["body"].get("effectiveDirective"),
                "blocked": item["body"].get("blockedURL"),
                "page": item["body"].get("documentURL"),
            }
            for item in body[:10]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    raise ValueError("not a CSP report")


@csrf_exempt  # browsers send reports without a CSRF token; nothing here changes any state
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(request.read(MAX_REPORT_BYTES + 1)[:MAX_REPORT_BYTES]))
    except (ValueError, RecursionError):
        return HttpResponse(status=400)
    for violation in violations:
        logger.warning(
            "Content Security Policy blocked %s (%s) on %s",
            _origin(violation["blocked"]),
            str(violation["directive"] or "unknown")[:_FIELD_CHARS],
            _path(violation["page"]),
        )
    return HttpResponse(status=204)
