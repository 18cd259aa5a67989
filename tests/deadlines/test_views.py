"""My tasks, notifications and extension pages: what each user sees and can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies.models import Membership
from cases.models import Case
from deadlines.models import Deadline, DeadlineState, Extension, Notification, NotificationPreference
from deadlines.views import due_phrase
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    NotificationFactory,
    ReferralFactory,
    UserFactory,
    front_door_worker,
    supervise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case() -> Case:
    return CaseFactory.create()


@pytest.fixture
def lead(client, case):
    client.force_login(case.lead_worker)
    return case.lead_worker


def html(response) -> str:
    return response.content.decode()


def tasks_page(client, **params: str) -> str:
    response = client.get(reverse("deadlines:tasks"), params)
    assert response.status_code == 200
    return html(response)


# --- my tasks ---------------------------------------------------------------------------


def test_tasks_show_mine_and_my_agencys_on_cases_i_can_see(client, case, lead):
    mine = DeadlineFactory.create(case=case, title="Assessment of the home")
    agency_owes = DeadlineFactory.create(case=case, owner=None, title="Strategy discussion to hold")
    page = tasks_page(client)
    assert escape(mine.title) in page and escape(agency_owes.title) in page
    assert reverse("cases:detail", args=[case.pk]) in page and case.reference in page


def test_tasks_never_show_a_deadline_on_a_case_i_cannot_see_even_if_my_agency_owes_it(client, case, lead):
    hidden_case = CaseFactory.create(lead_agency=case.lead_agency)
    DeadlineFactory.create(case=hidden_case, owner=None, title="Hidden case conference")
    DeadlineFactory.create(case=hidden_case, owner=lead, title="Hidden case but mine")
    page = tasks_page(client)
    assert "Hidden case" not in page
    assert hidden_case.reference not in page


def test_tasks_hide_deadlines_owed_by_someone_else(client, case, lead):
    colleague = Membership.objects.create(user=UserFactory.create(), agency=case.lead_agency)
    DeadlineFactory.create(case=case, owner=colleague.user, title="Colleague's visit")
    assert "Colleague" not in tasks_page(client)


def test_tasks_list_overdue_first_then_soonest_due(client, case, lead):
    now = timezone.now()
    DeadlineFactory.create(case=case, title="Later task", due_at=now + timedelta(days=9))
    DeadlineFactory.create(case=case, title="Sooner task", due_at=now + timedelta(days=1))
    DeadlineFactory.create(case=case, title="Late task", due_at=now - timedelta(hours=3))
    page = tasks_page(client)
    assert page.index("Late task") < page.index("Sooner task") < page.index("Later task")
    assert "overdue by 3 h" in page and "Overdue" in page
    assert "due in 1 day" in page or "due in 23 h" in page or "due in 24 h" in page


def test_tasks_filter_by_state(client, case, lead):
    DeadlineFactory.create(case=case, title="Still open task")
    DeadlineFactory.create(case=case, title="Done task", state=DeadlineState.MET)
    page = tasks_page(client)
    assert "Still open task" in page and "Done task" not in page
    page = tasks_page(client, state="met")
    assert "Done task" in page and "Still open task" not in page
    assert "No task in that state." in tasks_page(client, state="cancelled")


def test_tasks_empty_state(client, lead):
    assert "Nothing is owed by you or your agency right now." in tasks_page(client)


def test_tasks_paginate_at_25(client, case, lead):
    DeadlineFactory.create_batch(27, case=case)
    page = tasks_page(client)
    assert page.count('data-testid="task-row"') == 25 and "Page 1 of 2" in page
    assert tasks_page(client, page="2").count('data-testid="task-row"') == 2


def test_tasks_page_is_logged_once(client, lead):
    tasks_page(client)
    rows = AccessLogEntry.objects.filter(user=lead, object_type="deadline")
    assert rows.count() == 1 and rows.get().rule == "my tasks" and rows.get().outcome == "allowed"


def test_front_door_task_links_to_triage(client):
    referral = ReferralFactory.create()
    worker = front_door_worker(referral.receiving_agency)
    DeadlineFactory.create(
        case=None, referral=referral, owner=None, owner_agency=referral.receiving_agency, title="Decide the referral"
    )
    client.force_login(worker)
    page = tasks_page(client)
    assert "Decide the referral" in page and reverse("referrals:triage", args=[referral.pk]) in page


def test_tasks_need_sign_in(client):
    response = client.get(reverse("deadlines:tasks"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# Session read and save (3), user, the header's memberships (with the unread count), the page's
# count and rows, and the access-log row (savepoint, chain lock, last hash, insert, release).
QUERY_BUDGET = 13


def _queries_for_tasks(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("deadlines:tasks")).status_code == 200
    return len(captured.captured_queries)


def test_tasks_page_queries_do_not_grow_with_rows(client, case, lead):
    DeadlineFactory.create_batch(5, case=case)
    at_five = _queries_for_tasks(client)
    DeadlineFactory.create_batch(25, case=case)
    at_thirty = _queries_for_tasks(client)
    assert at_five == at_thirty
    assert at_thirty <= QUERY_BUDGET


def test_front_door_tasks_queries_do_not_grow_with_rows(client):
    agency = ReferralFactory.create().receiving_agency
    client.force_login(front_door_worker(agency))

    def add(count: int) -> None:
        for referral in ReferralFactory.create_batch(count, receiving_agency=agency):
            DeadlineFactory.create(case=None, referral=referral, owner=None, owner_agency=agency)

    add(5)
    at_five = _queries_for_tasks(client)
    add(25)
    assert _queries_for_tasks(client) == at_five <= QUERY_BUDGET + 1  # + the front-door agencies


def test_due_phrase_reads_naturally():
    now = timezone.now()
    assert due_phrase(now + timedelta(days=2, hours=1), now) == "due in 2 days"
    assert due_phrase(now - timedelta(hours=3, minutes=5), now) == "overdue by 3 h"
    assert due_phrase(now + timedelta(minutes=20), now) == "due in 20 min"


# --- notifications ----------------------------------------------------------------------


def test_notifications_list_unread_first(client, lead):
    NotificationFactory.create(recipient=lead, title="Older unread", created_at=timezone.now() - timedelta(days=2))
    NotificationFactory.create(recipient=lead, title="Newer read", read_at=timezone.now())
    NotificationFactory.create(title="Someone else's reminder")
    page = html(client.get(reverse("deadlines:notifications")))
    assert page.index("Older unread") < page.index("Newer read")
    assert "Someone else" not in page


def test_mark_one_notification_read(client, lead):
    notification = NotificationFactory.create(recipient=lead)
    other = NotificationFactory.create(recipient=lead)
    response = client.post(reverse("deadlines:notifications_read"), {"notification": notification.pk})
    assert response.status_code == 302
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None and other.read_at is None


def test_cannot_mark_someone_elses_notification_read(client, lead):
    theirs = NotificationFactory.create()
    client.post(reverse("deadlines:notifications_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, lead):
    NotificationFactory.create_batch(3, recipient=lead)
    theirs = NotificationFactory.create()
    client.post(reverse("deadlines:notifications_read"), {"all": "1"})
    assert not Notification.objects.filter(recipient=lead, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_choose_daily_digest_and_back(client, lead):
    client.post(reverse("deadlines:notification_preference"), {"daily_digest": "on"})
    assert NotificationPreference.objects.get(user=lead).daily_digest
    page = html(client.get(reverse("deadlines:notifications")))
    assert "Send me one daily digest instead of an email per reminder" in page and "checked" in page
    client.post(reverse("deadlines:notification_preference"), {})
    assert not NotificationPreference.objects.get(user=lead).daily_digest


def test_notifications_empty_state(client, lead):
    assert "You have no notifications." in html(client.get(reverse("deadlines:notifications")))


def test_reading_the_notifications_page_and_preference_writes_nothing(client, lead, api_client):
    """Only the access log and the session (renewed by every request) are written on a GET."""
    api_client.force_authenticate(lead)
    for get in (
        lambda: client.get(reverse("deadlines:notifications")),
        lambda: api_client.get(reverse("api-notification-preference")),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert get().status_code == 200
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "access_control_accesslogentry" not in q["sql"]
            and "django_session" not in q["sql"]
        ]
        assert writes == []
    assert not NotificationPreference.objects.filter(user=lead).exists()
    assert 'name="daily_digest"' in html(client.get(reverse("deadlines:notifications")))


def test_header_shows_unread_count_to_eyes_and_screen_readers(client, lead):
    NotificationFactory.create_batch(3, recipient=lead)
    NotificationFactory.create(recipient=lead, read_at=timezone.now())
    NotificationFactory.create()
    page = html(client.get(reverse("home")))
    assert "Notifications, 3 unread" not in page  # split across spans: one for eyes, one for readers
    assert '<span aria-hidden="true"> (3)</span>' in page
    assert '<span class="visually-hidden">, 3 unread</span>' in page
    assert reverse("deadlines:tasks") in page


def test_header_count_for_someone_with_no_membership(client):
    person = UserFactory.create()
    NotificationFactory.create_batch(2, recipient=person)
    client.force_login(person)
    assert '<span class="visually-hidden">, 2 unread</span>' in html(client.get(reverse("home")))


# --- extensions -------------------------------------------------------------------------


def test_ask_for_more_time(client, case, lead):
    deadline = DeadlineFactory.create(case=case)
    new_day = (timezone.localtime(deadline.due_at) + timedelta(days=7)).date()
    response = client.post(
        reverse("deadlines:extend", args=[deadline.pk]),
        {"new_due_date": new_day.isoformat(), "reason": "The family were away for a week."},
    )
    assert response.status_code == 302
    extension = Extension.objects.get(deadline=deadline)
    assert extension.state == Extension.State.PENDING and extension.requested_by == lead


def test_extension_page_is_404_for_a_deadline_i_cannot_see(client, lead):
    hidden = DeadlineFactory.create()
    assert client.get(reverse("deadlines:extend", args=[hidden.pk])).status_code == 404
    assert not Extension.objects.exists()


def test_extension_needs_a_reason(client, case, lead):
    deadline = DeadlineFactory.create(case=case)
    new_day = (timezone.localtime(deadline.due_at) + timedelta(days=7)).date()
    response = client.post(reverse("deadlines:extend", args=[deadline.pk]), {"new_due_date": new_day.isoformat()})
    assert response.status_code == 200 and "This field is required." in html(response)
    assert not Extension.objects.exists()


def _pending_extension(case: Case) -> Extension:
    deadline = DeadlineFactory.create(case=case, title="Assessment to finish")
    return Extension.objects.create(
        deadline=deadline,
        requested_by=case.lead_worker,
        reason="Waiting for the school's report.",
        new_due_at=deadline.due_at + timedelta(days=5),
    )


def test_supervisor_sees_and_approves_an_extension(client, case):
    extension = _pending_extension(case)
    supervisor = supervise(Membership.objects.get(user=case.lead_worker))
    client.force_login(supervisor.user)
    page = html(client.get(reverse("deadlines:approvals")))
    assert "Assessment to finish" in page and "Waiting for the school" in page
    client.post(reverse("deadlines:decide", args=[extension.pk]), {"decision": "approve"})
    extension.refresh_from_db()
    deadline = Deadline.objects.get(pk=extension.deadline_id)
    assert extension.state == Extension.State.APPROVED
    assert deadline.due_at == extension.new_due_at and deadline.state == DeadlineState.EXTENDED


def test_supervisor_rejects_an_extension(client, case):
    extension = _pending_extension(case)
    client.force_login(supervise(Membership.objects.get(user=case.lead_worker)).user)
    client.post(reverse("deadlines:decide", args=[extension.pk]), {"decision": "reject"})
    extension.refresh_from_db()
    assert extension.state == Extension.State.REJECTED


def test_someone_not_supervising_the_owner_cannot_see_or_decide_an_extension(client, case):
    extension = _pending_extension(case)
    colleague = Membership.objects.create(user=UserFactory.create(), agency=case.lead_agency)
    client.force_login(colleague.user)
    assert "Assessment to finish" not in html(client.get(reverse("deadlines:approvals")))
    assert client.post(reverse("deadlines:decide", args=[extension.pk]), {"decision": "approve"}).status_code == 404
    extension.refresh_from_db()
    assert extension.state == Extension.State.PENDING
