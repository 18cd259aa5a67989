"""The Family tab: the diagram and the household table, the contact-safety and risk form, and the
same through the API (cases.views_family, cases.api_family, cases.family)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access_control.models import AccessLogEntry
from access_control.policy import get_case
from cases import api_family, family, forms_family, views_family
from cases.family import NEEDS_NOTE, NEEDS_REASON
from cases.models import Case, CaseStatus, FamilyLink, Person, Relationship
from tests.access_control.test_no_bare_managers import bare_reads
from tests.cases.families import add_family
from tests.factories import CaseFactory, ChildFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory.create()


@pytest.fixture
def lead(case):
    return case.lead_worker


@pytest.fixture
def contributor(case):
    """A police contributor: sees the case, may not edit it."""
    return TeamMemberFactory.create(case=case).user


def page_url(case) -> str:
    return reverse("cases:family", args=[case.pk])


def edit_url(case, link) -> str:
    return reverse("cases:family_link_edit", args=[case.pk, link.pk])


def api_url(case) -> str:
    return reverse("api-case-family", kwargs={"case_id": case.pk})


def api_link_url(case, link) -> str:
    return reverse("api-case-family-link", kwargs={"case_id": case.pk, "link_id": link.pk})


def unsafe_and_risky() -> dict[str, object]:
    return {"safe_to_contact_reason": "", "risk_note": "", "poses_risk": "on"}  # safe_to_contact unticked


# --- the page ---------------------------------------------------------------------------------


def test_the_family_page_draws_the_family_and_lists_it_in_words(client, case, lead):
    links = add_family(case, 4)
    client.force_login(lead)
    response = client.get(page_url(case))
    assert response.status_code == 200
    assert response.context["tab"] == "family"
    page = response.content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "Family diagram of case" in svg
    child = case.children.get()
    assert escape(child.given_names) in svg  # a Faker name may be O'Neill: escaped in the SVG
    for link in links:
        assert link.person.full_name in svg
    assert page.count('data-testid="family-row"') == 4
    assert "Do not contact</strong>: Court order" in page
    assert "Risk</strong>: Violent to workers" in page
    assert page.count("Change contact and risk") == 4


def test_the_family_page_escapes_names(client, case, lead):
    person = Person.objects.create(full_name="<script>alert('x')</script> & Sons")
    FamilyLink.objects.create(child=case.children.get(), person=person, relationship=Relationship.PARENT)
    client.force_login(lead)
    page = client.get(page_url(case)).content.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page and "&amp; Sons" in page


def test_the_family_page_logs_the_view_of_the_case_and_each_child(client, case, lead):
    case.children.add(ChildFactory.create())
    client.force_login(lead)
    client.get(page_url(case))
    rows = AccessLogEntry.objects.filter(user=lead, case_id=case.pk, outcome=AccessLogEntry.Outcome.ALLOWED)
    assert rows.filter(action="view_case").count() == 1
    assert rows.filter(action="view_child").count() == 2


def test_a_family_with_nobody_linked_says_so(client, case, lead):
    client.force_login(lead)
    response = client.get(page_url(case))
    page = response.content.decode()
    assert 'data-testid="family-empty"' in page
    assert "Nobody is linked to the child on this case yet." in page
    assert "<svg" in page  # the child is drawn alone


def test_someone_who_may_not_edit_sees_the_family_but_no_change_links(client, case, contributor):
    add_family(case, 2)
    client.force_login(contributor)
    page = client.get(page_url(case)).content.decode()
    assert page.count('data-testid="family-row"') == 2
    assert "Change contact and risk" not in page


# --- the edit ---------------------------------------------------------------------------------


def test_the_lead_records_that_a_parent_is_not_safe_to_contact_and_a_risk(client, case, lead):
    (link,) = add_family(case, 1)
    client.force_login(lead)
    response = client.post(
        edit_url(case, link),
        {"safe_to_contact_reason": "Injunction: contact through solicitors", "poses_risk": "on", "risk_note": "Knife"},
    )
    assert response.status_code == 302 and response["Location"] == page_url(case)
    link.refresh_from_db()
    assert not link.safe_to_contact and link.safe_to_contact_reason == "Injunction: contact through solicitors"
    assert link.poses_risk and link.risk_note == "Knife"
    rows = AccessLogEntry.objects.filter(user=lead, case_id=case.pk)
    assert rows.filter(action="edit_case", outcome=AccessLogEntry.Outcome.ALLOWED).exists()
    assert rows.filter(action="edit_family_link", object_type="familylink", object_id=str(link.pk)).exists()


def test_every_error_of_the_edit_is_shown_at_once_and_nothing_is_saved(client, case, lead):
    (link,) = add_family(case, 1)
    client.force_login(lead)
    response = client.post(edit_url(case, link), unsafe_and_risky())
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"safe_to_contact_reason": [NEEDS_REASON], "risk_note": [NEEDS_NOTE]}
    link.refresh_from_db()
    assert link.safe_to_contact and not link.poses_risk


def test_marking_someone_safe_again_clears_the_old_reason_and_note(client, case, lead):
    links = add_family(case, 4)
    link = links[3]  # a risk, and (below) not safe to contact
    link.safe_to_contact, link.safe_to_contact_reason = False, "Old order"
    link.save()
    client.force_login(lead)
    response = client.post(edit_url(case, link), {"safe_to_contact": "on", "safe_to_contact_reason": "Old order"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.safe_to_contact and link.safe_to_contact_reason == ""
    assert not link.poses_risk and link.risk_note == ""


def test_someone_who_can_see_but_not_edit_gets_403_on_the_edit(client, case, contributor):
    (link,) = add_family(case, 1)
    client.force_login(contributor)
    assert client.get(edit_url(case, link)).status_code == 403
    assert client.post(edit_url(case, link), {"safe_to_contact_reason": "x"}).status_code == 403
    link.refresh_from_db()
    assert link.safe_to_contact
    assert AccessLogEntry.objects.filter(
        user=contributor, action="edit_case", outcome=AccessLogEntry.Outcome.DENIED
    ).exists()


def test_a_link_of_another_case_is_not_found_through_this_case(client, case, lead):
    other = CaseFactory.create()
    (elsewhere,) = add_family(other, 1)
    client.force_login(lead)
    assert client.get(edit_url(case, elsewhere)).status_code == 404
    assert client.post(edit_url(case, elsewhere), {"safe_to_contact": "on"}).status_code == 404


def test_a_closed_case_offers_no_change(client, case, lead):
    (link,) = add_family(case, 1)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_on=timezone.localdate(), closure_reason="Work complete"
    )
    client.force_login(lead)
    page = client.get(page_url(case)).content.decode()
    assert "Change contact and risk" not in page
    response = client.post(edit_url(case, link), {"safe_to_contact_reason": "Order", "poses_risk": ""})
    assert response.status_code == 200
    assert "This case is closed." in response.content.decode()
    link.refresh_from_db()
    assert link.safe_to_contact


def test_the_service_refuses_a_link_of_another_case(case, lead):
    (elsewhere,) = add_family(CaseFactory.create(), 1)
    with pytest.raises(ValidationError):
        family.update_contact_safety(
            access=get_case(lead, case.pk), link=elsewhere, safe_to_contact=True, poses_risk=False
        )


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_the_children_and_their_links(api_client, case, lead):
    links = add_family(case, 3)
    api_client.force_authenticate(lead)
    response = api_client.get(api_url(case))
    assert response.status_code == 200
    body = response.json()
    child = case.children.get()
    assert [c["id"] for c in body["children"]] == [str(child.pk)]
    assert body["children"][0]["legal_status"] == child.legal_status
    assert {row["id"] for row in body["links"]} == {link.pk for link in links}
    unsafe = next(row for row in body["links"] if row["id"] == links[2].pk)
    assert unsafe["safe_to_contact"] is False and unsafe["safe_to_contact_reason"] == "Court order"
    assert unsafe["child_id"] == str(child.pk) and unsafe["full_name"] == links[2].person.full_name
    assert "svg" not in response.content.decode().lower()


def test_the_api_changes_contact_safety_and_risk_through_the_service(api_client, case, lead):
    (link,) = add_family(case, 1)
    api_client.force_authenticate(lead)
    response = api_client.patch(
        api_link_url(case, link), {"poses_risk": True, "risk_note": "Threatened a nurse"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["poses_risk"] is True and response.json()["risk_note"] == "Threatened a nurse"
    link.refresh_from_db()
    assert link.poses_risk and link.safe_to_contact  # what was not sent is kept
    assert AccessLogEntry.objects.filter(user=lead, action="edit_family_link").exists()


def test_the_api_reports_every_error_of_the_edit_at_once(api_client, case, lead):
    (link,) = add_family(case, 1)
    api_client.force_authenticate(lead)
    response = api_client.patch(api_link_url(case, link), {"safe_to_contact": False, "poses_risk": True}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"safe_to_contact_reason", "risk_note"}, body


def test_the_api_edit_is_403_for_someone_who_may_not_edit(api_client, case, contributor):
    (link,) = add_family(case, 1)
    api_client.force_authenticate(contributor)
    assert api_client.get(api_url(case)).status_code == 200
    response = api_client.patch(api_link_url(case, link), {"safe_to_contact": True}, format="json")
    assert response.status_code == 403


def test_the_api_edit_of_another_case_link_is_404(api_client, case, lead):
    (elsewhere,) = add_family(CaseFactory.create(), 1)
    api_client.force_authenticate(lead)
    assert api_client.patch(api_link_url(case, elsewhere), {}, format="json").status_code == 404


def test_the_family_modules_reach_case_data_only_through_the_policy():
    for module in (views_family, api_family, forms_family):
        assert bare_reads(Path(str(module.__file__)).read_text()) == [], module.__name__


# --- query counts -----------------------------------------------------------------------------

# Sign-in and session, the policy door (the case with the user's basis, the log write with its
# chain), the header and tabs, the children and their links with their people: fixed.
FAMILY_PAGE_MAX_QUERIES = 25
FAMILY_API_MAX_QUERIES = 10


def _count(run: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", ["page", "api"])
def test_the_family_runs_the_same_number_of_queries_for_1_and_12_people(client, api_client, path):
    def measure(size: int) -> int:
        case = CaseFactory.create()
        case.children.add(ChildFactory.create())
        add_family(case, size)
        if path == "page":
            client.force_login(case.lead_worker)
            client.get(page_url(case))  # warm the session
            return _count(lambda: client.get(page_url(case)))
        api_client.force_authenticate(case.lead_worker)
        return _count(lambda: api_client.get(api_url(case)))

    small, large = measure(1), measure(12)
    assert small == large
    assert large <= (FAMILY_PAGE_MAX_QUERIES if path == "page" else FAMILY_API_MAX_QUERIES)
