"""Handover: what a worker leads and owes, the agency admin blocked from deactivating them while
any of it remains (counts only), and their supervisor handing it all to a colleague."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies import handover as held
from agencies import services as agency_services
from agencies.models import Membership, Role
from cases import handover
from cases.models import ActionState, CaseStatus, CaseTeamMember, LeadChange, MeetingAction, PlanAction, TeamRole
from deadlines.models import Deadline, DeadlineState
from tests.factories import MembershipFactory, SupervisionLineFactory
from tests.supervision.handover_helpers import (
    assigned_meeting_action,
    assigned_plan_action,
    busy_worker,
    handover_team,
    led_case,
    owed_contribution,
    owed_deadline,
)

pytestmark = pytest.mark.django_db


def _names_and_references(world) -> list[str]:
    found = [case.reference for case in world.cases]
    for case in world.cases:
        found += [child.full_name for child in case.children.all()]
    return found


# --- what a worker leads and owes -----------------------------------------------------------


def test_the_handover_list_has_each_kind_of_item():
    world = busy_worker(cases=2)
    items = handover.handover_items(world.supervisor.user, world.worker)
    assert {c.pk for c in items.cases} == {c.pk for c in world.cases}
    assert [d.pk for d in items.deadlines] == [world.deadlines[0].pk]
    assert [c.pk for c in items.contributions] == [world.contributions[0].pk]
    assert [a.pk for a in items.plan_actions] == [world.plan_actions[0].pk]
    assert [a.pk for a in items.meeting_actions] == [world.meeting_actions[0].pk]
    assert items.out_of_sight == 0
    assert held.held_work(world.worker).as_counts() == {
        "cases": 2,
        "deadlines": 1,
        "contributions": 1,
        "plan_actions": 1,
        "meeting_actions": 1,
    }


def test_closed_cases_done_deadlines_and_finished_actions_are_not_work_to_hand_over():
    world = handover_team()
    closed = led_case(world, status=CaseStatus.CLOSED)
    case = led_case(world)
    owed_deadline(world, case, state=DeadlineState.MET)
    owed_deadline(world, case, state=DeadlineState.CANCELLED)
    action = assigned_plan_action(world, case)
    PlanAction.objects.filter(pk=action.pk).update(state=ActionState.DONE)
    Deadline.objects.filter(plan_action=action).update(state=DeadlineState.MET)
    meeting_action = assigned_meeting_action(world, case)
    MeetingAction.objects.filter(pk=meeting_action.pk).update(state=ActionState.DROPPED)
    items = handover.handover_items(world.supervisor.user, world.worker)
    assert [c.pk for c in items.cases] == [case.pk]
    assert closed.pk not in {c.pk for c in items.cases}
    assert items.deadlines == [] and items.plan_actions == [] and items.meeting_actions == []
    assert held.held_work(world.worker).as_counts() == {
        "cases": 1,
        "deadlines": 0,
        "contributions": 0,
        "plan_actions": 0,
        "meeting_actions": 0,
    }


def test_work_for_another_agency_is_not_counted_in_this_one():
    world = busy_worker(cases=1)
    elsewhere = MembershipFactory.create(user=world.worker.user, role=Role.PRACTITIONER)
    assert held.held_work(elsewhere).total == 0


# --- deactivation is blocked while work remains -----------------------------------------------


def test_deactivation_is_refused_with_counts_and_the_supervisor_to_ask():
    world = busy_worker(cases=6)
    with pytest.raises(ValidationError) as refused:
        agency_services.deactivate_membership(by=world.admin.user, membership=world.worker)
    message = " ".join(refused.value.messages)
    assert "6 open cases they lead" in message
    assert "1 deadline they owe" in message
    assert "1 assessment contribution they owe" in message
    assert "1 open plan action" in message and "1 open meeting action" in message
    assert world.supervisor.user.full_name in message
    assert not any(secret in message for secret in _names_and_references(world))
    world.worker.refresh_from_db()
    assert world.worker.active


def test_a_role_change_out_of_supervision_is_refused_while_work_remains():
    world = busy_worker(cases=1)
    with pytest.raises(ValidationError) as refused:
        agency_services.change_role(by=world.admin.user, membership=world.worker, role=Role.AGENCY_ADMIN)
    assert "1 open case they lead" in " ".join(refused.value.messages)
    # A role that stays supervised keeps the line the work can be handed over by.
    agency_services.change_role(by=world.admin.user, membership=world.worker, role=Role.INTAKE)


def test_the_deactivation_page_shows_counts_and_the_supervisor_but_no_case(client):
    world = busy_worker(cases=6)
    client.force_login(world.admin.user)
    url = reverse("agencies:member_deactivate", args=[world.agency.pk, world.worker.pk])
    page = client.get(url).content.decode()
    assert "6 open cases they lead" in page
    assert escape(world.supervisor.user.full_name) in page  # a Faker name may be O'Neill
    assert "Yes, deactivate" not in page
    assert reverse("supervision:handover", args=[world.worker.pk]) not in page
    assert not any(secret in page for secret in _names_and_references(world))
    posted = client.post(url)
    assert posted.status_code == 200
    assert "still has work to hand over" in posted.content.decode()
    assert not any(secret in posted.content.decode() for secret in _names_and_references(world))
    world.worker.refresh_from_db()
    assert world.worker.active


def test_a_worker_with_no_supervisor_is_blocked_and_the_admin_is_told_to_set_one(client):
    world = handover_team()
    led_case(world)
    world.worker.supervisors.update(active=False, ended_on="2026-01-01")
    client.force_login(world.admin.user)
    page = client.get(reverse("agencies:member_deactivate", args=[world.agency.pk, world.worker.pk])).content.decode()
    assert "They have no supervisor" in page


def test_the_deactivate_api_answers_400_with_the_counts(api_client):
    world = busy_worker(cases=6)
    api_client.force_authenticate(world.admin.user)
    response = api_client.post(reverse("api-member-deactivate", args=[world.agency.pk, world.worker.pk]))
    assert response.status_code == 400
    body = response.json()
    assert body["work_to_hand_over"] == {
        "cases": 6,
        "deadlines": 1,
        "contributions": 1,
        "plan_actions": 1,
        "meeting_actions": 1,
    }
    assert [p["full_name"] for p in body["supervisors"]] == [world.supervisor.user.full_name]
    assert "6 open cases they lead" in body["non_field_errors"][0]
    assert not any(secret in response.content.decode() for secret in _names_and_references(world))


# --- handing it all over ---------------------------------------------------------------------


def test_hand_all_over_moves_everything_in_one_step_and_then_deactivation_goes_through():
    world = busy_worker(cases=3)
    worker, colleague = world.worker.user, world.colleague.user
    done = handover.hand_over(by=world.supervisor.user, membership=world.worker, to=world.colleague, reason="Leaving")
    assert (done.cases, done.deadlines, done.contributions, done.plan_actions, done.meeting_actions) == (3, 1, 1, 1, 1)
    for case in world.cases:
        case.refresh_from_db()
        assert case.lead_worker_id == colleague.pk
        change = LeadChange.objects.get(case=case)
        assert (change.previous_lead_id, change.new_lead_id, change.reason) == (worker.pk, colleague.pk, "Leaving")
        assert CaseTeamMember.objects.get(case=case, user=colleague, active=True).role == TeamRole.LEAD
    assert not Deadline.objects.filter(owner=worker, state__in=["open", "overdue", "extended"]).exists()
    assert Deadline.objects.get(pk=world.deadlines[0].pk).owner_id == colleague.pk
    assert Deadline.objects.get(contribution=world.contributions[0]).owner_id == colleague.pk
    assert PlanAction.objects.get(pk=world.plan_actions[0].pk).owner_id == colleague.pk
    assert MeetingAction.objects.get(pk=world.meeting_actions[0].pk).owner_id == colleague.pk
    assert held.held_work(world.worker).total == 0
    logged = set(
        AccessLogEntry.objects.filter(user=world.supervisor.user, outcome="allowed").values_list("action", flat=True)
    )
    assert {"hand_over", "reassign_lead", "hand_over_deadline", "hand_over_plan_action"} <= logged
    agency_services.deactivate_membership(by=world.admin.user, membership=world.worker)
    world.worker.refresh_from_db()
    assert not world.worker.active


def test_hand_all_over_is_one_transaction(monkeypatch):
    world = busy_worker(cases=2)

    def fails(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # Everything before the meeting actions has been moved when this fails: all of it rolls back.
    monkeypatch.setattr(handover, "notify", fails)
    with pytest.raises(RuntimeError):
        handover.hand_over(by=world.supervisor.user, membership=world.worker, to=world.colleague, reason="Leaving")
    assert held.held_work(world.worker).as_counts()["cases"] == 2
    assert not LeadChange.objects.exists()
    assert PlanAction.objects.get(pk=world.plan_actions[0].pk).owner_id == world.worker.user_id


def test_only_the_workers_supervisor_may_hand_over():
    world = busy_worker(cases=1)
    other_team_supervisor = MembershipFactory.create(agency=world.agency, role=Role.SUPERVISOR)
    for outsider in (world.admin.user, world.colleague.user, other_team_supervisor.user, world.worker.user):
        with pytest.raises(Exception) as refused:
            handover.hand_over(by=outsider, membership=world.worker, to=world.colleague, reason="Leaving")
        assert type(refused.value).__name__ == "Http404"
    assert held.held_work(world.worker).total > 0
    assert AccessLogEntry.objects.filter(user=world.admin.user, action="hand_over", outcome="denied").exists()


def test_the_new_owner_must_be_an_eligible_colleague():
    world = busy_worker(cases=1)
    other_agency = MembershipFactory.create(role=Role.PRACTITIONER)
    unsupervised = MembershipFactory.create(agency=world.agency, role=Role.PRACTITIONER)
    ended = MembershipFactory.create(agency=world.agency, role=Role.PRACTITIONER)
    SupervisionLineFactory.create(supervisor=world.supervisor, supervisee=ended)
    Membership.objects.filter(pk=ended.pk).update(active=False, ended_on="2026-01-01")
    for wrong in (other_agency, unsupervised, ended, world.worker, world.admin, None):
        with pytest.raises(ValidationError) as refused:
            handover.hand_over(by=world.supervisor.user, membership=world.worker, to=wrong, reason="Leaving")
        assert "to" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        handover.hand_over(by=world.supervisor.user, membership=world.worker, to=world.colleague, reason="  ")
    assert "reason" in refused.value.message_dict
    assert held.held_work(world.worker).as_counts()["cases"] == 1
    # The supervisor may take the work themself.
    handover.hand_over(by=world.supervisor.user, membership=world.worker, to=world.supervisor, reason="Leaving")
    assert held.held_work(world.worker).total == 0


# --- the supervisor's page and API ------------------------------------------------------------


def test_the_handover_page_lists_each_item_as_a_link_and_hands_it_all_over(client):
    world = busy_worker(cases=2)
    client.force_login(world.supervisor.user)
    url = reverse("supervision:handover", args=[world.worker.pk])
    page = client.get(url).content.decode()
    for case in world.cases:
        assert reverse("cases:detail", args=[case.pk]) in page
        assert reverse("supervision:reassign_lead", args=[case.pk]) in page
    assert reverse("cases:contribution_edit", args=[world.contributions[0].pk]) in page
    assert reverse("cases:plan_action", args=[world.plan_actions[0].pk]) in page
    assert reverse("cases:meeting_detail", args=[world.meeting_actions[0].meeting_id]) in page
    response = client.post(url, {"to": world.colleague.pk, "reason": "Moving team"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "now has" in page and "leads and owes nothing" in page


def test_the_handover_page_shows_every_error_at_once(client):
    world = busy_worker(cases=1)
    client.force_login(world.supervisor.user)
    response = client.post(reverse("supervision:handover", args=[world.worker.pk]), {"to": "", "reason": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"to", "reason"}


def test_the_handover_api_lists_and_hands_over(api_client):
    world = busy_worker(cases=2)
    api_client.force_authenticate(world.supervisor.user)
    url = reverse("api-supervisor-handover", args=[world.worker.pk])
    listed = api_client.get(url).json()
    assert {c["reference"] for c in listed["cases"]} == {c.reference for c in world.cases}
    assert len(listed["deadlines"]) == len(listed["contributions"]) == len(listed["plan_actions"]) == 1
    assert len(listed["meeting_actions"]) == 1 and listed["out_of_sight"] == 0
    bad = api_client.post(url, {"to": world.admin.pk, "reason": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"reason"}
    bad = api_client.post(url, {"to": world.admin.pk, "reason": "Leaving"}, format="json")
    assert bad.status_code == 400 and "to" in bad.json()
    done = api_client.post(url, {"to": world.colleague.pk, "reason": "Leaving"}, format="json")
    assert done.status_code == 200
    assert done.json()["cases"] == 2 and done.json()["to"]["id"] == world.colleague.user_id
    admin = api_client
    admin.force_authenticate(world.admin.user)
    deactivated = admin.post(reverse("api-member-deactivate", args=[world.agency.pk, world.worker.pk]))
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False


def test_the_handover_endpoints_are_in_the_openapi_schema(api_client):
    world = handover_team()
    api_client.force_authenticate(world.supervisor.user)
    schema = api_client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/supervisor/team/{membership_id}/handover/" in schema
    assert "/api/v1/agencies/{agency_id}/members/search/" in schema
    assert "work_to_hand_over" in schema and "existing_account" in schema


# --- query counts ------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_handover_page_runs_the_same_number_of_queries_for_1_and_8_of_each(client):
    counts = []
    for size in (1, 8):
        world = handover_team()
        for _ in range(size):
            case = led_case(world)
            owed_deadline(world, case)
            owed_contribution(world, case)
            assigned_plan_action(world, case)
            assigned_meeting_action(world, case)
        client.force_login(world.supervisor.user)
        counts.append(_queries(client, reverse("supervision:handover", args=[world.worker.pk])))
    assert counts[0] == counts[1], counts
