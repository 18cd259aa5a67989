"""The reads that start from what is owed (my tasks, the team's deadlines, extensions waiting,
one deadline) give the answers of the policy's rules: each rule of ``visible_deadlines`` in
turn, for a deadline the user or their agency owes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access_control import policy
from access_control.policy.deadlines import visible_deadlines_among
from access_control.policy.supervisors import supervisees_deadlines
from agencies.models import Membership, Role
from deadlines import queries
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Extension
from referrals.models import ReferralStatus
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    MembershipFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_worker,
    supervise,
)

pytestmark = pytest.mark.django_db


def _triage_deadline(referral, **fields) -> Deadline:
    values = {"case": None, "referral": referral, "owner": None, "owner_agency": referral.receiving_agency}
    values.update(fields)
    return DeadlineFactory.create(kind=DeadlineKind.REFERRAL_DECISION, title="Decide the referral", **values)


def _task_ids(user, state: str = "") -> set:
    return set(queries.tasks_for(user, state=state).values_list("pk", flat=True))


def test_a_front_door_owes_the_triage_of_a_submitted_referral_not_a_draft():
    submitted = ReferralFactory.create()
    agency = submitted.receiving_agency
    draft = ReferralFactory.create(receiving_agency=agency, status=ReferralStatus.DRAFT, submitted_at=None)
    worker = front_door_worker(agency)
    owed = _triage_deadline(submitted)
    not_yet = _triage_deadline(draft)
    assert _task_ids(worker) == {owed.pk}
    assert set(policy.visible_deadlines(worker).values_list("pk", flat=True)) == {owed.pk}
    assert not_yet.pk not in set(policy.visible_deadlines(worker).values_list("pk", flat=True))


def test_a_referrer_at_the_front_door_does_not_see_their_own_referral_as_the_inbox():
    referral = ReferralFactory.create()
    assert referral.referrer is not None
    referrer_at_door = MembershipFactory.create(
        user=referral.referrer, agency=referral.receiving_agency, role=Role.INTAKE
    )
    unowned = _triage_deadline(referral)
    own = _triage_deadline(referral, owner=referral.referrer, owner_agency=referrer_at_door.agency)
    # The inbox rule leaves out the user's own referrals; the referrer sees the one they owe.
    assert _task_ids(referral.referrer) == {own.pk}
    assert unowned.pk not in set(policy.visible_deadlines(referral.referrer).values_list("pk", flat=True))


def test_an_agency_deadline_on_a_case_shows_only_to_those_who_see_the_case():
    case = CaseFactory.create()
    colleague_on_team = TeamMemberFactory.create(case=case, agency=case.lead_agency).user
    colleague_off_team = MembershipFactory.create(agency=case.lead_agency).user
    owed = DeadlineFactory.create(case=case, owner=None, owner_agency=case.lead_agency)
    assert owed.pk in _task_ids(colleague_on_team)
    assert owed.pk in _task_ids(case.lead_worker)
    assert owed.pk not in _task_ids(colleague_off_team)


def test_my_tasks_filtered_by_a_closed_state_read_that_state_only():
    case = CaseFactory.create()
    met = DeadlineFactory.create(case=case, state=DeadlineState.MET)
    live = DeadlineFactory.create(case=case)
    assert _task_ids(case.lead_worker) == {live.pk}
    assert _task_ids(case.lead_worker, DeadlineState.MET) == {met.pk}
    assert _task_ids(case.lead_worker, DeadlineState.CANCELLED) == set()


def test_the_teams_deadlines_leave_out_a_supervisees_deadline_on_a_case_the_supervisor_cannot_see():
    case = CaseFactory.create()
    worker = Membership.objects.get(user=case.lead_worker, agency=case.lead_agency)
    supervisor = supervise(worker).user
    seen = DeadlineFactory.create(case=case)
    # Owed by the same worker, on a case where they hold no team place: out of the supervisor's sight.
    elsewhere = DeadlineFactory.create(case=CaseFactory.create(lead_agency=case.lead_agency), owner=case.lead_worker)
    assert set(supervisees_deadlines(supervisor).values_list("pk", flat=True)) == {seen.pk}
    assert elsewhere.pk in set(Deadline.objects.filter(owner=case.lead_worker).values_list("pk", flat=True))


def test_an_extension_waiting_on_an_agency_deadline_goes_to_the_agencys_supervisor_only():
    case = CaseFactory.create()
    agency_supervisor = MembershipFactory.create(agency=case.lead_agency, role=Role.SUPERVISOR).user
    TeamMemberFactory.create(case=case, user=agency_supervisor, agency=case.lead_agency)
    deadline = DeadlineFactory.create(case=case, owner=None, owner_agency=case.lead_agency)
    extension = Extension.objects.create(
        deadline=deadline, requested_by=case.lead_worker, reason="Waiting for the GP", new_due_at=deadline.due_at
    )
    practitioner = MembershipFactory.create(agency=case.lead_agency).user
    TeamMemberFactory.create(case=case, user=practitioner, agency=case.lead_agency)
    assert list(queries.pending_extensions_for(agency_supervisor)) == [extension]
    assert list(queries.pending_extensions_for(practitioner)) == []
    # Still waiting once the deadline is met: the supervisor can reject it.
    Deadline.objects.filter(pk=deadline.pk).update(state=DeadlineState.MET)
    assert list(queries.pending_extensions_for(agency_supervisor)) == [extension]


def test_one_deadline_is_found_only_by_those_who_may_see_it(client):
    referral = ReferralFactory.create()
    deadline = _triage_deadline(referral)
    worker = front_door_worker(referral.receiving_agency)
    outsider = MembershipFactory.create().user
    assert queries.visible_deadline(worker, deadline.pk) == deadline
    assert queries.visible_deadline(outsider, deadline.pk) is None
    assert visible_deadlines_among(outsider, Deadline.objects.all()).count() == 0
    client.force_login(worker)
    assert client.get(reverse("deadlines:extend", args=[deadline.pk])).status_code == 200
    client.force_login(outsider)
    assert client.get(reverse("deadlines:extend", args=[deadline.pk])).status_code == 404
