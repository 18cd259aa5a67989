"""Task and notification links never point to, or reveal, an item out of the recipient's sight.
Each link is followed as its recipient (the page opens) and as outsiders (404: neither the item
nor that it exists); a recipient removed from the case team since keeps the words, loses the
link, and gets 404 on the old address, never the meeting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AgencyKind, User
from cases.meetings import services as meeting_services
from cases.models import CaseTeamMember, Meeting, MeetingKind
from deadlines.models import DeadlineKind, Notification
from tests.cases.assessment_helpers import ask, build_world, open_assessment
from tests.cases.meeting_helpers import access_for, held_meeting_with_action, in_days, meeting_team, schedule
from tests.cases.plan_helpers import add_action, plan_world, start
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    MembershipFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
)

pytestmark = pytest.mark.django_db


@dataclass
class Link:
    """One link a recipient was given, and people who must not be taken anywhere by it."""

    name: str
    recipient: User
    url: str
    outsiders: list[User]
    page: str  # where the recipient sees it: "tasks" or "notifications"
    world: str = ""  # links of one world share a case or a front door


def _get(user: User, url: str, *, follow: bool = False) -> int:
    client = Client()
    client.force_login(user)
    return client.get(url, follow=follow).status_code


def _page(user: User, name: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def _api_urls(user: User) -> set[str | None]:
    client = Client()
    client.force_login(user)
    return {n["url"] for n in client.get(reverse("api-notifications")).json()["results"]}


def _same_agency_stranger(user: User) -> User:
    """A colleague in the recipient's own agency who is on none of its cases."""
    membership = user.memberships.filter(active=True).select_related("agency").first()
    assert membership is not None
    return MembershipFactory.create(agency=membership.agency).user


def _links() -> list[Link]:
    found: list[Link] = []
    # A meeting invitation (a notification with no deadline: it links to the meeting).
    team = meeting_team()
    meeting = schedule(team)
    url = reverse("cases:meeting_detail", args=[meeting.pk])
    found.append(
        Link("invitation", team.police.user, url, [_same_agency_stranger(team.police.user)], "notifications", "m")
    )
    # An action agreed at a meeting: the task and its notification link to the meeting.
    held, _ = held_meeting_with_action(team)
    url = reverse("cases:meeting_detail", args=[held.pk])
    found.append(Link("meeting action", team.key_worker, url, [_same_agency_stranger(team.key_worker)], "tasks", "m"))
    # A plan action owed by health, on another case (whose world names its police the same).
    team.police.agency.name = "Southshire Police"
    team.police.agency.save(update_fields=["name"])
    world = plan_world()
    action = add_action(world, start(world), world.health_agency, owner=world.health)
    url = reverse("cases:plan_action", args=[action.pk])
    found.append(
        Link("plan action", world.health, url, [world.unrelated, _same_agency_stranger(world.health)], "tasks")
    )
    # A contribution asked of health.
    assessment_world = build_world("-links")
    [contribution] = ask(assessment_world, open_assessment(assessment_world), assessment_world.health_agency)
    url = reverse("cases:contribution_edit", args=[contribution.pk])
    found.append(
        Link(
            "contribution",
            assessment_world.health,
            url,
            [assessment_world.unrelated, assessment_world.agency_admin, _same_agency_stranger(assessment_world.health)],
            "notifications",
        )
    )
    # A front door's triage decision: another front door's worker must not reach it.
    referral = ReferralFactory.create()
    DeadlineFactory.create(
        kind=DeadlineKind.REFERRAL_DECISION,
        case=None,
        referral=referral,
        owner=None,
        owner_agency=referral.receiving_agency,
    )
    other_front_door = front_door_worker(front_door_agency(name="Hillcrest MASH"))
    url = reverse("referrals:triage", args=[referral.pk])
    found.append(Link("triage", front_door_worker(referral.receiving_agency), url, [other_front_door], "tasks"))
    # Everyone of every world is an outsider to every other world's links.
    return [
        Link(
            link.name,
            link.recipient,
            link.url,
            [
                *link.outsiders,
                *(
                    o.recipient
                    for o in found
                    if o.recipient.pk != link.recipient.pk and not (o.world and o.world == link.world)
                ),
            ],
            link.page,
        )
        for link in found
    ]


def test_every_link_opens_for_its_recipient_and_is_404_for_everyone_else() -> None:
    links = _links()
    for link in links:
        page = "deadlines:tasks" if link.page == "tasks" else "deadlines:notifications"
        assert f'href="{link.url}"' in _page(link.recipient, page), link.name
        assert _get(link.recipient, link.url, follow=True) == 200, link.name
        for outsider in link.outsiders:
            assert _get(outsider, link.url) == 404, (link.name, outsider)
            # Nor is it on any page of theirs, nor in their notifications through the API.
            for name in ("deadlines:tasks", "deadlines:notifications"):
                assert link.url not in _page(outsider, name), (link.name, name)
            assert link.url not in _api_urls(outsider), link.name


@pytest.mark.parametrize("change", ["schedule", "reschedule", "cancel"])
def test_every_meeting_notification_links_to_the_meeting(change: str) -> None:
    team = meeting_team()
    meeting = schedule(team)
    if change == "reschedule":
        meeting = meeting_services.reschedule_meeting(
            access=access_for(team.lead, team.case),
            meeting=meeting,
            starts_at=in_days(4),
            duration_minutes=90,
            location="Video call",
        )
    elif change == "cancel":
        meeting = meeting_services.cancel_meeting(
            access=access_for(team.lead, team.case), meeting=meeting, reason="The family moved away."
        )
    url = reverse("cases:meeting_detail", args=[meeting.pk])
    latest = Notification.objects.filter(recipient=team.health.user).order_by("-pk").first()
    assert latest is not None and latest.meeting_id == meeting.pk
    page = _page(team.health.user, "deadlines:notifications")
    assert f'href="{url}"' in page and f"See the strategy discussion on case {team.case.reference}" in page
    assert url in _api_urls(team.health.user)
    # The link names the kind of meeting and the case: never the agenda or the child.
    assert "Quillfeather" not in page.split('data-testid="notification-link"')[1].split("</a>")[0]
    assert _get(team.health.user, url) == 200


def test_someone_removed_from_the_team_keeps_the_words_loses_the_link_and_gets_404() -> None:
    team = meeting_team()
    meeting = schedule(team)
    url = reverse("cases:meeting_detail", args=[meeting.pk])
    police = team.police.user
    assert f'href="{url}"' in _page(police, "deadlines:notifications")
    CaseTeamMember.objects.filter(pk=team.police.pk).update(active=False, removed_at=timezone.now())
    page = _page(police, "deadlines:notifications")
    assert "Invitation: strategy discussion" in page
    assert url not in page and str(meeting.pk) not in page
    assert url not in _api_urls(police) and None in _api_urls(police)
    assert _get(police, url) == 404


def test_a_meeting_notification_whose_meeting_is_gone_has_no_link() -> None:
    team = meeting_team()
    meeting = schedule(team)
    Meeting.objects.filter(pk=meeting.pk).delete()
    assert Notification.objects.filter(recipient=team.lead, meeting__isnull=True).exists()
    assert 'data-testid="notification-link"' not in _page(team.lead, "deadlines:notifications")


def _count(user: User, name: str) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name)).status_code == 200
    return len(captured.captured_queries)


def test_meeting_links_cost_the_same_whatever_the_number() -> None:
    team = meeting_team()
    schedule(team)
    at_one = _count(team.health.user, "deadlines:notifications")
    at_one_api = _count(team.health.user, "api-notifications")
    for days in range(4, 12):
        schedule(team, starts_at=in_days(days))
    # A meeting on another case the health worker is on too: still one query for them all.
    other = CaseFactory.create()
    TeamMemberFactory.create(case=other, user=team.health.user, agency=team.health.agency)
    meeting_services.schedule_meeting(
        access=access_for(other.lead_worker, other),
        kind=MeetingKind.CORE_GROUP,
        starts_at=in_days(5),
        duration_minutes=60,
        location="Video call",
        chair=other.lead_worker,
        agenda="",
        attendees=[other.lead_worker, team.health.user],
    )
    assert Notification.objects.filter(recipient=team.health.user).count() == 10
    assert _count(team.health.user, "deadlines:notifications") == at_one
    assert _count(team.health.user, "api-notifications") == at_one_api


def test_a_health_outsider_in_another_agency_kind_sees_nothing_of_the_meeting() -> None:
    team = meeting_team()
    meeting = schedule(team)
    outsider = MembershipFactory.create(agency__kind=AgencyKind.HEALTH).user
    assert _get(outsider, reverse("cases:meeting_detail", args=[meeting.pk])) == 404
    assert not Notification.objects.filter(recipient=outsider).exists()
