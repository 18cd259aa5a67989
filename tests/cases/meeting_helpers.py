"""One-line setups for meeting tests: a case whose team has children's social care (the lead
and a key worker), police and health, and meetings scheduled or held on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from access_control import policy
from access_control.models import AccessLogEntry
from access_control.policy import CaseAccess
from agencies.models import AgencyKind, Membership, Role, User
from cases.meetings import services as meeting_services
from cases.models import Case, CaseTeamMember, Meeting, MeetingAction, MeetingKind, TeamRole
from tests.factories import CaseFactory, ChildFactory, MembershipFactory, TeamMemberFactory, supervise

CHILD_GIVEN = "Zephyrine"
CHILD_FAMILY = "Quillfeather"


@dataclass
class MeetingTeam:
    case: Case
    lead: User
    key_worker: User
    police: CaseTeamMember
    health: CaseTeamMember
    lead_supervisor: User

    @property
    def everyone(self) -> list[User]:
        return [self.lead, self.key_worker, self.police.user, self.health.user]


def meeting_team() -> MeetingTeam:
    """A case (its child carries an unmistakable synthetic name) with CSC, police and health on the team."""
    case = CaseFactory.create()
    case.children.set([ChildFactory.create(given_names=CHILD_GIVEN, family_name=CHILD_FAMILY)])
    key_worker = TeamMemberFactory.create(case=case, agency=case.lead_agency, role=TeamRole.KEY_WORKER)
    police = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.POLICE, agency__name="Northshire Police")
    health = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.HEALTH, agency__name="Northshire NHS Trust")
    lead_membership = Membership.objects.get(user=case.lead_worker, agency=case.lead_agency)
    return MeetingTeam(
        case=case,
        lead=case.lead_worker,
        key_worker=key_worker.user,
        police=police,
        health=health,
        lead_supervisor=supervise(lead_membership).user,
    )


def police_supervisor(team: MeetingTeam) -> User:
    """A supervisor in the police agency who supervises the police contributor."""
    return supervise(Membership.objects.get(user=team.police.user, agency=team.police.agency)).user


def agency_admin(team: MeetingTeam) -> User:
    return MembershipFactory.create(agency=team.case.lead_agency, role=Role.AGENCY_ADMIN).user


def access_for(user: User, case: Case) -> CaseAccess:
    return policy.get_case(user, case.pk)


def in_days(days: float, hour: int = 10) -> datetime:
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def schedule(team: MeetingTeam, by: User | None = None, **overrides: Any) -> Meeting:
    fields: dict[str, Any] = {
        "kind": MeetingKind.STRATEGY_DISCUSSION,
        "starts_at": in_days(3),
        "duration_minutes": 60,
        "location": "Riverside Centre, Room 2",
        "chair": team.lead,
        "agenda": f"Concerns about {CHILD_GIVEN} {CHILD_FAMILY}; bruising seen at nursery.",
        "attendees": team.everyone,
    }
    fields.update(overrides)
    return meeting_services.schedule_meeting(access=access_for(by or team.lead, team.case), **fields)


def hold(team: MeetingTeam, meeting: Meeting, by: User | None = None, **overrides: Any) -> Meeting:
    fields: dict[str, Any] = {
        "held_at": timezone.now() - timedelta(hours=1),
        "minutes": "Discussed the concerns; all agencies shared what they know.",
        "decisions": "Section 47 enquiry to start.",
        "attended": team.everyone,
        "next_stage_agreed": True if meeting.kind != MeetingKind.CORE_GROUP else None,
    }
    fields.update(overrides)
    return meeting_services.record_meeting_held(
        access=access_for(by or team.lead, team.case), meeting=meeting, **fields
    )


def held_meeting_with_action(team: MeetingTeam, owner: User | None = None) -> tuple[Meeting, MeetingAction]:
    meeting = hold(team, schedule(team))
    action = meeting_services.add_meeting_action(
        access=access_for(team.lead, team.case),
        meeting=meeting,
        description=f"Visit {CHILD_GIVEN} at home with a police officer.",
        owner=owner or team.key_worker,
        due_at=in_days(7, hour=17),
    )
    return meeting, action


def log_rows(user: User, action: str, outcome: str = AccessLogEntry.Outcome.ALLOWED) -> int:
    return AccessLogEntry.objects.filter(user=user, action=action, outcome=outcome).count()
