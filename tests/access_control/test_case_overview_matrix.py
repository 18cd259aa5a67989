"""The case overview and the documents tab reveal nothing out of sight: another agency's
agency-only entries and documents, items shared with named people only, and another case's
deadlines and meetings stay off both pages, for every member of the team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AgencyKind
from cases.models import EntryKind, Meeting, MeetingKind, Visibility
from deadlines.models import DeadlineKind
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    DeadlineFactory,
    DocumentFactory,
    EntryFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    case = CaseFactory.create()
    police = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    health = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    EntryFactory.create(
        case=case,
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.AGENCY,
        kind=EntryKind.VISIT,
        event_date=timezone.localdate(),
        summary="Police-only visit",
    )
    named = EntryFactory.create(
        case=case,
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.NAMED,
        summary="Named-only note",
    )
    named.named_viewers.add(case.lead_worker)
    DocumentFactory.create(
        case=case,
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.AGENCY,
        title="Police intelligence",
    )
    shared = DocumentFactory.create(
        case=case,
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.NAMED,
        title="Named-only report",
    )
    shared.named_viewers.add(case.lead_worker)
    other = CaseFactory.create()
    DeadlineFactory.create(
        case=other, kind=DeadlineKind.STRATEGY_DISCUSSION, due_at=timezone.now() + timedelta(hours=1)
    )
    Meeting.objects.create(
        case=other,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        starts_at=timezone.now() + timedelta(hours=2),
        location="Another case's room",
        chair=other.lead_worker,
        organiser=other.lead_worker,
    )
    return {"case": case, "lead": case.lead_worker, "police": police.user, "health": health.user}


# What each reader may see (True) of the items above.
MATRIX = {
    "lead": {
        "Police-only visit": False,
        "Named-only note": True,
        "Police intelligence": False,
        "Named-only report": True,
    },
    "police": {
        "Police-only visit": True,
        "Named-only note": True,
        "Police intelligence": True,
        "Named-only report": True,
    },
    "health": {
        "Police-only visit": False,
        "Named-only note": False,
        "Police intelligence": False,
        "Named-only report": False,
    },
}
ON_OVERVIEW = ("Police-only visit", "Named-only note")
ON_DOCUMENTS = ("Police intelligence", "Named-only report")


@pytest.mark.parametrize("who", list(MATRIX))
def test_overview_and_documents_tab_show_only_what_the_reader_may_see(client, world, who):
    client.force_login(world[who])
    case = world["case"]
    overview = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    documents = client.get(reverse("cases:documents", kwargs={"case_id": case.pk}))
    assert overview.status_code == documents.status_code == 200
    for title in ON_OVERVIEW:
        assert (title in overview.content.decode()) is MATRIX[who][title], (who, title)
    for title in ON_DOCUMENTS:
        assert (title in documents.content.decode()) is MATRIX[who][title], (who, title)
        assert title not in overview.content.decode()
    facts = overview.context["overview"]
    # Another case's deadline and meeting are never "next"; the police visit is "last seen"
    # only for police.
    assert facts.next_deadline is None and facts.next_meeting is None
    assert "Another case's room" not in overview.content.decode()
    seen = facts.last_seen
    assert (seen is not None and seen.summary == "Police-only visit") is MATRIX[who]["Police-only visit"]


def test_someone_off_the_team_gets_404_on_both(client, world):
    outsider = TeamMemberFactory.create(case=CaseFactory.create()).user
    client.force_login(outsider)
    case = world["case"]
    for name in ("detail", "documents"):
        response = client.get(reverse(f"cases:{name}", kwargs={"case_id": case.pk}))
        assert response.status_code == 404 and case.reference not in response.content.decode()
