"""The case record API: the same need-to-know answers as the pages, one behaviour per test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS

from access_control import audit
from access_control.models import AccessLogEntry, BreakGlassGrant
from agencies.models import AgencyKind, Membership, Role
from cases import api
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    ChronologyEntry,
    ClosureRequest,
    Document,
    RiskLevel,
    TeamRole,
    Visibility,
)
from tests.access_control.test_no_bare_managers import bare_reads
from tests.api_tokens import token_headers
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

PDF_BYTES = pdf_bytes()


def url(name: str, **kwargs: object) -> str:
    return reverse(name, kwargs=kwargs)


def entry_payload(**overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "event_date": str(timezone.localdate() - timedelta(days=1)),
        "kind": "visit",
        "summary": "Home visit",
        "detail": "Saw the child at home with their mother.",
        "visibility": "team",
    }
    payload.update(overrides)
    return payload


def pdf(name: str = "strategy-notes.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def denials(user) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(user=user, outcome=AccessLogEntry.Outcome.DENIED).values_list("action", flat=True)
    )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case() -> Case:
    return CaseFactory.create()


@pytest.fixture
def lead(case):
    return case.lead_worker


@pytest.fixture
def police_member(case) -> CaseTeamMember:
    """A police contributor on the case team."""
    return TeamMemberFactory.create(case=case)


@pytest.fixture
def contributor(police_member):
    return police_member.user


@pytest.fixture
def lead_supervisor(case):
    return supervise(Membership.objects.get(user=case.lead_worker, agency=case.lead_agency)).user


@pytest.fixture
def outsider():
    """An active practitioner of another agency, with no way into the case."""
    return MembershipFactory.create().user


# --- case list ----------------------------------------------------------------------------


def test_case_list_shows_only_my_cases_and_logs_one_row(api_client, case, lead):
    CaseFactory.create()  # someone else's case
    api_client.force_authenticate(lead)
    response = api_client.get(url("api-case-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["reference"] == case.reference
    assert row["lead_worker"]["full_name"] == lead.full_name
    assert [child["family_name"] for child in row["children"]] == [c.family_name for c in case.children.all()]
    logged = AccessLogEntry.objects.filter(user=lead, action="list")
    assert [(e.object_type, e.outcome, e.rule) for e in logged] == [("case", "allowed", "need-to-know filter")]


def test_case_list_filters_by_status_risk_and_child_name(api_client, lead, case):
    other = CaseFactory.create(lead_agency=case.lead_agency, lead_worker=lead, risk_level=RiskLevel.HIGH)
    other.children.set([ChildFactory.create(given_names="Amara", family_name="Okafor")])
    api_client.force_authenticate(lead)

    def references(**params: str) -> set[str]:
        return {row["reference"] for row in api_client.get(url("api-case-list"), params).json()["results"]}

    assert references() == {case.reference, other.reference}
    assert references(risk_level="high") == {other.reference}
    assert references(status="closed") == set()
    assert api_client.get(url("api-case-list"), {"status": "wizard"}).status_code == 400


def test_case_search_by_child_name_is_a_post_and_stays_within_what_i_may_see(api_client, lead, case):
    other = CaseFactory.create(lead_agency=case.lead_agency, lead_worker=lead, risk_level=RiskLevel.HIGH)
    other.children.set([ChildFactory.create(given_names="Amara", family_name="Okafor")])
    hidden = CaseFactory.create()
    hidden.children.set([ChildFactory.create(given_names="Amara", family_name="Okafor")])
    api_client.force_authenticate(lead)
    response = api_client.post(url("api-case-search"), {"child_name": "amara okafor"}, format="json")
    assert {row["reference"] for row in response.json()["results"]} == {other.reference}
    assert AccessLogEntry.objects.filter(user=lead, action="search", outcome="allowed").exists()
    assert api_client.post(url("api-case-search"), {}, format="json").status_code == 400


def test_case_list_is_empty_for_an_agency_admin(api_client, case):
    admin = MembershipFactory.create(agency=case.lead_agency, role=Role.AGENCY_ADMIN).user
    api_client.force_authenticate(admin)
    assert api_client.get(url("api-case-list")).json()["count"] == 0


def test_case_endpoints_refuse_anonymous_callers(api_client, case):
    assert api_client.get(url("api-case-list")).status_code == 401
    assert api_client.get(url("api-case-detail", case_id=case.pk)).status_code == 401


# --- case detail, edit, why ------------------------------------------------------------------


def test_case_detail_shows_children_team_and_why_and_logs_each_child(api_client, case, lead, contributor):
    sibling = ChildFactory.create()
    case.children.add(sibling)
    api_client.force_authenticate(lead)
    response = api_client.get(url("api-case-detail", case_id=case.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert {child["id"] for child in body["children"]} == {str(c.pk) for c in case.children.all()}
    assert {"date_of_birth", "nhs_number", "aliases", "addresses", "family"} <= set(body["children"][0])
    assert {member["user"]["id"] for member in body["team"]} == {lead.pk, contributor.pk}
    assert body["why"] == "case team member (lead)"
    assert body["break_glass_until"] is None
    assert body["can"]["edit_case"] is True
    assert body["can"]["approve_closure"] is False
    viewed = AccessLogEntry.objects.filter(user=lead, action="view_child").values_list("object_id", flat=True)
    assert set(viewed) == {str(c.pk) for c in case.children.all()}
    assert AccessLogEntry.objects.filter(user=lead, action="view_case", case=case).count() == 1


def test_supervisor_sees_why_they_can_see_the_case(api_client, case, lead_supervisor):
    api_client.force_authenticate(lead_supervisor)
    response = api_client.get(url("api-case-why", case_id=case.pk))
    assert response.status_code == 200
    assert response.json() == {"rule": "supervisor of a case team member", "break_glass_until": None}


def test_lead_changes_risk_level_and_status(api_client, case, lead):
    api_client.force_authenticate(lead)
    response = api_client.patch(
        url("api-case-detail", case_id=case.pk), {"risk_level": "high", "status": "section_47"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["risk_level"], response.json()["status"]) == ("high", "section_47")
    case.refresh_from_db()
    assert (case.risk_level, case.status, case.category) == ("high", "section_47", "neglect")


def test_patch_cannot_close_a_case_or_take_an_unknown_value(api_client, case, lead):
    api_client.force_authenticate(lead)
    closing = api_client.patch(url("api-case-detail", case_id=case.pk), {"status": "closed"}, format="json")
    assert closing.status_code == 400
    assert "closure request" in closing.json()["status"][0]
    unknown = api_client.patch(url("api-case-detail", case_id=case.pk), {"risk_level": "extreme"}, format="json")
    assert unknown.status_code == 400
    assert set(unknown.json()) == {"risk_level"}
    case.refresh_from_db()
    assert (case.status, case.risk_level) == (CaseStatus.OPEN, RiskLevel.MEDIUM)


# --- who may not: 404 for outsiders, 403 for the team's contributors --------------------------


def _state(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.risk_level,
        case.category,
        ChronologyEntry.objects.filter(case=case).count(),
        Document.objects.filter(case=case).count(),
        list(CaseTeamMember.objects.filter(case=case).values_list("pk", "active")),
        ClosureRequest.objects.filter(case=case).count(),
        BreakGlassGrant.objects.filter(case=case).count(),
    )


OUTSIDER_REQUESTS = [
    ("get", "api-case-detail", {}),
    ("patch", "api-case-detail", {"risk_level": "high"}),
    ("get", "api-case-why", {}),
    ("get", "api-case-entries", {}),
    ("post", "api-case-entries", entry_payload()),
    ("get", "api-case-documents", {}),
    ("get", "api-case-team", {}),
    ("post", "api-case-team", {"email": "x@agency.test", "agency": 1, "role": "contributor", "reason": "Help"}),
    ("post", "api-team-member-remove", {"reason": "Left"}),
    ("get", "api-case-access-log", {}),
    ("post", "api-case-closure", {"reason": "Plan complete"}),
    ("post", "api-case-closure-decision", {"decision": "approve"}),
    ("get", "api-entry-detail", {}),
    ("post", "api-entry-correct", {"summary": "Changed", "correction_reason": "Typo"}),
    ("get", "api-document-download", {}),
]


@pytest.mark.parametrize(
    ("method", "name", "payload"), OUTSIDER_REQUESTS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_outsider_gets_404_everywhere_and_nothing_changes(
    api_client, case, police_member, outsider, method, name, payload
):
    entry = EntryFactory.create(case=case)
    document = DocumentFactory.create(case=case)
    kwargs = {
        "api-team-member-remove": {"case_id": case.pk, "member_id": police_member.pk},
        "api-entry-detail": {"entry_id": entry.pk},
        "api-entry-correct": {"entry_id": entry.pk},
        "api-document-download": {"document_id": document.pk},
    }.get(name, {"case_id": case.pk})
    before = _state(case)
    api_client.force_authenticate(outsider)
    response = getattr(api_client, method)(url(name, **kwargs), payload, format="json")
    assert response.status_code == 404
    assert case.reference not in response.content.decode()
    assert _state(case) == before
    assert len(denials(outsider)) == 1


def test_unknown_case_id_is_404(api_client, lead):
    api_client.force_authenticate(lead)
    missing = "00000000-0000-4000-8000-000000000000"
    assert api_client.get(url("api-case-detail", case_id=missing)).status_code == 404


CONTRIBUTOR_REFUSALS = [
    ("patch", "api-case-detail", {"risk_level": "high"}, "edit_case"),
    ("post", "api-case-team", {"email": "x@agency.test", "agency": 1, "role": "contributor", "reason": "Help"}, None),
    ("post", "api-team-member-remove", {"reason": "No longer involved"}, "manage_team"),
    ("post", "api-case-closure", {"reason": "Plan complete"}, "close_case"),
    ("post", "api-case-closure-decision", {"decision": "approve"}, "approve_closure"),
    ("get", "api-case-access-log", {}, "view_access_log"),
]


@pytest.mark.parametrize(
    ("method", "name", "payload", "action"), CONTRIBUTOR_REFUSALS, ids=[r[1] + "-" + r[0] for r in CONTRIBUTOR_REFUSALS]
)
def test_contributor_may_not_edit_manage_team_or_close(api_client, case, contributor, method, name, payload, action):
    lead_place = CaseTeamMember.objects.get(case=case, role=TeamRole.LEAD)
    kwargs = {"case_id": case.pk}
    if name == "api-team-member-remove":
        kwargs["member_id"] = TeamMemberFactory.create(case=case).pk
    before = _state(case)
    api_client.force_authenticate(contributor)
    response = getattr(api_client, method)(url(name, **kwargs), payload, format="json")
    assert response.status_code == 403
    assert _state(case) == before
    assert CaseTeamMember.objects.get(pk=lead_place.pk).active
    assert denials(contributor) == [action or "manage_team"]


# --- chronology entries -------------------------------------------------------------------------


def test_team_member_adds_an_entry_and_sees_it_listed(api_client, case, lead, contributor):
    api_client.force_authenticate(lead)
    response = api_client.post(url("api-case-entries", case_id=case.pk), entry_payload(), format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["author"] == {"id": lead.pk, "full_name": lead.full_name}
    assert created["author_agency"]["name"] == case.lead_agency.name
    assert (created["visibility"], created["is_current"], created["supersedes"]) == ("team", True, None)

    api_client.force_authenticate(contributor)
    listed = api_client.get(url("api-case-entries", case_id=case.pk)).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    assert AccessLogEntry.objects.filter(user=contributor, action="list_entries", case=case).count() == 1


def test_entry_input_errors_name_the_fields(api_client, case, lead):
    api_client.force_authenticate(lead)
    entries = url("api-case-entries", case_id=case.pk)
    missing = api_client.post(entries, {"kind": "wizardry"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"event_date", "kind", "summary", "visibility"}
    future = entry_payload(event_date=str(timezone.localdate() + timedelta(days=3)))
    assert set(api_client.post(entries, future, format="json").json()) == {"event_date"}
    assert not ChronologyEntry.objects.filter(case=case).exists()


def test_police_author_needs_a_legal_basis_to_share_team_wide(api_client, case, contributor, lead):
    api_client.force_authenticate(contributor)
    entries = url("api-case-entries", case_id=case.pk)
    refused = api_client.post(entries, entry_payload(kind="police"), format="json")
    assert refused.status_code == 400
    assert "legal basis" in refused.json()["legal_basis"][0]
    assert not ChronologyEntry.objects.filter(case=case).exists()

    shared = api_client.post(entries, entry_payload(kind="police", legal_basis="safeguarding"), format="json")
    assert shared.status_code == 201
    assert shared.json()["legal_basis"] == "safeguarding"
    api_client.force_authenticate(lead)
    assert api_client.get(entries).json()["count"] == 1


def test_agency_only_entry_from_another_agency_is_absent_and_404(api_client, case, contributor, lead):
    api_client.force_authenticate(contributor)
    entries = url("api-case-entries", case_id=case.pk)
    created = api_client.post(entries, entry_payload(kind="police", visibility="agency"), format="json")
    assert created.status_code == 201
    entry_id = created.json()["id"]
    assert [row["id"] for row in api_client.get(entries).json()["results"]] == [entry_id]

    api_client.force_authenticate(lead)
    assert api_client.get(entries).json()["results"] == []
    assert api_client.get(url("api-entry-detail", entry_id=entry_id)).status_code == 404
    assert (
        api_client.post(
            url("api-entry-correct", entry_id=entry_id), {"summary": "x", "correction_reason": "y"}, format="json"
        ).status_code
        == 404
    )
    assert denials(lead) == ["view_entry", "view_entry"]


def test_named_entry_is_seen_only_by_the_people_named(api_client, case, lead, contributor):
    other_member = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.EDUCATION).user
    api_client.force_authenticate(lead)
    entries = url("api-case-entries", case_id=case.pk)
    created = api_client.post(entries, entry_payload(visibility="named", named_viewers=[contributor.pk]), format="json")
    assert created.status_code == 201
    assert created.json()["named_viewers"] == [{"id": contributor.pk, "full_name": contributor.full_name}]

    api_client.force_authenticate(contributor)
    assert api_client.get(entries).json()["count"] == 1
    api_client.force_authenticate(other_member)
    assert api_client.get(entries).json()["count"] == 0
    assert api_client.get(url("api-entry-detail", entry_id=created.json()["id"])).status_code == 404


def test_only_people_on_the_team_can_be_named(api_client, case, lead, outsider):
    api_client.force_authenticate(lead)
    response = api_client.post(
        url("api-case-entries", case_id=case.pk),
        entry_payload(visibility="named", named_viewers=[outsider.pk]),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"named_viewers"}


def test_entries_filter_by_agency_and_kind(api_client, case, lead, police_member):
    EntryFactory.create(case=case, kind="visit")
    EntryFactory.create(
        case=case, author=police_member.user, author_agency=police_member.agency, kind="police", legal_basis="consent"
    )
    api_client.force_authenticate(lead)
    entries = url("api-case-entries", case_id=case.pk)
    by_agency = api_client.get(entries, {"agency": police_member.agency_id}).json()["results"]
    assert [row["kind"] for row in by_agency] == ["police"]
    assert [row["kind"] for row in api_client.get(entries, {"kind": "visit"}).json()["results"]] == ["visit"]


def test_correction_keeps_the_old_version_and_lists_it_in_versions(api_client, case, lead, contributor):
    api_client.force_authenticate(lead)
    original = api_client.post(url("api-case-entries", case_id=case.pk), entry_payload(), format="json").json()
    corrected = api_client.post(
        url("api-entry-correct", entry_id=original["id"]),
        {"summary": "Home visit (unannounced)", "correction_reason": "It was unannounced"},
        format="json",
    )
    assert corrected.status_code == 201
    new = corrected.json()
    assert (new["supersedes"], new["summary"], new["correction_reason"]) == (
        original["id"],
        "Home visit (unannounced)",
        "It was unannounced",
    )
    assert new["detail"] == original["detail"]

    api_client.force_authenticate(contributor)
    detail = api_client.get(url("api-entry-detail", entry_id=new["id"])).json()
    assert [(v["id"], v["is_current"]) for v in detail["versions"]] == [(original["id"], False), (new["id"], True)]
    assert detail["versions"][0]["summary"] == "Home visit"
    listed = api_client.get(url("api-case-entries", case_id=case.pk)).json()["results"]
    assert [row["id"] for row in listed] == [new["id"]]


def test_only_the_author_corrects_an_entry(api_client, case, lead, contributor):
    entry = EntryFactory.create(case=case, author=lead)
    api_client.force_authenticate(contributor)
    response = api_client.post(
        url("api-entry-correct", entry_id=entry.pk), {"summary": "Mine now", "correction_reason": "x"}, format="json"
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.summary, entry.is_current) == ("Home visit", True)
    assert ChronologyEntry.objects.filter(case=case).count() == 1


def test_a_refused_correction_is_in_the_access_log(api_client, case, lead, contributor):
    entry = EntryFactory.create(case=case, author=lead)
    api_client.force_authenticate(contributor)
    api_client.post(
        url("api-entry-correct", entry_id=entry.pk), {"summary": "Mine now", "correction_reason": "x"}, format="json"
    )
    assert denials(contributor) == ["correct_entry"]


# --- documents --------------------------------------------------------------------------------


def test_document_upload_and_download_roundtrip(api_client, case, lead, contributor, media_root):
    api_client.force_authenticate(lead)
    created = api_client.post(
        url("api-case-documents", case_id=case.pk),
        {"title": "Strategy discussion notes", "file": pdf(), "visibility": "team"},
        format="multipart",
    )
    assert created.status_code == 201
    document = created.json()
    assert (document["original_name"], document["content_type"], document["size"]) == (
        "strategy-notes.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert "file" not in document
    stored = Document.objects.get(pk=document["id"])
    assert Path(stored.file.path).is_relative_to(media_root)
    assert stored.file.name == f"case-documents/{stored.uploaded_at:%Y/%m}/{stored.pk}.pdf"

    api_client.force_authenticate(contributor)
    listed = api_client.get(url("api-case-documents", case_id=case.pk)).json()["results"]
    assert [row["id"] for row in listed] == [document["id"]]
    response = api_client.get(listed[0]["download_url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "strategy-notes.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    logged = AccessLogEntry.objects.filter(user=contributor, case=case).values_list("action", flat=True)
    assert {"list_documents", "download_document"} <= set(logged)


def test_upload_refuses_a_file_whose_content_is_not_its_type(api_client, case, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(
        url("api-case-documents", case_id=case.pk),
        {"title": "Notes", "file": pdf(data=b"MZ\x90\x00 not a pdf"), "visibility": "team"},
        format="multipart",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"file"}
    assert not Document.objects.filter(case=case).exists()


def test_agency_only_document_from_another_agency_is_absent_and_404(api_client, case, lead, contributor):
    api_client.force_authenticate(contributor)
    created = api_client.post(
        url("api-case-documents", case_id=case.pk),
        {"title": "Police disclosure", "file": pdf(), "visibility": "agency"},
        format="multipart",
    )
    assert created.status_code == 201
    api_client.force_authenticate(lead)
    assert api_client.get(url("api-case-documents", case_id=case.pk)).json()["results"] == []
    assert api_client.get(url("api-document-download", document_id=created.json()["id"])).status_code == 404


# --- team ----------------------------------------------------------------------------------------


def test_lead_adds_and_removes_a_team_member(api_client, case, lead):
    health = AgencyFactory.create(kind=AgencyKind.HEALTH)
    nurse = MembershipFactory.create(agency=health, user__email="school.nurse@health.test").user
    api_client.force_authenticate(lead)
    team = url("api-case-team", case_id=case.pk)
    added = api_client.post(
        team,
        {"email": "School.Nurse@Health.test", "agency": health.pk, "role": "contributor", "reason": "Health input"},
        format="json",
    )
    assert added.status_code == 201
    member = added.json()
    assert (member["user"]["id"], member["agency"]["id"], member["role"]) == (nurse.pk, health.pk, "contributor")

    api_client.force_authenticate(nurse)
    assert api_client.get(url("api-case-detail", case_id=case.pk)).status_code == 200

    api_client.force_authenticate(lead)
    removed = api_client.post(
        url("api-team-member-remove", case_id=case.pk, member_id=member["id"]), {"reason": "Input given"}, format="json"
    )
    assert removed.status_code == 200
    assert (removed.json()["active"], removed.json()["removed_reason"]) == (False, "Input given")
    listed = api_client.get(team).json()["results"]
    assert [(row["user"]["id"], row["active"]) for row in listed] == [(lead.pk, True), (nurse.pk, False)]

    api_client.force_authenticate(nurse)
    assert api_client.get(url("api-case-detail", case_id=case.pk)).status_code == 404


def test_team_add_errors_name_the_field(api_client, case, lead, outsider):
    api_client.force_authenticate(lead)
    team = url("api-case-team", case_id=case.pk)
    stranger_agency = outsider.memberships.get().agency

    def errors(**payload: object) -> dict:
        data = {"email": outsider.email, "agency": stranger_agency.pk, "role": "contributor", "reason": "Help"}
        response = api_client.post(team, {**data, **payload}, format="json")
        assert response.status_code == 400
        return response.json()

    unknown = errors(email="nobody@nowhere.test")
    not_member = errors(agency=case.lead_agency.pk)
    assert set(unknown) == set(not_member) == {"email"}
    assert unknown["email"] == not_member["email"]  # an unknown address reads like any non-member
    assert set(errors(agency=999999)) == {"agency"}
    assert "one lead worker" in errors(role="lead")["role"][0]
    api_client.post(team, {"email": outsider.email, "agency": stranger_agency.pk, "role": "contributor", "reason": "x"})
    assert "already on the team" in errors()["email"][0]


# --- access log ---------------------------------------------------------------------------------


def test_lead_reads_the_access_log_fifty_a_page(api_client, case, lead, contributor):
    for _ in range(55):
        audit.record(user=contributor, action="view_case", object_type="case", case_id=case.pk, allowed=True, rule="x")
    api_client.force_authenticate(lead)
    response = api_client.get(url("api-case-access-log", case_id=case.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 56  # and the lead's own view of the log
    assert len(body["results"]) == 50
    newest = body["results"][0]
    assert (newest["action"], newest["user"], newest["rule"]) == (
        "view_access_log",
        lead.full_name,
        "case team member (lead)",
    )
    assert body["next"] is not None


# --- closure ----------------------------------------------------------------------------------


def test_lead_asks_to_close_and_supervisor_approves(api_client, case, lead, lead_supervisor):
    api_client.force_authenticate(lead)
    asked = api_client.post(url("api-case-closure", case_id=case.pk), {"reason": "Plan complete"}, format="json")
    assert asked.status_code == 201
    assert asked.json()["state"] == "pending"
    again = api_client.post(url("api-case-closure", case_id=case.pk), {"reason": "Again"}, format="json")
    assert again.status_code == 400
    assert "already waiting" in again.json()["non_field_errors"][0]
    own = api_client.post(url("api-case-closure-decision", case_id=case.pk), {"decision": "approve"}, format="json")
    assert own.status_code == 403

    api_client.force_authenticate(lead_supervisor)
    decision = url("api-case-closure-decision", case_id=case.pk)
    assert set(api_client.post(decision, {"decision": "reject"}, format="json").json()) == {"note"}
    approved = api_client.post(decision, {"decision": "approve", "note": "Agreed"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, timezone.localdate())


# --- break-glass -----------------------------------------------------------------------------------


def test_break_glass_opens_the_case_for_a_while_and_tells_the_lead(api_client, case, lead, outsider, deliver_outbox):
    api_client.force_authenticate(outsider)
    assert api_client.get(url("api-case-detail", case_id=case.pk)).status_code == 404
    response = api_client.post(
        url("api-break-glass"),
        {"reference": case.reference.lower(), "reason": "Child brought to A&E with injuries tonight"},
        format="json",
    )
    deliver_outbox()
    assert response.status_code == 201
    assert response.json()["case_id"] == str(case.pk)
    assert [message.to for message in mail.outbox][:1] == [[lead.email]]

    detail = api_client.get(url("api-case-detail", case_id=case.pk))
    assert detail.status_code == 200
    assert detail.json()["why"] == "break-glass"
    assert detail.json()["break_glass_until"] == response.json()["expires_at"]
    assert detail.json()["can"]["add_entry"] is False


def test_break_glass_input_errors_and_refusals(api_client, case, lead, outsider):
    api_client.force_authenticate(outsider)
    glass = url("api-break-glass")
    unknown = api_client.post(glass, {"reference": "TDM-0000-000000", "reason": "An emergency tonight"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json() == {"reference": ["No case has that reference."]}
    assert denials(outsider) == ["break_glass"]  # probing for references leaves a trail
    short = api_client.post(glass, {"reference": case.reference, "reason": "urgent"}, format="json")
    assert set(short.json()) == {"reason"}
    api_client.force_authenticate(lead)
    already = api_client.post(glass, {"reference": case.reference, "reason": "An emergency tonight"}, format="json")
    assert already.status_code == 403
    assert not BreakGlassGrant.objects.exists()


# --- tokens, schema, the door, query counts --------------------------------------------------------


def test_token_authentication_works_with_the_same_scope(client, case, lead):
    other = CaseFactory.create()
    headers = token_headers(lead)
    assert client.get(url("api-case-detail", case_id=case.pk), **headers).status_code == 200
    assert client.get(url("api-case-detail", case_id=other.pk), **headers).status_code == 404
    created = client.post(
        url("api-case-entries", case_id=case.pk), entry_payload(), content_type="application/json", **headers
    )
    assert created.status_code == 201
    assert [row["reference"] for row in client.get(url("api-case-list"), **headers).json()["results"]] == [
        case.reference
    ]


def test_openapi_schema_documents_every_case_endpoint(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/cases/": {"get"},
        "/api/v1/cases/search/": {"post"},
        "/api/v1/cases/break-glass/": {"post"},
        "/api/v1/cases/{case_id}/": {"get", "patch"},
        "/api/v1/cases/{case_id}/why/": {"get"},
        "/api/v1/cases/{case_id}/entries/": {"get", "post"},
        "/api/v1/cases/{case_id}/entries/search/": {"post"},
        "/api/v1/cases/{case_id}/documents/": {"get", "post"},
        "/api/v1/cases/{case_id}/team/": {"get", "post"},
        "/api/v1/cases/{case_id}/team/{member_id}/remove/": {"post"},
        "/api/v1/cases/{case_id}/family/": {"get"},
        "/api/v1/cases/{case_id}/family/{link_id}/": {"patch"},
        "/api/v1/cases/{case_id}/access-log/": {"get"},
        "/api/v1/cases/{case_id}/closure/": {"post"},
        "/api/v1/cases/{case_id}/closure/decision/": {"post"},
        "/api/v1/cases/{case_id}/service-referrals/": {"get", "post"},
        "/api/v1/cases/{case_id}/assessments/": {"get", "post"},
        "/api/v1/cases/{case_id}/meetings/": {"get", "post"},
        "/api/v1/cases/{case_id}/plan/": {"get", "post"},
        "/api/v1/cases/{case_id}/lead/": {"post"},
        "/api/v1/entries/{entry_id}/": {"get"},
        "/api/v1/entries/{entry_id}/correct/": {"post"},
        "/api/v1/documents/{document_id}/download/": {"get"},
    }
    case_paths = {path for path in paths if path.startswith(("/api/v1/cases", "/api/v1/entries", "/api/v1/documents"))}
    assert case_paths == set(expected)
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    upload = paths["/api/v1/cases/{case_id}/documents/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    listing = paths["/api/v1/cases/{case_id}/entries/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["$ref"].endswith("PaginatedEntryList")


def test_openapi_schema_generates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_the_api_reaches_case_data_only_through_the_policy():
    assert bare_reads(Path(api.__file__).read_text()) == []


# Measured on PostgreSQL inside the test transaction (each access-log write costs a savepoint,
# its release, the chain lock, the previous hash and the insert). The list reads its page and
# the total in one query; the detail logs the view and each child shown in one write. The
# detail's overview reads what the case page's header and overview read (children and their
# risky adults, the active plan; the next deadline, next meeting, last visit, latest assessment
# and entries, casework counts, pending closure): nine more, however big the case.
CASE_LIST_MAX_QUERIES = 7
CASE_DETAIL_MAX_QUERIES = 21
ENTRY_LIST_MAX_QUERIES = 18


@pytest.mark.parametrize("rows", [5, 30])
def test_case_list_runs_a_bounded_number_of_queries(api_client, django_assert_max_num_queries, rows):
    me = MembershipFactory.create()
    for case in CaseFactory.create_batch(rows):
        TeamMemberFactory.create(case=case, user=me.user, agency=me.agency)
        case.children.add(ChildFactory.create())
    api_client.force_authenticate(me.user)
    with django_assert_max_num_queries(CASE_LIST_MAX_QUERIES):
        response = api_client.get(url("api-case-list"))
    assert response.json()["count"] == rows


def test_case_list_counts_every_case_on_each_page(api_client):
    me = MembershipFactory.create()
    for case in CaseFactory.create_batch(27):
        TeamMemberFactory.create(case=case, user=me.user, agency=me.agency)
    api_client.force_authenticate(me.user)
    second = api_client.get(url("api-case-list"), {"page": 2}).json()
    assert second["count"] == 27 and len(second["results"]) == 2 and second["next"] is None
    assert api_client.get(url("api-case-list"), {"page": 3}).status_code == 404


@pytest.mark.parametrize("rows", [5, 30])
def test_case_detail_runs_a_bounded_number_of_queries(api_client, case, lead, django_assert_max_num_queries, rows):
    TeamMemberFactory.create_batch(rows, case=case)
    api_client.force_authenticate(lead)
    with django_assert_max_num_queries(CASE_DETAIL_MAX_QUERIES):
        response = api_client.get(url("api-case-detail", case_id=case.pk))
    assert len(response.json()["team"]) == rows + 1


@pytest.mark.parametrize("rows", [5, 30])
def test_entry_list_runs_a_bounded_number_of_queries(api_client, case, lead, django_assert_max_num_queries, rows):
    members = TeamMemberFactory.create_batch(2, case=case)
    for entry in EntryFactory.create_batch(rows, case=case, visibility=Visibility.NAMED):
        entry.named_viewers.set([m.user for m in members])
    api_client.force_authenticate(lead)
    with django_assert_max_num_queries(ENTRY_LIST_MAX_QUERIES):
        response = api_client.get(url("api-case-entries", case_id=case.pk))
    assert len(response.json()["results"]) == min(rows, 25)


def test_document_shared_with_named_people_in_a_multipart_upload(api_client, case, lead, contributor):
    bystander = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.EDUCATION).user
    api_client.force_authenticate(lead)
    created = api_client.post(
        url("api-case-documents", case_id=case.pk),
        {"title": "Medical report", "file": pdf(), "visibility": "named", "named_viewers": [contributor.pk]},
        format="multipart",
    )
    assert created.status_code == 201
    assert [person["id"] for person in created.json()["named_viewers"]] == [contributor.pk]
    api_client.force_authenticate(bystander)
    assert api_client.get(url("api-case-documents", case_id=case.pk)).json()["count"] == 0
    api_client.force_authenticate(contributor)
    assert api_client.get(created.json()["download_url"]).status_code == 200
