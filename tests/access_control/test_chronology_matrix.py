"""The chronology's filters and search never reach past the policy: through the page and
the API, a search or filter finds only entries the user may see. Another agency's
agency-only entry, a named entry the user is not named on, the old text of a corrected
entry and another case's entries stay out of sight; a search that matches only such an entry
looks exactly like one that matches nothing; the words searched for go in no URL and no
row of the access log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from agencies.models import AgencyKind, User
from cases.models import Case, ChronologyEntry, Visibility
from cases.views_chronology import SEARCH_SESSION_KEY
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

# Words each found in one entry only.
TEAM_WORD = "Kestrel"  # the whole team's entry
AGENCY_WORD = "Zanzibar"  # the police's agency-only entry
NAMED_WORD = "Quokka"  # the entry for the health visitor, by name
OLD_WORD = "Pelican"  # a corrected entry's old version
OTHER_CASE_WORD = "Marmoset"  # an entry of a case the viewers are not on
NO_WORD = "Xylophone"  # in no entry at all


@dataclass
class World:
    case: Case
    other_case: Case
    users: dict[str, User]
    police_agency_id: int


@pytest.fixture
def world() -> World:
    case = CaseFactory.create()
    police = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    health = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    school = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.EDUCATION))
    on = date(2026, 3, 2)
    EntryFactory.create(case=case, event_date=on, summary="Home visit", detail=f"{TEAM_WORD} seen in the garden")
    EntryFactory.create(
        case=case,
        event_date=on,
        summary=f"Intelligence {AGENCY_WORD}",
        detail="Police only",
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.AGENCY,
    )
    named = EntryFactory.create(
        case=case, event_date=on, summary="For the health visitor", detail=NAMED_WORD, visibility=Visibility.NAMED
    )
    named.named_viewers.add(health.user)
    old = EntryFactory.create(case=case, event_date=on, summary=f"Wording {OLD_WORD}", detail="first version")
    ChronologyEntry.objects.filter(pk=old.pk).update(is_current=False)
    EntryFactory.create(
        case=case, event_date=on, summary="Wording corrected", detail="second", supersedes=old, correction_reason="Typo"
    )
    other_case = CaseFactory.create()
    EntryFactory.create(case=other_case, event_date=on, summary=f"Elsewhere {OTHER_CASE_WORD}", detail="other case")
    users = {"police": police.user, "health": health.user, "school": school.user, "lead": case.lead_worker}
    return World(case, other_case, users, police.agency_id)


# Who may find each word (in the case they are all on).
FINDS = {
    TEAM_WORD: {"police", "health", "school", "lead"},
    AGENCY_WORD: {"police"},
    NAMED_WORD: {"health", "lead"},  # the lead wrote it
    OLD_WORD: set(),  # only through the entry's own page, never listed or searched
}
VIEWERS = ("police", "health", "school", "lead")


def chronology_url(case: Case) -> str:
    return reverse("cases:chronology", kwargs={"case_id": case.pk})


def page_search(client: Client, case: Case, words: str) -> str:
    response = client.post(chronology_url(case), {"words": words, "action": "search"})
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def api_search(api_client: APIClient, case: Case, words: str, **filters: object) -> list[str]:
    url = reverse("api-case-entries-search", kwargs={"case_id": case.pk})
    response = api_client.post(url, {"q": words, **filters}, format="json")
    assert response.status_code == 200
    return [row["summary"] + " " + row["detail"] for row in response.json()["results"]]


def listed(page: str) -> list[str]:
    return re.findall(r'<span class="entry-summary">([^<]*)</span>', page)


def without_tokens(page: str, word: str) -> str:
    """The page with the searched-for word and the per-response CSRF tokens taken out."""
    return re.sub(r"[A-Za-z0-9]{32,}", "TOKEN", page.replace(word, "WORD") if word else page)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("word", list(FINDS))
def test_page_search_finds_a_word_only_for_those_who_may_see_its_entry(client, world, viewer, word):
    client.force_login(world.users[viewer])
    page = page_search(client, world.case, word)
    if viewer in FINDS[word]:
        assert len(listed(page)) == 1 and word in page
    else:
        assert listed(page) == []
        # Exactly the page a search for a word in no entry gives: nothing tells it exists.
        nothing = page_search(client, world.case, NO_WORD)
        assert without_tokens(page, word) == without_tokens(nothing, NO_WORD)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("word", list(FINDS))
def test_api_search_finds_a_word_only_for_those_who_may_see_its_entry(api_client, world, viewer, word):
    api_client.force_authenticate(world.users[viewer])
    found = api_search(api_client, world.case, word)
    if viewer in FINDS[word]:
        assert len(found) == 1 and word in found[0]
    else:
        assert found == []


@pytest.mark.parametrize("viewer", ["health", "school", "lead"])
def test_filtering_by_an_agency_shows_none_of_its_entries_out_of_sight(client, api_client, world, viewer):
    user = world.users[viewer]
    client.force_login(user)
    # The page offers only agencies whose entries the user sees: another is refused as a
    # choice not offered, the same as an agency that wrote nothing on this case.
    page = client.get(chronology_url(world.case), {"agency": world.police_agency_id}).content.decode()
    assert 'data-testid="filters-not-applied"' in page and AGENCY_WORD not in page
    nobody = AgencyFactory.create()
    unknown = client.get(chronology_url(world.case), {"agency": nobody.pk}).content.decode()
    assert re.sub(r"\d+", "N", without_tokens(page, "")) == re.sub(r"\d+", "N", without_tokens(unknown, ""))
    api_client.force_authenticate(user)
    url = reverse("api-case-entries", kwargs={"case_id": world.case.pk})
    assert api_client.get(url, {"agency": world.police_agency_id}).json()["results"] == []
    assert api_search(api_client, world.case, "Intelligence", agency=world.police_agency_id) == []


@pytest.mark.parametrize("viewer", VIEWERS)
def test_unfiltered_chronology_lists_no_entry_out_of_sight(client, api_client, world, viewer):
    client.force_login(world.users[viewer])
    page = client.get(chronology_url(world.case)).content.decode()
    api_client.force_authenticate(world.users[viewer])
    rows = api_client.get(reverse("api-case-entries", kwargs={"case_id": world.case.pk})).json()["results"]
    api_text = " ".join(row["summary"] + " " + row["detail"] for row in rows)
    for word, finders in FINDS.items():
        assert (word in page) == (viewer in finders), word
        assert (word in api_text) == (viewer in finders), word
    assert OTHER_CASE_WORD not in page and OTHER_CASE_WORD not in api_text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_another_cases_chronology_and_its_search_answer_404(client, api_client, world, viewer):
    user = world.users[viewer]
    client.force_login(user)
    other = world.other_case
    assert client.get(chronology_url(other)).status_code == 404
    assert client.post(chronology_url(other), {"words": OTHER_CASE_WORD, "action": "search"}).status_code == 404
    assert SEARCH_SESSION_KEY not in client.session
    api_client.force_authenticate(user)
    assert api_client.get(reverse("api-case-entries", kwargs={"case_id": other.pk})).status_code == 404
    url = reverse("api-case-entries-search", kwargs={"case_id": other.pk})
    response = api_client.post(url, {"q": OTHER_CASE_WORD}, format="json")
    assert response.status_code == 404 and OTHER_CASE_WORD not in response.content.decode()
    # Each refusal is in the log: the page, the search posted, the list and the search by API.
    assert AccessLogEntry.objects.filter(user=user, case=other, outcome="denied").count() == 4


def test_the_words_searched_for_go_in_no_url_and_no_access_log_row(client, api_client, world):
    user = world.users["police"]
    client.force_login(user)
    response = client.post(chronology_url(world.case), {"words": AGENCY_WORD, "action": "search"})
    assert AGENCY_WORD not in response.url
    page = client.get(response.url).content.decode()
    assert AGENCY_WORD in page
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', page):
        assert AGENCY_WORD not in url
    api_client.force_authenticate(user)
    answer = api_client.post(
        reverse("api-case-entries-search", kwargs={"case_id": world.case.pk}) + "?page=1",
        {"q": AGENCY_WORD},
        format="json",
    ).json()
    assert answer["count"] == 1 and answer["next"] is None and answer["previous"] is None
    rows = list(AccessLogEntry.objects.filter(user=user).values())
    assert {row["action"] for row in rows} >= {"search_entries"}
    for row in rows:
        assert AGENCY_WORD.lower() not in str(row).lower()
