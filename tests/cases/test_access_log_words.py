"""The case's access log in words: who did what to which item, naming an item only when the
reader may see it, else its kind."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies.models import AgencyKind
from cases import access_log_text
from cases.models import Visibility
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def log_page(client, case) -> str:
    response = client.get(reverse("cases:access_log", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_log_says_who_did_what_in_words(client):
    case = CaseFactory.create()
    police = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    client.force_login(police.user)
    client.get(reverse("cases:detail", args=[case.pk]))
    client.force_login(case.lead_worker)
    page = log_page(client, case)
    assert escape(f"{police.user.full_name} ({police.agency.name}) viewed the case") in page
    assert escape(f"{case.lead_worker.full_name} ({case.lead_agency.name}) viewed the access log of the case") in page


def test_an_entry_is_named_only_for_a_reader_who_may_see_it(client):
    case = CaseFactory.create()
    police = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    shared = EntryFactory.create(case=case, summary="Home visit", visibility=Visibility.TEAM)
    own = EntryFactory.create(
        case=case,
        author=police.user,
        author_agency=police.agency,
        summary="Police intelligence check",
        visibility=Visibility.AGENCY,
    )
    client.force_login(police.user)
    for entry in (shared, own):
        assert client.get(reverse("cases:entry_detail", args=[entry.pk])).status_code == 200
    client.force_login(case.lead_worker)
    page = log_page(client, case)
    assert escape('read the chronology entry "Home visit"') in page
    assert "Police intelligence check" not in page
    assert escape(f"{police.user.full_name} ({police.agency.name}) read a chronology entry") in page


def test_unknown_codes_read_as_themselves():
    assert access_log_text.action_phrase("view_case") == "viewed"
    assert access_log_text.action_phrase("frobnicate_widget") == "frobnicate widget"
    assert access_log_text.object_noun("chronologyentry") == "a chronology entry"
    assert access_log_text.object_noun("gizmo") == "gizmo"


def test_the_log_page_costs_the_same_whatever_the_rows(client):
    case = CaseFactory.create()
    entries = EntryFactory.create_batch(3, case=case)
    client.force_login(case.lead_worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            log_page(client, case)
        return len(captured.captured_queries)

    for entry in entries:
        client.get(reverse("cases:entry_detail", args=[entry.pk]))
    few = count()
    for entry in EntryFactory.create_batch(10, case=case):
        client.get(reverse("cases:entry_detail", args=[entry.pk]))
    assert count() == few


def test_a_refusal_says_so():
    case = CaseFactory.create()
    refused = AccessLogEntry(
        user=case.lead_worker,
        agency=case.lead_agency,
        action="view_case",
        object_type="case",
        outcome=AccessLogEntry.Outcome.DENIED,
    )
    [line] = access_log_text.log_lines(case.lead_worker, case, [refused])
    assert line.words == f"{case.lead_worker.full_name} ({case.lead_agency.name}) was refused access to the case"
