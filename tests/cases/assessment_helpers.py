"""One-line setup for joint assessment tests: a case with a multi-agency team, the people
around it, and the assessment driven through its services. All personal data is synthetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from access_control.policy import Action, get_case, get_casework, get_contribution
from agencies.models import Agency, AgencyKind, Membership, Role, SupervisionLine, User
from cases.assessments import services as assessment_services
from cases.assessments.services import ContributionRequest
from cases.models import Case, CaseTeamMember, Contribution, JointAssessment, TeamRole, Visibility
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, UserFactory

# Synthetic content, distinctive enough to find in any page, payload or notification.
HEALTH_SECRET = "SYNTHETIC-HEALTH-7731 missed immunisations and a burn on the left forearm"
HEALTH_CONTENT: dict[str, Any] = {
    "summary": HEALTH_SECRET,
    "agency_knowledge": "Health visitor has known the family since birth (synthetic).",
    "concerns": "Missed appointments three times this year (synthetic).",
    "strengths": "Grandmother attends every appointment she can (synthetic).",
    "child_voice": "Said she likes nursery and the red bus (synthetic).",
    "recommendation": "Continue universal plus health visiting (synthetic).",
}
EDUCATION_CONTENT: dict[str, Any] = {
    "summary": "Attendance 82 percent this term (synthetic)",
    "agency_knowledge": "Attends Oak Lane Primary (synthetic).",
    "concerns": "Often arrives hungry (synthetic).",
    "strengths": "Good friendships in class (synthetic).",
    "child_voice": "Says school is the best bit of the day (synthetic).",
    "recommendation": "Breakfast club place (synthetic).",
}


@dataclass
class World:
    """A case led by a children's social care practitioner, with a key worker, two health
    people, a police officer and an education teacher on the team, and the people around it."""

    case: Case
    lead: User
    supervisor: User  # the lead's supervisor
    key_worker: User
    health: User
    health_colleague: User
    health_supervisor: User  # supervises the health team member; not on the team
    police: User
    police_supervisor: User  # another agency's supervisor (of the police team member)
    teacher: User
    unrelated: User
    agency_admin: User
    health_agency: Agency
    police_agency: Agency
    education_agency: Agency
    people: dict[str, User] = field(default_factory=dict)


def _on_team(case: Case, membership: Membership, role: str = TeamRole.CONTRIBUTOR) -> User:
    CaseTeamMember.objects.create(
        case=case, user=membership.user, agency=membership.agency, role=role, added_reason="Joint assessment"
    )
    return membership.user


def _supervisor_of(membership: Membership) -> User:
    supervisor = MembershipFactory.create(agency=membership.agency, role=Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=supervisor, supervisee=membership)
    return supervisor.user


def build_world(suffix: str = "") -> World:
    case = CaseFactory.create()
    csc = case.lead_agency
    health_agency = AgencyFactory.create(kind=AgencyKind.HEALTH, name=f"Riverside Community Health{suffix}")
    police_agency = AgencyFactory.create(kind=AgencyKind.POLICE, name=f"Riverside Police{suffix}")
    education_agency = AgencyFactory.create(kind=AgencyKind.EDUCATION, name=f"Oak Lane Primary{suffix}")
    health_membership = MembershipFactory.create(agency=health_agency)
    police_membership = MembershipFactory.create(agency=police_agency)
    world = World(
        case=case,
        lead=case.lead_worker,
        supervisor=_supervisor_of(Membership.objects.get(user=case.lead_worker, agency=csc)),
        key_worker=_on_team(case, MembershipFactory.create(agency=csc), TeamRole.KEY_WORKER),
        health=_on_team(case, health_membership),
        health_colleague=_on_team(case, MembershipFactory.create(agency=health_agency)),
        health_supervisor=_supervisor_of(health_membership),
        police=_on_team(case, police_membership),
        police_supervisor=_supervisor_of(police_membership),
        teacher=_on_team(case, MembershipFactory.create(agency=education_agency)),
        unrelated=UserFactory.create(),
        agency_admin=MembershipFactory.create(agency=csc, role=Role.AGENCY_ADMIN).user,
        health_agency=health_agency,
        police_agency=police_agency,
        education_agency=education_agency,
    )
    world.people = {
        "lead": world.lead,
        "key worker": world.key_worker,
        "health team member": world.health,
        "police team member": world.police,
        "lead's supervisor": world.supervisor,
        "other agency's supervisor": world.police_supervisor,
        "health member's supervisor (not on the team)": world.health_supervisor,
        "unrelated user": world.unrelated,
        "agency admin": world.agency_admin,
    }
    return world


def open_assessment(world: World) -> JointAssessment:
    return assessment_services.open_assessment(access=get_case(world.lead, world.case.pk))


def lead_access(world: World, assessment: JointAssessment) -> Any:
    access, _ = get_casework(world.lead, JointAssessment, assessment.pk, Action.LEAD_ASSESSMENT)
    return access


def ask(
    world: World, assessment: JointAssessment, *agencies: Agency, due_at: datetime | None = None
) -> list[Contribution]:
    return assessment_services.request_contributions(
        access=lead_access(world, assessment),
        assessment=assessment,
        requests=[ContributionRequest(agency=agency, due_at=due_at) for agency in agencies],
    )


def contribution_of(assessment: JointAssessment, agency: Agency) -> Contribution:
    return Contribution.objects.get(assessment=assessment, author_agency=agency, state__in=["requested", "submitted"])


def write(user: User, contribution: Contribution, *, submit: bool = False, **fields: Any) -> Contribution:
    access, fresh = get_contribution(user, contribution.pk, Action.CONTRIBUTE)
    service = assessment_services.submit_contribution if submit else assessment_services.save_contribution
    return service(access=access, contribution=fresh, **fields)


def submit_health(world: World, assessment: JointAssessment, visibility: str = Visibility.AGENCY) -> Contribution:
    extra = {"legal_basis": "safeguarding"} if visibility != Visibility.AGENCY else {}
    return write(
        world.health,
        contribution_of(assessment, world.health_agency),
        submit=True,
        visibility=visibility,
        **extra,
        **HEALTH_CONTENT,
    )


def ready_to_submit(world: World) -> JointAssessment:
    """An assessment with the health contribution in (agency only) and the analysis written."""
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    submit_health(world, assessment)
    assessment_services.save_analysis(
        access=lead_access(world, assessment),
        assessment=assessment,
        analysis="The contributions agree that needs are met at home (synthetic).",
        recommendation="Child in need plan (synthetic).",
    )
    return JointAssessment.objects.get(pk=assessment.pk)


def submitted(world: World) -> JointAssessment:
    assessment = ready_to_submit(world)
    assessment_services.submit_assessment(access=lead_access(world, assessment), assessment=assessment)
    return JointAssessment.objects.get(pk=assessment.pk)
