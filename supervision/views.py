"""The supervisor's view: each supervisee's caseload, click-through to their cases and
deadlines, what waits for the supervisor's approval; and reassigning a case's lead worker.

Thin: the policy says who may look (the dashboard is 403 for someone who supervises no one;
a worker's pages are 404 unless that membership is supervised by the user now), the reads
come from ``supervision.queries`` and the one write from ``cases.services``, which owns the case.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from access_control import policy
from access_control.policy import Action
from access_control.request_context import request_user
from cases import services
from cases.models import CaseStatus
from supervision import queries
from supervision.filters import WorkerDeadlineFilters
from supervision.forms import ReassignLeadForm
from web.forms import saved
from web.pagination import PageWithCount

ROWS_PER_PAGE = 25
# How many of each kind of approval the dashboard lists; the count says how many in all.
APPROVALS_SHOWN = 10


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    policy.check_caseloads(user, "view_caseloads")
    now = timezone.now()
    # The oldest few of each and how many in all, in one query each.
    approvals = {
        name: PageWithCount(rows, APPROVALS_SHOWN).page(1)
        for name, rows in {
            "closures": queries.closures_awaiting(user),
            "extensions": queries.extensions_awaiting(user),
            "assessments": queries.assessments_awaiting(user),
            "sign_offs": queries.sign_offs_awaiting(user),
        }.items()
    }
    return render(
        request,
        "supervision/dashboard.html",
        {
            "rows": queries.caseloads(user),
            "week_end": queries.week_end(now),
            **{name: list(page.object_list) for name, page in approvals.items()},
            **{f"{name}_count": page.paginator.count for name, page in approvals.items()},
        },
    )


@login_required
@require_GET
def worker_cases(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = request_user(request)
    membership = policy.get_supervisee(user, membership_id, "list_worker_cases")
    page = Paginator(queries.worker_cases(user, membership), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "supervision/worker_cases.html", {"membership": membership, "page": page, "now": timezone.now()}
    )


@login_required
@require_GET
def worker_deadlines(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = request_user(request)
    membership = policy.get_supervisee(user, membership_id, "list_worker_deadlines")
    filters = WorkerDeadlineFilters(request.GET)
    when = filters.criteria().get("when", "")
    deadlines = queries.worker_deadlines(user, membership, when=when)
    page = Paginator(deadlines, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/worker_deadlines.html",
        {
            "membership": membership,
            "page": page,
            "filters": filters.form,
            "when": when,
            "when_label": queries.WORKER_DEADLINE_FILTERS.get(when, ""),
            "query": urlencode({"when": when}) if when else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reassign_lead(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    if not access.can(Action.REASSIGN_LEAD):
        policy.check(access, Action.REASSIGN_LEAD)  # 403, logged
    form = ReassignLeadForm(request.POST or None, choices=queries.lead_candidates(access))
    if done := saved(
        request,
        form,
        lambda data: services.reassign_lead(access=access, new_lead=data["new_lead"].user, reason=data["reason"]),
    ):
        messages.success(request, f"{done.result.new_lead.full_name} now leads case {access.case.reference}.")
        return redirect("cases:detail", case_id=access.case.pk)
    return render(
        request,
        "supervision/reassign_lead.html",
        {
            "access": access,
            "case": access.case,
            "form": form,
            "changes": list(queries.lead_changes(access)),
            "closed": access.case.status == CaseStatus.CLOSED,
        },
    )
