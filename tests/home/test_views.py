"""The home page ("My work"): each section's content and order, the role-dependent order of
the sections, empty states, "new since my last visit", the API, and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies.models import Role
from cases.models import CaseVisit, ClosureRequest, Meeting, MeetingAttendee
from cases.models.meetings import MeetingKind, MeetingState
from cases.visits import record_visit
from deadlines.models import Deadline, Extension
from home import queries
from home.templatetags.work_times import ago, time_since, time_until
from referrals.models import ReferralStatus
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    EntryFactory,
    MembershipFactory,
    NotificationFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
    supervise,
)

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def sections_of(user) -> dict[str, queries.Section]:
    return {section.key: section for section in queries.my_work(user).sections}


def order_of(user) -> list[str]:
    return [section.key for section in queries.my_work(user).sections]


def meeting(case, *, starts_at, invited=(), state=MeetingState.SCHEDULED, kind=MeetingKind.CORE_GROUP) -> Meeting:
    made = Meeting.objects.create(
        case=case,
        kind=kind,
        starts_at=starts_at,
        location="Room 2, Civic Centre",
        chair=case.lead_worker,
        organiser=case.lead_worker,
        state=state,
    )
    for user in invited:
        MeetingAttendee.objects.create(meeting=made, user=user, agency=case.lead_agency)
    return made


# --- tasks ------------------------------------------------------------------------------------


def test_tasks_are_overdue_first_then_due_soon_and_not_later(clock):
    now = timezone.now()
    case = CaseFactory.create()
    me = case.lead_worker
    soon = DeadlineFactory.create(case=case, title="Soon", due_at=now + 2 * DAY)
    overdue = DeadlineFactory.create(case=case, title="Late", due_at=now - 3 * HOUR)
    sooner = DeadlineFactory.create(case=case, title="Sooner", due_at=now + HOUR)
    DeadlineFactory.create(case=case, title="Next month", due_at=now + 30 * DAY)
    DeadlineFactory.create(case=case, title="Met", due_at=now - DAY, state="met")
    tasks = sections_of(me)["tasks"]
    assert [item.id for item in tasks.items] == [str(overdue.pk), str(sooner.pk), str(soon.pk)]
    assert tasks.count == 3
    assert [item.overdue for item in tasks.items] == [True, False, False]
    first = tasks.items[0]
    assert first.title == f"Complete the child and family assessment on case {case.reference}"
    assert first.url == reverse("cases:detail", args=[case.pk])


def test_tasks_show_a_few_and_count_them_all(client):
    case = CaseFactory.create()
    DeadlineFactory.create_batch(queries.SHOWN + 2, case=case)
    client.force_login(case.lead_worker)
    page = html(client.get(reverse("home")))
    assert page.count('data-testid="item-tasks"') == queries.SHOWN
    assert f"See all your tasks ({queries.SHOWN + 2})" in page
    assert reverse("deadlines:tasks") in page


# --- meetings ---------------------------------------------------------------------------------


def test_meetings_today_and_this_week_that_i_am_invited_to_or_on_the_team_of(clock):
    clock.at(timezone.now().replace(hour=12, minute=0))
    now = timezone.now()
    case = CaseFactory.create()
    me = TeamMemberFactory.create(case=case).user
    other_case = CaseFactory.create()
    MembershipFactory.create(user=me, agency=other_case.lead_agency)
    this_morning = meeting(case, starts_at=now - 2 * HOUR)  # today, on my team
    invited = meeting(other_case, starts_at=now + 2 * DAY, invited=[me])
    # Invited but not a case I can see: other_case has no team place for me, so not shown.
    meeting(case, starts_at=now + 8 * DAY)  # next week
    meeting(case, starts_at=now - DAY)  # yesterday
    meeting(case, starts_at=now + DAY, state=MeetingState.CANCELLED)
    found = sections_of(me)["meetings"]
    assert [item.id for item in found.items] == [str(this_morning.pk)]
    TeamMemberFactory.create(case=other_case, user=me, agency=other_case.lead_agency)
    found = sections_of(me)["meetings"]
    assert [item.id for item in found.items] == [str(this_morning.pk), str(invited.pk)]
    assert found.items[0].url == reverse("cases:meeting_detail", args=[this_morning.pk])
    assert found.items[0].title == f"Core group on case {case.reference}"


def test_the_meetings_page_lists_the_week(client, clock):
    now = timezone.now()
    case = CaseFactory.create()
    first = meeting(case, starts_at=now + HOUR)
    client.force_login(case.lead_worker)
    page = html(client.get(reverse("home:meetings")))
    assert reverse("cases:meeting_detail", args=[first.pk]) in page
    assert AccessLogEntry.objects.filter(user=case.lead_worker, action="list", object_type="meeting").exists()


# --- new since my last visit ------------------------------------------------------------------


def test_new_since_my_last_visit(clock):
    case = CaseFactory.create()
    colleague = TeamMemberFactory.create(case=case)
    me = colleague.user
    EntryFactory.create(case=case, summary="Before my visit")
    clock.at(timezone.now() + HOUR)
    record_visit(me, case)
    assert sections_of(me)["new"].items == []
    clock.at(timezone.now() + HOUR)
    EntryFactory.create(case=case, author=me, author_agency=colleague.agency, summary="Mine")
    assert sections_of(me)["new"].items == []
    EntryFactory.create(case=case, summary="After my visit")
    new = sections_of(me)["new"]
    assert [item.id for item in new.items] == [str(case.pk)]
    assert new.items[0].detail == "1 new entry"
    assert new.items[0].url == reverse("cases:detail", args=[case.pk])


def test_a_case_never_visited_counts_every_entry_by_others_as_new(clock):
    case = CaseFactory.create()
    me = TeamMemberFactory.create(case=case).user
    EntryFactory.create_batch(2, case=case)
    assert sections_of(me)["new"].items[0].detail == "2 new entries"


def test_opening_the_case_records_the_visit_and_clears_what_was_new(client, clock):
    case = CaseFactory.create()
    me = TeamMemberFactory.create(case=case).user
    EntryFactory.create(case=case, summary="Strategy discussion held")
    client.force_login(me)
    assert 'data-testid="item-new"' in html(client.get(reverse("home")))
    clock.at(timezone.now() + timedelta(minutes=1))
    html(client.get(reverse("cases:detail", args=[case.pk])))
    assert CaseVisit.objects.filter(user=me, case=case).count() == 1
    assert 'data-testid="item-new"' not in html(client.get(reverse("home")))


def test_record_visit_keeps_one_row_and_moves_it_forward(clock):
    case = CaseFactory.create()
    me = case.lead_worker
    record_visit(me, case)
    first = CaseVisit.objects.get(user=me, case=case).visited_at
    clock.at(timezone.now() + HOUR)
    record_visit(me, case)
    visits = CaseVisit.objects.filter(user=me, case=case)
    assert visits.count() == 1
    assert first + HOUR <= visits.get().visited_at < first + HOUR + timedelta(minutes=1)


def test_new_cases_latest_first(clock):
    membership = MembershipFactory.create()
    me = membership.user
    older, newer = CaseFactory.create(), CaseFactory.create()
    for case in (older, newer):
        TeamMemberFactory.create(case=case, user=me, agency=membership.agency)
    EntryFactory.create(case=older)
    clock.at(timezone.now() + HOUR)
    EntryFactory.create(case=newer)
    assert [item.id for item in sections_of(me)["new"].items] == [str(newer.pk), str(older.pk)]


# --- notifications --------------------------------------------------------------------------


def test_unread_notifications_latest_few_with_their_links_and_count(client, clock):
    case = CaseFactory.create()
    me = case.lead_worker
    deadline = DeadlineFactory.create(case=case)
    NotificationFactory.create(recipient=me, title="Read already", read_at=timezone.now())
    for n in range(queries.SHOWN + 1):
        clock.at(timezone.now() + HOUR)
        NotificationFactory.create(recipient=me, title=f"Unread {n}", deadline=deadline)
    found = sections_of(me)["notifications"]
    assert found.count == queries.SHOWN + 1
    assert [item.title for item in found.items] == [f"Unread {n}" for n in range(queries.SHOWN, 0, -1)]
    assert found.items[0].url == reverse("cases:detail", args=[case.pk])
    client.force_login(me)
    page = html(client.get(reverse("home")))
    assert "Read already" not in page
    assert reverse("deadlines:notifications") in page


def test_times_under_a_minute_read_as_just_now_not_zero_minutes(client, clock):
    me = CaseFactory.create().lead_worker
    NotificationFactory.create(recipient=me, title="Three hours old")
    clock.at(timezone.now() + 3 * HOUR)
    NotificationFactory.create(recipient=me, title="Brand new")
    client.force_login(me)
    page = html(client.get(reverse("home"))).replace("\xa0", " ")  # Django's timesince joins with no-break spaces
    assert "just now</time>" in page
    assert "3 hours ago</time>" in page
    assert "0 minutes" not in page


def test_the_home_pages_time_words(clock):
    def words(text: str) -> str:
        return text.replace("\xa0", " ")

    now = timezone.now()
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"
    assert words(ago(now - 2 * DAY, now)) == "2 days ago"
    assert time_since(now - timedelta(seconds=10), now) == "under a minute"
    assert words(time_since(now - 3 * HOUR, now)) == "3 hours"
    assert time_until(now + timedelta(seconds=30), now) == "under a minute"
    assert words(time_until(now + 4 * HOUR, now)) == "4 hours"


# --- referrals waiting ----------------------------------------------------------------------


def test_front_door_sees_the_inbox_first_overdue_first(clock):
    door = front_door_agency()
    worker = front_door_worker(door)
    now = timezone.now()
    later = ReferralFactory.create(receiving_agency=door, triage_due_at=now + 5 * HOUR)
    late = ReferralFactory.create(receiving_agency=door, triage_due_at=now - HOUR)
    ReferralFactory.create(status=ReferralStatus.DECIDED, receiving_agency=door)
    ReferralFactory.create(triage_due_at=now - 2 * HOUR)  # another front door's
    assert order_of(worker)[0] == "front_door"
    inbox = sections_of(worker)["front_door"]
    assert [item.id for item in inbox.items] == [str(late.pk), str(later.pk)]
    assert inbox.items[0].overdue
    assert inbox.items[0].url == reverse("referrals:triage", args=[late.pk])
    assert "service_referrals" not in order_of(worker)


def test_a_practitioner_sees_their_own_work_first_and_agencies_last(client):
    case = CaseFactory.create()
    assert order_of(case.lead_worker) == ["tasks", "meetings", "new", "notifications", "service_referrals"]
    client.force_login(case.lead_worker)
    page = html(client.get(reverse("home")))
    assert page.index('data-testid="section-tasks"') < page.index('data-testid="section-agencies"')
    assert escape(case.lead_agency.name) in page[page.index('data-testid="section-agencies"') :]


# --- a supervisor's queue -------------------------------------------------------------------


def test_supervisor_sees_their_queue_first(clock):
    worker = MembershipFactory.create()
    supervisor = supervise(worker)
    case = CaseFactory.create(lead_agency=worker.agency, lead_worker=worker.user)
    closure = ClosureRequest.objects.create(case=case, requested_by=worker.user, reason="Family moved away")
    late = DeadlineFactory.create(case=case, due_at=timezone.now() - DAY)
    extension = Extension.objects.create(
        deadline=DeadlineFactory.create(case=case),
        requested_by=worker.user,
        reason="Family away",
        new_due_at=timezone.now() + 9 * DAY,
    )
    order = order_of(supervisor.user)
    assert order[:2] == ["approvals", "team"]
    found = sections_of(supervisor.user)
    approvals = found["approvals"]
    assert approvals.count == 2
    assert [item.url for item in approvals.items] == [
        reverse("cases:closure_decide", args=[case.pk]),
        reverse("deadlines:decide", args=[extension.pk]),
    ]
    assert str(closure.pk) == approvals.items[0].id
    team = found["team"]
    assert [item.id for item in team.items] == [str(worker.pk)]
    assert team.items[0].title == f"{worker.user.full_name}: 1 overdue"
    assert late.owner == worker.user


def test_a_front_door_supervisor_sees_decisions_then_the_inbox():
    door = front_door_agency()
    supervisor = front_door_worker(door, role=Role.SUPERVISOR)
    assert order_of(supervisor)[:3] == ["approvals", "team", "front_door"]


# --- empty states -----------------------------------------------------------------------------


def test_every_section_says_when_it_is_empty(client):
    me = MembershipFactory.create().user
    client.force_login(me)
    page = html(client.get(reverse("home")))
    for key in ("tasks", "meetings", "new", "notifications", "service_referrals"):
        assert f'data-testid="empty-{key}"' in page
    assert "Nothing of yours is overdue or due in the next 7 days." in page


def test_someone_with_no_agency_sees_the_empty_page(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory.create())
    page = html(client.get(reverse("home")))
    assert "You are not an active member of any agency" in page


def test_the_home_page_is_logged_as_a_listing(client):
    case = CaseFactory.create()
    client.force_login(case.lead_worker)
    html(client.get(reverse("home")))
    assert AccessLogEntry.objects.filter(user=case.lead_worker, action="list", object_type="home").count() == 1


# --- the API ----------------------------------------------------------------------------------


def test_api_gives_the_same_sections(api_client, clock):
    case = CaseFactory.create()
    me = TeamMemberFactory.create(case=case).user
    deadline = DeadlineFactory.create(case=case, owner=me, due_at=timezone.now() - HOUR)
    EntryFactory.create(case=case)
    api_client.force_authenticate(me)
    response = api_client.get(reverse("api-my-work"))
    assert response.status_code == 200
    sections = {section["key"]: section for section in response.json()["sections"]}
    assert [s["key"] for s in response.json()["sections"]] == order_of(me)
    assert sections["tasks"]["items"][0]["id"] == str(deadline.pk)
    assert sections["tasks"]["items"][0]["overdue"] is True
    assert sections["new"]["items"][0]["api_url"] == reverse("api-case-detail", args=[case.pk])
    assert sections["tasks"]["see_all_url"] == reverse("deadlines:tasks")


def test_api_needs_sign_in(api_client):
    assert api_client.get(reverse("api-my-work")).status_code in (401, 403)


# --- query counts -------------------------------------------------------------------------------


def _world(size: int):
    """A practitioner with ``size`` cases, each with tasks, entries by others, a meeting this
    week and a notification; and (a supervisor of them) with ``size`` closures waiting."""
    me = MembershipFactory.create()
    supervisor = supervise(me)
    door = front_door_agency()
    MembershipFactory.create(user=me.user, agency=door, role=Role.INTAKE)
    for _ in range(size):
        case = CaseFactory.create(lead_agency=me.agency, lead_worker=me.user)
        DeadlineFactory.create_batch(2, case=case, due_at=timezone.now() - HOUR)
        EntryFactory.create_batch(2, case=case, author=supervisor.user)
        meeting(case, starts_at=timezone.now() + HOUR, invited=[me.user])
        NotificationFactory.create(recipient=me.user, deadline=Deadline.objects.filter(case=case).first())
        ClosureRequest.objects.create(case=case, requested_by=me.user, reason="Done")
        ReferralFactory.create(receiving_agency=door)
    return me.user, supervisor.user


@pytest.mark.parametrize("who", [0, 1])
def test_home_query_count_is_constant_in_the_data_size(client, django_assert_num_queries, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, queries.SHOWN + 3):
        user = _world(size)[who]
        client.force_login(user)
        for url in (reverse("home"), reverse("api-my-work")):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:], counts
