"""Demo casework on the demo cases: a joint assessment gathering contributions (one due
tomorrow, so `make run` shows its reminders arriving), meetings with agreed actions, and a
child protection plan with one action late. Written through the services and the policy, as
the people who would do it, so every write is checked and logged like real work.

Runs after ``cases.demo.seed_cases``; never in production (the seed command refuses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from access_control.policy import Action, CaseAccess, get_case, get_contribution
from agencies.models import Membership, Role, User
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Contribution,
    JointAssessment,
    MeetingKind,
    PlanAction,
    PlanKind,
    TeamRole,
    Visibility,
)
from cases.services import add_team_member
from cases.services_assessment import ContributionRequest, open_assessment, request_contributions, submit_contribution
from cases.services_meeting import add_meeting_action, record_meeting_held, schedule_meeting
from cases.services_plan import add_plan_action, plan_action_title, start_plan
from deadlines.calendar import due_after_working_days
from deadlines.models import Deadline

LEAD_EMAIL_PREFIX = "practitioner@csc."


def demo_casework_exists() -> bool:
    return JointAssessment.objects.exists()


@dataclass(frozen=True)
class _Team:
    case: Case
    lead: User
    police: CaseTeamMember
    health: CaseTeamMember

    @property
    def people(self) -> list[User]:
        return [self.lead, self.police.user, self.health.user]


def _memorable_practitioner(slug: str) -> Membership:
    """The demo agency's memorable practitioner sign-in (``practitioner@<slug>.…``)."""
    return (
        Membership.objects.filter(
            user__email__startswith=f"practitioner@{slug}.", role=Role.PRACTITIONER, active=True, agency__active=True
        )
        .select_related("user", "agency")
        .get()
    )


def _place(case: Case, lead: User, slug: str) -> CaseTeamMember:
    """The team place of the agency's memorable practitioner, so the demo's sign-ins can do the
    casework; if they are not on the team, the lead adds them, as before a strategy discussion."""
    member = _memorable_practitioner(slug)
    found = (
        CaseTeamMember.objects.filter(case=case, active=True, user=member.user, agency=member.agency)
        .select_related("user", "agency")
        .first()
    )
    if found is not None:
        return found
    return add_team_member(
        access=_access(lead, case, Action.MANAGE_TEAM),
        user=member.user,
        agency=member.agency,
        role=TeamRole.CONTRIBUTOR,
        reason="Joins for the strategy discussion and the joint assessment",
    )


def _teams(count: int) -> list[_Team]:
    """The first open demo cases led by the memorable demo social worker, each with police and
    health on the team."""
    cases = (
        Case.objects.filter(lead_worker__email__startswith=LEAD_EMAIL_PREFIX)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("lead_worker", "lead_agency")
        .order_by("opened_on", "reference")[:count]
    )
    return [
        _Team(
            case=case,
            lead=case.lead_worker,
            police=_place(case, case.lead_worker, "police"),
            health=_place(case, case.lead_worker, "health"),
        )
        for case in cases
    ]


def _access(user: User, case: Case, action: Action) -> CaseAccess:
    return get_case(user, case.pk, action)


def _tomorrow_close_of_business() -> datetime:
    return due_after_working_days(timezone.now(), 1)


def _assessment(team: _Team) -> None:
    """An assessment with health's contribution in (health only) and police's due tomorrow."""
    assessment = open_assessment(access=_access(team.lead, team.case, Action.LEAD_ASSESSMENT))
    asks = [
        ContributionRequest(agency=member.agency, due_at=_tomorrow_close_of_business())
        for member in (team.police, team.health)
    ]
    request_contributions(
        access=_access(team.lead, team.case, Action.LEAD_ASSESSMENT), assessment=assessment, requests=asks
    )
    contribution = Contribution.objects.get(assessment=assessment, author_agency=team.health.agency)
    access, contribution = get_contribution(team.health.user, contribution.pk, Action.CONTRIBUTE)
    submit_contribution(
        access=access,
        contribution=contribution,
        summary="Growth faltering since the spring; two missed reviews",
        agency_knowledge="Known to health visiting since birth. Seen at home in March and June.",
        concerns="Weight has fallen across two centiles; two appointments were not attended.",
        strengths="Mother responds well to home visits and asked for help with feeding.",
        child_voice="Too young to say; settled and smiling with mother at the last visit.",
        recommendation="Paediatric review and fortnightly weighing by the health visitor.",
        visibility=Visibility.AGENCY,
    )


def _meetings(team: _Team) -> None:
    """A strategy discussion held yesterday that convenes a conference, with a police action due
    in two days; and the initial conference it convened, scheduled within the timescale."""
    manage = _access(team.lead, team.case, Action.MANAGE_MEETINGS)
    discussion = schedule_meeting(
        access=manage,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        starts_at=timezone.now() + timedelta(hours=1),
        duration_minutes=45,
        location="Video call (link sent separately)",
        chair=team.lead,
        agenda="Information sharing; is a section 47 enquiry needed; safety plan.",
        attendees=team.people,
        confirm_missing_agencies=True,
    )
    held = record_meeting_held(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        meeting=discussion,
        held_at=timezone.now() - timedelta(days=1),
        minutes="All three agencies shared what they know. Threshold for a section 47 enquiry met.",
        decisions="Section 47 enquiry; convene an initial child protection conference.",
        attended=team.people,
        next_stage_agreed=True,
    )
    add_meeting_action(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        meeting=held,
        description="Check police systems for the adults in the household and report back.",
        owner=team.police.user,
        due_at=timezone.now() + timedelta(days=2),
    )
    schedule_meeting(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        kind=MeetingKind.INITIAL_CONFERENCE,
        starts_at=due_after_working_days(timezone.now(), 10) - timedelta(hours=6),
        duration_minutes=90,
        location="Northbridge Civic Centre, Room 3",
        chair=team.lead,
        agenda="Reports from each agency; decision on a child protection plan.",
        attendees=team.people,
    )


def _plan(team: _Team) -> None:
    """A child protection plan whose health action fell due yesterday and is still open."""
    plan = start_plan(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        kind=PlanKind.CHILD_PROTECTION,
        outcomes=["The children are fed, clean and warm every day.", "The children attend school every day."],
    )
    first, second = list(plan.outcomes.all())
    late = add_plan_action(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        outcome=first,
        description="Weigh the youngest child fortnightly and share the results.",
        owner_agency=team.health.agency,
        owner=team.health.user,
        due_at=timezone.now() + timedelta(days=1),
    )
    # The demo starts with this action already a day late, as if two days had passed.
    yesterday = timezone.now() - timedelta(days=1)
    PlanAction.objects.filter(pk=late.pk).update(due_at=yesterday)
    Deadline.objects.filter(plan_action=late).update(
        due_at=yesterday, title=plan_action_title(team.health.agency, yesterday)
    )
    add_plan_action(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        outcome=second,
        description="Agree a morning routine with the family and check it weekly.",
        owner_agency=team.case.lead_agency,
        owner=team.lead,
        due_at=timezone.now() + timedelta(days=7),
    )


@transaction.atomic
def seed_casework() -> int:
    """Assessments, meetings and a plan on the first three suitable demo cases. Returns how many
    cases were given casework."""
    seeders = (_assessment, _meetings, _plan)
    teams = _teams(len(seeders))
    for team, seed in zip(teams, seeders, strict=False):
        seed(team)
    return min(len(teams), len(seeders))
