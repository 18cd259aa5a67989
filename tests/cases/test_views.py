"""The case record pages: what each user sees and can do, one behaviour per test."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access_control import policy
from access_control.models import AccessLogEntry, BreakGlassGrant
from agencies.models import AgencyKind, Membership, Role
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    ChronologyEntry,
    ClosureRequest,
    Document,
    EntryKind,
    RiskLevel,
    TeamRole,
    Visibility,
)
from cases.views import SEARCH_SESSION_KEY
from tests.documents import pdf_bytes
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    DocumentFactory,
    EntryFactory,
    MembershipFactory,
    TeamMemberFactory,
    supervise,
)

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()


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


def html(response) -> str:
    return response.content.decode()


def urls_in(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', page)


def entry_data(**overrides):
    data = {
        "event_date": timezone.localdate().isoformat(),
        "kind": EntryKind.VISIT,
        "summary": "Home visit, children seen together",
        "detail": "Both children seen in their bedroom.",
        "significance": "routine",
        "visibility": Visibility.TEAM,
        "legal_basis": "",
        "legal_basis_note": "",
    }
    data.update(overrides)
    return data


def case_url(name: str, case: Case, **kwargs) -> str:
    return reverse(f"cases:{name}", kwargs={"case_id": case.pk, **kwargs})


# --- my cases ---------------------------------------------------------------------------


def test_list_shows_my_cases_with_children_lead_and_status(client, case, lead):
    child = case.children.get()
    not_mine = CaseFactory.create()
    page = html(client.get(reverse("cases:list")))
    assert case.reference in page and escape(child.full_name) in page
    assert escape(case.lead_worker.full_name) in page and escape(case.lead_agency.name) in page
    assert "Open" in page and "Medium" in page
    assert not_mine.reference not in page


def test_list_filters_by_status_and_risk(client, lead, case):
    me = Membership.objects.get(user=lead)
    other = CaseFactory.create(status=CaseStatus.SECTION_47, risk_level=RiskLevel.HIGH)
    TeamMemberFactory.create(case=other, user=lead, agency=me.agency)
    page = html(client.get(reverse("cases:list"), {"status": "section_47"}))
    assert other.reference in page and case.reference not in page
    page = html(client.get(reverse("cases:list"), {"risk_level": "medium"}))
    assert case.reference in page and other.reference not in page
    page = html(client.get(reverse("cases:list"), {"status": "closed"}))
    assert "No case you can see matches." in page


def test_list_paginates_at_25(client, lead):
    me = Membership.objects.get(user=lead)
    for _ in range(29):
        TeamMemberFactory.create(case=CaseFactory.create(), user=lead, agency=me.agency)
    first = client.get(reverse("cases:list"))
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in html(first)
    second = client.get(reverse("cases:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_list_counts_every_case_on_each_page_and_a_page_past_the_end_shows_the_last(client, lead):
    me = Membership.objects.get(user=lead)
    for _ in range(28):
        TeamMemberFactory.create(case=CaseFactory.create(), user=lead, agency=me.agency)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(reverse("cases:list"), {"page": 2})
    # The page carries the total: no separate COUNT of what the user may see.
    assert not [q for q in queries.captured_queries if '"__count"' in q["sql"]]
    assert len(second.context["page"].object_list) == 4 and "Showing 26\u201329 of 29." in html(second)
    past = client.get(reverse("cases:list"), {"page": 9})
    assert past.context["page"].number == 2 and "Showing 26\u201329 of 29." in html(past)
    assert client.get(reverse("cases:list"), {"page": "first"}).context["page"].number == 1


def test_child_name_search_lists_a_case_once_however_many_of_its_children_match(client, lead, case):
    case.children.add(
        ChildFactory.create(given_names="Zebedee", family_name="Quartermaine"),
        ChildFactory.create(given_names="Zebedee", family_name="Okafor"),
    )
    response = client.post(reverse("cases:list"), {"child_name": "zebedee", "action": "search"}, follow=True)
    page = response.context["page"]
    assert list(page.object_list) == [case] and page.paginator.count == 1
    # Each word may name a different child of the case.
    response = client.post(
        reverse("cases:list"), {"child_name": "quartermaine okafor", "action": "search"}, follow=True
    )
    assert list(response.context["page"].object_list) == [case]


def test_child_name_search_is_posted_kept_in_the_session_and_never_put_in_a_url(client, lead, case):
    me = Membership.objects.get(user=lead)
    other = CaseFactory.create()
    TeamMemberFactory.create(case=other, user=lead, agency=me.agency)
    wanted = ChildFactory.create(given_names="Zebedee", family_name="Quartermaine")
    case.children.add(wanted)

    response = client.post(
        reverse("cases:list") + "?status=open", {"child_name": "zebedee quarter", "action": "search"}, follow=True
    )
    page = html(response)
    assert [url for url, _ in response.redirect_chain] == [reverse("cases:list") + "?status=open"]
    assert client.session[SEARCH_SESSION_KEY] == "zebedee quarter"
    assert case.reference in page and other.reference not in page
    assert "Clear search" in page
    assert not [url for url in urls_in(page) if "zebedee" in url.lower() or "quarter" in url.lower()]

    response = client.post(reverse("cases:list"), {"child_name": "", "action": "clear"}, follow=True)
    assert SEARCH_SESSION_KEY not in client.session
    assert other.reference in html(response) and "Clear search" not in html(response)


def test_list_is_recorded_in_the_access_log(client, lead):
    client.get(reverse("cases:list"))
    row = AccessLogEntry.objects.get(user=lead, action="list")
    assert (row.outcome, row.object_type, row.rule, row.interface) == (
        "allowed",
        "case",
        "need-to-know filter",
        "page",
    )


def test_list_has_an_empty_state_and_no_open_link_for_an_agency_admin(client):
    admin = MembershipFactory.create(role=Role.AGENCY_ADMIN)
    client.force_login(admin.user)
    page = html(client.get(reverse("cases:list")))
    assert "You have no cases yet." in page
    assert "Open a case" not in page
    assert client.get(reverse("cases:open")).status_code == 403


def test_navigation_offers_my_cases_and_emergency_access_to_agency_members_only(client, lead):
    page = html(client.get(reverse("cases:list")))
    assert re.search(r'href="/cases/"[^>]*aria-current="page"[^>]*>My cases<', page)
    assert "Emergency access" in page
    no_agency = MembershipFactory.create(active=False, ended_on=timezone.localdate()).user
    client.force_login(no_agency)
    assert "My cases" not in html(client.get(reverse("home")))


def test_pages_need_sign_in(client, case):
    response = client.get(case_url("detail", case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("list", "My cases"),
        ("open", "Open a case"),
        ("emergency_access", "Emergency access"),
        ("detail", "{child}"),
        ("documents", "Documents"),
        ("edit", "Edit case {ref}"),
        ("entry_add", "Add an entry to the chronology"),
        ("entry_detail", "Home visit"),
        ("entry_correct", "Correct an entry"),
        ("document_upload", "Upload a document"),
        ("team", "Team for case {ref}"),
        ("team_remove", "Remove {member} from the team?"),
        ("access_log", "Who accessed case {ref}"),
        ("close", "Ask to close case {ref}"),
        ("closure_decide", "Decide on closing case {ref}"),
    ],
)
def test_every_page_renders_for_a_user_allowed_to_use_it(client, case, lead, name, heading):
    entry = EntryFactory.create(case=case, summary="Home visit")
    member = police_member(case)
    supervisor = supervise(Membership.objects.get(user=lead))
    kwargs: dict[str, object] = {"case_id": case.pk}
    if name in ("list", "open", "emergency_access"):
        kwargs = {}
    elif name in ("entry_detail", "entry_correct"):
        kwargs = {"entry_id": entry.pk}
    elif name == "team_remove":
        kwargs["member_id"] = member.pk
    elif name == "closure_decide":
        client.post(case_url("close", case), {"reason": "Plan complete"})
        client.force_login(supervisor.user)
    response = client.get(reverse(f"cases:{name}", kwargs=kwargs))
    assert response.status_code == 200
    expected = heading.format(ref=case.reference, member=member.user.full_name, child=case.children.get().full_name)
    # The overview's heading is the child's name, in the case header.
    assert re.search(rf"<h1( [^>]*)?>{re.escape(escape(expected))}</h1>", html(response))
    if kwargs:
        assert "Why can I see this?" in html(response)


# --- opening a case ----------------------------------------------------------------------


def test_practitioner_opens_a_case_for_a_child_and_leads_it(client):
    me = MembershipFactory.create()
    client.force_login(me.user)
    assert "Open a case" in html(client.get(reverse("cases:list")))
    response = client.post(
        reverse("cases:open"),
        {
            "agency": me.agency_id,
            "given_names": "Amara",
            "family_name": "Okafor",
            "date_of_birth": "2019-03-02",
            "date_of_birth_estimated": "on",
            "sex": "female",
            "category": "neglect",
            "risk_level": "high",
            "reason": "Referral from school accepted at MASH",
        },
        follow=True,
    )
    case = Case.objects.get(lead_worker=me.user)
    child = case.children.get()
    assert (child.full_name, str(child.date_of_birth), child.date_of_birth_estimated) == (
        "Amara Okafor",
        "2019-03-02",
        True,
    )
    assert (case.risk_level, case.lead_agency) == ("high", me.agency)
    assert CaseTeamMember.objects.get(case=case).role == TeamRole.LEAD
    page = html(response)
    assert f"Case {case.reference} opened." in page and "Amara Okafor" in page
    assert "case team member (lead)" in page


def test_open_case_offers_a_choice_of_agency_only_to_people_in_several(client):
    me = MembershipFactory.create()
    client.force_login(me.user)
    assert '<select name="agency"' not in html(client.get(reverse("cases:open")))
    MembershipFactory.create(user=me.user, role=Role.SUPERVISOR)
    MembershipFactory.create(user=me.user, role=Role.AGENCY_ADMIN)
    form = client.get(reverse("cases:open")).context["form"]
    assert len(form.fields["agency"].choices) == 2


def test_open_case_with_missing_fields_keeps_what_was_typed(client):
    me = MembershipFactory.create()
    client.force_login(me.user)
    response = client.post(
        reverse("cases:open"),
        {"agency": me.agency_id, "given_names": "Amara", "family_name": "", "date_of_birth": "2999-01-01"},
    )
    page = html(response)
    assert response.status_code == 200
    assert "This field is required." in page and "The date of birth cannot be in the future." in page
    assert 'value="Amara"' in page
    assert not Case.objects.exists()


# --- the case page ------------------------------------------------------------------------


def test_case_page_shows_summary_why_children_team_latest_entries_and_documents_on_their_tab(client, case, lead):
    child = case.children.get()
    police = police_member(case)
    EntryFactory.create(case=case, summary="Strategy discussion held")
    document = DocumentFactory.create(case=case, title="Referral form")
    page = html(client.get(case_url("detail", case)))
    assert f"Case {case.reference}" in page
    assert "Why can I see this?" in page and "case team member (lead)" in page
    assert escape(child.full_name) in page
    assert escape(police.user.full_name) in page and "Contributor" in page
    assert "Strategy discussion held" in page
    # The documents moved to their own tab; the overview links to it.
    assert "Referral form" not in page and case_url("documents", case) in page
    for link in ("Add an entry", "Upload a document", "Edit case details", "Manage the team", "Who accessed"):
        assert link in page
    assert 'role="alert"' not in page  # no break-glass banner for the lead
    tab = html(client.get(case_url("documents", case)))
    assert reverse("cases:document_download", kwargs={"document_id": document.pk}) in tab
    assert "Referral form" in tab and "Whole team" in tab and "Upload a document" in tab


def test_case_page_is_logged_with_each_child_and_the_lists_shown(client, case, lead):
    second = ChildFactory.create()
    case.children.add(second)
    client.get(case_url("detail", case))
    rows = AccessLogEntry.objects.filter(user=lead, case=case)
    assert rows.filter(action="view_case").count() == 1
    assert set(rows.filter(action="view_child").values_list("object_id", flat=True)) == {
        str(c.pk) for c in case.children.all()
    }
    assert rows.filter(action="list_entries").count() == 1
    # The documents are listed (and logged) on their tab.
    assert rows.filter(action="list_documents").count() == 0
    client.get(case_url("documents", case))
    assert rows.filter(action="list_documents").count() == 1


def test_case_page_writes_the_view_its_children_and_lists_to_the_access_log_at_once(client, case, lead):
    case.children.add(ChildFactory.create())
    with CaptureQueriesContext(connection) as queries:
        client.get(case_url("detail", case))
    writes = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "access_control_accesslogentry"')]
    assert len(writes) == 1
    rows = AccessLogEntry.objects.filter(user=lead, case=case).order_by("chain", "seq")
    assert list(rows.values_list("action", flat=True)) == [
        "view_case",
        "view_child",
        "view_child",
        "list_entries",
    ]


def test_a_case_page_that_fails_after_the_door_still_logs_the_view(case, lead):
    with pytest.raises(RuntimeError), policy.get_case(lead, case.pk, log_with_page=True) as access:
        access.log_many([access.event("list_entries", object_type="chronologyentry")])
        raise RuntimeError("the page broke while rendering")
    rows = AccessLogEntry.objects.filter(user=lead, case=case).order_by("chain", "seq")
    assert list(rows.values_list("action", flat=True)) == ["view_case", "list_entries"]


def test_contributor_sees_only_the_actions_they_may_do(client, case):
    police = police_member(case)
    client.force_login(police.user)
    page = html(client.get(case_url("detail", case)))
    assert "case team member (contributor)" in page
    assert "Add an entry" in page and "Upload a document" in page
    for link in ("Edit case details", "Manage the team", "Who accessed", "Ask to close", "Decide on closure"):
        assert link not in page
    assert client.get(case_url("edit", case)).status_code == 403
    assert client.get(case_url("access_log", case)).status_code == 403
    assert client.get(case_url("close", case)).status_code == 403


def test_outsider_gets_404_and_the_refusal_is_logged(client, case):
    outsider = MembershipFactory.create(agency=case.lead_agency).user
    client.force_login(outsider)
    response = client.get(case_url("detail", case))
    assert response.status_code == 404
    assert case.reference not in html(response)
    assert AccessLogEntry.objects.filter(user=outsider, case=case, outcome="denied").exists()


def test_agency_only_entry_is_hidden_from_another_agency_and_its_agency_not_offered_as_filter(client, case, lead):
    police = police_member(case)
    EntryFactory.create(
        case=case, author=police.user, author_agency=police.agency, visibility=Visibility.AGENCY, summary="Police only"
    )
    EntryFactory.create(case=case, summary="Visit by social worker", kind=EntryKind.VISIT)
    EntryFactory.create(case=case, summary="Phone call with school", kind=EntryKind.CONTACT)
    assert "Police only" not in html(client.get(case_url("detail", case)))
    # The chronology is read on its tab.
    response = client.get(case_url("chronology", case))
    assert "Police only" not in html(response)
    agencies = dict(response.context["filters"].fields["agency"].choices)
    assert police.agency_id not in agencies and case.lead_agency_id in agencies

    client.force_login(police.user)
    assert "Police only" in html(client.get(case_url("detail", case)))
    page = html(client.get(case_url("chronology", case)))
    assert "Police only" in page and escape(f"{police.agency.name} only") in page


def test_chronology_filters_by_agency_and_kind(client, case, lead):
    police = police_member(case)
    EntryFactory.create(case=case, author=police.user, author_agency=police.agency, summary="Police welfare check")
    EntryFactory.create(case=case, summary="Visit by social worker", kind=EntryKind.VISIT)
    EntryFactory.create(case=case, summary="Phone call with school", kind=EntryKind.CONTACT)
    # The filters are the chronology tab's.
    page = html(client.get(case_url("chronology", case), {"agency": police.agency_id}))
    assert "Police welfare check" in page and "Visit by social worker" not in page
    page = html(client.get(case_url("chronology", case), {"kind": "contact"}))
    assert "Phone call with school" in page and "Visit by social worker" not in page
    page = html(client.get(case_url("chronology", case), {"kind": "incident"}))
    assert "No entry you can see matches these filters." in page


def test_case_page_urls_carry_no_personal_data(client, case, lead):
    child = case.children.get()
    EntryFactory.create(case=case, summary="Visit")
    DocumentFactory.create(case=case, title="Report", original_name=f"{child.family_name} report.pdf")
    for name in ("detail", "documents"):
        page = html(client.get(case_url(name, case)))
        for url in urls_in(page):
            assert child.family_name.lower() not in url.lower() and child.given_names.lower() not in url.lower()


# --- editing ------------------------------------------------------------------------------


def test_lead_edits_status_and_risk(client, case, lead):
    response = client.post(
        case_url("edit", case), {"status": "section_47", "risk_level": "high", "category": "physical"}, follow=True
    )
    assert "Case details saved." in html(response)
    case.refresh_from_db()
    assert (case.status, case.risk_level, case.category) == ("section_47", "high", "physical")
    assert AccessLogEntry.objects.filter(user=lead, action="edit_case", outcome="allowed").exists()


def test_edit_offers_no_closed_status(client, case, lead):
    response = client.post(case_url("edit", case), {"status": "closed", "risk_level": "high", "category": "neglect"})
    assert "Select a valid choice." in html(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# --- chronology entries --------------------------------------------------------------------


def test_entry_visibility_defaults_to_agency_for_police_and_team_for_social_care(client, case, lead):
    form = client.get(case_url("entry_add", case)).context["form"]
    assert form["visibility"].value() == Visibility.TEAM
    client.force_login(police_member(case).user)
    form = client.get(case_url("entry_add", case)).context["form"]
    assert form["visibility"].value() == Visibility.AGENCY


def test_add_entry_records_it_and_returns_to_the_case(client, case, lead):
    response = client.post(case_url("entry_add", case), entry_data(), follow=True)
    assert "Entry added to the chronology." in html(response)
    entry = ChronologyEntry.objects.get(case=case)
    assert (entry.author, entry.author_agency, entry.visibility) == (lead, case.lead_agency, Visibility.TEAM)
    assert "Home visit, children seen together" in html(response)


def test_police_sharing_with_the_team_needs_a_legal_basis_and_keeps_what_was_typed(client, case):
    police = police_member(case)
    client.force_login(police.user)
    response = client.post(
        case_url("entry_add", case),
        entry_data(summary="Domestic abuse call-out", detail="Officers attended at 02:10.", visibility="team"),
    )
    page = html(response)
    assert response.status_code == 200
    assert "Police information shared beyond your agency needs a legal basis." in page
    assert 'value="Domestic abuse call-out"' in page and "Officers attended at 02:10." in page
    assert re.search(r'value="team"[^>]*checked', page)
    assert not ChronologyEntry.objects.exists()

    response = client.post(
        case_url("entry_add", case),
        entry_data(summary="Domestic abuse call-out", visibility="team", legal_basis="safeguarding"),
    )
    assert response.status_code == 302
    assert ChronologyEntry.objects.get().legal_basis == "safeguarding"


def test_named_visibility_needs_people_from_the_team(client, case, lead):
    police = police_member(case)
    response = client.post(case_url("entry_add", case), entry_data(visibility="named"))
    assert "Name at least one person who may see this." in html(response)
    assert escape(police.user.full_name) in html(response)  # offered as a named viewer

    outsider = MembershipFactory.create()
    response = client.post(case_url("entry_add", case), entry_data(visibility="named", named_viewers=[outsider.pk]))
    assert "Select a valid choice." in html(response)

    client.post(case_url("entry_add", case), entry_data(visibility="named", named_viewers=[police.user_id]))
    entry = ChronologyEntry.objects.get()
    assert list(entry.named_viewers.all()) == [police.user]


def test_future_event_date_is_refused_on_the_field(client, case, lead):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(case_url("entry_add", case), entry_data(event_date=tomorrow))
    assert "The event date cannot be in the future." in html(response)
    assert f'value="{tomorrow}"' in html(response)


def test_entry_page_shows_the_entry_and_why_it_can_be_seen(client, case, lead):
    police = police_member(case)
    entry = EntryFactory.create(case=case, visibility=Visibility.NAMED, summary="Disclosure to teacher")
    entry.named_viewers.add(police.user)
    page = html(client.get(reverse("cases:entry_detail", kwargs={"entry_id": entry.pk})))
    assert "Disclosure to teacher" in page and "Named people" in page and escape(police.user.full_name) in page
    assert "You can see this entry as: author" in page
    assert "Correct this entry" in page
    client.force_login(police.user)
    page = html(client.get(reverse("cases:entry_detail", kwargs={"entry_id": entry.pk})))
    assert "You can see this entry as: named on this item" in page
    assert "Correct this entry" not in page


def test_correction_keeps_the_old_version_visible(client, case, lead):
    entry = EntryFactory.create(case=case, summary="Visit on Monday", detail="Mother present.")
    url = reverse("cases:entry_correct", kwargs={"entry_id": entry.pk})
    form_page = html(client.get(url))
    assert 'value="Visit on Monday"' in form_page
    response = client.post(
        url,
        entry_data(
            summary="Visit on Tuesday",
            detail="Mother present.",
            event_date=entry.event_date.isoformat(),
            correction_reason="Wrong day recorded",
        ),
        follow=True,
    )
    page = html(response)
    new = ChronologyEntry.objects.get(supersedes=entry)
    assert response.redirect_chain[-1][0] == reverse("cases:entry_detail", kwargs={"entry_id": new.pk})
    assert "Corrected" in page and "Wrong day recorded" in page
    assert "Visit on Monday" in page and "Visit on Tuesday" in page  # both versions shown
    entry.refresh_from_db()
    assert not entry.is_current
    old_page = html(client.get(reverse("cases:entry_detail", kwargs={"entry_id": entry.pk})))
    assert "This version has been corrected." in old_page and "Correct this entry" not in old_page
    case_page = html(client.get(case_url("detail", case)))
    assert "Visit on Tuesday" in case_page and "Visit on Monday" not in case_page


def test_correction_needs_a_reason_and_keeps_the_changes(client, case, lead):
    entry = EntryFactory.create(case=case, summary="Visit on Monday")
    response = client.post(
        reverse("cases:entry_correct", kwargs={"entry_id": entry.pk}),
        entry_data(summary="Visit on Tuesday", correction_reason=""),
    )
    assert "This field is required." in html(response) and 'value="Visit on Tuesday"' in html(response)
    assert ChronologyEntry.objects.count() == 1


def test_only_the_author_may_correct_and_a_refusal_is_logged(client, case):
    entry = EntryFactory.create(case=case, summary="Visit")
    police = police_member(case)
    client.force_login(police.user)
    assert client.get(reverse("cases:entry_correct", kwargs={"entry_id": entry.pk})).status_code == 403
    assert AccessLogEntry.objects.filter(user=police.user, action="correct_entry", outcome="denied").exists()


# --- documents -------------------------------------------------------------------------------


def upload(client, case, file, **data):
    return client.post(
        case_url("document_upload", case), {"title": "Medical report", "visibility": "team", "file": file, **data}
    )


def test_upload_then_download_returns_the_bytes_as_an_attachment(client, case, lead):
    page = html(client.get(case_url("document_upload", case)))
    assert 'enctype="multipart/form-data"' in page
    response = upload(client, case, SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    response = client.get(reverse("cases:document_download", kwargs={"document_id": document.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert AccessLogEntry.objects.filter(user=lead, action="download_document", object_id=str(document.pk)).exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload"), "Upload a PDF"),
        (SimpleUploadedFile("fake.pdf", b"<html>not a pdf", content_type="application/pdf"), "does not match"),
        (SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1), content_type="text/plain"), "larger than 1 MB"),
    ],
    ids=["wrong-type", "mismatched-content", "oversize"],
)
def test_upload_refuses_bad_files_and_keeps_the_title(client, case, lead, settings, file, message):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = upload(client, case, file, title="Hospital discharge letter")
    assert response.status_code == 200
    assert message in html(response)
    assert 'value="Hospital discharge letter"' in html(response)
    assert not Document.objects.exists()


def test_agency_only_document_is_not_found_for_another_agency(client, case, lead):
    police = police_member(case)
    document = DocumentFactory.create(
        case=case, author=police.user, author_agency=police.agency, visibility=Visibility.AGENCY
    )
    assert document.title not in html(client.get(case_url("detail", case)))
    assert client.get(reverse("cases:document_download", kwargs={"document_id": document.pk})).status_code == 404


# --- the team ----------------------------------------------------------------------------------


def test_lead_adds_someone_to_the_team_by_email(client, case, lead):
    health = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    response = client.post(
        case_url("team", case),
        {
            "email": health.user.email.upper(),
            "agency": health.agency_id,
            "role": "key_worker",
            "reason": "School nurse",
        },
        follow=True,
    )
    assert f"{escape(health.user.full_name)} joined the team as key worker." in html(response)
    member = CaseTeamMember.objects.get(case=case, user=health.user)
    assert (member.agency, member.role, member.added_by, member.added_reason) == (
        health.agency,
        "key_worker",
        lead,
        "School nurse",
    )


@pytest.mark.parametrize("who", ["unknown", "other-agency"])
def test_team_add_gives_one_answer_for_unknown_people(client, case, lead, who):
    agency = AgencyFactory.create()
    email = "nobody@agency.test" if who == "unknown" else MembershipFactory.create().user.email
    response = client.post(
        case_url("team", case), {"email": email, "agency": agency.pk, "role": "contributor", "reason": "Needed"}
    )
    assert "No active person with that email in that agency." in html(response)
    assert f'value="{email}"' in html(response)


def test_team_add_of_someone_already_on_the_team_is_shown_on_the_email_field(client, case, lead):
    police = police_member(case)
    response = client.post(
        case_url("team", case),
        {"email": police.user.email, "agency": police.agency_id, "role": "contributor", "reason": "Again"},
    )
    assert response.context["form"].errors["email"] == ["That person is already on the team."]


def test_remove_from_the_team_needs_confirmation_and_a_reason_and_keeps_the_row(client, case, lead):
    police = police_member(case)
    url = case_url("team_remove", case, member_id=police.pk)
    assert "Yes, remove from the team" in html(client.get(url))
    assert "This field is required." in html(client.post(url, {"reason": ""}))
    police.refresh_from_db()
    assert police.active
    response = client.post(url, {"reason": "Investigation closed"}, follow=True)
    page = html(response)
    assert f"{escape(police.user.full_name)} was removed from the team." in page
    assert "Investigation closed" in page and "Left" in page
    police.refresh_from_db()
    assert (police.active, police.removed_by, police.removed_reason) == (False, lead, "Investigation closed")


def test_the_lead_worker_cannot_be_removed_from_the_team(client, case, lead):
    place = CaseTeamMember.objects.get(case=case, user=lead)
    assert "Remove" not in html(client.get(case_url("team", case))).split("<tbody>")[1]
    response = client.post(case_url("team_remove", case, member_id=place.pk), {"reason": "Leaving"})
    assert "The lead worker cannot be removed" in html(response)
    place.refresh_from_db()
    assert place.active


def test_team_page_shows_the_add_form_only_to_those_who_manage_the_team(client, case):
    police = police_member(case)
    client.force_login(police.user)
    response = client.get(case_url("team", case))
    assert response.status_code == 200 and "Add someone to the team" not in html(response)
    newcomer = MembershipFactory.create()
    response = client.post(
        case_url("team", case),
        {"email": newcomer.user.email, "agency": newcomer.agency_id, "role": "contributor", "reason": "x"},
    )
    assert response.status_code == 403
    assert client.get(case_url("team_remove", case, member_id=police.pk)).status_code == 403


# --- the access log ------------------------------------------------------------------------------


def test_access_log_shows_who_looked_with_the_rule(client, case, lead):
    police = police_member(case)
    client.force_login(police.user)
    client.get(case_url("detail", case))
    client.force_login(lead)
    response = client.get(case_url("access_log", case))
    page = html(response)
    assert escape(police.user.full_name) in page and "case team member (contributor)" in page
    assert "view_case" in page and "Web page" in page
    assert AccessLogEntry.objects.filter(user=lead, action="view_access_log").exists()


def test_access_log_paginates_at_50(client, case, lead):
    for _ in range(30):
        client.get(case_url("detail", case))  # four rows each
    response = client.get(case_url("access_log", case))
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of" in html(response)


# --- closing a case --------------------------------------------------------------------------------


def test_closure_request_then_supervisor_approval_closes_the_case(client, case, lead):
    supervisor = supervise(Membership.objects.get(user=lead))
    response = client.post(case_url("close", case), {"reason": "Plan complete; family engaging"}, follow=True)
    page = html(response)
    assert "Closure requested." in page and "Plan complete; family engaging" in page
    assert "Ask to close the case" not in page

    client.force_login(supervisor.user)
    page = html(client.get(case_url("detail", case)))
    assert "Decide on closure" in page and "supervisor of a case team member" in page
    response = client.post(case_url("closure_decide", case), {"decision": "approve", "note": ""}, follow=True)
    assert "Closure approved: the case is closed." in html(response)
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == (
        CaseStatus.CLOSED,
        timezone.localdate(),
        "Plan complete; family engaging",
    )
    assert ClosureRequest.objects.get().decided_by == supervisor.user


def test_returning_a_closure_needs_a_note(client, case, lead):
    supervisor = supervise(Membership.objects.get(user=lead))
    client.post(case_url("close", case), {"reason": "Done"})
    client.force_login(supervisor.user)
    page = html(client.get(case_url("closure_decide", case)))
    assert "<legend>Your decision</legend>" in page
    response = client.post(case_url("closure_decide", case), {"decision": "reject", "note": ""})
    assert "Say why the closure is returned." in html(response)
    client.post(case_url("closure_decide", case), {"decision": "reject", "note": "Review the plan first"})
    assert ClosureRequest.objects.get().state == ClosureRequest.State.REJECTED
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_second_closure_request_is_explained(client, case, lead):
    client.post(case_url("close", case), {"reason": "Done"})
    page = html(client.get(case_url("close", case)))
    assert "already waiting for approval" in page


# --- emergency access ---------------------------------------------------------------------------------


def test_emergency_access_grants_time_limited_access_and_shows_the_banner(client, case, deliver_outbox):
    outsider = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    client.force_login(outsider.user)
    assert client.get(case_url("detail", case)).status_code == 404
    assert "<h1>Emergency access</h1>" in html(client.get(reverse("cases:emergency_access")))
    response = client.post(
        reverse("cases:emergency_access"),
        {"reference": case.reference.lower(), "reason": "Child brought to A&E with injuries, out of hours"},
        follow=True,
    )
    deliver_outbox()
    assert response.redirect_chain[-1][0] == case_url("detail", case)
    page = html(response)
    grant = BreakGlassGrant.objects.get(user=outsider.user, case=case)
    assert re.search(r'role="alert"[^>]*>\s*<p><strong>Emergency access \(break-glass\)', page)
    assert timezone.localtime(grant.expires_at).strftime("%H:%M") in page
    assert "You can see this case as: break-glass." in page
    assert mail.outbox and mail.outbox[0].to == [case.lead_worker.email]


def test_emergency_access_with_an_unknown_reference_is_refused_and_logged(client):
    me = MembershipFactory.create()
    client.force_login(me.user)
    response = client.post(
        reverse("cases:emergency_access"), {"reference": "TDM-0000-999999", "reason": "A real emergency now"}
    )
    assert "No case has that reference." in html(response)
    assert 'value="TDM-0000-999999"' in html(response)
    assert AccessLogEntry.objects.filter(user=me.user, action="break_glass", outcome="denied").exists()


def test_emergency_access_needs_a_real_reason_and_is_refused_to_someone_who_can_already_see(client, case, lead):
    response = client.post(
        reverse("cases:emergency_access"), {"reference": case.reference, "reason": "A real emergency now"}
    )
    assert "Emergency access was refused: you can already see this case." in html(response)
    outsider = MembershipFactory.create()
    client.force_login(outsider.user)
    response = client.post(reverse("cases:emergency_access"), {"reference": case.reference, "reason": "urgent"})
    assert "at least 10 characters" in html(response)
    assert not BreakGlassGrant.objects.exists()


# --- query counts: the pages do not grow with rows ---------------------------------------------------


@pytest.mark.parametrize("cases", [5, 30])
def test_list_page_queries_do_not_grow_with_cases(client, django_assert_max_num_queries, cases):
    me = MembershipFactory.create()
    for _ in range(cases):
        case = CaseFactory.create()
        case.children.add(ChildFactory.create())
        TeamMemberFactory.create(case=case, user=me.user, agency=me.agency)
    client.force_login(me.user)
    with django_assert_max_num_queries(LIST_PAGE_QUERIES):
        response = client.get(reverse("cases:list"))
    assert len(response.context["page"].object_list) == min(cases, 25)


@pytest.mark.parametrize(("entries", "documents", "members", "children"), [(5, 5, 5, 1), (30, 10, 8, 4)])
def test_case_page_queries_do_not_grow_with_entries_documents_team_or_children(
    client, case, lead, django_assert_max_num_queries, entries, documents, members, children
):
    for _ in range(children - 1):
        case.children.add(ChildFactory.create())
    team = [police_member(case) for _ in range(members)]
    for n in range(entries):
        author = team[n % members]
        visibility = (Visibility.TEAM, Visibility.AGENCY, Visibility.NAMED)[n % 3]
        entry = EntryFactory.create(
            case=case, author=author.user, author_agency=author.agency, visibility=visibility, summary=f"Entry {n}"
        )
        if visibility == Visibility.NAMED:
            entry.named_viewers.add(lead)
    for _ in range(documents):
        DocumentFactory.create(case=case)
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(case_url("detail", case))
    # The police agency-only entries (every third, from n=1) are hidden from the lead.
    shown = response.context["overview"].latest_entries
    assert len(shown) == min(5, sum(1 for n in range(entries) if n % 3 != 1))
    assert len(response.context["header"].children) == children
    assert len(response.context["team"]) == members + 1
    with django_assert_max_num_queries(DOCUMENTS_TAB_QUERIES):
        response = client.get(case_url("documents", case))
    assert len(response.context["documents"]) == documents


# Measured on PostgreSQL inside the test transaction. The list reads its page and the total
# in one query; the case page reads the case and the user's basis on it in one, and logs the
# view, each child and the lists shown in one access-log write (savepoint, chain lock,
# previous hash, insert, release), however many children there are. The case header (on every
# page of a case) reads the children, their risky adults and the active plan (3); the overview
# adds the next deadline, next meeting, last visit, latest assessment, latest entries, the
# casework counts and any pending closure (7), and records the user's visit (1).
LIST_PAGE_QUERIES = 14
CASE_PAGE_QUERIES = 25
DOCUMENTS_TAB_QUERIES = 16
