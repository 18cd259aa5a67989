"""A team for the handover tests, in one line: an agency admin, a supervisor, a worker who
leads and owes a bit of everything, and a colleague on the same team who can take it over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, Role
from cases.models import (
    Case,
    CaseStatus,
    Contribution,
    JointAssessment,
    Meeting,
    MeetingAction,
    MeetingKind,
    MeetingState,
    Plan,
    PlanAction,
    PlanKind,
    PlanOutcome,
)
from deadlines.models import Deadline, DeadlineKind, DeadlineState
from tests.factories import AgencyFactory, CaseFactory, DeadlineFactory, MembershipFactory, SupervisionLineFactory


@dataclass
class HandoverWorld:
    agency: Agency
    admin: Membership
    supervisor: Membership
    worker: Membership
    colleague: Membership
    cases: list[Case] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    plan_actions: list[PlanAction] = field(default_factory=list)
    meeting_actions: list[MeetingAction] = field(default_factory=list)


def handover_team(agency_name: str = "") -> HandoverWorld:
    """The people, and no work yet."""
    agency = AgencyFactory.create(
        kind=AgencyKind.CHILDRENS_SOCIAL_CARE, **({"name": agency_name} if agency_name else {})
    )
    supervisor = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    worker = MembershipFactory.create(agency=agency, role=Role.PRACTITIONER)
    colleague = MembershipFactory.create(agency=agency, role=Role.PRACTITIONER)
    for member in (worker, colleague):
        SupervisionLineFactory.create(supervisor=supervisor, supervisee=member)
    admin = MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN)
    return HandoverWorld(agency=agency, admin=admin, supervisor=supervisor, worker=worker, colleague=colleague)


def led_case(world: HandoverWorld, *, status: str = CaseStatus.OPEN) -> Case:
    closed = {"closed_on": timezone.localdate()} if status == CaseStatus.CLOSED else {}
    case = CaseFactory.create(lead_agency=world.agency, lead_worker=world.worker.user, status=status, **closed)
    world.cases.append(case)
    return case


def owed_deadline(world: HandoverWorld, case: Case, *, state: str = DeadlineState.OPEN) -> Deadline:
    deadline = DeadlineFactory.create(
        case=case,
        kind=DeadlineKind.MEETING,
        owner=world.worker.user,
        owner_agency=world.agency,
        state=state,
        met_at=timezone.now() if state == DeadlineState.MET else None,
    )
    world.deadlines.append(deadline)
    return deadline


def owed_contribution(world: HandoverWorld, case: Case) -> Contribution:
    """A contribution asked of the worker's agency whose deadline names the worker."""
    due = timezone.now() + timedelta(days=10)
    assessment = JointAssessment.objects.create(
        case=case, lead=case.lead_worker, lead_agency=case.lead_agency, due_at=due + timedelta(days=20)
    )
    contribution = Contribution.objects.create(
        assessment=assessment, author_agency=world.agency, requested_by=case.lead_worker, due_at=due
    )
    DeadlineFactory.create(
        case=case,
        kind=DeadlineKind.CONTRIBUTION,
        contribution=contribution,
        owner=world.worker.user,
        owner_agency=world.agency,
        due_at=due,
    )
    world.contributions.append(contribution)
    return contribution


def assigned_plan_action(world: HandoverWorld, case: Case) -> PlanAction:
    plan = Plan.objects.filter(case=case, state="active").first() or Plan.objects.create(
        case=case,
        kind=PlanKind.CHILD_IN_NEED,
        next_review_on=timezone.localdate() + timedelta(days=90),
        created_by=case.lead_worker,
    )
    outcome = PlanOutcome.objects.create(plan=plan, description="Regular school attendance")
    action = PlanAction.objects.create(
        plan=plan,
        outcome=outcome,
        description="Weekly check-in with the school",
        owner_agency=world.agency,
        owner=world.worker.user,
        due_at=timezone.now() + timedelta(days=14),
    )
    DeadlineFactory.create(
        case=case,
        kind=DeadlineKind.PLAN_ACTION,
        plan_action=action,
        owner=world.worker.user,
        owner_agency=world.agency,
        due_at=action.due_at,
    )
    world.plan_actions.append(action)
    return action


def assigned_meeting_action(world: HandoverWorld, case: Case) -> MeetingAction:
    meeting = Meeting.objects.create(
        case=case,
        kind=MeetingKind.CORE_GROUP,
        starts_at=timezone.now() - timedelta(days=1),
        location="Room 2",
        chair=world.supervisor.user,
        organiser=case.lead_worker,
        state=MeetingState.HELD,
        held_at=timezone.now() - timedelta(days=1),
    )
    action = MeetingAction.objects.create(
        meeting=meeting,
        description="Arrange a GP appointment",
        owner=world.worker.user,
        owner_agency=world.agency,
        due_at=timezone.now() + timedelta(days=7),
        created_by=world.supervisor.user,
    )
    world.meeting_actions.append(action)
    return action


def busy_worker(agency_name: str = "", cases: int = 2) -> HandoverWorld:
    """A worker who leads ``cases`` open cases and owes one of each other kind of work."""
    world = handover_team(agency_name)
    for _ in range(cases):
        led_case(world)
    first = world.cases[0]
    owed_deadline(world, first)
    owed_contribution(world, first)
    assigned_plan_action(world, first)
    assigned_meeting_action(world, first)
    return world
