"""Test helpers for the supervisor's view: a supervisor with supervisees and their cases, in one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from access_control.models import AccessLogEntry
from agencies.models import Agency, AgencyKind, Membership, Role, User
from cases.models import Case, CaseStatus, CaseTeamMember, EntryKind, RiskLevel, TeamRole
from deadlines.models import Deadline, DeadlineState
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    DeadlineFactory,
    EntryFactory,
    MembershipFactory,
    SupervisionLineFactory,
)


@dataclass
class Team:
    agency: Agency
    supervisor: Membership
    workers: list[Membership]


def make_team(size: int = 2, agency: Agency | None = None) -> Team:
    """A supervisor of a children's social care agency with ``size`` supervised practitioners."""
    agency = agency or AgencyFactory.create(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    supervisor = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    workers = [MembershipFactory.create(agency=agency, role=Role.PRACTITIONER) for _ in range(size)]
    for worker in workers:
        SupervisionLineFactory.create(supervisor=supervisor, supervisee=worker)
    return Team(agency=agency, supervisor=supervisor, workers=workers)


def case_for(
    worker: Membership,
    role: str = TeamRole.LEAD,
    *,
    status: str = CaseStatus.OPEN,
    risk: str = RiskLevel.MEDIUM,
) -> Case:
    """A case where ``worker`` holds a team place for their agency: as lead, or beside another lead."""
    closed = {"closed_on": timezone.localdate()} if status == CaseStatus.CLOSED else {}
    if role == TeamRole.LEAD:
        return CaseFactory.create(
            lead_agency=worker.agency, lead_worker=worker.user, status=status, risk_level=risk, **closed
        )
    case = CaseFactory.create(lead_agency=worker.agency, status=status, risk_level=risk, **closed)
    CaseTeamMember.objects.create(
        case=case, user=worker.user, agency=worker.agency, role=role, added_reason="Joined for the assessment"
    )
    return case


def owed(worker: Membership, case: Case, due_in: timedelta, state: str = DeadlineState.OPEN) -> Deadline:
    return DeadlineFactory.create(
        case=case,
        owner=worker.user,
        owner_agency=worker.agency,
        due_at=timezone.now() + due_in,
        state=state,
        met_at=timezone.now() if state == DeadlineState.MET else None,
    )


def visit(worker: Membership, case: Case, on: date, kind: str = EntryKind.VISIT) -> None:
    EntryFactory.create(case=case, author=worker.user, author_agency=worker.agency, event_date=on, kind=kind)


def log_rows(user: User, action: str, outcome: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(user=user, action=action, outcome=outcome))
