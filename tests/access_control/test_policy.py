"""The case rules, one behaviour at a time. The full matrix lives in test_access_matrix.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm

from access_control import policy
from access_control.models import AccessLogEntry, BreakGlassGrant
from agencies.models import AgencyKind, Membership, Role, SupervisionLine, User
from cases.models import Visibility
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, MembershipFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def visible(user: User) -> set:
    return set(policy.visible_cases(user).values_list("pk", flat=True))


def test_agency_membership_alone_shows_no_case():
    case = CaseFactory.create()
    colleague = MembershipFactory.create(agency=case.lead_agency)
    admin = MembershipFactory.create(agency=case.lead_agency, role=Role.AGENCY_ADMIN)
    assert visible(colleague.user) == set()
    assert visible(admin.user) == set()


def test_team_member_sees_the_case_and_loses_it_when_removed_or_deactivated():
    member = TeamMemberFactory.create()
    assert visible(member.user) == {member.case.pk}
    Membership.objects.filter(user=member.user).update(active=False, ended_on=timezone.localdate())
    assert visible(member.user) == set()


def test_supervisor_sees_cases_of_people_they_supervise_in_the_same_agency_only():
    case = CaseFactory.create()
    lead_membership = Membership.objects.get(user=case.lead_worker)
    supervisor = MembershipFactory.create(agency=case.lead_agency, role=Role.SUPERVISOR)
    line = SupervisionLine.objects.create(supervisor=supervisor, supervisee=lead_membership)
    assert visible(supervisor.user) == {case.pk}
    line.active = False
    line.save()
    assert visible(supervisor.user) == set()


def test_supervisor_of_someone_on_the_team_for_another_agency_sees_nothing():
    other = AgencyFactory.create(kind=AgencyKind.HEALTH)
    worker = MembershipFactory.create(agency=other)
    supervisor = MembershipFactory.create(agency=other, role=Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=supervisor, supervisee=worker)
    # The worker also belongs to the lead agency and sits on the team for it, not for `other`.
    case = CaseFactory.create()
    MembershipFactory.create(user=worker.user, agency=case.lead_agency)
    TeamMemberFactory.create(case=case, user=worker.user, agency=case.lead_agency)
    assert visible(worker.user) == {case.pk}
    assert visible(supervisor.user) == set()


def test_explicit_guardian_grant_and_break_glass_show_the_case_until_expiry():
    case = CaseFactory.create()
    granted = MembershipFactory.create().user
    assign_perm("cases.view_case", granted, case)
    assert visible(granted) == {case.pk}
    outsider = MembershipFactory.create().user
    grant = BreakGlassGrant.objects.create(
        case=case, user=outsider, reason="Child at A&E now", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert visible(outsider) == {case.pk}
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert visible(outsider) == set()


def test_superuser_is_not_exempt():
    CaseFactory.create()
    root = User.objects.create_superuser("root@platform.test", "a-long-platform-password", full_name="Root")
    assert visible(root) == set()


def test_visible_cases_is_one_query(django_assert_num_queries):
    member = TeamMemberFactory.create()
    with django_assert_num_queries(1):
        list(policy.visible_cases(member.user))


def test_get_case_answers_404_and_logs_the_denial():
    case = CaseFactory.create()
    outsider = MembershipFactory.create().user
    with pytest.raises(Http404):
        policy.get_case(outsider, case.pk)
    row = AccessLogEntry.objects.get(user=outsider)
    assert (row.outcome, row.action, row.case_id, row.rule) == ("denied", "view_case", case.pk, "no rule grants access")


def test_agency_only_entry_hidden_from_other_agency_team_member():
    police_member = TeamMemberFactory.create()
    case = police_member.case
    EntryFactory.create(case=case, visibility=Visibility.AGENCY, summary="Agency only")
    EntryFactory.create(case=case, visibility=Visibility.TEAM, summary="For the team")
    access = policy.get_case(police_member.user, case.pk)
    summaries = {e.summary for e in policy.visible_entries(police_member.user, case)}
    assert summaries == {"For the team"}
    assert access.basis.rule == "case team member (contributor)"
