"""Plans: services (validation, deadlines opened, met and cancelled), what is late, the pages,
an access matrix, and the plan page's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from cases.models import (
    ActionState,
    CaseStatus,
    Plan,
    PlanAction,
    PlanKind,
    PlanReview,
    PlanState,
    ProgressRating,
    ProgressUpdate,
)
from cases.plans import queries as plan_queries
from cases.plans import services as plan_services
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Notification
from deadlines.services import due_at_for
from tests.cases.plan_helpers import (
    OUTCOMES,
    PlanWorld,
    access_for,
    add_action,
    first_outcome,
    in_days,
    make_late,
    plan_world,
    start,
)
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return plan_world()


def denied(user, action: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(user=user, action=action, outcome=AccessLogEntry.Outcome.DENIED))


def allowed(user, action: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(user=user, action=action, outcome=AccessLogEntry.Outcome.ALLOWED))


def html(response) -> str:
    return response.content.decode()


# --- starting a plan ----------------------------------------------------------------------


def test_start_plan_sets_outcomes_case_status_and_a_first_review_deadline(world):
    plan = start(world)
    assert plan.state == PlanState.ACTIVE
    assert [o.description for o in plan.outcomes.order_by("position")] == OUTCOMES
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.CHILD_PROTECTION_PLAN
    expected = timezone.localdate(due_at_for(DeadlineKind.FIRST_REVIEW, timezone.now(), "GB-ENG"))
    assert plan.next_review_on == expected
    review = Deadline.objects.get(case=world.case, kind=DeadlineKind.FIRST_REVIEW)
    assert review.owner == world.lead and review.state == DeadlineState.OPEN
    assert timezone.localdate(review.due_at) == expected
    assert review.title == f"Plan review due {expected.day} {expected:%b %Y}"
    assert allowed(world.lead, "start_plan")


def test_child_in_need_plan_sets_the_case_status_and_takes_a_given_review_date(world):
    review_on = timezone.localdate() + timedelta(days=40)
    plan = plan_services.start_plan(
        access=access_for(world.lead, world.case),
        kind=PlanKind.CHILD_IN_NEED,
        outcomes=["Family engages with support"],
        next_review_on=review_on,
    )
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.CHILD_IN_NEED
    assert plan.next_review_on == review_on


def test_a_plan_needs_an_outcome(world):
    with pytest.raises(ValidationError) as error:
        plan_services.start_plan(
            access=access_for(world.lead, world.case), kind=PlanKind.CHILD_PROTECTION, outcomes=[" "]
        )
    assert "outcomes" in error.value.message_dict
    assert not Plan.objects.exists()


def test_only_one_active_plan_per_case(world):
    start(world)
    with pytest.raises(ValidationError) as error:
        start(world)
    assert "already has an active plan" in " ".join(error.value.messages)
    assert Plan.objects.filter(case=world.case).count() == 1


def test_first_review_must_be_after_today(world):
    with pytest.raises(ValidationError) as error:
        plan_services.start_plan(
            access=access_for(world.lead, world.case),
            kind=PlanKind.CHILD_PROTECTION,
            outcomes=OUTCOMES,
            next_review_on=timezone.localdate(),
        )
    assert "next_review_on" in error.value.message_dict


def test_a_contributor_cannot_start_a_plan_and_the_refusal_is_logged(world):
    with pytest.raises(PermissionDenied):
        start_by = access_for(world.police, world.case)
        plan_services.start_plan(access=start_by, kind=PlanKind.CHILD_PROTECTION, outcomes=OUTCOMES)
    assert not Plan.objects.exists()
    assert denied(world.police, "manage_plan")


# --- outcomes and actions -----------------------------------------------------------------


def test_outcomes_are_added_and_reworded(world):
    plan = start(world)
    access = access_for(world.key_worker, world.case)
    added = plan_services.add_outcome(access=access, plan=plan, description="Parents attend the parenting course")
    assert added.position == 3
    plan_services.edit_outcome(access=access, outcome=added, description="Parents complete the parenting course")
    added.refresh_from_db()
    assert added.description == "Parents complete the parenting course"
    with pytest.raises(ValidationError):
        plan_services.add_outcome(access=access, plan=plan, description="  ")


def test_adding_an_action_opens_a_deadline_titled_by_agency_and_date_only(world):
    plan = start(world)
    action = add_action(world, plan, world.health_agency, owner=world.health, description="Check the baby's weight")
    deadline = Deadline.objects.get(plan_action=action)
    due = timezone.localdate(action.due_at)
    assert deadline.kind == DeadlineKind.PLAN_ACTION
    assert deadline.owner == world.health and deadline.owner_agency == world.health_agency
    assert deadline.case == world.case
    assert deadline.title == f"Northshire Health plan action due {due.day} {due:%b %Y}"
    notification = Notification.objects.get(recipient=world.health)
    child = world.case.children.get()
    for text in (deadline.title, notification.title, notification.body):
        assert "weight" not in text and child.family_name not in text and child.given_names not in text
    assert world.case.reference in notification.body


def test_an_action_with_no_one_named_tells_the_agencys_people_on_the_team(world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    assert Deadline.objects.get(plan_action=action).owner is None
    assert list(Notification.objects.values_list("recipient", flat=True)) == [world.police.pk]


def test_an_action_is_owed_by_an_agency_on_the_team(world):
    plan = start(world)
    with pytest.raises(ValidationError) as error:
        add_action(world, plan, AgencyFactory.create())
    assert "owner_agency" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        add_action(world, plan, world.health_agency, owner=world.police)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        add_action(world, plan, world.health_agency, days=-1)
    assert "due_at" in error.value.message_dict
    assert not PlanAction.objects.exists() and not Deadline.objects.filter(kind=DeadlineKind.PLAN_ACTION).exists()


def test_a_contributor_cannot_add_an_action(world):
    plan = start(world)
    with pytest.raises(PermissionDenied):
        plan_services.add_plan_action(
            access=access_for(world.police, world.case),
            outcome=first_outcome(plan),
            description="Visit",
            owner_agency=world.police_agency,
            due_at=in_days(5),
        )
    assert denied(world.police, "manage_plan")


# --- progress, completion, dropping ---------------------------------------------------------


def test_the_owing_agency_records_progress_and_done_meets_the_deadline(world):
    plan = start(world)
    action = add_action(world, plan, world.health_agency, owner=world.health)
    access = access_for(world.health, world.case)
    plan_services.record_progress(access=access, plan_action=action, rating=ProgressRating.AT_RISK, note="Missed one")
    action.refresh_from_db()
    assert action.state == ActionState.OPEN
    plan_services.record_progress(access=access, plan_action=action, rating=ProgressRating.DONE, note="All visits done")
    action.refresh_from_db()
    assert action.state == ActionState.DONE and action.completed_at is not None
    assert Deadline.objects.get(plan_action=action).state == DeadlineState.MET
    assert ProgressUpdate.objects.filter(action=action, author_agency=world.health_agency).count() == 2
    assert len(allowed(world.health, "record_plan_progress")) == 2


def test_another_agency_cannot_record_progress_and_the_refusal_is_logged(world):
    plan = start(world)
    action = add_action(world, plan, world.health_agency, owner=world.health)
    with pytest.raises(PermissionDenied):
        plan_services.record_progress(
            access=access_for(world.police, world.case), plan_action=action, rating="on_track", note="Seen"
        )
    assert not ProgressUpdate.objects.exists()
    [row] = denied(world.police, "update_action")
    assert row.object_type == "planaction" and row.object_id == str(action.pk)


def test_progress_needs_a_note_and_an_open_action(world):
    plan = start(world)
    action = add_action(world, plan, world.health_agency)
    access = access_for(world.health, world.case)
    with pytest.raises(ValidationError) as error:
        plan_services.record_progress(access=access, plan_action=action, rating="on_track", note=" ")
    assert "note" in error.value.message_dict
    plan_services.complete_plan_action(access=access, plan_action=action)
    with pytest.raises(ValidationError):
        plan_services.record_progress(access=access, plan_action=action, rating="on_track", note="Again")


def test_dropping_an_action_needs_a_reason_and_cancels_its_deadline(world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    access = access_for(world.lead, world.case)
    with pytest.raises(ValidationError) as error:
        plan_services.drop_plan_action(access=access, plan_action=action, reason=" ")
    assert "reason" in error.value.message_dict
    plan_services.drop_plan_action(access=access, plan_action=action, reason="Father moved out of area")
    action.refresh_from_db()
    assert action.state == ActionState.DROPPED and action.dropped_reason == "Father moved out of area"
    assert Deadline.objects.get(plan_action=action).state == DeadlineState.CANCELLED


def test_the_owing_agency_cannot_drop_its_action(world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    with pytest.raises(PermissionDenied):
        plan_services.drop_plan_action(access=access_for(world.police, world.case), plan_action=action, reason="Done")
    assert denied(world.police, "manage_plan")


# --- reviews and ending -------------------------------------------------------------------


def test_a_review_moves_the_next_review_and_its_deadline(world):
    plan = start(world)
    next_review = timezone.localdate() + timedelta(days=180)
    review = plan_services.review_plan(
        access=access_for(world.lead_supervisor, world.case),
        plan=plan,
        reviewed_on=timezone.localdate(),
        summary="Progress on attendance; concerns about home conditions remain.",
        next_review_on=next_review,
    )
    plan.refresh_from_db()
    assert plan.next_review_on == next_review and review.recorded_by == world.lead_supervisor
    first = Deadline.objects.get(case=world.case, kind=DeadlineKind.FIRST_REVIEW)
    later = Deadline.objects.get(case=world.case, kind=DeadlineKind.LATER_REVIEW)
    assert first.state == DeadlineState.MET
    assert later.state == DeadlineState.OPEN and timezone.localdate(later.due_at) == next_review


def test_a_review_cannot_be_in_the_future_or_set_no_later_review(world):
    plan = start(world)
    access = access_for(world.lead, world.case)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        plan_services.review_plan(
            access=access, plan=plan, reviewed_on=today + timedelta(days=1), summary="x", next_review_on=today
        )
    assert "reviewed_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        plan_services.review_plan(access=access, plan=plan, reviewed_on=today, summary="Held", next_review_on=today)
    assert "next_review_on" in error.value.message_dict
    assert not PlanReview.objects.exists()


def test_ending_a_plan_drops_open_actions_and_cancels_their_deadlines(world):
    plan = start(world)
    open_action = add_action(world, plan, world.police_agency)
    done_action = add_action(world, plan, world.health_agency)
    plan_services.complete_plan_action(access=access_for(world.health, world.case), plan_action=done_action)
    plan_services.end_plan(access=access_for(world.lead, world.case), plan=plan, reason="Risks reduced at review")
    plan.refresh_from_db()
    open_action.refresh_from_db()
    done_action.refresh_from_db()
    world.case.refresh_from_db()
    assert plan.state == PlanState.ENDED and plan.ended_on == timezone.localdate()
    assert open_action.state == ActionState.DROPPED
    assert done_action.state == ActionState.DONE
    assert Deadline.objects.get(plan_action=open_action).state == DeadlineState.CANCELLED
    assert Deadline.objects.get(plan_action=done_action).state == DeadlineState.MET
    assert Deadline.objects.get(kind=DeadlineKind.FIRST_REVIEW).state == DeadlineState.CANCELLED
    assert world.case.status == CaseStatus.OPEN
    with pytest.raises(ValidationError):
        add_action(world, plan, world.police_agency)
    start(world)  # a new plan can follow


def test_ending_needs_a_reason(world):
    plan = start(world)
    with pytest.raises(ValidationError) as error:
        plan_services.end_plan(access=access_for(world.lead, world.case), plan=plan, reason="")
    assert "reason" in error.value.message_dict


# --- what is late ----------------------------------------------------------------------------


def test_the_summary_counts_what_each_agency_owes_and_what_is_late(world):
    plan = start(world)
    late = add_action(world, plan, world.police_agency)
    make_late(late)
    add_action(world, plan, world.police_agency, days=20)
    done = add_action(world, plan, world.health_agency)
    make_late(done)
    plan_services.complete_plan_action(access=access_for(world.health, world.case), plan_action=done)
    rows = {row.agency_name: row for row in plan_queries.plan_summary(access_for(world.lead, world.case), plan)}
    assert (rows["Northshire Police"].open, rows["Northshire Police"].late) == (2, 1)
    assert (rows["Northshire Health"].open, rows["Northshire Health"].late, rows["Northshire Health"].done) == (0, 0, 1)
    assert rows["Northshire Health"].next_due is None
    page = plan_queries.plan_page(access_for(world.lead, world.case), plan)
    assert [action.pk for action in page.late] == [late.pk]


def test_an_extended_deadline_is_not_late(world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    make_late(action)
    Deadline.objects.filter(plan_action=action).update(
        due_at=timezone.now() + timedelta(days=7), state=DeadlineState.EXTENDED
    )
    [row] = plan_queries.plan_summary(access_for(world.lead, world.case), plan)
    assert (row.open, row.late) == (1, 0)


def test_the_plan_page_highlights_a_late_action_and_not_a_done_one(client, world):
    plan = start(world)
    late = add_action(world, plan, world.police_agency, description="Police welfare check every week")
    make_late(late)
    done = add_action(world, plan, world.health_agency, description="Health visitor assessment of the baby")
    make_late(done)
    plan_services.complete_plan_action(access=access_for(world.health, world.case), plan_action=done)
    client.force_login(world.lead)
    page = html(client.get(reverse("cases:plan", args=[world.case.pk])))
    late_section = page.split('data-testid="late"')[1].split("</section>")[0]
    assert "Police welfare check every week" in late_section
    assert "Health visitor assessment" not in late_section
    owed = page.split('data-testid="owed"')[1].split("</table>")[0]
    police_row = owed.split("Northshire Police")[1].split("</tr>")[0]
    health_row = owed.split("Northshire Health")[1].split("</tr>")[0]
    assert "1 late" in police_row
    assert "late" not in health_row
    assert page.count('class="row-late"') == 2  # the police row of the table and the action's row


# --- pages ----------------------------------------------------------------------------------


def test_the_plan_page_shows_an_empty_state_with_a_start_button_for_the_lead(client, world):
    client.force_login(world.lead)
    page = html(client.get(reverse("cases:plan", args=[world.case.pk])))
    assert 'data-testid="no-plan"' in page
    assert reverse("cases:plan_start", args=[world.case.pk]) in page


def test_a_contributor_sees_the_plan_but_no_start_button(client, world):
    client.force_login(world.police)
    response = client.get(reverse("cases:plan", args=[world.case.pk]))
    assert response.status_code == 200
    assert reverse("cases:plan_start", args=[world.case.pk]) not in html(response)
    assert client.get(reverse("cases:plan_start", args=[world.case.pk])).status_code == 403


def test_an_outsider_gets_404_for_every_plan_page(client, world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    client.force_login(world.unrelated)
    for url in (
        reverse("cases:plan", args=[world.case.pk]),
        reverse("cases:plan_start", args=[world.case.pk]),
        reverse("cases:plan_detail", args=[plan.pk]),
        reverse("cases:plan_action_add", args=[plan.pk]),
        reverse("cases:plan_review", args=[plan.pk]),
        reverse("cases:plan_end", args=[plan.pk]),
        reverse("cases:plan_action", args=[action.pk]),
        reverse("cases:plan_action_drop", args=[action.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_case_page_links_to_the_plan(client, world):
    client.force_login(world.police)
    page = html(client.get(reverse("cases:detail", args=[world.case.pk])))
    assert reverse("cases:plan", args=[world.case.pk]) in page


def test_starting_a_plan_through_the_page(client, world):
    client.force_login(world.lead)
    url = reverse("cases:plan_start", args=[world.case.pk])
    assert "Kind of plan" in html(client.get(url))
    missing = client.post(url, {"kind": PlanKind.CHILD_PROTECTION, "outcomes": "  "})
    assert missing.status_code == 200 and "There is a problem" in html(missing)
    response = client.post(url, {"kind": PlanKind.CHILD_PROTECTION, "outcomes": "Safe at home\n\nAttends school\n"})
    assert response.status_code == 302
    plan = Plan.objects.get(case=world.case)
    assert plan.outcomes.count() == 2
    page = html(client.get(reverse("cases:plan", args=[world.case.pk])))
    assert "Safe at home" in page and "Child protection plan" in page
    assert client.get(url).status_code == 302  # already has a plan


def test_adding_an_action_through_the_page(client, world):
    plan = start(world)
    client.force_login(world.key_worker)
    url = reverse("cases:plan_action_add", args=[plan.pk])
    form = html(client.get(url))
    assert "Northshire Police" in form and world.health.full_name in form
    data = {
        "outcome": first_outcome(plan).pk,
        "description": "Attend the core group",
        "owner_agency": world.health_agency.pk,
        "owner": world.police.pk,
        "due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
    }
    wrong = client.post(url, data)
    assert wrong.status_code == 200 and not PlanAction.objects.exists()
    data["owner"] = world.health.pk
    assert client.post(url, data).status_code == 302
    action = PlanAction.objects.get()
    assert action.owner == world.health and action.owner_agency == world.health_agency


def test_recording_progress_through_the_page(client, world):
    plan = start(world)
    action = add_action(world, plan, world.health_agency, owner=world.health)
    url = reverse("cases:plan_action", args=[action.pk])
    client.force_login(world.police)
    page = html(client.get(url))
    assert "Record progress" not in page.split("<h2")[0] and 'name="rating"' not in page
    assert client.post(url, {"rating": "on_track", "note": "Seen"}).status_code == 403
    client.force_login(world.health)
    assert 'name="rating"' in html(client.get(url))
    assert client.post(url, {"rating": "done", "note": "Weight gain on track"}).status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert "Weight gain on track" in html(client.get(url))


def test_mark_done_button_completes_the_action(client, world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency)
    client.force_login(world.health)
    assert client.post(reverse("cases:plan_action_complete", args=[action.pk])).status_code == 403
    client.force_login(world.police)
    assert client.post(reverse("cases:plan_action_complete", args=[action.pk])).status_code == 302
    assert Deadline.objects.get(plan_action=action).state == DeadlineState.MET


def test_dropping_an_action_asks_for_confirmation(client, world):
    plan = start(world)
    action = add_action(world, plan, world.police_agency, description="Police to attend the core group")
    client.force_login(world.lead)
    url = reverse("cases:plan_action_drop", args=[action.pk])
    confirm = html(client.get(url))
    assert "Drop this action?" in confirm and "Yes, drop the action" in confirm
    action.refresh_from_db()
    assert action.state == ActionState.OPEN
    assert client.post(url, {"reason": "Agreed at the core group"}).status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DROPPED
    client.force_login(world.police)
    assert client.get(url).status_code == 403


def test_reviewing_and_ending_through_the_pages(client, world):
    plan = start(world)
    client.force_login(world.lead)
    today = timezone.localdate()
    response = client.post(
        reverse("cases:plan_review", args=[plan.pk]),
        {
            "reviewed_on": today.isoformat(),
            "summary": "Good progress on school attendance",
            "next_review_on": (today + timedelta(days=182)).isoformat(),
        },
    )
    assert response.status_code == 302
    page = html(client.get(reverse("cases:plan", args=[world.case.pk])))
    assert "Good progress on school attendance" in page
    end_url = reverse("cases:plan_end", args=[plan.pk])
    assert "Yes, end the plan" in html(client.get(end_url))
    assert client.post(end_url, {"reason": "Stepped down to early help"}).status_code == 302
    page = html(client.get(reverse("cases:plan", args=[world.case.pk])))
    assert 'data-testid="no-plan"' in page and "Stepped down to early help" in page
    assert client.get(reverse("cases:plan_detail", args=[plan.pk])).status_code == 200


# --- the access matrix ------------------------------------------------------------------------

MATRIX_ACTIONS = ("view", "start", "add_action", "progress_own_health", "progress_police", "review", "end")
EVERYTHING = set(MATRIX_ACTIONS)
MATRIX: dict[str, set[str] | None] = {
    # None: the case is out of sight, so every page answers 404.
    "lead": EVERYTHING,
    "key worker": EVERYTHING,
    "police contributor": {"view", "progress_police"},
    "health contributor (owns the health action)": {"view", "progress_own_health"},
    "lead's supervisor": EVERYTHING,
    "other agency supervisor (police)": {"view", "progress_police"},
    "unrelated user": None,
    "agency admin": None,
}
# What the access log records when an action is done, and when it is refused.
LOGGED_AS = {
    "view": ("view_casework", "view_casework"),
    "start": ("start_plan", "manage_plan"),
    "add_action": ("add_plan_action", "manage_plan"),
    "progress_own_health": ("record_plan_progress", "update_action"),
    "progress_police": ("record_plan_progress", "update_action"),
    "review": ("review_plan", "manage_plan"),
    "end": ("end_plan", "manage_plan"),
}


def _attempt(client, world: PlanWorld, plan: Plan, action: str):
    today = timezone.localdate()
    health_action = add_action(world, plan, world.health_agency, owner=world.health)
    police_action = add_action(world, plan, world.police_agency)
    progress = {"rating": ProgressRating.ON_TRACK, "note": "Visit completed"}
    data: dict[str, object]
    if action == "view":
        return client.get(reverse("cases:plan", args=[world.case.pk]))
    if action == "start":
        plan_services.end_plan(access=access_for(world.lead, world.case), plan=plan, reason="Replaced")
        data = {"kind": PlanKind.CHILD_IN_NEED, "outcomes": "Family engages with support"}
        return client.post(reverse("cases:plan_start", args=[world.case.pk]), data)
    if action == "add_action":
        data = {
            "outcome": first_outcome(plan).pk,
            "description": "Attend the core group",
            "owner_agency": world.police_agency.pk,
            "due_on": (today + timedelta(days=10)).isoformat(),
        }
        return client.post(reverse("cases:plan_action_add", args=[plan.pk]), data)
    if action == "progress_own_health":
        return client.post(reverse("cases:plan_action", args=[health_action.pk]), progress)
    if action == "progress_police":
        return client.post(reverse("cases:plan_action", args=[police_action.pk]), progress)
    if action == "review":
        data = {
            "reviewed_on": today.isoformat(),
            "summary": "Reviewed at conference",
            "next_review_on": (today + timedelta(days=180)).isoformat(),
        }
        return client.post(reverse("cases:plan_review", args=[plan.pk]), data)
    assert action == "end"
    return client.post(reverse("cases:plan_end", args=[plan.pk]), {"reason": "Risks reduced"})


@pytest.mark.parametrize("action", MATRIX_ACTIONS)
@pytest.mark.parametrize("relationship", list(MATRIX))
def test_access_matrix(client, relationship, action):
    world = plan_world()
    plan = start(world)
    user = world.user(relationship)
    client.force_login(user)
    response = _attempt(client, world, plan, action)
    allowed_actions = MATRIX[relationship]
    done_as, refused_as = LOGGED_AS[action]
    rows = AccessLogEntry.objects.filter(user=user)
    if allowed_actions is None:
        assert response.status_code == 404
        assert rows.filter(outcome="denied", case=world.case).exists()
        assert not rows.filter(outcome="allowed").exists()
    elif action in allowed_actions:
        assert response.status_code == (200 if action == "view" else 302), html(response)[:2000]
        assert rows.filter(outcome="allowed", action=done_as, case=world.case).exists()
        assert not rows.filter(outcome="denied").exists()
    else:
        assert response.status_code == 403
        assert rows.filter(outcome="denied", action=refused_as, case=world.case).exists()


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("actions", [5, 30])
def test_the_plan_page_runs_the_same_number_of_queries_at_5_and_30_actions(
    client, django_assert_num_queries, actions, request
):
    world = plan_world()
    plan = start(world)
    agencies = [world.police_agency, world.health_agency]
    for i in range(actions):
        action = add_action(world, plan, agencies[i % 2], days=10 + i)
        if i % 3 == 0:
            make_late(action)
        plan_services.record_progress(
            access=access_for(world.lead, world.case), plan_action=action, rating="on_track", note="Seen"
        )
    client.force_login(world.lead)
    url = reverse("cases:plan", args=[world.case.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('data-testid="plan-action"') == actions


# Sign-in, the policy door (the case with the user's basis on it in one read, the log row
# with its chain), the plan, its outcomes, actions, progress, the per-agency aggregate,
# reviews and past plans, and the case header every case page has (its children, the risky
# adults of its families, its active plan: cases.overview): fixed, whatever the size.
PLAN_PAGE_QUERIES = 22


def test_the_no_bare_managers_rule_holds_for_the_plan_modules():
    from pathlib import Path

    from cases.plans import api as plan_api
    from cases.plans import forms as plan_forms
    from cases.plans import views as plan_views
    from tests.access_control.test_no_bare_managers import bare_reads

    for module in (plan_api, plan_forms, plan_views):
        assert bare_reads(Path(str(module.__file__)).read_text()) == []


def test_an_agency_admin_membership_alone_shows_no_plan(client, world):
    start(world)
    admin = MembershipFactory.create(agency=world.police_agency, role="agency_admin").user
    client.force_login(admin)
    assert client.get(reverse("cases:plan", args=[world.case.pk])).status_code == 404
