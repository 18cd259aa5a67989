"""One-line setups for plan tests: a case with a team of several agencies, a plan, and actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from access_control import policy
from access_control.policy import CaseAccess
from agencies.models import Agency, AgencyKind, Membership, Role, User
from cases.models import Case, Plan, PlanAction, PlanKind, PlanOutcome, TeamRole
from cases.plans import services as plan_services
from deadlines.models import Deadline
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, TeamMemberFactory, supervise

OUTCOMES = ["The children are safe at home", "The children attend school every day"]


@dataclass
class PlanWorld:
    case: Case
    lead: User
    key_worker: User
    police: User
    health: User
    lead_supervisor: User
    police_supervisor: User
    unrelated: User
    agency_admin: User
    police_agency: Agency
    health_agency: Agency

    def user(self, label: str) -> User:
        return {
            "lead": self.lead,
            "key worker": self.key_worker,
            "police contributor": self.police,
            "health contributor (owns the health action)": self.health,
            "lead's supervisor": self.lead_supervisor,
            "other agency supervisor (police)": self.police_supervisor,
            "unrelated user": self.unrelated,
            "agency admin": self.agency_admin,
        }[label]


def plan_world() -> PlanWorld:
    """A case led by children's social care, with an education key worker and police and health
    contributors; the lead and the police contributor each have a supervisor."""
    case = CaseFactory.create()
    education = AgencyFactory.create(kind=AgencyKind.EDUCATION)
    police_agency = AgencyFactory.create(kind=AgencyKind.POLICE, name="Northshire Police")
    health_agency = AgencyFactory.create(kind=AgencyKind.HEALTH, name="Northshire Health")
    key_worker = TeamMemberFactory.create(case=case, agency=education, role=TeamRole.KEY_WORKER).user
    police = TeamMemberFactory.create(case=case, agency=police_agency).user
    health = TeamMemberFactory.create(case=case, agency=health_agency).user
    lead_membership = Membership.objects.get(user=case.lead_worker, agency=case.lead_agency)
    police_membership = Membership.objects.get(user=police, agency=police_agency)
    return PlanWorld(
        case=case,
        lead=case.lead_worker,
        key_worker=key_worker,
        police=police,
        health=health,
        lead_supervisor=supervise(lead_membership).user,
        police_supervisor=supervise(police_membership).user,
        unrelated=MembershipFactory.create(agency=case.lead_agency).user,
        agency_admin=MembershipFactory.create(agency=case.lead_agency, role=Role.AGENCY_ADMIN).user,
        police_agency=police_agency,
        health_agency=health_agency,
    )


def access_for(user: User, case: Case) -> CaseAccess:
    return policy.get_case(user, case.pk)


def start(world: PlanWorld, kind: str = PlanKind.CHILD_PROTECTION) -> Plan:
    return plan_services.start_plan(access=access_for(world.lead, world.case), kind=kind, outcomes=list(OUTCOMES))


def first_outcome(plan: Plan) -> PlanOutcome:
    return PlanOutcome.objects.filter(plan=plan).order_by("position").first()  # type: ignore[return-value]


def in_days(days: int) -> datetime:
    return plan_services.due_at_on(timezone.localdate() + timedelta(days=days))


def add_action(
    world: PlanWorld,
    plan: Plan,
    agency: Agency,
    *,
    owner: User | None = None,
    days: int = 14,
    description: str = "Weekly home visit with the health visitor",
) -> PlanAction:
    return plan_services.add_plan_action(
        access=access_for(world.lead, world.case),
        outcome=first_outcome(plan),
        description=description,
        owner_agency=agency,
        owner=owner,
        due_at=in_days(days),
    )


def make_late(action: PlanAction, days: int = 3) -> None:
    """Move an action (and its deadline) into the past, as if its due date had gone by."""
    past = timezone.now() - timedelta(days=days)
    PlanAction.objects.filter(pk=action.pk).update(due_at=past)
    Deadline.objects.filter(plan_action=action).update(due_at=past)
