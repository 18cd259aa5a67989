"""The demo intake: a day's referrals for the demo front door, seeded through the services.
One seeding run (people, cases, referrals) checks it all, as seeding is slow."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from access_control.models import AccessLogEntry
from access_control.policy import ReferralAction, get_referral, visible_referrals
from agencies.models import User
from demo.referrals import FRONT_DOOR, INTAKE_EMAIL
from referrals.models import Referral, ReferralStatus, Source, TriageDecision, Urgency
from referrals.queries import inbox, known_child_matches, my_referrals

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_days_intake_for_the_front_door(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out = StringIO()
    started = time.perf_counter()
    call_command("seed_demo", stdout=out)
    print(f"\nseed_demo (people, cases, referrals): {time.perf_counter() - started:.1f}s")
    assert "Demo referrals loaded" in out.getvalue()

    referrals = Referral.objects.all()
    assert 14 <= referrals.count() <= 18
    assert {r.receiving_agency.name for r in referrals.select_related("receiving_agency")} == {FRONT_DOOR}
    assert referrals.filter(source=Source.PUBLIC).count() == 3
    assert referrals.filter(status=ReferralStatus.DRAFT).count() == 2
    assert referrals.filter(urgency=Urgency.URGENT).count() >= 3
    assert referrals.filter(immediate_risk=True).count() == 1
    assert referrals.filter(previous_referral__isnull=False).count() == 1
    decided = referrals.filter(status=ReferralStatus.DECIDED)
    assert set(decided.values_list("decision", flat=True)) == {
        TriageDecision.ACCEPTED,
        TriageDecision.NO_FURTHER_ACTION,
    }
    intake = User.objects.get(email=INTAKE_EMAIL)
    assert set(decided.values_list("decided_by", flat=True)) == {intake.pk}
    accepted = decided.get(decision=TriageDecision.ACCEPTED)
    assert accepted.linked_case is not None and accepted.linked_case.team.filter(user=intake, active=True).exists()
    assert accepted.linked_case.entries.filter(summary__contains=accepted.reference).exists()
    assert all(
        r.triage_due_at and r.submitted_at and r.triage_due_at > r.submitted_at
        for r in referrals.exclude(status=ReferralStatus.DRAFT)
    )

    # The front door's inbox: every submitted referral waiting, the overdue first, then by time
    # left, where the child at immediate risk (4 hours) comes before anything else not yet due.
    waiting = list(inbox(user=intake))
    assert len(waiting) == referrals.filter(status=ReferralStatus.SUBMITTED).count() >= 9
    due_times = [r.triage_due_at for r in waiting if r.triage_due_at is not None]
    assert len(due_times) == len(waiting) and due_times == sorted(due_times)
    assert next(r for r in waiting if r.triage_due_at and r.triage_due_at > timezone.now()).immediate_risk
    assert not any(r.status == ReferralStatus.DRAFT for r in inbox(user=intake, include_decided=True))

    # Two referrals are about children the front door already knows: one it can see, one it cannot.
    found = []
    for referral in waiting:
        matches = known_child_matches(get_referral(intake, referral.pk, ReferralAction.VIEW))
        if matches and matches[0].score >= 0.5:
            found.append(matches[0])
    assert len(found) >= 2
    assert any(m.child is not None and m.cases for m in found)
    out_of_sight = [m for m in found if m.child is None]
    assert out_of_sight and all(m.known_to and m.cases == () for m in out_of_sight)
    assert all(
        case.lead_agency_id == intake.memberships.get().agency_id for m in out_of_sight for case in m.linkable_cases
    )

    # A referrer sees their own referrals (drafts too), not their colleagues'.
    dsl = User.objects.get(email="practitioner@oakfield.demo.tandem.example")
    own = set(referrals.filter(referrer=dsl).values_list("pk", flat=True))
    assert len(own) >= 2
    assert set(visible_referrals(dsl).values_list("pk", flat=True)) == own
    assert set(my_referrals(user=dsl).values_list("pk", flat=True)) == own
    assert referrals.filter(referrer_agency__name="Oakfield Primary School").exclude(referrer=dsl).exists()

    assert AccessLogEntry.objects.filter(action="decide_referral").count() == 2
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Access log intact" in out.getvalue()

    # Loaded once: --if-empty leaves the referrals alone.
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert Referral.objects.count() == referrals.count()
