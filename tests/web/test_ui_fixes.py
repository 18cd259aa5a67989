"""Issue 14's small findings: the sign-in page links the public concern form, a favicon, the
front door preselected and "Pass to" offered, and forms that show every problem at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Agency, AgencyKind
from cases.models import MeetingKind
from referrals.forms import NO_OTHER_FRONT_DOOR, ReferralForm, TriageDecisionForm
from referrals.models import TriageDecision
from tests.cases.meeting_helpers import meeting_team, schedule
from tests.factories import AgencyFactory, MembershipFactory, ReferralFactory, front_door_worker

pytestmark = pytest.mark.django_db


def front_door(name: str = "Riverside Children's Services") -> Agency:
    return AgencyFactory.create(name=name, takes_referrals=True)


# --- the sign-in page and the favicon -----------------------------------------------------------


def test_the_sign_in_page_links_the_public_concern_form(client):
    page = client.get(reverse("login")).content.decode()
    assert "Worried about a child? You do not need an account" in page
    assert f'href="{reverse("public:public_concern")}"' in page


def test_favicon_ico_is_answered_with_the_icon_every_page_names(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = response["Location"]
    assert icon == "/static/favicon.svg"
    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in client.get(reverse("login")).content.decode()
    found = finders.find("favicon.svg")
    assert found is not None
    with open(found, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


# --- the referral form and triage ----------------------------------------------------------------


def test_a_single_front_door_is_preselected():
    only = front_door()
    AgencyFactory.create(name="Hillside Police", kind=AgencyKind.POLICE, takes_referrals=False)
    assert ReferralForm()["receiving_agency"].value() == only.pk


def test_with_two_front_doors_the_referrer_chooses():
    front_door()
    front_door("Hillside Children's Services")
    assert ReferralForm()["receiving_agency"].value() is None


def test_pass_to_lists_the_other_agencies_that_take_referrals():
    ours = front_door()
    hillside = front_door("Hillside Children's Services")
    AgencyFactory.create(name="Hillside Police", kind=AgencyKind.POLICE, takes_referrals=False)
    AgencyFactory.create(name="Closed Children's Services", takes_referrals=True, active=False)
    form = TriageDecisionForm(receiving_agency=ours, link_choices=[])
    assert list(form.fields["passed_to"].queryset) == [hillside]  # type: ignore[attr-defined]
    assert TriageDecision.PASSED_ON in dict(form.fields["decision"].choices)  # type: ignore[attr-defined]


def test_pass_to_says_so_when_no_other_agency_takes_referrals(client):
    ours = front_door()
    referral = ReferralFactory.create(receiving_agency=ours)
    client.force_login(front_door_worker(ours))
    page = client.get(reverse("referrals:triage", kwargs={"referral_id": referral.pk})).content.decode()
    assert escape(NO_OTHER_FRONT_DOOR) in page
    assert "No other agency in Tandem takes referrals</option>" in page


def test_triage_says_every_problem_at_once():
    ours = front_door()
    front_door("Hillside Children's Services")
    form = TriageDecisionForm(
        {"decision": TriageDecision.PASSED_ON, "decision_rationale": "", "link": "new"},
        receiving_agency=ours,
        link_choices=[],
    )
    assert not form.is_valid()
    assert {"decision_rationale", "passed_to"} <= set(form.errors)


def test_save_and_submit_shows_the_forms_problems_and_what_sending_needs_together(client):
    ours = front_door()
    client.force_login(MembershipFactory.create().user)
    response = client.post(
        reverse("referrals:new"),
        {
            "receiving_agency": ours.pk,
            "child_nhs_number": "123",  # the form's own problem
            "urgency": "routine",
            "referrer_contact": "",
            "action": "submit",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"child_nhs_number", "child_given_names", "concern_category", "concern_description", "consent"} <= set(
        form.errors
    )
    assert "referrer_contact" in form.errors


def test_saving_a_draft_with_a_problem_does_not_ask_for_what_sending_needs(client):
    ours = front_door()
    client.force_login(MembershipFactory.create().user)
    response = client.post(
        reverse("referrals:new"),
        {"receiving_agency": ours.pk, "child_nhs_number": "123", "urgency": "routine", "action": "save"},
    )
    assert set(response.context["form"].errors) == {"child_nhs_number"}


# --- the meeting form ----------------------------------------------------------------------------


def test_scheduling_a_meeting_says_every_problem_at_once():
    team = meeting_team()
    with pytest.raises(ValidationError) as refused:
        schedule(
            team,
            kind=MeetingKind.STRATEGY_DISCUSSION,
            starts_at=timezone.now() - timedelta(hours=1),
            duration_minutes=5,
            location=" ",
            attendees=[team.police.user, team.health.user, team.key_worker],
            chair=team.lead,
        )
    assert {"starts_at", "duration_minutes", "location", "chair"} <= set(refused.value.message_dict)


def test_the_meeting_page_shows_every_problem_at_once(client):
    team = meeting_team()
    client.force_login(team.lead)
    response = client.post(
        reverse("cases:meeting_schedule", args=[team.case.pk]),
        {
            "kind": MeetingKind.CORE_GROUP,
            "starts_at": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 60,
            "location": "Room 2",
            "attendees": [team.key_worker.pk],
            "chair": team.lead.pk,
        },
    )
    assert response.status_code == 200
    assert {"starts_at", "chair"} <= set(response.context["form"].errors)
    assert "The date as day/month/year and the time on the 24-hour clock" in response.content.decode()
