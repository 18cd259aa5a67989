"""Meetings and plans share the case's statutory review clock: one live review deadline at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access_control.policy import Action, get_case
from cases.models import MeetingKind, PlanKind
from cases.plans.services import review_plan, start_plan
from deadlines.models import LIVE_STATES, Deadline, DeadlineKind
from tests.cases.meeting_helpers import hold, meeting_team, schedule

pytestmark = pytest.mark.django_db


def test_a_plan_made_at_the_initial_conference_keeps_the_conference_s_first_review():
    """The conference that made the plan opened the first review (3 months from the conference);
    starting the plan opens no second one, and a review then leaves exactly one live."""
    team = meeting_team()
    hold(team, schedule(team, kind=MeetingKind.INITIAL_CONFERENCE), next_stage_agreed=True)
    reviews = Deadline.objects.filter(
        case=team.case, kind__in=[DeadlineKind.FIRST_REVIEW, DeadlineKind.LATER_REVIEW], state__in=LIVE_STATES
    )
    assert reviews.count() == 1
    plan = start_plan(
        access=get_case(team.lead, team.case.pk, Action.MANAGE_PLAN),
        kind=PlanKind.CHILD_PROTECTION,
        outcomes=["Safe at home"],
    )
    assert reviews.count() == 1

    # The review conference is held and the plan continues; the review is recorded on the plan.
    hold(team, schedule(team, kind=MeetingKind.REVIEW_CONFERENCE), next_stage_agreed=True)
    assert list(reviews.values_list("kind", flat=True)) == [DeadlineKind.LATER_REVIEW]
    review_plan(
        access=get_case(team.lead, team.case.pk, Action.MANAGE_PLAN),
        plan=plan,
        reviewed_on=timezone.localdate(),
        summary="Progress on every outcome.",
        next_review_on=timezone.localdate() + timedelta(days=180),
    )
    assert reviews.count() == 1
    assert timezone.localtime(reviews.get().due_at).date() == timezone.localdate() + timedelta(days=180)
