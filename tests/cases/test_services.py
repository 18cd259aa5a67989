"""Case services: each checks the policy itself, refuses bad input with field errors, and is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access_control import policy
from access_control.models import AccessLogEntry, BreakGlassGrant, CaseUserObjectPermission
from access_control.policy import Action
from agencies.models import AgencyKind, Role
from cases import services
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ClosureRequest,
    ConcernCategory,
    EntryKind,
    LegalBasis,
    RiskLevel,
    TeamRole,
    Visibility,
)
from tests.documents import pdf_bytes
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    EntryFactory,
    MembershipFactory,
    TeamMemberFactory,
    supervise,
)

pytestmark = pytest.mark.django_db


def lead_access(case: Case) -> policy.CaseAccess:
    return policy.get_case(case.lead_worker, case.pk)


def denials(user) -> list[tuple[str, str]]:
    return list(AccessLogEntry.objects.filter(user=user, outcome="denied").order_by("id").values_list("action", "rule"))


def entry_fields(**overrides):
    return {
        "event_date": timezone.localdate(),
        "kind": EntryKind.VISIT,
        "summary": "Home visit",
        "detail": "Seen alone in their bedroom.",
        **overrides,
    }


# --- opening and editing a case ----------------------------------------------------------


def test_open_case_makes_the_opener_lead_and_logs_it():
    practitioner = MembershipFactory.create(role=Role.PRACTITIONER)
    child = Child(given_names="Amal", family_name="Okafor")
    case = services.open_case(
        by=practitioner.user,
        agency=practitioner.agency,
        children=[child],
        category=ConcernCategory.NEGLECT,
        risk_level=RiskLevel.HIGH,
        reason="Referral accepted",
    )
    lead = CaseTeamMember.objects.get(case=case)
    assert (lead.user, lead.role, case.lead_worker) == (practitioner.user, TeamRole.LEAD, practitioner.user)
    assert list(case.children.all()) == [child]
    assert AccessLogEntry.objects.filter(case=case, action="open_case", outcome="allowed").exists()


def test_open_case_refuses_an_agency_admin():
    admin = MembershipFactory.create(role=Role.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.open_case(
            by=admin.user,
            agency=admin.agency,
            children=[Child(given_names="Amal", family_name="Okafor")],
            category=ConcernCategory.NEGLECT,
            risk_level=RiskLevel.LOW,
            reason="Trying",
        )
    assert not Case.objects.exists()
    assert not Child.objects.exists()


def test_update_case_changes_status_and_risk():
    case = CaseFactory.create()
    services.update_case(
        access=lead_access(case),
        status=CaseStatus.SECTION_47,
        risk_level=RiskLevel.HIGH,
        category=ConcernCategory.PHYSICAL,
    )
    case.refresh_from_db()
    assert (case.status, case.risk_level, case.category) == ("section_47", "high", "physical")


def test_update_case_refuses_closing_directly():
    case = CaseFactory.create()
    with pytest.raises(ValidationError) as error:
        services.update_case(
            access=lead_access(case), status=CaseStatus.CLOSED, risk_level=RiskLevel.LOW, category=case.category
        )
    assert "status" in error.value.message_dict
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.OPEN, None)


def test_contributor_may_not_edit_the_case_and_the_refusal_is_logged():
    member = TeamMemberFactory.create()
    access = policy.get_case(member.user, member.case.pk)
    with pytest.raises(PermissionDenied):
        services.update_case(access=access, status=CaseStatus.SECTION_47, risk_level=RiskLevel.HIGH, category="neglect")
    assert [action for action, _ in denials(member.user)] == [Action.EDIT_CASE]


# --- the team ------------------------------------------------------------------------------


def test_add_team_member_refuses_a_second_lead():
    case = CaseFactory.create()
    colleague = MembershipFactory.create(agency=case.lead_agency)
    with pytest.raises(ValidationError) as error:
        services.add_team_member(
            access=lead_access(case), user=colleague.user, agency=case.lead_agency, role=TeamRole.LEAD, reason="Cover"
        )
    assert "role" in error.value.message_dict
    assert CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD).count() == 1


def test_add_team_member_refuses_someone_not_in_that_agency():
    case = CaseFactory.create()
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    not_police = MembershipFactory.create()
    with pytest.raises(ValidationError) as error:
        services.add_team_member(
            access=lead_access(case), user=not_police.user, agency=police, role=TeamRole.CONTRIBUTOR, reason="Joint"
        )
    assert "user" in error.value.message_dict
    assert not CaseTeamMember.objects.filter(case=case, user=not_police.user).exists()


def test_add_team_member_needs_a_reason_and_shows_the_case():
    case = CaseFactory.create()
    officer = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    access = lead_access(case)
    with pytest.raises(ValidationError):
        services.add_team_member(
            access=access, user=officer.user, agency=officer.agency, role="contributor", reason=" "
        )
    services.add_team_member(
        access=access, user=officer.user, agency=officer.agency, role=TeamRole.CONTRIBUTOR, reason="Strategy meeting"
    )
    assert policy.visible_cases(officer.user).filter(pk=case.pk).exists()


def test_remove_team_member_keeps_the_row_with_the_reason():
    member = TeamMemberFactory.create()
    case = member.case
    services.remove_team_member(access=lead_access(case), member=member, reason="Police enquiry concluded")
    member.refresh_from_db()
    assert member.active is False
    assert (member.removed_by, member.removed_reason) == (case.lead_worker, "Police enquiry concluded")
    assert member.removed_at is not None
    assert not policy.visible_cases(member.user).filter(pk=case.pk).exists()


def test_the_lead_cannot_be_removed():
    case = CaseFactory.create()
    lead = CaseTeamMember.objects.get(case=case, role=TeamRole.LEAD)
    with pytest.raises(ValidationError):
        services.remove_team_member(access=lead_access(case), member=lead, reason="Leaving")


# --- chronology entries ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [AgencyKind.POLICE, AgencyKind.HEALTH])
def test_police_and_health_entries_shared_beyond_their_agency_need_a_legal_basis(kind):
    member = TeamMemberFactory.create(agency__kind=kind)
    access = policy.get_case(member.user, member.case.pk)
    with pytest.raises(ValidationError) as error:
        services.add_entry(access=access, **entry_fields(visibility=Visibility.TEAM))
    assert "legal_basis" in error.value.message_dict

    agency_only = services.add_entry(access=access, **entry_fields(visibility=Visibility.AGENCY))
    shared = services.add_entry(
        access=access, **entry_fields(visibility=Visibility.TEAM, legal_basis=LegalBasis.SAFEGUARDING)
    )
    assert agency_only.visibility == Visibility.AGENCY
    assert agency_only.author_agency == member.agency
    assert shared.legal_basis == LegalBasis.SAFEGUARDING


def test_childrens_social_care_shares_with_the_team_without_a_legal_basis():
    case = CaseFactory.create()
    entry = services.add_entry(access=lead_access(case), **entry_fields())
    assert (entry.visibility, entry.legal_basis) == (Visibility.TEAM, "")


def test_named_entry_needs_named_people_on_the_team():
    member = TeamMemberFactory.create(agency__kind=AgencyKind.EDUCATION)
    other_member = TeamMemberFactory.create(case=member.case, agency__kind=AgencyKind.EDUCATION)
    case = member.case
    access = lead_access(case)
    outsider = MembershipFactory.create(agency=case.lead_agency).user
    with pytest.raises(ValidationError) as error:
        services.add_entry(access=access, **entry_fields(visibility=Visibility.NAMED))
    assert "named_viewers" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.add_entry(access=access, **entry_fields(visibility=Visibility.NAMED, named_viewers=[outsider]))
    assert "named_viewers" in error.value.message_dict

    entry = services.add_entry(access=access, **entry_fields(visibility=Visibility.NAMED, named_viewers=[member.user]))
    assert policy.visible_entries(member.user, case).filter(pk=entry.pk).exists()
    assert not policy.visible_entries(other_member.user, case).filter(pk=entry.pk).exists()


def test_future_event_date_is_refused():
    case = CaseFactory.create()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.add_entry(access=lead_access(case), **entry_fields(event_date=tomorrow))
    assert "event_date" in error.value.message_dict
    assert not case.entries.exists()


def test_correct_entry_writes_a_new_version_and_keeps_the_old():
    case = CaseFactory.create()
    access = lead_access(case)
    old = services.add_entry(access=access, **entry_fields(summary="Home visit on Tuesday"))
    new = services.correct_entry(access=access, entry=old, reason="It was Wednesday", summary="Home visit on Wednesday")
    old.refresh_from_db()
    assert (old.is_current, new.is_current, new.supersedes) == (False, True, old)
    assert new.correction_reason == "It was Wednesday"
    with pytest.raises(ValidationError):
        services.correct_entry(access=access, entry=old, reason="Again", summary="Twice")


def test_correct_entry_by_someone_other_than_the_author_is_refused_and_logged():
    member = TeamMemberFactory.create(agency__kind=AgencyKind.EDUCATION)
    entry = EntryFactory.create(case=member.case, summary="Lead's note")
    access = policy.get_case(member.user, member.case.pk)
    with pytest.raises(PermissionDenied):
        services.correct_entry(access=access, entry=entry, reason="I disagree", summary="Rewritten")
    entry.refresh_from_db()
    assert (entry.is_current, entry.summary) == (True, "Lead's note")
    assert not entry.case.entries.exclude(pk=entry.pk).exists()
    row = AccessLogEntry.objects.get(user=member.user, outcome="denied")
    assert (row.action, row.object_id, row.case_id) == ("correct_entry", str(entry.pk), member.case.pk)


# --- documents -------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_upload_document_stores_a_valid_file_under_a_random_name(media_root):
    case = CaseFactory.create()
    upload = SimpleUploadedFile("Amal Okafor plan.pdf", pdf_bytes(), content_type="application/pdf")
    document = services.upload_document(access=lead_access(case), upload=upload, title="Plan")
    assert document.content_type == "application/pdf"
    stored_name = str(document.file.name)
    assert "Okafor" not in stored_name
    assert stored_name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        pytest.param("run.exe", b"MZ\x90\x00", "application/x-msdownload", id="type not allowed"),
        pytest.param("scan.pdf", b"<html>not a pdf</html>", "application/pdf", id="pdf without pdf magic"),
        pytest.param("photo.png", b"\xff\xd8\xff\xe0jpeg", "image/png", id="jpeg bytes sent as png"),
        pytest.param("note.txt", b"text\x00binary", "text/plain", id="binary sent as text"),
        pytest.param("empty.txt", b"", "text/plain", id="empty"),
    ],
)
def test_upload_document_rejects_bad_files(media_root, name, content, content_type):
    case = CaseFactory.create()
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    with pytest.raises(ValidationError) as error:
        services.upload_document(access=lead_access(case), upload=upload, title="Evidence")
    assert "file" in error.value.message_dict
    assert not case.documents.exists()
    assert list(media_root.rglob("*.*")) == []


def test_upload_document_rejects_a_file_over_the_size_limit(media_root, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    case = CaseFactory.create()
    upload = SimpleUploadedFile("big.txt", b"a" * 1025, content_type="text/plain")
    with pytest.raises(ValidationError) as error:
        services.upload_document(access=lead_access(case), upload=upload, title="Too big")
    assert "larger than" in error.value.message_dict["file"][0]
    assert not case.documents.exists()


# --- break-glass -----------------------------------------------------------------------------


def test_break_glass_is_refused_to_someone_who_can_already_see_the_case():
    member = TeamMemberFactory.create()
    with pytest.raises(PermissionDenied, match="already see"):
        services.break_glass(user=member.user, case=member.case, reason="Child in A&E with injuries")
    assert not BreakGlassGrant.objects.exists()
    assert denials(member.user) == [(Action.BREAK_GLASS, "you can already see this case")]


def test_break_glass_needs_a_reason():
    case = CaseFactory.create()
    outsider = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH)).user
    with pytest.raises(ValidationError):
        services.break_glass(user=outsider, case=case, reason="urgent")
    assert not policy.visible_cases(outsider).exists()


def test_break_glass_grants_four_hours_and_tells_the_lead_and_the_supervisor(deliver_outbox):
    case = CaseFactory.create()
    nurse = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    supervisor = supervise(nurse)
    reason = "Child brought to A&E unconscious; need the plan and contacts"
    before = timezone.now()
    grant = services.break_glass(user=nurse.user, case=case, reason=reason)
    assert deliver_outbox() == [True, True]

    assert settings.BREAK_GLASS_HOURS == 4
    expected = before + timedelta(hours=4)
    assert expected <= grant.expires_at <= expected + timedelta(seconds=5)
    access = policy.get_case(nurse.user, case.pk)
    assert access.basis.rule == "break-glass"
    assert access.basis.break_glass_until == grant.expires_at

    to_lead = [m for m in mail.outbox if m.to == [case.lead_worker.email]]
    to_supervisor = [m for m in mail.outbox if m.to == [supervisor.user.email]]
    assert len(mail.outbox) == 2
    assert len(to_lead) == len(to_supervisor) == 1
    assert reason in to_lead[0].body
    assert case.reference in to_supervisor[0].body
    assert reason not in to_supervisor[0].body
    assert "A&E" not in f"{to_supervisor[0].subject} {to_supervisor[0].body}"


def test_break_glass_alerts_go_once_each_and_only_to_the_supervisor_in_the_agency_acted_for(deliver_outbox):
    case = CaseFactory.create()
    nurse = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    # The nurse also works for a charity, where someone else supervises them: the break-glass
    # was used for the hospital, so the charity's supervisor is not told of it.
    charity_supervisor = supervise(MembershipFactory.create(user=nurse.user))
    supervisor = supervise(nurse)
    services.break_glass(user=nurse.user, case=case, reason="Child brought to A&E unconscious")

    assert deliver_outbox() == [True, True]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([case.lead_worker.email, supervisor.user.email])
    assert charity_supervisor.user.email not in {m.to[0] for m in mail.outbox}
    assert deliver_outbox() == []  # each alert is stamped sent: a second delivery sends nothing
    assert len(mail.outbox) == 2


def test_break_glass_by_someone_nobody_supervises_tells_the_lead_alone(deliver_outbox):
    case = CaseFactory.create()
    nurse = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    services.break_glass(user=nurse.user, case=case, reason="Child brought to A&E unconscious")

    assert deliver_outbox() == [True, False]
    assert [m.to for m in mail.outbox] == [[case.lead_worker.email]]


def test_break_glass_expires():
    case = CaseFactory.create()
    outsider = MembershipFactory.create().user
    grant = services.break_glass(user=outsider, case=case, reason="Police at the door, child missing")
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not policy.visible_cases(outsider).filter(pk=case.pk).exists()


# --- closure ---------------------------------------------------------------------------------


def test_lead_requests_closure_and_the_supervisor_approves():
    case = CaseFactory.create()
    supervisor = supervise(case.lead_worker.memberships.get())
    services.request_closure(access=lead_access(case), reason="Plan complete; family stepped down to early help")
    request = services.decide_closure(access=policy.get_case(supervisor.user, case.pk), approve=True, note="Agreed")
    case.refresh_from_db()
    assert request.state == ClosureRequest.State.APPROVED
    assert request.decided_by == supervisor.user
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, timezone.localdate())
    assert case.closure_reason == "Plan complete; family stepped down to early help"


def test_a_rejected_closure_needs_a_note_and_leaves_the_case_open():
    case = CaseFactory.create()
    supervisor = supervise(case.lead_worker.memberships.get())
    services.request_closure(access=lead_access(case), reason="Done")
    access = policy.get_case(supervisor.user, case.pk)
    with pytest.raises(ValidationError) as error:
        services.decide_closure(access=access, approve=False)
    assert "note" in error.value.message_dict
    request = services.decide_closure(access=access, approve=False, note="Health actions still outstanding")
    case.refresh_from_db()
    assert request.state == ClosureRequest.State.REJECTED
    assert (case.status, case.closed_on) == (CaseStatus.OPEN, None)


def test_only_the_lead_requests_and_only_their_supervisor_approves():
    member = TeamMemberFactory.create()
    case = member.case
    with pytest.raises(PermissionDenied):
        services.request_closure(access=policy.get_case(member.user, case.pk), reason="Done")
    services.request_closure(access=lead_access(case), reason="Done")
    with pytest.raises(PermissionDenied):
        services.decide_closure(access=lead_access(case), approve=True)
    with pytest.raises(ValidationError):
        services.request_closure(access=lead_access(case), reason="Again")
    assert ClosureRequest.objects.get(case=case).state == ClosureRequest.State.PENDING


# --- explicit grants -------------------------------------------------------------------------


def test_grant_access_makes_the_case_visible_through_guardians_direct_table():
    case = CaseFactory.create()
    reviewer = MembershipFactory.create(agency=case.lead_agency).user
    assert not policy.visible_cases(reviewer).exists()
    services.grant_access(access=lead_access(case), user=reviewer, reason="Independent reviewing officer")
    assert list(policy.visible_cases(reviewer)) == [case]
    assert CaseUserObjectPermission.objects.filter(user=reviewer, content_object=case).exists()
    assert policy.get_case(reviewer, case.pk).basis.rule == "explicit grant"


def test_grant_access_is_only_for_the_lead_or_their_supervisor():
    member = TeamMemberFactory.create()
    someone = MembershipFactory.create().user
    with pytest.raises(PermissionDenied):
        services.grant_access(access=policy.get_case(member.user, member.case.pk), user=someone, reason="Helpful")
    assert not policy.visible_cases(someone).exists()
