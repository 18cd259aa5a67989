"""The supervisor's view and lead reassignment: figures, click-through, approvals, the
reassignment service and its pages, the access matrix and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from access_control.policy import Action, get_case
from agencies.models import AgencyKind, Membership, Role, SupervisionLine
from cases import services
from cases.models import (
    AssessmentState,
    Case,
    CaseStatus,
    CaseTeamMember,
    ClosureRequest,
    EntryKind,
    JointAssessment,
    LeadChange,
    RiskLevel,
    TeamRole,
)
from deadlines.models import DeadlineState, Extension, Notification
from referrals.models import ReferralStatus, TriageDecision
from supervision import queries
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
    supervise,
)
from tests.supervision.supervisor_helpers import Team, case_for, log_rows, make_team, owed, visit

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
ALLOWED = AccessLogEntry.Outcome.ALLOWED
DENIED = AccessLogEntry.Outcome.DENIED


def html(response) -> str:
    return response.content.decode()


# --- the planted dataset ----------------------------------------------------------------


@pytest.fixture
def team() -> Team:
    """Two supervisees. The first: 3 open cases (2 led), one closed, one left; deadlines due
    this week, later, overdue (unmarked and marked), met; visits. The second: one case, nothing owed."""
    team = make_team(2)
    first, second = team.workers
    today = timezone.localdate()
    open_high = case_for(first, status=CaseStatus.OPEN, risk=RiskLevel.HIGH)
    s47_medium = case_for(first, status=CaseStatus.SECTION_47, risk=RiskLevel.MEDIUM)
    case_for(first, TeamRole.KEY_WORKER, status=CaseStatus.CHILD_PROTECTION_PLAN, risk=RiskLevel.LOW)
    closed = case_for(first, status=CaseStatus.CLOSED, risk=RiskLevel.HIGH)
    left = case_for(first, TeamRole.CONTRIBUTOR, risk=RiskLevel.HIGH)
    CaseTeamMember.objects.filter(case=left, user=first.user).update(
        active=False, removed_at=timezone.now(), removed_reason="Moved on"
    )
    owed(first, open_high, 2 * DAY)  # due this week
    owed(first, s47_medium, 3 * DAY, DeadlineState.EXTENDED)  # due this week, extended
    owed(first, s47_medium, 10 * DAY)  # later
    owed(first, open_high, -timedelta(hours=1))  # overdue, not yet marked by the sweep
    owed(first, s47_medium, -3 * DAY, DeadlineState.OVERDUE)  # overdue, marked
    owed(first, open_high, DAY, DeadlineState.MET)  # met: not counted
    owed(first, closed, -DAY, DeadlineState.CANCELLED)  # cancelled: not counted
    visit(first, open_high, today - 5 * DAY)
    visit(first, s47_medium, today - 2 * DAY)  # the latest visit on an open case
    visit(first, closed, today - DAY)  # on a closed case: not counted
    visit(first, open_high, today, kind=EntryKind.CONTACT)  # not a visit
    case_for(second, status=CaseStatus.CHILD_IN_NEED, risk=RiskLevel.HIGH)
    return team


def figures(row: queries.CaseloadRow) -> dict[str, object]:
    return {
        "open": row.open_cases,
        "leads": row.leads,
        "status": {t.value: t.count for t in row.by_status},
        "risk": {t.value: t.count for t in row.by_risk},
        "week": row.due_this_week,
        "overdue": row.overdue,
        "visit": row.last_visit,
    }


def test_caseloads_count_each_supervisees_cases_deadlines_and_visits(team):
    rows = queries.caseloads(team.supervisor.user)
    by_worker = {row.membership.pk: figures(row) for row in rows}
    first, second = team.workers
    assert by_worker[first.pk] == {
        "open": 3,
        "leads": 2,
        "status": {"open": 1, "section_47": 1, "child_in_need": 0, "child_protection_plan": 1},
        "risk": {"high": 1, "medium": 1, "low": 1},
        "week": 2,
        "overdue": 2,
        "visit": timezone.localdate() - 2 * DAY,
    }
    assert by_worker[second.pk] == {
        "open": 1,
        "leads": 1,
        "status": {"open": 0, "section_47": 0, "child_in_need": 1, "child_protection_plan": 0},
        "risk": {"high": 1, "medium": 0, "low": 0},
        "week": 0,
        "overdue": 0,
        "visit": None,
    }
    assert [row.membership.user.full_name for row in rows] == sorted(m.user.full_name for m in team.workers)


def test_someone_supervised_by_another_supervisor_is_not_a_row(team):
    other = MembershipFactory.create(agency=team.agency, role=Role.PRACTITIONER)
    supervise(other)
    case_for(other)
    assert {row.membership.pk for row in queries.caseloads(team.supervisor.user)} == {m.pk for m in team.workers}


def test_an_ended_supervision_line_drops_the_row(team):
    first = team.workers[0]
    SupervisionLine.objects.filter(supervisee=first).update(active=False, ended_on=timezone.localdate())
    assert [row.membership.pk for row in queries.caseloads(team.supervisor.user)] == [team.workers[1].pk]


def test_work_for_another_agency_is_not_counted_even_on_a_case_the_supervisor_sees(team):
    first = team.workers[0]
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    police_membership = MembershipFactory.create(user=first.user, agency=police, role=Role.PRACTITIONER)
    elsewhere = case_for(police_membership, risk=RiskLevel.LOW)  # led by the worker for the police
    # The supervisor sees that case (they are on its team), yet the worker's place there is for the police.
    TeamMemberFactory.create(case=elsewhere, user=team.supervisor.user, agency=team.agency)
    owed(police_membership, elsewhere, DAY)
    owed(police_membership, elsewhere, -DAY)
    visit(police_membership, elsewhere, timezone.localdate())
    hidden = CaseFactory.create(lead_agency=police, lead_worker=first.user)  # out of the supervisor's sight
    owed(police_membership, hidden, -DAY)
    row = next(r for r in queries.caseloads(team.supervisor.user) if r.membership.pk == first.pk)
    assert (row.open_cases, row.leads, row.due_this_week, row.overdue) == (3, 2, 2, 2)
    assert row.last_visit == timezone.localdate() - 2 * DAY
    assert elsewhere not in queries.worker_cases(team.supervisor.user, first)
    assert queries.worker_cases(team.supervisor.user, first).count() == 3
    assert queries.worker_deadlines(team.supervisor.user, first).count() == 5


def test_dashboard_page_shows_the_figures_and_links_by_membership_id(client, team):
    client.force_login(team.supervisor.user)
    response = client.get(reverse("supervision:dashboard"))
    assert response.status_code == 200
    page = html(response)
    first = team.workers[0]
    assert first.user.full_name in page
    assert reverse("supervision:worker", args=[first.pk]) in page
    assert reverse("supervision:worker_deadlines", args=[first.pk]) + "?when=overdue" in page
    assert first.user.email not in page
    assert "the next 7 days" in page
    rows = response.context["rows"]
    assert [r.open_cases for r in rows if r.membership.pk == first.pk] == [3]
    assert log_rows(team.supervisor.user, "view_caseloads", ALLOWED)


def test_dashboard_is_refused_with_403_to_someone_who_supervises_no_one(client):
    worker = MembershipFactory.create(role=Role.PRACTITIONER)
    client.force_login(worker.user)
    assert client.get(reverse("supervision:dashboard")).status_code == 403
    assert log_rows(worker.user, "view_caseloads", DENIED)


def test_a_supervisor_with_no_one_to_supervise_sees_an_empty_dashboard(client):
    supervisor = MembershipFactory.create(role=Role.SUPERVISOR)
    client.force_login(supervisor.user)
    response = client.get(reverse("supervision:dashboard"))
    assert response.status_code == 200
    assert "No one is supervised by you" in html(response)
    assert "No closure is waiting." in html(response)


def test_my_team_link_shows_only_for_someone_who_supervises(client, team):
    client.force_login(team.supervisor.user)
    assert 'href="/cases/team/"' in html(client.get(reverse("cases:list")))
    client.force_login(team.workers[0].user)
    assert 'href="/cases/team/"' not in html(client.get(reverse("cases:list")))


# --- click-through: a worker's cases and deadlines --------------------------------------------


def test_worker_cases_lists_their_open_cases_with_deadlines_and_visits(client, team):
    first = team.workers[0]
    client.force_login(team.supervisor.user)
    response = client.get(reverse("supervision:worker", args=[first.pk]))
    assert response.status_code == 200
    cases = list(response.context["page"].object_list)
    assert len(cases) == 3
    by_status = {case.status: case for case in cases}
    assert by_status[CaseStatus.OPEN].overdue_count == 1
    assert by_status[CaseStatus.SECTION_47].overdue_count == 1
    assert by_status[CaseStatus.CHILD_PROTECTION_PLAN].overdue_count == 0
    assert by_status[CaseStatus.CHILD_PROTECTION_PLAN].worker_role == TeamRole.KEY_WORKER
    assert by_status[CaseStatus.SECTION_47].last_visit == timezone.localdate() - 2 * DAY
    # The overdue deadline is the next one owed on the open case.
    assert by_status[CaseStatus.OPEN].next_due_at < timezone.now()
    assert cases[-1].status == CaseStatus.CHILD_PROTECTION_PLAN  # nothing overdue or owed: last
    assert log_rows(team.supervisor.user, "list_worker_cases", ALLOWED)


def test_worker_deadlines_filter_overdue_and_this_week(client, team):
    first = team.workers[0]
    client.force_login(team.supervisor.user)
    url = reverse("supervision:worker_deadlines", args=[first.pk])
    overdue = list(client.get(url, {"when": "overdue"}).context["page"].object_list)
    week = list(client.get(url, {"when": "week"}).context["page"].object_list)
    everything = list(client.get(url).context["page"].object_list)
    assert len(overdue) == 2 and all(d.is_overdue for d in overdue)
    assert len(week) == 2 and not any(d.is_overdue for d in week)
    assert len(everything) == 5
    assert everything[0].is_overdue


def test_a_worker_page_is_404_unless_they_are_my_supervisee(client, team):
    stranger = MembershipFactory.create(agency=team.agency, role=Role.PRACTITIONER)
    supervise(stranger)
    client.force_login(team.supervisor.user)
    for name in ("supervision:worker", "supervision:worker_deadlines"):
        assert client.get(reverse(name, args=[stranger.pk])).status_code == 404
        assert client.get(reverse(name, args=[999_999])).status_code == 404
    assert len(log_rows(team.supervisor.user, "list_worker_cases", DENIED)) == 2
    # A supervisee cannot look at a colleague (nor at themself) through these pages.
    client.force_login(team.workers[1].user)
    assert client.get(reverse("supervision:worker", args=[team.workers[0].pk])).status_code == 404


# --- waiting for my approval ------------------------------------------------------------------


def test_closures_waiting_are_those_on_cases_my_supervisees_lead(client, team):
    first = team.workers[0]
    mine = case_for(first)
    ClosureRequest.objects.create(case=mine, requested_by=first.user, reason="Family moved away")
    decided = case_for(first)
    ClosureRequest.objects.create(
        case=decided, requested_by=first.user, reason="Done", state=ClosureRequest.State.APPROVED
    )
    keyworked = case_for(first, TeamRole.KEY_WORKER)  # led by someone I do not supervise
    ClosureRequest.objects.create(case=keyworked, requested_by=keyworked.lead_worker, reason="Done")
    elsewhere = CaseFactory.create()
    ClosureRequest.objects.create(case=elsewhere, requested_by=elsewhere.lead_worker, reason="Done")
    assert [c.case_id for c in queries.closures_awaiting(team.supervisor.user)] == [mine.pk]
    client.force_login(team.supervisor.user)
    response = client.get(reverse("supervision:dashboard"))
    assert response.context["closures_count"] == 1
    assert reverse("cases:closure_decide", args=[mine.pk]) in html(response)
    assert keyworked.reference not in html(response)


def test_extensions_waiting_are_those_asked_by_my_supervisees(team):
    first = team.workers[0]
    case = case_for(first)
    deadline = owed(first, case, DAY)
    mine = Extension.objects.create(
        deadline=deadline, requested_by=first.user, reason="Family away", new_due_at=deadline.due_at + 5 * DAY
    )
    other = CaseFactory.create()
    theirs = owed(Membership.objects.get(user=other.lead_worker), other, DAY)
    Extension.objects.create(
        deadline=theirs, requested_by=other.lead_worker, reason="Busy", new_due_at=theirs.due_at + DAY
    )
    assert list(queries.extensions_awaiting(team.supervisor.user)) == [mine]


def test_triage_sign_offs_waiting_at_a_front_door_i_supervise(team):
    door = front_door_agency(triage_signoff_required=True)
    me = MembershipFactory.create(user=team.supervisor.user, agency=door, role=Role.SUPERVISOR)
    intake = MembershipFactory.create(agency=door, role=Role.INTAKE).user
    decided = {"decision": TriageDecision.ACCEPTED, "decided_at": timezone.now()}
    waiting = ReferralFactory.create(
        receiving_agency=door, status=ReferralStatus.AWAITING_SIGNOFF, decided_by=intake, **decided
    )
    ReferralFactory.create(  # my own decision: someone else signs it off
        receiving_agency=door, status=ReferralStatus.AWAITING_SIGNOFF, decided_by=me.user, **decided
    )
    ReferralFactory.create(receiving_agency=door, status=ReferralStatus.SUBMITTED)
    other_door = front_door_agency()
    ReferralFactory.create(
        receiving_agency=other_door,
        status=ReferralStatus.AWAITING_SIGNOFF,
        decided_by=MembershipFactory.create(agency=other_door, role=Role.INTAKE).user,
        **decided,
    )
    assert list(queries.sign_offs_awaiting(team.supervisor.user)) == [waiting]
    # An intake worker at the same door signs nothing off.
    assert list(queries.sign_offs_awaiting(intake)) == []


def test_assessments_waiting_are_those_submitted_by_leads_i_supervise(client, team):
    first = team.workers[0]
    now = timezone.now()

    def assessment(case: Case, state: str) -> JointAssessment:
        return JointAssessment.objects.create(
            case=case,
            lead=case.lead_worker,
            lead_agency=case.lead_agency,
            state=state,
            due_at=now + 10 * DAY,
            submitted_at=now if state == AssessmentState.SUBMITTED else None,
        )

    mine = assessment(case_for(first), AssessmentState.SUBMITTED)
    assessment(case_for(first), AssessmentState.OPEN)
    assessment(case_for(first, TeamRole.KEY_WORKER), AssessmentState.SUBMITTED)
    assessment(CaseFactory.create(), AssessmentState.SUBMITTED)
    assert list(queries.assessments_awaiting(team.supervisor.user)) == [mine]
    client.force_login(team.supervisor.user)
    response = client.get(reverse("supervision:dashboard"))
    assert response.context["assessments_count"] == 1
    assert mine.case.reference in html(response)


def test_approvals_show_empty_states(client, team):
    client.force_login(team.supervisor.user)
    page = html(client.get(reverse("supervision:dashboard")))
    for empty in ("No closure is waiting.", "No extension is waiting.", "No assessment is waiting.", "No triage"):
        assert empty in page


# --- reassigning the lead: the service ------------------------------------------------------


@pytest.fixture
def handover(team):
    """A case led by the first supervisee, with a joint assessment in progress."""
    first = team.workers[0]
    case = case_for(first)
    assessment = JointAssessment.objects.create(
        case=case, lead=first.user, lead_agency=team.agency, due_at=timezone.now() + 20 * DAY
    )
    return case, assessment


def supervisor_access(team, case):
    return get_case(team.supervisor.user, case.pk)


def test_reassign_lead_moves_the_case_the_team_places_the_assessment_and_the_deadlines(team, handover):
    case, assessment = handover
    first, second = team.workers
    live = owed(first, case, 4 * DAY)
    overdue = owed(first, case, -DAY, DeadlineState.OVERDUE)
    met = owed(first, case, DAY, DeadlineState.MET)
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    for_police = owed(MembershipFactory.create(user=first.user, agency=police), case, DAY)
    someone_elses = owed(second, case, DAY)
    due_before = live.due_at

    # A synthetic name no worker could share (Faker's surnames sometimes match a worker's).
    case.children.update(given_names="Zephyrine", family_name="Quillfeather-Synthetic")
    change = services.reassign_lead(
        access=supervisor_access(team, case), new_lead=second.user, reason="Caseload balance"
    )

    case.refresh_from_db()
    assert case.lead_worker == second.user
    assert (change.previous_lead, change.new_lead, change.changed_by, change.reason) == (
        first.user,
        second.user,
        team.supervisor.user,
        "Caseload balance",
    )
    places = {p.user_id: p for p in CaseTeamMember.objects.filter(case=case, active=True)}
    assert places[first.user_id].role == TeamRole.KEY_WORKER
    assert places[second.user_id].role == TeamRole.LEAD
    assert places[second.user_id].agency == team.agency
    assert places[second.user_id].added_reason == "Made lead: Caseload balance"
    assessment.refresh_from_db()
    assert assessment.lead == second.user
    for deadline in (live, overdue, met, for_police, someone_elses):
        deadline.refresh_from_db()
    assert live.owner == second.user and live.due_at == due_before
    assert overdue.owner == second.user
    assert met.owner == first.user  # no longer owed: history stays as it was
    assert for_police.owner == first.user  # owed for another agency: stays theirs
    assert someone_elses.owner == second.user
    assert AccessLogEntry.objects.filter(
        user=team.supervisor.user, action="reassign_lead", object_type="leadchange", outcome=ALLOWED, case=case
    ).exists()
    titles = dict(Notification.objects.values_list("recipient_id", "title"))
    assert titles[second.user_id] == f"You now lead case {case.reference}"
    assert titles[first.user_id] == f"Case {case.reference} has a new lead"
    for notification in Notification.objects.all():
        assert "Quillfeather" not in notification.title + notification.body
        assert "Caseload balance" not in notification.body


def test_reassign_lead_promotes_an_existing_team_place(team, handover):
    case, _assessment = handover
    second = team.workers[1]
    CaseTeamMember.objects.create(
        case=case, user=second.user, agency=team.agency, role=TeamRole.CONTRIBUTOR, added_reason="Visits"
    )
    services.reassign_lead(access=supervisor_access(team, case), new_lead=second.user, reason="Knows the family")
    places = CaseTeamMember.objects.filter(case=case, user=second.user)
    assert [(p.role, p.active, p.added_reason) for p in places] == [(TeamRole.LEAD, True, "Visits")]
    assert CaseTeamMember.objects.filter(case=case, active=True, role=TeamRole.LEAD).count() == 1


def test_an_approved_assessment_keeps_its_lead(team, handover):
    case, assessment = handover
    JointAssessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.APPROVED)
    services.reassign_lead(access=supervisor_access(team, case), new_lead=team.workers[1].user, reason="Leave")
    assessment.refresh_from_db()
    assert assessment.lead == team.workers[0].user


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("lead", "only the lead worker's supervisor reassigns the lead worker"),
        ("key_worker", "only the lead worker's supervisor reassigns the lead worker"),
        ("other_agency_supervisor", "only the lead worker's supervisor reassigns the lead worker"),
    ],
)
def test_reassign_lead_is_refused_and_logged(team, handover, who, reason):
    case, _assessment = handover
    if who == "lead":
        user = case.lead_worker
    elif who == "key_worker":
        user = TeamMemberFactory.create(case=case, agency=team.agency, role=TeamRole.KEY_WORKER).user
    else:
        # A police supervisor who sees the case through a police officer on its team.
        police_place = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
        user = supervise(Membership.objects.get(user=police_place.user, agency=police_place.agency)).user
    access = get_case(user, case.pk)
    with pytest.raises(PermissionDenied, match=reason):
        services.reassign_lead(access=access, new_lead=team.workers[1].user, reason="Because")
    assert AccessLogEntry.objects.filter(user=user, action=Action.REASSIGN_LEAD, outcome=DENIED, case=case).exists()
    case.refresh_from_db()
    assert case.lead_worker == team.workers[0].user
    assert not LeadChange.objects.exists()


@pytest.mark.parametrize("problem", ["no_reason", "current_lead", "agency_admin", "other_agency", "left", "closed"])
def test_reassign_lead_validation(team, handover, problem):
    case, _assessment = handover
    new_lead = team.workers[1].user
    reason = "Caseload balance"
    field = "new_lead"
    if problem == "no_reason":
        reason, field = "   ", "reason"
    elif problem == "current_lead":
        new_lead = case.lead_worker
    elif problem == "agency_admin":
        new_lead = MembershipFactory.create(agency=team.agency, role=Role.AGENCY_ADMIN).user
    elif problem == "other_agency":
        new_lead = MembershipFactory.create(role=Role.PRACTITIONER).user
    elif problem == "left":
        Membership.objects.filter(pk=team.workers[1].pk).update(active=False, ended_on=timezone.localdate())
    else:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_on=timezone.localdate())
        field = "__all__"
    access = supervisor_access(team, case)
    with pytest.raises(ValidationError) as raised:
        services.reassign_lead(access=access, new_lead=new_lead, reason=reason)
    assert field in getattr(raised.value, "error_dict", {"__all__": raised.value.messages})
    assert not LeadChange.objects.exists()
    assert Case.objects.get(pk=case.pk).lead_worker == team.workers[0].user


# --- reassigning the lead: the page ------------------------------------------------------------


def test_reassign_page_offers_the_lead_agencys_workers_and_shows_the_history(client, team, handover):
    case, _assessment = handover
    admin = MembershipFactory.create(agency=team.agency, role=Role.AGENCY_ADMIN)
    client.force_login(team.supervisor.user)
    response = client.get(reverse("supervision:reassign_lead", args=[case.pk]))
    assert response.status_code == 200
    offered = {m.user for m in response.context["form"].fields["new_lead"].queryset}
    assert team.workers[1].user in offered and team.supervisor.user in offered
    assert case.lead_worker not in offered and admin.user not in offered
    assert "has not changed since the case opened" in html(response)

    response = client.post(
        reverse("supervision:reassign_lead", args=[case.pk]),
        {"new_lead": team.workers[1].pk, "reason": "Caseload balance"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert Case.objects.get(pk=case.pk).lead_worker == team.workers[1].user
    page = html(client.get(reverse("supervision:reassign_lead", args=[case.pk])))
    assert "Caseload balance" in page and team.workers[0].user.full_name in page


def test_reassign_page_shows_errors_without_changing_anything(client, team, handover):
    case, _assessment = handover
    client.force_login(team.supervisor.user)
    response = client.post(reverse("supervision:reassign_lead", args=[case.pk]), {"new_lead": "", "reason": ""})
    assert response.status_code == 200
    assert "There is a problem" in html(response)
    assert not LeadChange.objects.exists()


def test_case_page_offers_reassignment_to_the_leads_supervisor_only(client, team, handover):
    case, _assessment = handover
    link = reverse("supervision:reassign_lead", args=[case.pk])
    client.force_login(team.supervisor.user)
    assert link in html(client.get(reverse("cases:detail", args=[case.pk])))
    client.force_login(case.lead_worker)
    assert link not in html(client.get(reverse("cases:detail", args=[case.pk])))


# --- the access matrix -------------------------------------------------------------------------

RELATIONSHIPS = [
    "lead",
    "key_worker",
    "police_contributor",
    "lead_supervisor",
    "police_supervisor",
    "outsider",
    "admin",
]


def _person(who: str, team: Team, case: Case):
    if who == "lead":
        return case.lead_worker
    if who == "key_worker":
        return TeamMemberFactory.create(case=case, agency=team.agency, role=TeamRole.KEY_WORKER).user
    if who == "lead_supervisor":
        return team.supervisor.user
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    place = TeamMemberFactory.create(case=case, agency=police)
    if who == "police_contributor":
        return place.user
    if who == "police_supervisor":
        return supervise(Membership.objects.get(user=place.user, agency=police)).user
    if who == "admin":
        return MembershipFactory.create(agency=team.agency, role=Role.AGENCY_ADMIN).user
    return MembershipFactory.create(role=Role.PRACTITIONER).user


# (reassign page, worker page of the lead, dashboard)
EXPECTED = {
    "lead": (403, 404, 403),
    "key_worker": (403, 404, 403),
    "police_contributor": (403, 404, 403),
    "lead_supervisor": (200, 200, 200),
    "police_supervisor": (403, 404, 200),
    "outsider": (404, 404, 403),
    "admin": (404, 404, 403),
}


@pytest.mark.parametrize("who", RELATIONSHIPS)
def test_access_matrix(client, team, handover, who):
    case, _assessment = handover
    user = _person(who, team, case)
    client.force_login(user)
    reassign, worker, dashboard = EXPECTED[who]

    assert client.get(reverse("supervision:reassign_lead", args=[case.pk])).status_code == reassign
    entry = AccessLogEntry.objects.filter(user=user, case=case).order_by("-id").first()
    assert entry is not None
    if reassign == 200:
        assert (entry.action, entry.outcome) == (Action.VIEW_CASE, ALLOWED)
    else:
        assert (entry.action, entry.outcome) == (Action.REASSIGN_LEAD if reassign == 403 else Action.VIEW_CASE, DENIED)

    assert client.get(reverse("supervision:worker", args=[team.workers[0].pk])).status_code == worker
    entry = AccessLogEntry.objects.filter(user=user, action="list_worker_cases").get()
    assert entry.outcome == (ALLOWED if worker == 200 else DENIED)

    assert client.get(reverse("supervision:dashboard")).status_code == dashboard
    entry = AccessLogEntry.objects.filter(user=user, action="view_caseloads").get()
    assert entry.outcome == (ALLOWED if dashboard == 200 else DENIED)

    response = client.post(
        reverse("supervision:reassign_lead", args=[case.pk]), {"new_lead": team.workers[1].pk, "reason": "Matrix"}
    )
    assert response.status_code == (302 if reassign == 200 else reassign)
    assert LeadChange.objects.exists() == (reassign == 200)


# --- query counts ------------------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _busy_team(size: int) -> Team:
    team = make_team(size)
    for worker in team.workers:
        case = case_for(worker, risk=RiskLevel.HIGH)
        owed(worker, case, DAY)
        owed(worker, case, -DAY)
        visit(worker, case, timezone.localdate())
        ClosureRequest.objects.create(case=case, requested_by=worker.user, reason="Done")
    return team


def test_dashboard_runs_the_same_number_of_queries_for_3_and_12_supervisees(client):
    counts = []
    for size in (3, 12):
        team = _busy_team(size)
        client.force_login(team.supervisor.user)
        counts.append(_count_queries(client, reverse("supervision:dashboard")))
    assert counts[0] == counts[1]


def _worker_with_cases(rows: int) -> Team:
    team = make_team(1)
    worker = team.workers[0]
    for _ in range(rows):
        case = case_for(worker)
        owed(worker, case, DAY)
        owed(worker, case, -DAY)
        visit(worker, case, timezone.localdate())
    return team


@pytest.mark.parametrize("name", ["supervision:worker", "supervision:worker_deadlines"])
def test_worker_pages_run_the_same_number_of_queries_at_5_and_30_rows(client, name):
    counts = []
    for rows in (5, 30):
        team = _worker_with_cases(rows)
        client.force_login(team.supervisor.user)
        counts.append(_count_queries(client, reverse(name, args=[team.workers[0].pk])))
    assert counts[0] == counts[1]


def test_reassign_page_runs_the_same_number_of_queries_at_5_and_30_candidates_and_changes(client):
    counts = []
    for rows in (5, 30):
        team = make_team(rows)
        case = case_for(team.workers[0])
        for worker in team.workers[1:]:
            LeadChange.objects.create(
                case=case,
                previous_lead=team.workers[0].user,
                new_lead=worker.user,
                changed_by=team.supervisor.user,
                reason="History",
            )
        client.force_login(team.supervisor.user)
        counts.append(_count_queries(client, reverse("supervision:reassign_lead", args=[case.pk])))
    assert counts[0] == counts[1]
