"""Tasks and notifications that take you to the work: each task says what is owed and links
to the item itself; notifications link to their subject; nothing out of sight is linked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from deadlines import links
from deadlines.models import Deadline, DeadlineKind, Notification
from tests.cases.assessment_helpers import ask, build_world, open_assessment
from tests.cases.meeting_helpers import held_meeting_with_action, meeting_team
from tests.cases.plan_helpers import add_action, plan_world, start
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    MembershipFactory,
    NotificationFactory,
    ReferralFactory,
    front_door_worker,
)

pytestmark = pytest.mark.django_db


def page_of(client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def follows(client, url: str) -> None:
    """The link leads somewhere the user may be: the page, or its redirect to one."""
    response = client.get(url, follow=True)
    assert response.status_code == 200, url


def test_a_plan_action_task_links_to_the_action(client):
    world = plan_world()
    action = add_action(world, start(world), world.health_agency, owner=world.health)
    client.force_login(world.health)
    page = page_of(client, "deadlines:tasks")
    url = reverse("cases:plan_action", args=[action.pk])
    assert f'href="{url}"' in page
    assert f"Do the plan action on case {world.case.reference}" in page
    follows(client, url)


def test_a_contribution_task_and_its_notification_link_to_the_contribution(client):
    world = build_world()
    [contribution] = ask(world, open_assessment(world), world.health_agency)
    client.force_login(world.health)
    url = reverse("cases:contribution_edit", args=[contribution.pk])
    page = page_of(client, "deadlines:tasks")
    assert f'href="{url}"' in page and "Write your agency&#x27;s contribution to the joint assessment" in page
    follows(client, url)
    assert f'href="{url}"' in page_of(client, "deadlines:notifications")
    [notice] = client.get(reverse("api-notifications")).json()["results"]
    assert notice["url"] == url


def test_a_meeting_action_task_links_to_its_meeting(client):
    team = meeting_team()
    meeting, _ = held_meeting_with_action(team)
    client.force_login(team.key_worker)
    url = reverse("cases:meeting_detail", args=[meeting.pk])
    page = page_of(client, "deadlines:tasks")
    assert f'href="{url}"' in page and "Do the action agreed at the meeting" in page
    follows(client, url)


def test_a_front_door_task_links_to_the_triage_page(client):
    referral = ReferralFactory.create()
    worker = front_door_worker(referral.receiving_agency)
    DeadlineFactory.create(
        kind=DeadlineKind.REFERRAL_DECISION,
        case=None,
        referral=referral,
        owner=None,
        owner_agency=referral.receiving_agency,
    )
    client.force_login(worker)
    url = reverse("referrals:triage", args=[referral.pk])
    page = page_of(client, "deadlines:tasks")
    assert f'<a href="{url}" data-testid="task-link">Decide what happens to the referral</a>' in page
    follows(client, url)


def test_a_case_task_links_to_the_case_by_id_only():
    case = CaseFactory.create()
    deadline = DeadlineFactory.create(case=case)
    url = links.item_url(deadline, set())
    assert url == reverse("cases:detail", args=[case.pk])
    assert case.reference not in url and case.lead_worker.full_name not in url


def test_a_notification_about_something_out_of_sight_has_no_link(client):
    """Removed from sight since (another case's deadline): the words stay, no link, url null."""
    seen = CaseFactory.create()
    other = CaseFactory.create()
    me = seen.lead_worker
    hidden = DeadlineFactory.create(case=other)
    mine = DeadlineFactory.create(case=seen)
    NotificationFactory.create(recipient=me, deadline=hidden, title="About the other case")
    NotificationFactory.create(recipient=me, deadline=mine, title="About my case")
    NotificationFactory.create(recipient=me, title="No subject")
    client.force_login(me)
    page = page_of(client, "deadlines:notifications")
    assert reverse("cases:detail", args=[seen.pk]) in page
    assert str(other.pk) not in page and other.reference not in page
    by_title = {n["title"]: n["url"] for n in client.get(reverse("api-notifications")).json()["results"]}
    assert by_title == {
        "About the other case": None,
        "About my case": reverse("cases:detail", args=[seen.pk]),
        "No subject": None,
    }


def test_a_case_task_of_an_agency_on_a_case_out_of_sight_is_not_listed_nor_linked(client):
    """An agency's deadline on a case the member is not on: neither the task nor its link."""
    case = CaseFactory.create()
    colleague = MembershipFactory.create(agency=case.lead_agency).user  # same agency, not on the team
    DeadlineFactory.create(case=case, owner=None, title="Strategy discussion to hold")
    client.force_login(colleague)
    page = page_of(client, "deadlines:tasks")
    assert "Strategy discussion to hold" not in page and str(case.pk) not in page


def _count(client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name)).status_code == 200
    return len(captured.captured_queries)


def _notify(case: Case, count: int) -> None:
    for deadline in DeadlineFactory.create_batch(count, case=case):
        NotificationFactory.create(recipient=case.lead_worker, deadline=deadline)


def test_notification_links_cost_the_same_whatever_the_number(client):
    case = CaseFactory.create()
    client.force_login(case.lead_worker)
    _notify(case, 3)
    at_three = _count(client, "deadlines:notifications")
    _notify(case, 20)
    assert _count(client, "deadlines:notifications") == at_three
    at_three_api = _count(client, "api-notifications")
    _notify(case, 2)
    assert _count(client, "api-notifications") == at_three_api


def test_task_links_of_every_kind_cost_the_same_whatever_the_number(client):
    world = plan_world()
    plan = start(world)
    client.force_login(world.health)
    add_action(world, plan, world.health_agency, owner=world.health)
    at_one = _count(client, "deadlines:tasks")
    for days in range(10, 20):
        add_action(world, plan, world.health_agency, owner=world.health, days=days)
    assert _count(client, "deadlines:tasks") == at_one
    assert Deadline.objects.filter(owner=world.health).count() == 11
    assert Notification.objects.filter(recipient=world.health).exists()
