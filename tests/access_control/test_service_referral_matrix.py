"""The access matrix for service referrals between agencies: who sees the referral, who
answers it, and who sees the shared extract, before and after acceptance; page and API.
Every cell asserts the outcome and what the access log recorded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from access_control.policy import ServiceReferralAction, get_case, get_service_referral
from agencies.models import AgencyKind, Role, User
from cases import services as case_services
from cases.models import Visibility
from referrals import services
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, MembershipFactory

ACTIONS = ("view_referral", "answer", "see_extract", "download_shared", "view_shared_entry", "view_case")

# relationship -> (state of the referral when tested, the actions it allows)
MATRIX: dict[str, tuple[str, set[str]]] = {
    "referrer (lead of the case)": (
        "pending",
        {"view_referral", "see_extract", "download_shared", "view_shared_entry", "view_case"},
    ),
    "recipient before acceptance": ("pending", {"view_referral", "answer"}),
    "named worker after acceptance": (
        "accepted",
        {"view_referral", "see_extract", "download_shared", "view_shared_entry"},
    ),
    "colleague of the named worker after acceptance": ("accepted", {"view_referral"}),
    "agency admin of the receiving agency": ("pending", set()),
    "staff of an unrelated agency": ("pending", set()),
    "public (signed out)": ("pending", set()),
}
EXTRACT_TEXT = "Parenting concerns discussed"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory.create()
    service_agency = AgencyFactory.create(kind=AgencyKind.COMMUNITY)
    worker = MembershipFactory.create(agency=service_agency).user
    colleague = MembershipFactory.create(agency=service_agency).user
    admin = MembershipFactory.create(agency=service_agency, role=Role.AGENCY_ADMIN).user
    outsider = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.HEALTH)).user
    entry = EntryFactory.create(case=case, summary=EXTRACT_TEXT, visibility=Visibility.TEAM)
    access = get_case(case.lead_worker, case.pk)
    document = case_services.upload_document(
        access=access, upload=SimpleUploadedFile("plan.txt", b"Plan", content_type="text/plain"), title="Plan"
    )
    referral = services.make_service_referral(
        access=access,
        to_agency=service_agency,
        service="Parenting programme",
        reason="Asked for help",
        shared_entries=[entry],
        shared_documents=[document],
    )
    users: dict[str, User | None] = {
        "referrer (lead of the case)": case.lead_worker,
        "recipient before acceptance": worker,
        "named worker after acceptance": worker,
        "colleague of the named worker after acceptance": colleague,
        "agency admin of the receiving agency": admin,
        "staff of an unrelated agency": outsider,
        "public (signed out)": None,
    }
    return {"case": case, "referral": referral, "entry": entry, "document": document, "users": users, "worker": worker}


def _attempt(world, action: str, interface: str, client):
    referral, case = world["referral"], world["case"]
    if interface == "page":
        urls = {
            "view_referral": ("get", reverse("referrals:service_detail", kwargs={"referral_id": referral.pk}), None),
            "see_extract": ("get", reverse("referrals:service_detail", kwargs={"referral_id": referral.pk}), None),
            "answer": (
                "post",
                reverse("referrals:service_detail", kwargs={"referral_id": referral.pk}),
                {"answer": "decline", "reason": "No places"},
            ),
            "download_shared": (
                "get",
                reverse("cases:document_download", kwargs={"document_id": world["document"].pk}),
                None,
            ),
            "view_shared_entry": ("get", reverse("cases:entry_detail", kwargs={"entry_id": world["entry"].pk}), None),
            "view_case": ("get", reverse("cases:detail", kwargs={"case_id": case.pk}), None),
        }
    else:
        urls = {
            "view_referral": ("get", reverse("api-service-referral-detail", kwargs={"referral_id": referral.pk}), None),
            "see_extract": ("get", reverse("api-service-referral-detail", kwargs={"referral_id": referral.pk}), None),
            "answer": (
                "post",
                reverse("api-service-referral-answer", kwargs={"referral_id": referral.pk}),
                {"accept": "false", "reason": "No places"},
            ),
            "download_shared": (
                "get",
                reverse("api-document-download", kwargs={"document_id": world["document"].pk}),
                None,
            ),
            "view_shared_entry": ("get", reverse("api-entry-detail", kwargs={"entry_id": world["entry"].pk}), None),
            "view_case": ("get", reverse("api-case-detail", kwargs={"case_id": case.pk}), None),
        }
    method, url, data = urls[action]
    if method == "get":
        return client.get(url)
    return client.post(url, data, format="json") if interface == "api" else client.post(url, data)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


CELLS = [(relationship, action) for relationship in MATRIX for action in ACTIONS]


@pytest.mark.parametrize("interface", ["page", "api"])
@pytest.mark.parametrize(("relationship", "action"), CELLS)
def test_service_referral_matrix(world, relationship, action, interface):
    state, allowed_actions = MATRIX[relationship]
    if state == "accepted":
        access = get_service_referral(world["worker"], world["referral"].pk, ServiceReferralAction.DECIDE)
        services.answer_service_referral(access=access, accept=True, reason="Place", named_worker=world["worker"])
    user = world["users"][relationship]
    client: Client | APIClient
    if interface == "api":
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
    else:
        client = Client()
        if user is not None:
            client.force_login(user)
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _attempt(world, action, interface, client)
    body = _body(response)
    allowed = action in allowed_actions

    if user is None:
        assert response.status_code in ((302,) if interface == "page" else (401, 403))
        assert EXTRACT_TEXT.encode() not in body
        return
    rows = AccessLogEntry.objects.filter(id__gt=before, user=user)
    if action == "see_extract":
        if "view_referral" in allowed_actions:
            assert response.status_code == 200
            assert (EXTRACT_TEXT.encode() in body) is allowed
            assert rows.filter(outcome="allowed").exists()
        else:
            assert response.status_code == 404
            assert rows.filter(outcome="denied").exists()
        return
    if allowed:
        assert response.status_code in (200, 201, 302), body[:300]
        assert rows.filter(outcome="allowed").exists()
    else:
        sees_referral = "view_referral" in allowed_actions
        expected = 403 if (action == "answer" and sees_referral) else 404
        assert response.status_code == expected
        assert EXTRACT_TEXT.encode() not in body
        assert rows.filter(outcome="denied").exists()
