"""The deadline pages: my tasks, my notifications, asking for and deciding extensions.

Thin: deadlines are reached only through ``access_control.policy`` (by way of
``deadlines.queries``); writes go through ``deadlines.services`` and
``deadlines.notification_services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_control import policy
from access_control.request_context import request_user
from agencies.models import User
from deadlines import links, notification_services, queries, services
from deadlines.filters import TaskFilters
from deadlines.forms import DigestForm, ExtensionDecisionForm, ExtensionRequestForm
from deadlines.models import Deadline
from web.forms import saved
from web.pagination import PageWithCount

TASKS_PER_PAGE = 25
NOTIFICATIONS_PER_PAGE = 25


def _amount(delta: timedelta) -> str:
    """A rough amount of time, as a practitioner would say it: '3 h', '2 days'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    days = minutes // (24 * 60)
    return f"{days} days"


def due_phrase(due_at: datetime, now: datetime) -> str:
    """'due in 2 days' or 'overdue by 3 h'."""
    if due_at < now:
        return f"overdue by {_amount(now - due_at)}"
    return f"due in {_amount(due_at - now)}"


@dataclass(frozen=True)
class TaskRow:
    deadline: Deadline
    due: str
    link: str
    link_label: str
    owed: str
    item_url: str


def _subject_link(deadline: Deadline, front_door_ids: set[int]) -> tuple[str, str]:
    """Where the deadline's work is done: the case, or the referral (its triage page for the front door)."""
    if deadline.case_id is not None:
        return reverse("cases:detail", args=[deadline.case_id]), deadline.case.reference if deadline.case else ""
    return links.item_url(deadline, front_door_ids), "Referral"


def _rows(deadlines: list[Deadline], user: User) -> list[TaskRow]:
    """Each task with what is owed, in words, and a link to the item itself (the contribution,
    the action, the meeting, the triage): built from ids of rows read through the policy."""
    now = timezone.now()
    front_door_ids = links.front_door_ids_for(user, deadlines)
    rows = []
    for deadline in deadlines:
        link, label = _subject_link(deadline, front_door_ids)
        rows.append(
            TaskRow(
                deadline=deadline,
                due=due_phrase(deadline.due_at, now),
                link=link,
                link_label=label,
                owed=links.owed(deadline),
                item_url=links.item_url(deadline, front_door_ids),
            )
        )
    return rows


# --- my tasks ---------------------------------------------------------------------------


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = TaskFilters(request.GET)
    state = filters.criteria().get("state", "")
    # What the user owes: rows and total in one query (their own work, so a short list).
    page = PageWithCount(queries.tasks_for(user, state=state), TASKS_PER_PAGE).get_page(request.GET.get("page"))
    policy.log_listing(user, policy.Listing.MY_TASKS)
    return render(
        request,
        "deadlines/tasks.html",
        {
            "page": page,
            "rows": _rows(list(page.object_list), user),
            "filters": filters.form,
            "filtered": bool(state),
            "query": urlencode({"state": state}) if state else "",
        },
    )


# --- notifications ----------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(queries.notifications_for(user), NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    preference = queries.preference_of(user)
    shown = list(page.object_list)
    subject_links = links.notification_links(user, shown)
    return render(
        request,
        "deadlines/notifications.html",
        {
            "page": page,
            "rows": [(notification, subject_links.get(notification.pk)) for notification in shown],
            "digest_form": DigestForm(initial={"daily_digest": preference.daily_digest}),
        },
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.POST.get("all"):
        count = notification_services.mark_read(user=user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    else:
        try:
            notification_id = int(request.POST.get("notification", ""))
        except ValueError:
            return redirect("deadlines:notifications")
        notification_services.mark_read(user=user, notification_ids=[notification_id])
        messages.success(request, "Notification marked read.")
    return redirect("deadlines:notifications")


@login_required
@require_POST
def notification_preference(request: HttpRequest) -> HttpResponse:
    form = DigestForm(request.POST)
    daily_digest = form.is_valid() and form.cleaned_data["daily_digest"]
    notification_services.set_digest(user=request_user(request), daily_digest=daily_digest)
    if daily_digest:
        messages.success(request, "You will get one daily digest instead of an email per reminder.")
    else:
        messages.success(request, "You will get an email for each reminder.")
    return redirect("deadlines:notifications")


# --- extensions ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def extend(request: HttpRequest, deadline_id: UUID) -> HttpResponse:
    user = request_user(request)
    deadline = policy.get_deadline(user, deadline_id)
    form = ExtensionRequestForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.request_extension(
            by=user, deadline=deadline, new_due_at=form.new_due_at(), reason=data["reason"]
        ),
        "Extension requested. Your supervisor will approve or reject it.",
    ):
        return redirect("deadlines:tasks")
    return render(request, "deadlines/extend.html", {"deadline": deadline, "form": form, "now": timezone.now()})


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    extensions = list(queries.pending_extensions_for(user))
    policy.log_listing(user, policy.Listing.EXTENSIONS_TO_DECIDE)
    return render(request, "deadlines/approvals.html", {"extensions": extensions})


@login_required
@require_POST
def decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = request_user(request)
    extension = queries.pending_extensions_for(user).filter(pk=extension_id).first()
    if extension is None:
        raise Http404("No extension waiting for you here.")
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("deadlines:approvals")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.decide_extension(by=user, extension=extension, approve=approve)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Extension approved: the deadline has moved." if approve else "Extension rejected.")
    return redirect("deadlines:approvals")
