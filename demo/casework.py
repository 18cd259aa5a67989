"""Demo casework on the demo cases: a joint assessment gathering contributions (one due
tomorrow, so `make run` shows its reminders arriving), meetings with agreed actions, and a
child protection plan, made by the initial conference that a strategy discussion convened,
with one action late. Written through the services and the policy, as the people who would
do it, so every write is checked and logged like real work. Where a service rightly dates
what it records now (or refuses a past date), the demo moves the record back to when it
happened with a queryset update, marked "Demo history", so the timeline stays coherent.

Runs after ``demo.cases.seed_cases``; never in production (the seed command refuses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from access_control.policy import Action, CaseAccess, get_case, get_contribution
from agencies.models import Membership, Role, User
from cases.assessments.services import ContributionRequest, open_assessment, request_contributions, submit_contribution
from cases.meetings.invitations import meeting_summary, meeting_when
from cases.meetings.services import (
    MET_BY_HOLDING,
    OPENED_BY_NEXT_STAGE,
    add_meeting_action,
    record_meeting_held,
    schedule_meeting,
)
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    Contribution,
    FamilyLink,
    JointAssessment,
    LegalStatus,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    Plan,
    PlanAction,
    PlanKind,
    Relationship,
    TeamRole,
    Visibility,
)
from cases.plans.services import add_plan_action, default_next_review, format_day, plan_action_title, start_plan
from cases.services import add_team_member
from deadlines.calendar import add_working_days, due_after_working_days, is_working_day
from deadlines.models import Deadline, DeadlineState, Notification
from demo.agencies import on_day_at

LEAD_EMAIL_PREFIX = "practitioner@csc."
MEETING_HOUR = 10  # the demo's meetings begin at ten in the morning, local time


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


def _on_team_by(moment: datetime, team: _Team) -> None:
    """Demo history: the team's people were on the team by ``moment``, before the casework that
    follows (``_place`` adds a missing person now; the demo cases date each place from the day
    its person is first on the record)."""
    CaseTeamMember.objects.filter(case=team.case, user__in=team.people, active=True, added_at__gt=moment).update(
        added_at=moment
    )


def _working_days_before(day: date, days: int, jurisdiction: str) -> date:
    """The working day ``days`` working days before ``day``."""
    while days:
        day -= timedelta(days=1)
        if is_working_day(day, jurisdiction):
            days -= 1
    return day


def _held_meeting(
    team: _Team,
    *,
    kind: str,
    arranged_at: datetime,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    agenda: str,
    minutes: str,
    decisions: str,
) -> Meeting:
    """A meeting of the team's people arranged at ``arranged_at``, held as planned at
    ``starts_at`` (in the past), that moved to the next statutory stage.

    ``schedule_meeting`` rightly refuses a start in the past (nobody can be invited to it), so
    the meeting is scheduled ahead and then moved back, with its invitations, to when it was
    arranged and began; ``record_meeting_held`` then records it held at its start, which moves
    the statutory clock on from then; the deadlines it met and opened are dated then too."""
    meeting = schedule_meeting(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        kind=kind,
        starts_at=timezone.now() + timedelta(hours=1),
        duration_minutes=duration_minutes,
        location=location,
        chair=team.lead,
        agenda=agenda,
        attendees=team.people,
        confirm_missing_agencies=True,
    )
    _move_back(meeting, arranged_at=arranged_at, starts_at=starts_at)
    held = record_meeting_held(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        meeting=meeting,
        held_at=starts_at,
        minutes=minutes,
        decisions=decisions,
        attended=team.people,
        next_stage_agreed=True,
    )
    _clock_moved_when_held(held)
    return held


def _move_back(meeting: Meeting, *, arranged_at: datetime, starts_at: datetime) -> None:
    """Demo history: the meeting was arranged at ``arranged_at`` for ``starts_at``, and its
    attendees invited then (their invitations say when it was)."""
    planned_when = meeting_when(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(created_at=arranged_at, starts_at=starts_at)
    MeetingAttendee.objects.filter(meeting=meeting).update(invited_at=arranged_at)
    meeting.created_at, meeting.starts_at = arranged_at, starts_at
    invitations = list(
        Notification.objects.filter(
            recipient__in=MeetingAttendee.objects.filter(meeting=meeting).values("user"),
            body__startswith=meeting_summary(meeting),
            body__contains=planned_when,
        )
    )
    for invitation in invitations:
        invitation.body = invitation.body.replace(planned_when, meeting_when(meeting))
        invitation.created_at = invitation.emailed_at = arranged_at
    Notification.objects.bulk_update(invitations, ["body", "created_at", "emailed_at"])


def _clock_moved_when_held(meeting: Meeting) -> None:
    """Demo history: the statutory deadline the meeting met was met when it was held, and the
    ones it opened were opened then (the services date both now)."""
    held_at = meeting.held_at
    assert held_at is not None
    on_case = Deadline.objects.filter(case_id=meeting.case_id)
    on_case.filter(kind__in=MET_BY_HOLDING[meeting.kind], state=DeadlineState.MET, met_at__gt=held_at).update(
        met_at=held_at
    )
    opened = [kind for kind, _title in OPENED_BY_NEXT_STAGE.get(meeting.kind, ())]
    on_case.filter(kind__in=opened, created_at__gt=held_at).update(created_at=held_at)


def _strategy_discussion(team: _Team, *, day: date, minutes: str) -> Meeting:
    """A video-call strategy discussion arranged at 08:30 on ``day`` (the team on the case by
    then) and held at its start, deciding to convene an initial conference."""
    arranged_at = on_day_at(day, hour=8, minute=30)
    _on_team_by(arranged_at, team)
    return _held_meeting(
        team,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        arranged_at=arranged_at,
        starts_at=on_day_at(day, hour=MEETING_HOUR),
        duration_minutes=45,
        location="Video call (link sent separately)",
        agenda="Information sharing; is a section 47 enquiry needed; safety plan.",
        minutes=minutes,
        decisions="Section 47 enquiry; convene an initial child protection conference.",
    )


def _meetings(team: _Team) -> None:
    """A strategy discussion held yesterday morning that convened a conference, with a police
    action due in two days; and the initial conference it convened, scheduled in ten working
    days (within the fifteen the timescale allows from the discussion)."""
    held = _strategy_discussion(
        team,
        day=timezone.localdate() - timedelta(days=1),
        minutes="All three agencies shared what they know. Threshold for a section 47 enquiry met.",
    )
    add_meeting_action(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        meeting=held,
        description="Check police systems for the adults in the household and report back.",
        owner=team.police.user,
        due_at=timezone.now() + timedelta(days=2),
    )
    conference_day = add_working_days(timezone.localdate(), 10, team.case.lead_agency.jurisdiction)
    schedule_meeting(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        kind=MeetingKind.INITIAL_CONFERENCE,
        starts_at=on_day_at(conference_day, hour=MEETING_HOUR),
        duration_minutes=90,
        location="Northbridge Civic Centre, Room 3",
        chair=team.lead,
        agenda="Reports from each agency; decision on a child protection plan.",
        attendees=team.people,
    )


def _plan(team: _Team) -> None:
    """A child protection plan made by the initial conference five working days ago (convened
    by a strategy discussion five working days before that), started on the conference's day;
    its health action, agreed at the conference, fell due yesterday and is still open."""
    jurisdiction = team.case.lead_agency.jurisdiction
    today = timezone.localdate()
    discussion = _strategy_discussion(
        team,
        day=_working_days_before(today, 10, jurisdiction),
        minutes="Police and health shared what they know. Threshold for a section 47 enquiry met.",
    )
    assert discussion.held_at is not None
    conference = _held_meeting(
        team,
        kind=MeetingKind.INITIAL_CONFERENCE,
        arranged_at=discussion.held_at + timedelta(minutes=45),
        starts_at=on_day_at(_working_days_before(today, 5, jurisdiction), hour=MEETING_HOUR),
        duration_minutes=90,
        location="Northbridge Civic Centre, Room 3",
        agenda="Reports from each agency; decision on a child protection plan.",
        minutes="Each agency reported. The children are at continuing risk of significant harm from neglect.",
        decisions="Child protection plan (neglect); first core group within ten working days.",
    )
    made_at = conference.held_at
    assert made_at is not None
    plan = start_plan(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        kind=PlanKind.CHILD_PROTECTION,
        outcomes=["The children are fed, clean and warm every day.", "The children attend school every day."],
        # The first review the conference opened, three months from it.
        next_review_on=default_next_review(team.case, made_at),
    )
    # Demo history: start_plan starts a plan on the day it is recorded; this one was made at the
    # conference, so it started that day.
    Plan.objects.filter(pk=plan.pk).update(started_on=timezone.localdate(made_at))
    first, second = list(plan.outcomes.all())
    late = add_plan_action(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        outcome=first,
        description="Weigh the youngest child fortnightly and share the results.",
        owner_agency=team.health.agency,
        owner=team.health.user,
        due_at=timezone.now() + timedelta(days=1),
    )
    # Demo history: add_plan_action rightly takes only a due date ahead; this action was agreed
    # at the conference and fell due yesterday, so the demo starts with it a day late. Its
    # deadline and the notice its owner was sent say the same.
    yesterday = timezone.now() - timedelta(days=1)
    PlanAction.objects.filter(pk=late.pk).update(due_at=yesterday, created_at=made_at)
    late_deadlines = Deadline.objects.filter(plan_action=late)
    late_deadlines.update(due_at=yesterday, created_at=made_at, title=plan_action_title(team.health.agency, yesterday))
    notices = list(Notification.objects.filter(deadline__in=late_deadlines))
    for notice in notices:
        notice.body = notice.body.replace(format_day(late.due_at), format_day(yesterday))
        notice.created_at = made_at
    Notification.objects.bulk_update(notices, ["body", "created_at"])
    add_plan_action(
        access=_access(team.lead, team.case, Action.MANAGE_PLAN),
        outcome=second,
        description="Agree a morning routine with the family and check it weekly.",
        owner_agency=team.case.lead_agency,
        owner=team.lead,
        due_at=timezone.now() + timedelta(days=7),
    )
    # The first core group the conference asked for, within its ten working days: in two
    # working days, so everyone on the plan has a meeting this week on their home page.
    schedule_meeting(
        access=_access(team.lead, team.case, Action.MANAGE_MEETINGS),
        kind=MeetingKind.CORE_GROUP,
        starts_at=on_day_at(add_working_days(today, 2, jurisdiction), hour=MEETING_HOUR),
        duration_minutes=60,
        location="Northbridge Family Centre",
        chair=team.lead,
        agenda="How the plan's actions are going; the youngest child's weight.",
        attendees=team.people,
    )
    _alerts_for_the_plan(team)


def _alerts_for_the_plan(team: _Team) -> None:
    """What the case header warns of on the plan's case: a safety note for visits, each
    child's legal footing (the plan is under section 47) and a risky adult in the household."""
    case = team.case
    Case.objects.filter(pk=case.pk).update(
        safety_note="Visit in pairs and never after dark; a large dog is kept at the address."
    )
    children = list(case.children.order_by("date_of_birth"))
    Child.objects.filter(pk__in=[c.pk for c in children]).update(legal_status=LegalStatus.CHILD_PROTECTION)
    if not FamilyLink.objects.filter(child__in=children, poses_risk=True).exists():
        FamilyLink.objects.filter(
            child__in=children, relationship__in=[Relationship.PARENT, Relationship.STEP_PARENT], lives_with_child=False
        ).update(poses_risk=True, risk_note="Threatened a social worker at the door; do not visit alone.")


@transaction.atomic
def seed_casework() -> int:
    """Assessments, meetings and a plan on the first three suitable demo cases. Returns how many
    cases were given casework."""
    seeders = (_assessment, _meetings, _plan)
    teams = _teams(len(seeders))
    for team, seed in zip(teams, seeders, strict=False):
        seed(team)
    return min(len(teams), len(seeders))
