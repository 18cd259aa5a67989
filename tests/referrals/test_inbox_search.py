"""The front door's inbox search: by child's name, reference or referrer; posted and kept in
the session (never in a URL), cleared on request, combined with the inbox's filters, only over
referrals the user may see, in the inbox's order, at a query count that does not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Role, User
from referrals.models import Referral, ReferralStatus
from referrals.queries import inbox
from tests.factories import AgencyFactory, MembershipFactory, ReferralFactory, front_door_agency

pytestmark = pytest.mark.django_db

INBOX = reverse("referrals:inbox")
API = reverse("api-referral-inbox-search")


@pytest.fixture
def front_door() -> Agency:
    return front_door_agency(name="Riverside Children's Services")


@pytest.fixture
def intake(front_door: Agency) -> User:
    return MembershipFactory.create(agency=front_door, role=Role.INTAKE).user


def _referral(front_door: Agency, **fields: object) -> Referral:
    return ReferralFactory.create(receiving_agency=front_door, **fields)


def _references(response) -> list[str]:
    return [row.referral.reference for row in response.context["rows"]]


def test_search_by_child_reference_or_referrer_only_over_what_the_user_sees(intake, front_door) -> None:
    school = AgencyFactory.create(name="Brackenwood Academy", kind=AgencyKind.EDUCATION)
    wanted = _referral(front_door, child_given_names="Tamsin", child_family_name="Okonkwo-Reyes")
    by_school = _referral(front_door, referrer_agency=school)
    other = _referral(front_door, child_given_names="Piers", child_family_name="Abernathy")
    # The same child at another front door: never found by this one.
    elsewhere = _referral(front_door_agency(name="Hillcrest MASH"), child_family_name="Okonkwo-Reyes")
    assert [r.pk for r in inbox(user=intake, search="okonkwo")] == [wanted.pk]
    assert [r.pk for r in inbox(user=intake, search="tamsin OKONKWO-reyes")] == [wanted.pk]
    assert [r.pk for r in inbox(user=intake, search=wanted.reference[2:8].lower())] == [wanted.pk]
    assert [r.pk for r in inbox(user=intake, search="brackenwood")] == [by_school.pk]
    assert [r.pk for r in inbox(user=intake, search=by_school.referrer_name)] == [by_school.pk]
    assert not inbox(user=intake, search="tamsin abernathy").exists()
    assert {r.pk for r in inbox(user=intake, search="")} == {wanted.pk, by_school.pk, other.pk}
    assert elsewhere.pk not in {r.pk for r in inbox(user=intake, search="okonkwo", include_decided=True)}


def test_no_one_but_the_front_door_finds_anything(front_door) -> None:
    _referral(front_door, child_family_name="Okonkwo-Reyes")
    teacher = MembershipFactory.create(agency__kind=AgencyKind.EDUCATION).user
    assert not inbox(user=teacher, search="okonkwo").exists()


def test_the_page_search_is_posted_kept_in_the_session_and_cleared(client, intake, front_door) -> None:
    wanted = _referral(front_door, child_given_names="Tamsin", child_family_name="Okonkwo-Reyes")
    _referral(front_door, child_family_name="Abernathy")
    client.force_login(intake)
    response = client.post(INBOX, {"search": "Okonkwo", "action": "search"})
    assert response.status_code == 302 and response["Location"] == INBOX
    page = client.get(INBOX)
    assert _references(page) == [wanted.reference]
    content = page.content.decode()
    assert "Clear search" in content and "Okonkwo" in content
    # The name is in no address of the page.
    assert "Okonkwo" not in "".join(a for a in content.split('"') if a.startswith("/"))
    client.post(INBOX, {"action": "clear"})
    assert len(_references(client.get(INBOX))) == 2
    assert "Clear search" not in client.get(INBOX).content.decode()


def test_a_search_that_matches_nothing_says_so(client, intake, front_door) -> None:
    _referral(front_door)
    client.force_login(intake)
    client.post(INBOX, {"search": "Zzyzx", "action": "search"})
    content = client.get(INBOX).content.decode()
    assert "No referral in this inbox matches" in content and "Nothing waiting" not in content


def test_the_search_keeps_the_filters_and_combines_with_them(client, intake, front_door) -> None:
    waiting = _referral(front_door, child_family_name="Okonkwo-Reyes")
    decided = _referral(front_door, child_family_name="Okonkwo-Reyes", status=ReferralStatus.DECIDED)
    client.force_login(intake)
    response = client.post(f"{INBOX}?include_decided=on", {"search": "Okonkwo"})
    assert response["Location"] == f"{INBOX}?include_decided=on"
    assert set(_references(client.get(INBOX, {"include_decided": "on"}))) == {waiting.reference, decided.reference}
    assert _references(client.get(INBOX)) == [waiting.reference]


def test_an_overlong_or_odd_search_is_no_500(client, intake, front_door) -> None:
    client.force_login(intake)
    for typed in ("x" * 5000, "%_\\'\"<script>", "\x00"):
        assert client.post(INBOX, {"search": typed}).status_code == 302
        assert client.get(INBOX).status_code == 200


def test_the_search_keeps_the_inbox_order_overdue_first(intake, front_door) -> None:
    now = timezone.now()
    later = _referral(front_door, child_family_name="Okonkwo", triage_due_at=now + timedelta(hours=30))
    overdue = _referral(front_door, child_family_name="Okonkwo", triage_due_at=now - timedelta(hours=13))
    sooner = _referral(front_door, child_family_name="Okonkwo", triage_due_at=now + timedelta(hours=2))
    assert [r.pk for r in inbox(user=intake, search="okonkwo")] == [overdue.pk, sooner.pk, later.pk]


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INBOX).status_code == 200
    return len(captured)


def _api_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.post(API, {"search": "Okonkwo"}, content_type="application/json").status_code == 200
    return len(captured)


def test_the_search_costs_the_same_for_1_and_20_matches(client, intake, front_door) -> None:
    client.force_login(intake)
    _referral(front_door, child_family_name="Okonkwo")
    client.post(INBOX, {"search": "Okonkwo"})
    at_one, at_one_api = _page_queries(client), _api_queries(client)
    for _ in range(19):
        _referral(front_door, child_family_name="Okonkwo", previous_referral=_referral(front_door), handler=intake)
    assert _page_queries(client) == at_one
    assert _api_queries(client) == at_one_api


def test_the_api_searches_by_post_json_with_the_filters(client, intake, front_door) -> None:
    second = front_door_agency(name="Hillcrest MASH")
    MembershipFactory.create(agency=second, role=Role.INTAKE, user=intake)
    here = _referral(front_door, child_family_name="Okonkwo")
    there = _referral(second, child_family_name="Okonkwo")
    _referral(front_door, child_family_name="Abernathy")
    client.force_login(intake)
    both = client.post(API, {"search": "okonkwo"}, content_type="application/json").json()["results"]
    assert {r["reference"] for r in both} == {here.reference, there.reference}
    one = client.post(API, {"search": "okonkwo", "agency": second.pk}, content_type="application/json")
    assert [r["reference"] for r in one.json()["results"]] == [there.reference]
    assert client.post(API, {}, content_type="application/json").status_code == 400
    refused = client.post(API, {"search": "x", "agency": 999999}, content_type="application/json")
    assert refused.status_code == 400
    # Nobody outside a front door searches it.
    teacher = MembershipFactory.create(agency__kind=AgencyKind.EDUCATION).user
    client.force_login(teacher)
    assert client.post(API, {"search": "okonkwo"}, content_type="application/json").status_code == 403
