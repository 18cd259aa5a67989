"""Deadline API: my tasks and notifications, under the same policy as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from cases.models import Case
from deadlines.models import Notification, NotificationPreference
from tests.factories import CaseFactory, DeadlineFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case() -> Case:
    return CaseFactory.create()


@pytest.fixture
def lead(api_client, case):
    api_client.force_authenticate(case.lead_worker)
    return case.lead_worker


def url(name: str) -> str:
    return reverse(name)


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "api-my-tasks"),
        ("get", "api-notifications"),
        ("post", "api-notification-read"),
        ("get", "api-notification-preference"),
        ("put", "api-notification-preference"),
    ],
)
def test_deadline_endpoints_refuse_anonymous_callers(api_client, method, name):
    response = getattr(api_client, method)(url(name))
    assert response.status_code == 401  # the token class first: a 401 that says how to authenticate
    assert response["WWW-Authenticate"] == "Token"


def test_my_tasks_lists_mine_and_my_agencys_overdue_first(api_client, case, lead):
    now = timezone.now()
    DeadlineFactory.create(case=case, title="Soon", due_at=now + timedelta(days=1))
    DeadlineFactory.create(case=case, owner=None, title="Late for the agency", due_at=now - timedelta(hours=2))
    hidden_case = CaseFactory.create(lead_agency=case.lead_agency)
    DeadlineFactory.create(case=hidden_case, owner=None, title="On a case I cannot see")
    response = api_client.get(url("api-my-tasks"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == ["Late for the agency", "Soon"]
    assert rows[0]["is_overdue"] and rows[0]["owner"] is None and rows[0]["case_id"] == str(case.pk)
    assert AccessLogEntry.objects.filter(user=lead, object_type="deadline", rule="my tasks").count() == 1


def test_my_tasks_filters_by_state(api_client, case, lead):
    DeadlineFactory.create(case=case, title="Open one")
    DeadlineFactory.create(case=case, title="Met one", state="met")
    rows = api_client.get(url("api-my-tasks"), {"state": "met"}).json()["results"]
    assert [row["title"] for row in rows] == ["Met one"]
    assert api_client.get(url("api-my-tasks"), {"state": "nonsense"}).status_code == 400


def test_notifications_are_mine_unread_first(api_client, lead):
    NotificationFactory.create(recipient=lead, title="Read", read_at=timezone.now())
    NotificationFactory.create(recipient=lead, title="Unread", created_at=timezone.now() - timedelta(days=1))
    NotificationFactory.create(title="Not mine")
    rows = api_client.get(url("api-notifications")).json()["results"]
    assert [row["title"] for row in rows] == ["Unread", "Read"]


def test_mark_named_notifications_read_only_touches_mine(api_client, lead):
    mine = NotificationFactory.create(recipient=lead)
    still_unread = NotificationFactory.create(recipient=lead)
    theirs = NotificationFactory.create()
    response = api_client.post(url("api-notification-read"), {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=still_unread.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_notifications_read(api_client, lead):
    NotificationFactory.create_batch(2, recipient=lead)
    response = api_client.post(url("api-notification-read"), {}, format="json")
    assert response.json() == {"marked": 2, "unread": 0}


def test_notification_preference_read_and_change(api_client, lead):
    assert api_client.get(url("api-notification-preference")).json() == {"daily_digest": False}
    response = api_client.put(url("api-notification-preference"), {"daily_digest": True}, format="json")
    assert response.status_code == 200 and response.json() == {"daily_digest": True}
    assert NotificationPreference.objects.get(user=lead).daily_digest


@pytest.mark.parametrize(
    "body", [{}, {"daily_digest": None}, {"daily_digest": "sometimes"}, {"digest": True}, []], ids=repr
)
def test_a_preference_put_without_a_choice_is_a_400_and_changes_nothing(api_client, lead, body):
    response = api_client.put(url("api-notification-preference"), body, format="json")
    assert response.status_code == 400
    assert not NotificationPreference.objects.filter(user=lead, daily_digest=True).exists()


def test_schema_is_valid_with_the_deadline_endpoints(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/v1/tasks/" in schema and "/api/v1/notifications/preference/" in schema
