"""The header and tabs of every page of a case (``{% case_header %}``, ``{% case_tabs %}`` in
templates/cases/case_page.html and the overview). The page's view has already reached the case
through the policy (``access`` in its context); the header is read by ``cases.overview`` in a
fixed number of queries, or taken from the context when the view read it already."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context
from django.urls import reverse

from access_control.policy import Action, CaseAccess
from cases import overview

register = template.Library()

# The tab a page belongs to, by the start of its URL name (the first match wins).
TAB_OF_PAGE = (
    ("detail", "overview"),
    ("chronology", "chronology"),
    ("entry", "chronology"),
    ("family", "family"),
    ("assessment", "assessments"),
    ("contribution", "assessments"),
    ("analysis", "assessments"),
    ("meeting", "meetings"),
    ("plan", "plans"),
    ("outcome", "plans"),
    ("action", "plans"),
    ("document", "documents"),
    ("team", "team"),
    ("access_log", "access"),
)

TABS = (
    ("overview", "Overview", "cases:detail"),
    ("chronology", "Chronology", "cases:chronology"),
    ("family", "Family", "cases:family"),
    ("assessments", "Assessments", "cases:assessments"),
    ("meetings", "Meetings", "cases:meeting_list"),
    ("plans", "Plans", "cases:plan"),
    ("documents", "Documents", "cases:documents"),
    ("team", "Team", "cases:team"),
    ("access", "Access", "cases:access_log"),
)


def _access(context: Context) -> CaseAccess | None:
    access = context.get("access")
    return access if isinstance(access, CaseAccess) else None


def current_tab(url_name: str) -> str:
    for start, tab in TAB_OF_PAGE:
        if url_name.startswith(start):
            return tab
    return ""


@register.inclusion_tag("cases/_case_header.html", takes_context=True)
def case_header(context: Context, heading: bool = False) -> dict[str, Any]:
    """``heading``: the child's name is the page's heading (the overview), not a line above it."""
    access = _access(context)
    if access is None:
        return {"header": None}
    header = context.get("header")
    if not isinstance(header, overview.CaseHeader):
        header = overview.case_header(access)
    return {"header": header, "case": access.case, "heading": heading}


@register.inclusion_tag("cases/_case_tabs.html", takes_context=True)
def case_tabs(context: Context) -> dict[str, Any]:
    access = _access(context)
    if access is None:
        return {"tabs": []}
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = current_tab(match.url_name or "") if match is not None and match.namespace == "cases" else ""
    may_see_log = access.can(Action.VIEW_ACCESS_LOG).allowed
    tabs = [
        {"key": key, "label": label, "url": reverse(url_name, args=[access.case.pk]), "current": key == current}
        for key, label, url_name in TABS
        if key != "access" or may_see_log
    ]
    return {"tabs": tabs}
