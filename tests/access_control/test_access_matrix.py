"""The access matrix: every relationship a person can have to a case, against every
action, through the pages and through the API. One table below states the rules; each
cell asserts the outcome a user would see and that the access log recorded it.

Outcomes: a case or item the user may not see answers 404; an action on a case the user
can see but may not do answers 403; an allowed action succeeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry, BreakGlassGrant
from access_control.policy import get_case
from agencies.models import AgencyKind, Membership, Role, SupervisionLine, User
from cases import services
from cases.models import Case, CaseTeamMember, ChronologyEntry, Document, TeamRole, Visibility
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, MembershipFactory, UserFactory

# --- the table ---------------------------------------------------------------------

CASE_ACTIONS = ("list", "view_case", "edit_case", "add_entry", "manage_team", "view_access_log", "close_case")
ITEM_ACTIONS = ("view_entry_team", "view_entry_agency", "view_entry_named", "download_document")
ACTIONS = CASE_ACTIONS + ITEM_ACTIONS

EVERYONE_WHO_SEES = {"view_case", "list", "view_entry_team", "download_document"}

# relationship -> the actions it allows (everything else is refused).
MATRIX: dict[str, set[str]] = {
    "lead (children's social care)": EVERYONE_WHO_SEES
    | {"edit_case", "add_entry", "manage_team", "view_access_log", "close_case", "view_entry_named"},
    "team member (police), author of the agency-only entry": EVERYONE_WHO_SEES | {"add_entry", "view_entry_agency"},
    "team member (health), named on the named entry": EVERYONE_WHO_SEES | {"add_entry", "view_entry_named"},
    "team member (education)": EVERYONE_WHO_SEES | {"add_entry"},
    "team member (community)": EVERYONE_WHO_SEES | {"add_entry"},
    "team member (police colleague of the author)": EVERYONE_WHO_SEES | {"add_entry", "view_entry_agency"},
    "same-agency non-member": set(),
    "supervisor of a team member (the lead)": EVERYONE_WHO_SEES
    | {"edit_case", "add_entry", "manage_team", "view_access_log"},
    "supervisor of a non-member": set(),
    "other agency (police, not on the team)": set(),
    "agency admin of the lead agency": set(),
    "platform superuser": set(),
    "active break-glass": set(EVERYONE_WHO_SEES),
    "expired break-glass": set(),
    "explicit grant": set(EVERYONE_WHO_SEES),
    "deactivated member (was on the team)": set(),
    "removed team member": set(),
}


@dataclass
class World:
    case: Case
    users: dict[str, User]
    entry_team: ChronologyEntry
    entry_agency: ChronologyEntry
    entry_named: ChronologyEntry
    document: Document


def _member(agency, role=Role.PRACTITIONER) -> Membership:
    return MembershipFactory.create(agency=agency, role=role)


def _on_team(case: Case, membership: Membership, role: str = TeamRole.CONTRIBUTOR) -> CaseTeamMember:
    return CaseTeamMember.objects.create(
        case=case, user=membership.user, agency=membership.agency, role=role, added_reason="Matrix"
    )


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory.create()
    csc = case.lead_agency
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    health = AgencyFactory.create(kind=AgencyKind.HEALTH)
    education = AgencyFactory.create(kind=AgencyKind.EDUCATION)
    community = AgencyFactory.create(kind=AgencyKind.COMMUNITY)
    lead_membership = Membership.objects.get(user=case.lead_worker, agency=csc)

    users: dict[str, User] = {"lead (children's social care)": case.lead_worker}
    police_author = _member(police)
    _on_team(case, police_author)
    users["team member (police), author of the agency-only entry"] = police_author.user
    health_member = _member(health)
    _on_team(case, health_member)
    users["team member (health), named on the named entry"] = health_member.user
    for label, agency in (("team member (education)", education), ("team member (community)", community)):
        membership = _member(agency)
        _on_team(case, membership)
        users[label] = membership.user
    colleague = _member(police)
    _on_team(case, colleague)
    users["team member (police colleague of the author)"] = colleague.user

    non_member = _member(csc)
    users["same-agency non-member"] = non_member.user
    supervisor = _member(csc, Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=supervisor, supervisee=lead_membership)
    users["supervisor of a team member (the lead)"] = supervisor.user
    other_supervisor = _member(csc, Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=other_supervisor, supervisee=non_member)
    users["supervisor of a non-member"] = other_supervisor.user
    users["other agency (police, not on the team)"] = _member(police).user
    users["agency admin of the lead agency"] = _member(csc, Role.AGENCY_ADMIN).user
    users["platform superuser"] = UserFactory.create(is_superuser=True, is_staff=True)
    active = _member(health)
    BreakGlassGrant.objects.create(
        case=case, user=active.user, reason="Child brought to A&E", expires_at=timezone.now() + timedelta(hours=4)
    )
    users["active break-glass"] = active.user
    expired = _member(health)
    BreakGlassGrant.objects.create(
        case=case, user=expired.user, reason="Yesterday's emergency", expires_at=timezone.now() - timedelta(minutes=1)
    )
    users["expired break-glass"] = expired.user
    granted = _member(education)
    assign_perm("cases.view_case", granted.user, case)
    users["explicit grant"] = granted.user
    leaver = _member(police)
    _on_team(case, leaver)
    Membership.objects.filter(pk=leaver.pk).update(active=False, ended_on=timezone.localdate())
    users["deactivated member (was on the team)"] = leaver.user
    removed = _member(health)
    place = _on_team(case, removed)
    CaseTeamMember.objects.filter(pk=place.pk).update(active=False, removed_at=timezone.now(), removed_reason="Left")
    users["removed team member"] = removed.user
    assert set(users) == set(MATRIX)

    entry_team = EntryFactory.create(case=case, summary="Seen by the whole team")
    entry_agency = EntryFactory.create(
        case=case,
        author=police_author.user,
        author_agency=police,
        visibility=Visibility.AGENCY,
        summary="Police only",
    )
    entry_named = EntryFactory.create(case=case, visibility=Visibility.NAMED, summary="Named only")
    entry_named.named_viewers.add(health_member.user)
    lead_access = get_case(case.lead_worker, case.pk)
    document = services.upload_document(
        access=lead_access,
        upload=SimpleUploadedFile("note.txt", b"Strategy notes", content_type="text/plain"),
        title="Strategy notes",
    )
    return World(case, users, entry_team, entry_agency, entry_named, document)


# --- how each action is attempted ------------------------------------------------------


def _page(world: World, action: str, client: Client):
    case_id = world.case.pk
    if action == "list":
        return client.get(reverse("cases:list"))
    if action == "view_case":
        return client.get(reverse("cases:detail", kwargs={"case_id": case_id}))
    if action == "edit_case":
        return client.post(
            reverse("cases:edit", kwargs={"case_id": case_id}),
            {"status": "section_47", "risk_level": "high", "category": "neglect"},
        )
    if action == "add_entry":
        return client.post(
            reverse("cases:entry_add", kwargs={"case_id": case_id}),
            {
                "event_date": timezone.localdate().isoformat(),
                "kind": "contact",
                "summary": "Matrix entry",
                "significance": "routine",
                "visibility": "agency",
            },
        )
    if action == "manage_team":
        newcomer = MembershipFactory.create(agency=world.case.lead_agency)
        return client.post(
            reverse("cases:team", kwargs={"case_id": case_id}),
            {"email": newcomer.user.email, "agency": newcomer.agency_id, "role": "contributor", "reason": "Matrix"},
        )
    if action == "view_access_log":
        return client.get(reverse("cases:access_log", kwargs={"case_id": case_id}))
    if action == "close_case":
        return client.post(reverse("cases:close", kwargs={"case_id": case_id}), {"reason": "Work complete"})
    if action.startswith("view_entry_"):
        return client.get(reverse("cases:entry_detail", kwargs={"entry_id": _entry(world, action).pk}))
    if action == "download_document":
        return client.get(reverse("cases:document_download", kwargs={"document_id": world.document.pk}))
    raise AssertionError(action)


def _api(world: World, action: str, client: APIClient):
    case_id = world.case.pk
    if action == "list":
        return client.get(reverse("api-case-list"))
    if action == "view_case":
        return client.get(reverse("api-case-detail", kwargs={"case_id": case_id}))
    if action == "edit_case":
        return client.patch(
            reverse("api-case-detail", kwargs={"case_id": case_id}),
            {"status": "section_47", "risk_level": "high", "category": "neglect"},
            format="json",
        )
    if action == "add_entry":
        return client.post(
            reverse("api-case-entries", kwargs={"case_id": case_id}),
            {
                "event_date": timezone.localdate().isoformat(),
                "kind": "contact",
                "summary": "Matrix entry",
                "significance": "routine",
                "visibility": "agency",
            },
            format="json",
        )
    if action == "manage_team":
        newcomer = MembershipFactory.create(agency=world.case.lead_agency)
        return client.post(
            reverse("api-case-team", kwargs={"case_id": case_id}),
            {"email": newcomer.user.email, "agency": newcomer.agency_id, "role": "contributor", "reason": "Matrix"},
            format="json",
        )
    if action == "view_access_log":
        return client.get(reverse("api-case-access-log", kwargs={"case_id": case_id}))
    if action == "close_case":
        return client.post(reverse("api-case-closure", kwargs={"case_id": case_id}), {"reason": "Done"}, format="json")
    if action.startswith("view_entry_"):
        return client.get(reverse("api-entry-detail", kwargs={"entry_id": _entry(world, action).pk}))
    if action == "download_document":
        return client.get(reverse("api-document-download", kwargs={"document_id": world.document.pk}))
    raise AssertionError(action)


def _entry(world: World, action: str) -> ChronologyEntry:
    return {
        "view_entry_team": world.entry_team,
        "view_entry_agency": world.entry_agency,
        "view_entry_named": world.entry_named,
    }[action]


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


CELLS = [(relationship, action) for relationship in MATRIX for action in ACTIONS]


@pytest.mark.parametrize("interface", ["page", "api"])
@pytest.mark.parametrize(("relationship", "action"), CELLS)
def test_access_matrix(world: World, relationship: str, action: str, interface: str):
    user = world.users[relationship]
    allowed = action in MATRIX[relationship]
    sees_case = "view_case" in MATRIX[relationship]
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    if interface == "page":
        client = Client()
        client.force_login(user)
        response = _page(world, action, client)
    else:
        api_client = APIClient()
        api_client.force_authenticate(user)
        response = _api(world, action, api_client)

    rows = AccessLogEntry.objects.filter(id__gt=before, user=user)
    if action == "list":
        assert response.status_code == 200
        assert (world.case.reference in _content(response).decode()) is allowed
        assert rows.filter(action="list", outcome="allowed").exists()
        return

    if allowed:
        assert response.status_code in (200, 201, 302), _content(response)[:500]
        assert rows.filter(outcome="allowed").exists()
        assert not rows.filter(outcome="denied").exists()
    else:
        expected = 403 if sees_case and action in CASE_ACTIONS else 404
        assert response.status_code == expected
        assert b"Police only" not in _content(response)
        assert rows.filter(outcome="denied").exists(), list(rows.values("action", "outcome", "rule"))
        if expected == 404:
            # Nothing about the case leaks into a 404.
            assert world.case.reference.encode() not in _content(response)


def test_matrix_covers_every_relationship_and_action():
    assert len(MATRIX) == 17
    assert len(CELLS) * 2 == 17 * len(ACTIONS) * 2


def test_denied_cells_change_nothing(world: World):
    """Everyone refused edit, add entry, team or closure leaves the case exactly as it was."""
    before = (
        Case.objects.filter(pk=world.case.pk).values("status", "risk_level").get(),
        ChronologyEntry.objects.filter(case=world.case).count(),
        CaseTeamMember.objects.filter(case=world.case).count(),
    )
    for relationship, allowed in MATRIX.items():
        user = world.users[relationship]
        for action in ("edit_case", "add_entry", "manage_team", "close_case"):
            if action in allowed:
                continue
            client = Client()
            client.force_login(user)
            _page(world, action, client)
            api_client = APIClient()
            api_client.force_authenticate(user)
            _api(world, action, api_client)
    after = (
        Case.objects.filter(pk=world.case.pk).values("status", "risk_level").get(),
        ChronologyEntry.objects.filter(case=world.case).count(),
        CaseTeamMember.objects.filter(case=world.case).count(),
    )
    # Refused team additions created memberships for newcomers but no team places.
    assert after == before
