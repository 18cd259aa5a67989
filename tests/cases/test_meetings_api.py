"""The meeting API: the same rules as the pages (404 out of sight, 403 in sight but not
allowed), documented in the OpenAPI schema; and one invitation through a real Celery worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from cases.meetings import api as meeting_api
from cases.meetings import invitations
from cases.models import ActionState, Meeting, MeetingAction, MeetingAttendee, MeetingKind, MeetingState
from deadlines.models import Deadline, DeadlineKind, DeadlineState
from outbox.models import Message
from outbox.tasks import deliver_message
from tests.access_control.test_no_bare_managers import bare_reads
from tests.cases.meeting_helpers import (
    MeetingTeam,
    held_meeting_with_action,
    hold,
    in_days,
    log_rows,
    meeting_team,
    schedule,
)
from tests.celery_worker import real_worker, wait_for
from tests.deadlines.test_reliability import settle
from tests.factories import MembershipFactory

DENIED = AccessLogEntry.Outcome.DENIED


@pytest.fixture
def team(db: None) -> MeetingTeam:
    return meeting_team()


def payload(team: MeetingTeam, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": MeetingKind.STRATEGY_DISCUSSION,
        "starts_at": in_days(3).isoformat(),
        "duration_minutes": 60,
        "location": "Riverside Centre",
        "chair": team.lead.pk,
        "agenda": "Share information",
        "attendees": [u.pk for u in team.everyone],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_schedule_and_list_meetings(api_client, team):
    api_client.force_authenticate(team.key_worker)
    url = reverse("api-case-meetings", kwargs={"case_id": team.case.pk})
    created = api_client.post(url, payload(team), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["missing_agencies"] == [] and len(body["attendees"]) == 4
    assert body["organiser"]["id"] == team.key_worker.pk
    listing = api_client.get(url)
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert listing.json()["results"][0]["id"] == body["id"]


@pytest.mark.django_db
def test_schedule_refuses_missing_agencies_until_confirmed(api_client, team):
    api_client.force_authenticate(team.lead)
    url = reverse("api-case-meetings", kwargs={"case_id": team.case.pk})
    data = payload(team, attendees=[team.lead.pk, team.police.user_id])
    refused = api_client.post(url, data, format="json")
    assert refused.status_code == 400
    assert "Health" in refused.json()["confirm_missing_agencies"][0]
    confirmed = api_client.post(url, {**data, "confirm_missing_agencies": True}, format="json")
    assert confirmed.status_code == 201
    assert confirmed.json()["missing_agencies"] == ["Health"]


@pytest.mark.django_db
def test_schedule_refuses_someone_not_on_the_team(api_client, team):
    api_client.force_authenticate(team.lead)
    stranger = MembershipFactory.create().user
    response = api_client.post(
        reverse("api-case-meetings", kwargs={"case_id": team.case.pk}),
        payload(team, attendees=[*[u.pk for u in team.everyone], stranger.pk]),
        format="json",
    )
    assert response.status_code == 400 and "attendees" in response.json()


@pytest.mark.django_db
def test_schedule_is_403_for_a_contributor_and_404_for_an_outsider(api_client, team):
    url = reverse("api-case-meetings", kwargs={"case_id": team.case.pk})
    api_client.force_authenticate(team.police.user)
    assert api_client.post(url, payload(team), format="json").status_code == 403
    assert log_rows(team.police.user, "manage_meetings", DENIED) == 1
    assert api_client.get(url).status_code == 200
    outsider = MembershipFactory.create().user
    api_client.force_authenticate(outsider)
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, payload(team), format="json").status_code == 404
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_meeting_detail_reschedule_held_and_cancel(api_client, team):
    meeting = schedule(team)
    api_client.force_authenticate(team.lead)
    url = reverse("api-meeting-detail", kwargs={"meeting_id": meeting.pk})
    assert api_client.get(url).json()["agenda"].startswith("Concerns")
    moved = api_client.patch(url, {"location": "Video call"}, format="json")
    assert moved.status_code == 200 and moved.json()["sequence"] == 1 and moved.json()["location"] == "Video call"
    held = api_client.post(
        reverse("api-meeting-held", kwargs={"meeting_id": meeting.pk}),
        {
            "held_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "minutes": "Shared information.",
            "attended": [team.lead.pk, team.health.user_id],
            "next_stage_agreed": True,
        },
        format="json",
    )
    assert held.status_code == 200, held.json()
    assert held.json()["state"] == MeetingState.HELD
    assert Deadline.objects.filter(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE).exists()
    other = schedule(team)
    cancel_url = reverse("api-meeting-cancel", kwargs={"meeting_id": other.pk})
    assert api_client.post(cancel_url, {}, format="json").status_code == 400
    cancelled = api_client.post(cancel_url, {"reason": "Family moved"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == MeetingState.CANCELLED


@pytest.mark.django_db
def test_held_refuses_an_attendee_not_invited_and_a_contributor(api_client, team):
    meeting = schedule(team, attendees=[team.lead, team.police.user, team.health.user])
    url = reverse("api-meeting-held", kwargs={"meeting_id": meeting.pk})
    data = {
        "held_at": timezone.now().isoformat(),
        "minutes": "x",
        "attended": [team.key_worker.pk],
        "next_stage_agreed": False,
    }
    api_client.force_authenticate(team.police.user)
    assert api_client.post(url, data, format="json").status_code == 403
    api_client.force_authenticate(team.lead)
    response = api_client.post(url, data, format="json")
    assert response.status_code == 400 and "attended" in response.json()


@pytest.mark.django_db
def test_actions_add_complete_and_drop(api_client, team):
    meeting = hold(team, schedule(team))
    api_client.force_authenticate(team.lead)
    added = api_client.post(
        reverse("api-meeting-actions", kwargs={"meeting_id": meeting.pk}),
        {"description": "Home visit", "owner": team.health.user_id, "due_at": in_days(4).isoformat()},
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert added.json()["owner_agency"]["id"] == team.health.agency_id
    action_id = added.json()["id"]
    complete_url = reverse("api-meeting-action-complete", kwargs={"action_id": action_id})
    api_client.force_authenticate(team.police.user)
    assert api_client.post(complete_url).status_code == 403
    api_client.force_authenticate(team.health.user)
    done = api_client.post(complete_url)
    assert done.status_code == 200 and done.json()["state"] == ActionState.DONE
    assert Deadline.objects.get(meeting_action_id=action_id).state == DeadlineState.MET
    assert api_client.post(complete_url).status_code == 400  # already done
    _meeting, other = held_meeting_with_action(team)
    drop_url = reverse("api-meeting-action-drop", kwargs={"action_id": other.pk})
    assert api_client.post(drop_url, {"reason": "x"}, format="json").status_code == 403
    api_client.force_authenticate(team.lead_supervisor)
    dropped = api_client.post(drop_url, {"reason": "Not needed"}, format="json")
    assert dropped.status_code == 200 and dropped.json()["state"] == ActionState.DROPPED
    outsider = MembershipFactory.create().user
    api_client.force_authenticate(outsider)
    assert api_client.post(complete_url).status_code == 404
    assert MeetingAction.objects.get(pk=other.pk).state == ActionState.DROPPED


@pytest.mark.django_db
def test_openapi_schema_documents_the_meeting_endpoints(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    paths = response.json()["paths"]
    expected = {
        "/api/v1/cases/{case_id}/meetings/": {"get", "post"},
        "/api/v1/meetings/{meeting_id}/": {"get", "patch"},
        "/api/v1/meetings/{meeting_id}/held/": {"post"},
        "/api/v1/meetings/{meeting_id}/cancel/": {"post"},
        "/api/v1/meetings/{meeting_id}/actions/": {"post"},
        "/api/v1/meeting-actions/{action_id}/complete/": {"post"},
        "/api/v1/meeting-actions/{action_id}/drop/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path


def test_the_meeting_api_and_pages_reach_data_only_through_the_policy():
    from cases.meetings import forms as meeting_forms
    from cases.meetings import views as meeting_views

    for module in (meeting_api, meeting_views, meeting_forms):
        assert bare_reads(Path(module.__file__ or "").read_text()) == []


# --- invitations through a real worker ------------------------------------------------------------


@pytest.fixture
def worker(settings: Any) -> Iterator[None]:
    """A real Celery worker on the test Redis (not eager mode), as in the deadline reliability tests."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with real_worker():
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_invitations_go_once_each_through_a_real_worker_despite_a_duplicate_delivery(worker):
    team = meeting_team()
    meeting = schedule(team, attendees=[team.lead, team.police.user, team.health.user])  # queued after commit
    police = MeetingAttendee.objects.get(meeting=meeting, user=team.police.user)
    duplicate = Message.objects.get(dedupe_key=invitations.invitation_dedupe_key(police.pk, 0))
    deliver_message.delay(duplicate.pk)  # the same message delivered again
    sent = MeetingAttendee.objects.filter(meeting=meeting, invitation_sequence=0)
    wait_for(lambda: sent.count() == 3)
    settle()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team.lead.email, team.police.user.email, team.health.user.email]
    )
    assert all([a.get_content_type() for a in m.attachments] == ["text/calendar"] for m in mail.outbox)
