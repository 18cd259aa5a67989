"""The demo data: enough cases to explore, every visibility, and for each demo sign-in some
cases they can see and some they cannot. One seeding run checks it all (seeding is slow)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from access_control import policy
from access_control.models import AccessLogEntry
from agencies.demo import demo_signins
from agencies.models import User
from cases.models import (
    Case,
    CaseStatus,
    Child,
    ChronologyEntry,
    ClosureRequest,
    ContributionState,
    FamilyLink,
    JointAssessment,
    LegalBasis,
    Meeting,
    MeetingKind,
    MeetingState,
    PlanAction,
    Visibility,
    validate_nhs_number,
)
from deadlines.models import Deadline, DeadlineState

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_cases_every_demo_user_partly_sees(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out_first = out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "cases." in out.getvalue()

    cases = Case.objects.all()
    assert cases.count() >= 30
    assert {c.lead_agency.name for c in cases.select_related("lead_agency")} == {"Northbridge Children's Services"}
    practitioner = User.objects.get(email="practitioner@csc.demo.tandem.example")
    assert cases.filter(lead_worker=practitioner).count() >= 3
    assert len({c.status for c in cases}) == len(CaseStatus.values)
    assert len({c.risk_level for c in cases}) == 3

    entries = ChronologyEntry.objects.all()
    assert set(entries.values_list("visibility", flat=True)) == set(Visibility.values)
    assert entries.filter(supersedes__isnull=False).exists()
    assert not entries.filter(author_agency__kind__in=["police", "health"], legal_basis="").exclude(
        visibility=Visibility.AGENCY
    )
    assert entries.filter(visibility=Visibility.NAMED, named_viewers__isnull=False).exists()
    assert entries.exclude(legal_basis="").filter(legal_basis__in=LegalBasis.values).exists()
    today = timezone.localdate()
    assert not entries.filter(event_date__gt=today).exists()
    assert not entries.filter(event_date__lt=today - timedelta(days=549)).exists()
    for case in cases:
        assert 4 <= case.entries.filter(is_current=True).count() <= 10, case.reference

    for child in Child.objects.all():
        validate_nhs_number(child.nhs_number)
    assert Child.objects.filter(aliases__isnull=False).exists()
    assert Case.objects.filter(children__isnull=False).values("pk").distinct().count() == cases.count()
    assert any(case.children.count() > 1 for case in cases)
    assert FamilyLink.objects.filter(safe_to_contact=False).exclude(safe_to_contact_reason="").exists()
    assert FamilyLink.objects.filter(parental_responsibility=True).exists()
    assert ClosureRequest.objects.filter(state=ClosureRequest.State.PENDING).count() == 1

    all_ids = set(cases.values_list("pk", flat=True))
    signins = demo_signins()
    assert len(signins) >= 10
    for email, role, _agency in signins:
        user = User.objects.get(email=email)
        seen = set(policy.visible_cases(user).values_list("pk", flat=True))
        if role == "Agency admin":
            assert seen == set(), email
        else:
            assert seen, f"{email} sees no demo case"
            assert seen != all_ids, f"{email} sees every demo case"

    supervisor = User.objects.get(email="supervisor@csc.demo.tandem.example")
    pending = ClosureRequest.objects.get(state=ClosureRequest.State.PENDING)
    access = policy.get_case(supervisor, pending.case_id)
    assert access.can(policy.Action.APPROVE_CLOSURE)

    assert AccessLogEntry.objects.filter(action="create_entry").count() == entries.filter(supersedes=None).count()
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Access log intact" in out.getvalue()

    # Casework on the demo social worker's cases: a joint assessment with health's agency-only
    # contribution in and police's due at tomorrow's close of business; a strategy discussion
    # held with an action and the conference it convened; a plan with one action late.
    assert "Demo casework loaded on 3 cases." in out_first.getvalue()
    assessment = JointAssessment.objects.get()
    assert assessment.lead == practitioner
    by_kind = {c.author_agency.kind: c for c in assessment.contributions.select_related("author_agency")}
    health_author = by_kind["health"].author
    assert health_author is not None and health_author.email.startswith("practitioner@health.")  # memorable sign-in
    police_officer = User.objects.get(email="practitioner@police.demo.tandem.example")
    assert policy.get_contribution(police_officer, by_kind["police"].pk, policy.Action.CONTRIBUTE)
    assert by_kind["health"].state == ContributionState.SUBMITTED
    assert by_kind["health"].visibility == Visibility.AGENCY
    police_due = Deadline.objects.get(contribution=by_kind["police"])
    assert police_due.state == DeadlineState.OPEN
    assert police_due.due_at - timezone.now() < timedelta(days=5)
    assert "police" not in police_due.title.lower() or assessment.case.reference not in police_due.title
    assert set(Meeting.objects.values_list("kind", "state")) == {
        (MeetingKind.STRATEGY_DISCUSSION, MeetingState.HELD),
        (MeetingKind.INITIAL_CONFERENCE, MeetingState.SCHEDULED),
    }
    assert Deadline.objects.filter(meeting_action__isnull=False, state=DeadlineState.OPEN).count() == 1
    assert Deadline.objects.filter(kind="initial_conference", state=DeadlineState.OPEN).count() == 1
    # The demo's supervisor sign-in supervises the demo social worker: the assessment will be theirs to approve.
    assert policy.get_case(supervisor, assessment.case_id).can(policy.Action.APPROVE_ASSESSMENT)
    late = PlanAction.objects.filter(due_at__lt=timezone.now(), state="open")
    assert late.count() == 1
    assert Deadline.objects.filter(plan_action__in=late, due_at__lt=timezone.now()).count() == 1

    # --if-empty leaves loaded demo data alone.
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert Case.objects.count() == cases.count()
