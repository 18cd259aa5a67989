"""Meeting pages: a case's meetings, scheduling (with the strategy discussion warning), one
meeting, recording it held, rescheduling, cancelling, and the actions agreed. Thin: one
policy door, query or service per step. A page that changes something answers 404 when the
user cannot see the case and 403 (logged) when they can but may not do this."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.models import User
from cases.forms import ReasonForm
from cases.meetings import queries, services
from cases.meetings.forms import MeetingActionForm, MeetingHeldForm, MeetingRescheduleForm, MeetingScheduleForm
from cases.models import ActionState, Meeting, MeetingAction, MeetingKind, MeetingState
from web.forms import saved

MEETINGS_PER_PAGE = 20


def _require(access: CaseAccess, action: Action) -> None:
    """403 (logged) unless the user may do ``action``; the service logs it when it runs."""
    if not access.can(action):
        policy.check(access, action)


def _meeting_for(user: User, meeting_id: UUID, action: Action | None = None) -> tuple[CaseAccess, Meeting]:
    access, meeting = policy.get_casework(user, Meeting, meeting_id)
    if action is not None:
        _require(access, action)
    return access, meeting


@login_required
@require_GET
def meeting_list(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    page = Paginator(queries.case_meetings(access), MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    access.log("list_meetings", object_type="meeting")
    return render(
        request,
        "cases/meetings/meeting_list.html",
        {
            "access": access,
            "case": access.case,
            "page": page,
            "may_schedule": access.can(Action.MANAGE_MEETINGS).allowed,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_schedule(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    _require(access, Action.MANAGE_MEETINGS)
    form = MeetingScheduleForm(request.POST or None, team=queries.team_for_meetings(access))
    if done := saved(request, form, lambda data: services.schedule_meeting(access=access, **data)):
        meeting = done.result
        messages.success(request, f"{meeting.get_kind_display()} scheduled. Invitations are on their way.")
        return redirect("cases:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "cases/meetings/meeting_schedule.html",
        {"access": access, "case": access.case, "form": form, "missing": form.missing_agencies()},
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, meeting = _meeting_for(user, meeting_id)
    attendees = queries.meeting_attendees(meeting)
    now = timezone.now()
    actions = list(queries.meeting_actions(meeting))
    rows = [
        {
            "action": action,
            "overdue": action.state == ActionState.OPEN and action.due_at < now,
            "may_complete": action.state == ActionState.OPEN
            and policy.decide_completing_meeting_action(user, access.basis, action).allowed,
        }
        for action in actions
    ]
    may_manage = access.can(Action.MANAGE_MEETINGS).allowed
    scheduled = meeting.state == MeetingState.SCHEDULED
    return render(
        request,
        "cases/meetings/meeting_detail.html",
        {
            "access": access,
            "case": access.case,
            "meeting": meeting,
            "groups": queries.attendees_by_agency(attendees),
            "missing": services.missing_strategy_agencies(a.agency for a in attendees)
            if meeting.kind == MeetingKind.STRATEGY_DISCUSSION
            else [],
            "next_stage_question": services.NEXT_STAGE_QUESTIONS.get(meeting.kind),
            "rows": rows,
            "may_manage": may_manage,
            "may_change": may_manage and scheduled,
            "may_add_action": may_manage and meeting.state == MeetingState.HELD,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_reschedule(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, meeting = _meeting_for(user, meeting_id, Action.MANAGE_MEETINGS)
    initial = {
        "starts_at": timezone.localtime(meeting.starts_at),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
    }
    form = MeetingRescheduleForm(request.POST or None, initial=initial)
    if saved(
        request,
        form,
        lambda data: services.reschedule_meeting(access=access, meeting=meeting, **data),
        "Meeting moved. Everyone invited gets the updated invitation.",
    ):
        return redirect("cases:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "cases/meetings/meeting_reschedule.html",
        {"access": access, "case": access.case, "meeting": meeting, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_held(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, meeting = _meeting_for(user, meeting_id, Action.MANAGE_MEETINGS)
    form = MeetingHeldForm(request.POST or None, kind=meeting.kind, attendees=queries.meeting_attendees(meeting))
    if saved(
        request,
        form,
        lambda data: services.record_meeting_held(access=access, meeting=meeting, **data),
        "Meeting recorded as held.",
    ):
        return redirect("cases:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "cases/meetings/meeting_held.html",
        {"access": access, "case": access.case, "meeting": meeting, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, meeting = _meeting_for(user, meeting_id, Action.MANAGE_MEETINGS)
    form = ReasonForm(request.POST or None, label="Why is the meeting cancelled?")
    if saved(
        request,
        form,
        lambda data: services.cancel_meeting(access=access, meeting=meeting, reason=data["reason"]),
        "Meeting cancelled. Everyone invited is told.",
    ):
        return redirect("cases:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "cases/meetings/meeting_cancel.html",
        {"access": access, "case": access.case, "meeting": meeting, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_action_add(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, meeting = _meeting_for(user, meeting_id, Action.MANAGE_MEETINGS)
    form = MeetingActionForm(request.POST or None, team=queries.team_for_meetings(access))
    if saved(
        request,
        form,
        lambda data: services.add_meeting_action(access=access, meeting=meeting, **data),
        "Action added. Its owner is told and reminded as it falls due.",
    ):
        return redirect("cases:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "cases/meetings/meeting_action_form.html",
        {"access": access, "case": access.case, "meeting": meeting, "form": form},
    )


@login_required
@require_POST
def meeting_action_complete(request: HttpRequest, action_id: int) -> HttpResponse:
    user = request_user(request)
    access, action = policy.get_casework(user, MeetingAction, action_id)
    try:
        services.complete_meeting_action(access=access, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Action marked done.")
    return redirect("cases:meeting_detail", meeting_id=action.meeting_id)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_action_drop(request: HttpRequest, action_id: int) -> HttpResponse:
    user = request_user(request)
    access, action = policy.get_casework(user, MeetingAction, action_id)
    _require(access, Action.MANAGE_MEETINGS)
    form = ReasonForm(request.POST or None, label="Why is the action no longer needed?")
    if saved(
        request,
        form,
        lambda data: services.drop_meeting_action(access=access, action=action, reason=data["reason"]),
        "Action marked no longer needed.",
    ):
        return redirect("cases:meeting_detail", meeting_id=action.meeting_id)
    return render(
        request,
        "cases/meetings/meeting_action_drop.html",
        {"access": access, "case": access.case, "action": action, "form": form},
    )
