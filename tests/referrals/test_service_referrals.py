"""Service referrals between agencies: the receiving agency answers; acceptance lets its named
worker see the shared extract only, never the rest of the case."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from access_control.models import AccessLogEntry
from access_control.policy import ServiceReferralAction, get_case, get_service_referral
from agencies.models import AgencyKind, Role
from cases import services as case_services
from cases.models import Visibility
from referrals import services
from referrals.models import ServiceReferral
from tests.factories import AgencyFactory, CaseFactory, EntryFactory, MembershipFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory.create()
    lead = case.lead_worker
    family_support = AgencyFactory.create(kind=AgencyKind.COMMUNITY, name="Family Support Network")
    worker = MembershipFactory.create(agency=family_support, role=Role.PRACTITIONER)
    colleague = MembershipFactory.create(agency=family_support, role=Role.PRACTITIONER)
    shared = EntryFactory.create(case=case, summary="Parenting concerns discussed", visibility=Visibility.TEAM)
    kept = EntryFactory.create(case=case, summary="Not for the service", visibility=Visibility.TEAM)
    access = get_case(lead, case.pk)
    document = case_services.upload_document(
        access=access,
        upload=SimpleUploadedFile("plan.txt", b"Family plan", content_type="text/plain"),
        title="Family plan",
    )
    other_document = case_services.upload_document(
        access=access,
        upload=SimpleUploadedFile("other.txt", b"Other", content_type="text/plain"),
        title="Other notes",
    )
    referral = services.make_service_referral(
        access=access,
        to_agency=family_support,
        service="Parenting programme",
        reason="Mother asked for help with routines.",
        shared_entries=[shared],
        shared_documents=[document],
    )
    return {
        "case": case,
        "lead": lead,
        "worker": worker.user,
        "colleague": colleague.user,
        "shared": shared,
        "kept": kept,
        "document": document,
        "other_document": other_document,
        "referral": referral,
        "agency": family_support,
    }


def _accept(s) -> ServiceReferral:
    access = get_service_referral(s["worker"], s["referral"].pk, ServiceReferralAction.DECIDE)
    return services.answer_service_referral(
        access=access, accept=True, reason="We have a place", named_worker=s["worker"]
    )


def test_agency_only_and_foreign_entries_cannot_be_shared(setting):
    case, lead = setting["case"], setting["lead"]
    police = TeamMemberFactory.create(case=case)
    police_only = EntryFactory.create(
        case=case, author=police.user, author_agency=police.agency, visibility=Visibility.AGENCY
    )
    other_case_entry = EntryFactory.create()
    access = get_case(lead, case.pk)
    for entries in ([police_only], [other_case_entry]):
        with pytest.raises(ValidationError):
            services.make_service_referral(
                access=access, to_agency=setting["agency"], service="X", reason="Y", shared_entries=entries
            )


def test_recipient_before_acceptance_sees_the_referral_but_not_the_extract(client, setting):
    client.force_login(setting["worker"])
    page = client.get(reverse("referrals:service_detail", kwargs={"referral_id": setting["referral"].pk}))
    assert page.status_code == 200
    assert "Parenting programme" in page.content.decode()
    assert "Parenting concerns discussed" not in page.content.decode()
    download = client.get(reverse("cases:document_download", kwargs={"document_id": setting["document"].pk}))
    assert download.status_code == 404
    entry = client.get(reverse("cases:entry_detail", kwargs={"entry_id": setting["shared"].pk}))
    assert entry.status_code == 404


def test_named_worker_after_acceptance_sees_exactly_the_shared_extract(client, setting):
    _accept(setting)
    client.force_login(setting["worker"])
    page = client.get(reverse("referrals:service_detail", kwargs={"referral_id": setting["referral"].pk}))
    body = page.content.decode()
    assert "Parenting concerns discussed" in body
    assert "Not for the service" not in body
    shared = client.get(reverse("cases:document_download", kwargs={"document_id": setting["document"].pk}))
    assert shared.status_code == 200
    assert b"".join(shared.streaming_content) == b"Family plan"
    other = client.get(reverse("cases:document_download", kwargs={"document_id": setting["other_document"].pk}))
    assert other.status_code == 404
    assert client.get(reverse("cases:entry_detail", kwargs={"entry_id": setting["kept"].pk})).status_code == 404
    assert client.get(reverse("cases:detail", kwargs={"case_id": setting["case"].pk})).status_code == 404
    rows = AccessLogEntry.objects.filter(user=setting["worker"], outcome="allowed")
    assert rows.filter(action="download_document", rule="shared through an accepted service referral").exists()


def test_other_members_of_the_receiving_agency_do_not_see_the_extract(client, setting):
    _accept(setting)
    client.force_login(setting["colleague"])
    page = client.get(reverse("referrals:service_detail", kwargs={"referral_id": setting["referral"].pk}))
    assert page.status_code == 200
    assert "Parenting concerns discussed" not in page.content.decode()
    download = client.get(reverse("cases:document_download", kwargs={"document_id": setting["document"].pk}))
    assert download.status_code == 404


def test_receiving_agency_answers_from_the_page_and_the_referrer_sees_the_status(client, setting):
    client.force_login(setting["colleague"])
    url = reverse("referrals:service_detail", kwargs={"referral_id": setting["referral"].pk})
    bad = client.post(url, {"answer": "decline", "reason": ""})
    assert "This field is required." in bad.content.decode()
    client.post(url, {"answer": "accept", "reason": "Place on the spring course", "named_worker": ""})
    setting["referral"].refresh_from_db()
    assert setting["referral"].state == ServiceReferral.State.PENDING  # accepting needs a named worker
    worker_membership = setting["worker"].memberships.get()
    client.post(url, {"answer": "accept", "reason": "Place on the spring course", "named_worker": worker_membership.pk})
    setting["referral"].refresh_from_db()
    assert setting["referral"].state == ServiceReferral.State.ACCEPTED
    assert setting["referral"].named_worker == setting["worker"]
    client.force_login(setting["lead"])
    case_page = client.get(reverse("cases:detail", kwargs={"case_id": setting["case"].pk})).content.decode()
    assert "Parenting programme" in case_page and "Accepted" in case_page
    # Answered once: a second answer is refused.
    client.force_login(setting["colleague"])
    assert client.post(url, {"answer": "decline", "reason": "Changed our mind"}).status_code == 403


def test_unrelated_people_get_404_and_it_is_logged(client, setting):
    outsider = MembershipFactory.create(role=Role.PRACTITIONER).user
    client.force_login(outsider)
    response = client.get(reverse("referrals:service_detail", kwargs={"referral_id": setting["referral"].pk}))
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(user=outsider, outcome="denied", object_type="servicereferral").exists()


def test_lead_refers_from_the_case_page(client, setting):
    client.force_login(setting["lead"])
    url = reverse("referrals:service_new", kwargs={"case_id": setting["case"].pk})
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "to_agency": setting["agency"].pk,
            "service": "Housing advice",
            "reason": "Rent arrears notice",
            "shared_entries": [str(setting["kept"].pk)],
        },
    )
    assert response.status_code == 302
    made = ServiceReferral.objects.get(service="Housing advice")
    assert list(made.shared_entries.all()) == [setting["kept"]]


def test_contributor_from_another_agency_may_refer_but_a_stranger_may_not(client, setting):
    stranger = MembershipFactory.create().user
    client.force_login(stranger)
    assert client.get(reverse("referrals:service_new", kwargs={"case_id": setting["case"].pk})).status_code == 404


def test_service_inbox_lists_referrals_to_my_agency_only(client, setting):
    client.force_login(setting["worker"])
    page = client.get(reverse("referrals:service_inbox")).content.decode()
    assert "Parenting programme" in page
    client.force_login(MembershipFactory.create().user)
    assert "Parenting programme" not in client.get(reverse("referrals:service_inbox")).content.decode()


def test_service_referral_api_follows_the_same_rules(api_client, setting):
    case, lead, worker = setting["case"], setting["lead"], setting["worker"]
    api_client.force_authenticate(lead)
    created = api_client.post(
        reverse("api-case-service-referrals", kwargs={"case_id": case.pk}),
        {
            "to_agency": setting["agency"].pk,
            "service": "Child mental health service",
            "reason": "Low mood reported by school",
            "shared_entries": [str(setting["shared"].pk)],
        },
        format="json",
    )
    assert created.status_code == 201
    referral_id = created.json()["id"]
    listed = api_client.get(reverse("api-case-service-referrals", kwargs={"case_id": case.pk})).json()
    assert {row["service"] for row in listed["results"]} == {"Parenting programme", "Child mental health service"}

    detail_url = reverse("api-service-referral-detail", kwargs={"referral_id": referral_id})
    answer_url = reverse("api-service-referral-answer", kwargs={"referral_id": referral_id})
    api_client.force_authenticate(worker)
    before = api_client.get(detail_url).json()
    assert before["state"] == "pending" and before["shared_entries"] == []
    assert api_client.post(answer_url, {"accept": True, "reason": "Yes"}, format="json").status_code == 400
    accepted = api_client.post(answer_url, {"accept": True, "reason": "Yes", "named_worker": worker.pk}, format="json")
    assert accepted.json()["state"] == "accepted"
    after = api_client.get(detail_url).json()
    assert [e["summary"] for e in after["shared_entries"]] == ["Parenting concerns discussed"]
    assert api_client.get(reverse("api-case-detail", kwargs={"case_id": case.pk})).status_code == 404
    assert api_client.post(answer_url, {"accept": False, "reason": "No"}, format="json").status_code == 403

    api_client.force_authenticate(MembershipFactory.create().user)
    assert api_client.get(detail_url).status_code == 404
    inbox = api_client.get(reverse("api-service-inbox")).json()
    assert inbox["count"] == 0


def test_api_refuses_to_share_an_item_the_referrer_cannot_see(api_client, setting):
    api_client.force_authenticate(setting["lead"])
    stranger_entry = EntryFactory.create()
    response = api_client.post(
        reverse("api-case-service-referrals", kwargs={"case_id": setting["case"].pk}),
        {"to_agency": setting["agency"].pk, "service": "X", "reason": "Y", "shared_entries": [str(stranger_entry.pk)]},
        format="json",
    )
    assert response.status_code == 400
    assert "shared_entries" in response.json()
