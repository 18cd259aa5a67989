"""The chronology tab and its API: entries opened in place, filters (dates inclusive, agency,
kind, significance), the search of the entries' text kept in the session, pages, and a number
of queries that does not grow with the entries. One behaviour per test."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies.models import AgencyKind
from cases.filters import DATES_OUT_OF_ORDER
from cases.models import Case, CaseTeamMember, ChronologyEntry, EntryKind, Visibility
from cases.views_chronology import ENTRIES_PER_PAGE, SEARCH_SESSION_KEY
from tests.factories import AgencyFactory, CaseFactory, DocumentFactory, EntryFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

INVALID_DATE = "Enter the date as day/month/year, for example 27/03/2026."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case() -> Case:
    return CaseFactory.create()


@pytest.fixture
def lead(client, case):
    client.force_login(case.lead_worker)
    return case.lead_worker


def police_member(case: Case) -> CaseTeamMember:
    return TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))


def chronology_url(case: Case) -> str:
    return reverse("cases:chronology", kwargs={"case_id": case.pk})


def search_url(case: Case) -> str:
    return reverse("api-case-entries-search", kwargs={"case_id": case.pk})


def entries_url(case: Case) -> str:
    return reverse("api-case-entries", kwargs={"case_id": case.pk})


def html(response) -> str:
    return response.content.decode()


def listed(page: str) -> list[str]:
    """The summaries the chronology lists, in order."""
    return re.findall(r'<span class="entry-summary">([^<]*)</span>', page)


def summaries(response) -> list[str]:
    return [row["summary"] for row in response.json()["results"]]


def dated(case: Case, day: date, summary: str, **fields) -> ChronologyEntry:
    # A detail of known words: the factory's Faker paragraph may hold any English word
    # ("home", say), which a search test would then find.
    fields.setdefault("detail", f"What happened: {summary.lower()}.")
    return EntryFactory.create(case=case, event_date=day, summary=summary, **fields)


@pytest.fixture
def march(case):
    """Four entries, one a day from 1 to 4 March 2026, of different kinds and significance."""
    return [
        dated(case, date(2026, 3, 1), "Home visit", kind=EntryKind.VISIT),
        dated(case, date(2026, 3, 2), "School raised a concern", kind=EntryKind.EDUCATION, significance="significant"),
        dated(case, date(2026, 3, 3), "Disclosure to teacher", kind=EntryKind.DISCLOSURE, significance="critical"),
        dated(case, date(2026, 3, 4), "Phone call with mother", kind=EntryKind.CONTACT),
    ]


# --- reading entries in place ---------------------------------------------------------------


def test_chronology_lists_current_entries_newest_first_each_to_open_in_place(client, case, lead, march):
    page = html(client.get(chronology_url(case)))
    assert listed(page) == [
        "Phone call with mother",
        "Disclosure to teacher",
        "School raised a concern",
        "Home visit",
    ]
    assert page.count("<details") == 4 and page.count("<summary>") == 4
    assert march[0].detail in page
    assert reverse("cases:entry_detail", kwargs={"entry_id": march[0].pk}) in page


def test_an_entry_opened_shows_its_detail_author_agency_and_badges(client, case, lead):
    entry = dated(case, date(2026, 3, 1), "Strategy discussion", significance="critical", detail="Line one\n\nLine two")
    page = html(client.get(chronology_url(case)))
    summary = page.split("<summary>")[1].split("</summary>")[0]
    assert "1 Mar 2026" in summary and "Visit" in summary and "Critical" in summary and "Whole team" in summary
    # Names as the page writes them (a Faker name may be O'Neill: escaped in HTML).
    assert escape(entry.author.full_name) in summary and escape(case.lead_agency.name) in summary
    body = page.split('data-testid="entry-body">')[1].split("</details>")[0]
    assert "<p>Line one</p>" in body and "<p>Line two</p>" in body


def test_an_entry_opened_lists_the_documents_attached_that_the_user_may_see(client, case, lead):
    police = police_member(case)
    entry = dated(case, date(2026, 3, 1), "Strategy discussion")
    shared = DocumentFactory.create(case=case, entry=entry, title="Strategy notes")
    DocumentFactory.create(
        case=case,
        entry=entry,
        title="Police intelligence",
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.AGENCY,
    )
    page = html(client.get(chronology_url(case)))
    assert "Strategy notes" in page
    assert reverse("cases:document_download", kwargs={"document_id": shared.pk}) in page
    assert "Police intelligence" not in page


def test_only_the_author_is_offered_to_correct_an_entry(client, case, lead):
    police = police_member(case)
    mine = dated(case, date(2026, 3, 1), "My visit")
    theirs = dated(case, date(2026, 3, 2), "Their check", author=police.user, author_agency=police.agency)
    page = html(client.get(chronology_url(case)))
    assert reverse("cases:entry_correct", kwargs={"entry_id": mine.pk}) in page
    assert reverse("cases:entry_correct", kwargs={"entry_id": theirs.pk}) not in page


def test_a_corrected_entry_says_so_with_its_reason_and_history_and_the_old_version_is_not_listed(client, case, lead):
    old = dated(case, date(2026, 3, 1), "Home visit, child not seen", detail="The old account")
    ChronologyEntry.objects.filter(pk=old.pk).update(is_current=False)
    dated(
        case,
        date(2026, 3, 1),
        "Home visit, child seen",
        detail="The new account",
        supersedes=old,
        correction_reason="The child was seen in the garden",
    )
    page = html(client.get(chronology_url(case)))
    assert listed(page) == ["Home visit, child seen"]
    assert "Corrected" in page and "The child was seen in the garden" in page
    assert 'data-testid="correction"' in page and "Version 1, recorded" in page
    assert "The old account" not in page and "child not seen" not in page


def test_the_chronology_has_an_empty_state_of_its_own(client, case, lead):
    page = html(client.get(chronology_url(case)))
    assert "Nothing on the chronology that you can see yet." in page


def test_the_chronology_is_in_the_case_tabs_and_offers_to_add_an_entry(client, case, lead):
    page = html(client.get(chronology_url(case)))
    assert reverse("cases:entry_add", kwargs={"case_id": case.pk}) in page
    assert f'href="{chronology_url(case)}"' in page


# --- filters --------------------------------------------------------------------------------


def test_the_date_range_includes_both_of_its_days(client, case, lead, march):
    page = html(client.get(chronology_url(case), {"date_from": "02/03/2026", "date_to": "03/03/2026"}))
    assert listed(page) == ["Disclosure to teacher", "School raised a concern"]


def test_a_date_range_may_have_one_end(client, case, lead, march):
    assert listed(html(client.get(chronology_url(case), {"date_from": "04/03/2026"}))) == ["Phone call with mother"]
    assert listed(html(client.get(chronology_url(case), {"date_to": "01/03/2026"}))) == ["Home visit"]


def test_dates_may_be_given_the_iso_way(client, case, lead, march):
    page = html(client.get(chronology_url(case), {"date_from": "2026-03-03", "date_to": "2026-03-03"}))
    assert listed(page) == ["Disclosure to teacher"]


def test_filters_by_agency(client, case, lead, march):
    police = police_member(case)
    dated(case, date(2026, 3, 5), "Police welfare check", author=police.user, author_agency=police.agency)
    page = html(client.get(chronology_url(case), {"agency": police.agency_id}))
    assert listed(page) == ["Police welfare check"]


def test_filters_by_kind(client, case, lead, march):
    assert listed(html(client.get(chronology_url(case), {"kind": "education"}))) == ["School raised a concern"]


def test_filters_by_one_level_of_significance(client, case, lead, march):
    assert listed(html(client.get(chronology_url(case), {"significance": "critical"}))) == ["Disclosure to teacher"]
    assert listed(html(client.get(chronology_url(case), {"significance": "routine"}))) == [
        "Phone call with mother",
        "Home visit",
    ]


def test_significant_only_keeps_significant_and_critical_entries(client, case, lead, march):
    page = html(client.get(chronology_url(case), {"significance": "significant_only"}))
    assert listed(page) == ["Disclosure to teacher", "School raised a concern"]


def test_filters_combine(client, case, lead, march):
    dated(case, date(2026, 2, 20), "Older significant visit", kind=EntryKind.VISIT, significance="significant")
    query = {"significance": "significant_only", "date_from": "01/03/2026", "date_to": "31/03/2026"}
    assert listed(html(client.get(chronology_url(case), query))) == ["Disclosure to teacher", "School raised a concern"]
    query["kind"] = "disclosure"
    assert listed(html(client.get(chronology_url(case), query))) == ["Disclosure to teacher"]
    query["kind"] = "visit"
    page = html(client.get(chronology_url(case), query))
    assert listed(page) == [] and "No entry you can see matches these filters." in page


def test_filters_offer_only_agencies_whose_entries_the_user_may_see(client, case, lead, march):
    police = police_member(case)
    dated(case, date(2026, 3, 5), "Police only", author=police.user, author_agency=police.agency, visibility="agency")
    response = client.get(chronology_url(case))
    agencies = dict(response.context["filters"].fields["agency"].choices)
    assert police.agency_id not in agencies and case.lead_agency_id in agencies


def test_invalid_dates_are_all_reported_at_once_and_the_page_is_shown_unfiltered(client, case, lead, march):
    response = client.get(chronology_url(case), {"date_from": "yesterday", "date_to": "31/02/2026", "kind": "visit"})
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert f"From: {INVALID_DATE}" in page
    assert "February 2026 has 28 days" in page
    assert 'data-testid="filters-not-applied"' in page
    assert len(listed(page)) == 4


def test_a_to_date_before_the_from_date_is_refused_in_words(client, case, lead, march):
    page = html(client.get(chronology_url(case), {"date_from": "04/03/2026", "date_to": "01/03/2026"}))
    assert "There is a problem" in page and "before the “from” date" in page


@pytest.mark.parametrize(
    "query",
    [
        {"agency": "police"},
        {"agency": "99999999999999999999"},
        {"kind": "wizardry"},
        {"significance": "very"},
        {"date_from": "99/99/9999"},
        {"date_to": "0000-00-00"},
        {"page": "x"},
        {"page": "-1"},
        {"page": str(2**70)},
    ],
)
def test_no_filter_value_makes_the_page_fail(client, case, lead, march, query):
    assert client.get(chronology_url(case), query).status_code == 200


# --- search ---------------------------------------------------------------------------------


def search(client, case: Case, words: str, **query: str):
    url = chronology_url(case)
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return client.post(url, {"words": words, "action": "search"})


def test_search_finds_entries_by_their_summary_in_any_case(client, case, lead, march):
    search(client, case, "DISCLOSURE")
    assert listed(html(client.get(chronology_url(case)))) == ["Disclosure to teacher"]


def test_search_finds_entries_by_their_detail(client, case, lead, march):
    dated(case, date(2026, 3, 5), "Home visit", detail="Bruising on the left forearm was seen.")
    search(client, case, "forearm bruising")
    assert listed(html(client.get(chronology_url(case)))) == ["Home visit"]


def test_search_needs_every_word(client, case, lead, march):
    search(client, case, "home mother")
    page = html(client.get(chronology_url(case)))
    assert listed(page) == []
    assert "No entry you can see matches these filters and this search." in page


def test_search_is_posted_kept_in_the_session_for_that_case_and_never_put_in_a_url(client, case, lead, march):
    response = search(client, case, "teacher", kind="disclosure")
    assert response.status_code == 302
    assert response.url == f"{chronology_url(case)}?kind=disclosure"
    assert client.session[SEARCH_SESSION_KEY] == {str(case.pk): "teacher"}
    page = html(client.get(response.url))
    assert listed(page) == ["Disclosure to teacher"]
    assert "Showing entries that hold every word of “teacher”" in page
    assert all("teacher" not in url for url in re.findall(r'(?:href|action)="([^"]*)"', page))
    other = CaseFactory.create(lead_worker=lead, lead_agency=case.lead_agency)
    dated(other, date(2026, 3, 1), "Home visit on another case")
    assert listed(html(client.get(chronology_url(other)))) == ["Home visit on another case"]


def test_clear_search_forgets_the_words(client, case, lead, march):
    search(client, case, "teacher")
    response = client.post(chronology_url(case), {"words": "teacher", "action": "clear"})
    assert response.status_code == 302
    assert client.session[SEARCH_SESSION_KEY] == {}
    page = html(client.get(chronology_url(case)))
    assert len(listed(page)) == 4 and "Clear search" not in page


def test_an_empty_search_shows_everything_again(client, case, lead, march):
    search(client, case, "teacher")
    search(client, case, "   ")
    assert len(listed(html(client.get(chronology_url(case))))) == 4


def test_a_search_too_long_is_refused_on_the_field(client, case, lead, march):
    response = search(client, case, "word " * 60)
    assert response.status_code == 400
    assert "Search for at most 200 characters." in html(response)
    assert SEARCH_SESSION_KEY not in client.session


def test_search_and_filters_together(client, case, lead, march):
    dated(case, date(2026, 2, 1), "Home visit in February")
    search(client, case, "home")
    page = html(client.get(chronology_url(case), {"date_from": "01/03/2026"}))
    assert listed(page) == ["Home visit"]


def test_listing_and_searching_are_logged_without_the_words(client, case, lead, march):
    client.get(chronology_url(case))
    search(client, case, "teacher")
    client.get(chronology_url(case))
    rows = AccessLogEntry.objects.filter(user=lead, case=case)
    assert rows.filter(action="list_entries").count() == 1
    assert rows.filter(action="search_entries").count() == 1
    for row in rows.values():
        assert "teacher" not in str(row)


# --- pages ----------------------------------------------------------------------------------


def test_the_chronology_is_paged(client, case, lead):
    start = date(2026, 1, 1)
    for day in range(ENTRIES_PER_PAGE + 5):
        dated(case, start + timedelta(days=day), f"Entry {day:02d}")
    first = html(client.get(chronology_url(case)))
    assert len(listed(first)) == ENTRIES_PER_PAGE and listed(first)[0] == f"Entry {ENTRIES_PER_PAGE + 4:02d}"
    assert f"of {ENTRIES_PER_PAGE + 5} entries" in first
    second = html(client.get(chronology_url(case), {"page": 2}))
    assert listed(second) == [f"Entry {day:02d}" for day in range(4, -1, -1)]


def test_the_next_page_keeps_the_filters(client, case, lead):
    for day in range(ENTRIES_PER_PAGE + 1):
        dated(case, date(2026, 1, 1) + timedelta(days=day), f"Visit {day}", kind=EntryKind.VISIT)
    page = html(client.get(chronology_url(case), {"kind": "visit", "date_from": "01/01/2026"}))
    assert "?date_from=01%2F01%2F2026&amp;kind=visit&amp;page=2" in page


# --- the API --------------------------------------------------------------------------------


def test_api_filters_by_dates_inclusive_and_significance(api_client, case, march):
    api_client.force_authenticate(case.lead_worker)
    response = api_client.get(entries_url(case), {"date_from": "02/03/2026", "date_to": "2026-03-04"})
    assert summaries(response) == ["Phone call with mother", "Disclosure to teacher", "School raised a concern"]
    response = api_client.get(entries_url(case), {"significance": "significant_only", "kind": "disclosure"})
    assert summaries(response) == ["Disclosure to teacher"]


def test_api_reports_every_filter_error_at_once(api_client, case):
    api_client.force_authenticate(case.lead_worker)
    response = api_client.get(entries_url(case), {"date_from": "31/02/2026", "date_to": "soon", "significance": "x"})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"date_from", "date_to", "significance"}
    assert errors["date_to"] == [INVALID_DATE]


def test_api_refuses_a_range_that_ends_before_it_starts(api_client, case):
    api_client.force_authenticate(case.lead_worker)
    response = api_client.get(entries_url(case), {"date_from": "2026-03-04", "date_to": "2026-03-01"})
    assert response.status_code == 400 and response.json() == {"date_to": [DATES_OUT_OF_ORDER]}


def test_api_search_is_in_the_body_with_the_filters(api_client, case, march):
    api_client.force_authenticate(case.lead_worker)
    dated(case, date(2026, 2, 1), "Earlier visit", detail="Mother was not at home")
    response = api_client.post(search_url(case), {"q": "mother"}, format="json")
    assert summaries(response) == ["Phone call with mother", "Earlier visit"]
    response = api_client.post(search_url(case), {"q": "MOTHER", "date_from": "01/03/2026"}, format="json")
    assert summaries(response) == ["Phone call with mother"]
    log = AccessLogEntry.objects.filter(user=case.lead_worker, action="search_entries")
    assert log.count() == 2


def test_api_search_needs_words_and_readable_filters(api_client, case):
    api_client.force_authenticate(case.lead_worker)
    response = api_client.post(search_url(case), {"q": " ", "date_to": "x", "kind": "wizardry"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"q", "date_to", "kind"}


def test_api_search_is_paged_with_no_words_in_its_links(api_client, case, settings):
    api_client.force_authenticate(case.lead_worker)
    size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    for day in range(size + 5):
        dated(case, date(2026, 1, 1) + timedelta(days=day), f"Visit {day}")
    first = api_client.post(search_url(case), {"q": "visit"}, format="json").json()
    assert first["count"] == size + 5 and len(first["results"]) == size
    assert "visit" not in first["next"].lower() and first["next"].endswith("?page=2")
    second = api_client.post(first["next"], {"q": "visit"}, format="json").json()
    assert len(second["results"]) == 5


# --- queries --------------------------------------------------------------------------------


def _fill(case: Case, count: int) -> None:
    police = police_member(case)
    for n in range(count):
        author = {"author": police.user, "author_agency": police.agency} if n % 2 else {}
        entry = dated(case, date(2026, 1, 1) + timedelta(days=n), f"Visit {n}", **author)
        DocumentFactory.create(case=case, entry=entry, title=f"Notes {n}")
        if n % 3 == 0:
            ChronologyEntry.objects.filter(pk=entry.pk).update(is_current=False)
            dated(case, entry.event_date, f"Visit {n} corrected", supersedes=entry, correction_reason="Typo")


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = run()
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("searching", [False, True])
def test_the_chronology_page_runs_the_same_queries_for_3_or_30_entries(client, searching):
    counts = []
    for size in (3, 30):
        case = CaseFactory.create()
        _fill(case, size)
        client.force_login(case.lead_worker)
        if searching:
            search(client, case, "visit")
        counts.append(_queries(lambda case=case: client.get(chronology_url(case), {"significance": "routine"})))
    assert counts[0] == counts[1]


def test_the_api_search_runs_the_same_queries_for_3_or_30_entries(api_client):
    counts = []
    for size in (3, 30):
        case = CaseFactory.create()
        _fill(case, size)
        api_client.force_authenticate(case.lead_worker)
        counts.append(_queries(lambda case=case: api_client.post(search_url(case), {"q": "visit"}, format="json")))
    assert counts[0] == counts[1]
