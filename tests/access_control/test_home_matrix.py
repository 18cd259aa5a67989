"""Nothing out of sight appears on the home page ("My work") or in its API: for each thing a
practitioner may not see, a synthetic title (or id) of its own, asserted absent from the page's
HTML and the API's JSON, beside a thing they may see, asserted present (so the test can fail)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role, User
from cases.models import Case, Meeting, MeetingAttendee, Visibility
from cases.models.meetings import MeetingKind
from referrals.models import ServiceReferral
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    DeadlineFactory,
    EntryFactory,
    MembershipFactory,
    NotificationFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    me: User
    mine: Case
    seen: list[str]
    hidden: list[str]


def _meeting(case: Case, invited: User, when) -> Meeting:
    made = Meeting.objects.create(
        case=case,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        starts_at=when,
        location="Room 1",
        chair=case.lead_worker,
        organiser=case.lead_worker,
    )
    MeetingAttendee.objects.create(meeting=made, user=invited, agency=case.lead_agency)
    return made


def _world() -> World:
    now = timezone.now()
    health = AgencyFactory.create(kind=AgencyKind.HEALTH)
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    me = MembershipFactory.create(agency=health).user
    mine = CaseFactory.create(reference="TDM-SEEN-0001")
    TeamMemberFactory.create(case=mine, user=me, agency=health)
    officer = TeamMemberFactory.create(case=mine, agency=police).user

    # A case with only entries I may not read: never "new" for me.
    quiet = CaseFactory.create(reference="TDM-QUIET-0001")
    TeamMemberFactory.create(case=quiet, user=me, agency=health)
    EntryFactory.create(case=quiet, author=officer, author_agency=police, visibility=Visibility.AGENCY)
    TeamMemberFactory.create(case=quiet, user=officer, agency=police)
    named = EntryFactory.create(case=quiet, visibility=Visibility.NAMED)
    named.named_viewers.add(officer)

    # A case I am not on, with entries, a meeting I was invited to and a deadline of mine.
    elsewhere = CaseFactory.create(reference="TDM-NOTON-0001")
    EntryFactory.create(case=elsewhere)
    hidden_meeting = _meeting(elsewhere, me, now + timedelta(hours=3))
    hidden_deadline = DeadlineFactory.create(
        case=elsewhere, owner=me, owner_agency=health, title="HIDDEN-DEADLINE-ON-A-CASE-NOT-MINE", due_at=now
    )
    NotificationFactory.create(recipient=me, deadline=hidden_deadline, title="A reminder of mine")

    # A deadline on my case owed by someone else.
    DeadlineFactory.create(case=mine, owner=officer, owner_agency=police, title="SOMEONE-ELSES-DEADLINE", due_at=now)

    # Another agency's referrals: at another front door, and a service referral to police.
    other_door = front_door_agency(name="Another front door")
    hidden_referral = ReferralFactory.create(receiving_agency=other_door, triage_due_at=now - timedelta(hours=1))
    hidden_service = ServiceReferral.objects.create(
        case=mine,
        referred_by=mine.lead_worker,
        from_agency=mine.lead_agency,
        to_agency=police,
        service="HIDDEN-SERVICE-FOR-POLICE",
        reason="Synthetic",
    )

    # What I may see, so the page is not empty for the wrong reason.
    EntryFactory.create(case=mine, visibility=Visibility.TEAM, summary="Seen")
    DeadlineFactory.create(case=mine, owner=me, owner_agency=health, title="MY-OWN-DEADLINE", due_at=now)
    my_meeting = _meeting(mine, me, now + timedelta(hours=2))
    return World(
        me=me,
        mine=mine,
        seen=["TDM-SEEN-0001", "MY-OWN-DEADLINE", str(my_meeting.pk), "A reminder of mine"],
        hidden=[
            "TDM-QUIET-0001",
            "TDM-NOTON-0001",
            str(elsewhere.pk),
            str(hidden_meeting.pk),
            "HIDDEN-DEADLINE-ON-A-CASE-NOT-MINE",
            str(hidden_deadline.pk),
            "SOMEONE-ELSES-DEADLINE",
            hidden_referral.reference,
            str(hidden_referral.pk),
            "HIDDEN-SERVICE-FOR-POLICE",
            str(hidden_service.pk),
        ],
    )


def test_nothing_out_of_sight_on_the_home_page_or_in_the_api(clock):
    world = _world()
    page = Client()
    page.force_login(world.me)
    response = page.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    api = APIClient()
    api.force_authenticate(world.me)
    answer = api.get(reverse("api-my-work"))
    assert answer.status_code == 200
    body = json.dumps(answer.json())
    for text in world.seen:
        assert text in html, text
        assert text in body, text
    for text in world.hidden:
        assert text not in html, text
        assert text not in body, text


def test_new_entries_count_only_what_i_may_read(clock):
    world = _world()
    api = APIClient()
    api.force_authenticate(world.me)
    sections = {s["key"]: s for s in api.get(reverse("api-my-work")).json()["sections"]}
    assert [(item["id"], item["detail"]) for item in sections["new"]["items"]] == [(str(world.mine.pk), "1 new entry")]


def test_another_front_doors_referrals_stay_out_of_its_neighbours_home(clock):
    mine, theirs = front_door_agency(), front_door_agency()
    worker = MembershipFactory.create(agency=mine, role=Role.INTAKE).user
    waiting = ReferralFactory.create(receiving_agency=mine)
    elsewhere = ReferralFactory.create(receiving_agency=theirs)
    client = Client()
    client.force_login(worker)
    html = client.get(reverse("home")).content.decode()
    assert waiting.reference in html
    assert elsewhere.reference not in html
