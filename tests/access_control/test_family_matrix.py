"""The Family tab under the need-to-know policy: the diagram, the table and the API show the
case's own children and the people linked to them, and nothing else.

A person may be linked to children on several cases (a father of two children by different
mothers, each child on a case of their own). Reading one case's family must never show the
other case's child, nor its link to that person, to someone who cannot see the other case; and
a user who cannot see the case at all gets 404 on every door, with the refusal logged."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from agencies.models import AgencyKind, User
from cases.models import Case, Child, FamilyLink, Person, Relationship
from tests.factories import AgencyFactory, CaseFactory, ChildFactory, MembershipFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    case: Case
    hidden_case: Case
    child: Child
    hidden_child: Child
    father: Person
    link: FamilyLink
    hidden_link: FamilyLink
    lead: User
    contributor: User
    outsider: User


@pytest.fixture
def world() -> World:
    case = CaseFactory.create()
    child = case.children.get()
    child.given_names, child.family_name = "Visible", "Childone"
    child.save()
    hidden_case = CaseFactory.create()  # another agency's case: nobody here is on its team
    hidden_child = hidden_case.children.get()
    hidden_child.given_names, hidden_child.family_name = "Secret", "Otherchild"
    hidden_child.save()
    father = Person.objects.create(full_name="Shared Father", phone="07700 900111")
    link = FamilyLink.objects.create(
        child=child, person=father, relationship=Relationship.PARENT, parental_responsibility=True
    )
    hidden_link = FamilyLink.objects.create(
        child=hidden_child,
        person=father,
        relationship=Relationship.STEP_PARENT,
        lives_with_child=True,
        safe_to_contact=False,
        safe_to_contact_reason="Hidden case reason",
        poses_risk=True,
        risk_note="Hidden case risk",
    )
    # The other case's child also has a mother of their own: not linked to this case at all.
    other_mother = Person.objects.create(full_name="Hidden Mother")
    FamilyLink.objects.create(child=hidden_child, person=other_mother, relationship=Relationship.PARENT)
    contributor = TeamMemberFactory.create(case=case).user
    outsider = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.POLICE)).user
    return World(
        case=case,
        hidden_case=hidden_case,
        child=child,
        hidden_child=hidden_child,
        father=father,
        link=link,
        hidden_link=hidden_link,
        lead=case.lead_worker,
        contributor=contributor,
        outsider=outsider,
    )


HIDDEN_WORDS = ("Secret", "Otherchild", "Hidden case reason", "Hidden case risk", "Hidden Mother")


def _page(user: User, case: Case) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("cases:family", args=[case.pk]))
    return response.status_code, response.content.decode()


def _api(user: User, case: Case) -> tuple[int, str]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("api-case-family", kwargs={"case_id": case.pk}))
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("door", [_page, _api], ids=["page", "api"])
@pytest.mark.parametrize("who", ["lead", "contributor"])
def test_the_family_shows_only_this_case_children_and_links(world: World, door, who):
    status, body = door(getattr(world, who), world.case)
    assert status == 200
    assert "Visible" in body and "Shared Father" in body
    for words in HIDDEN_WORDS:
        assert words not in body, words
    assert str(world.hidden_child.pk) not in body


def test_the_api_lists_exactly_this_case_links(world: World):
    client = APIClient()
    client.force_authenticate(world.lead)
    body = client.get(reverse("api-case-family", kwargs={"case_id": world.case.pk})).json()
    assert [row["id"] for row in body["links"]] == [world.link.pk]
    assert [child["id"] for child in body["children"]] == [str(world.child.pk)]
    # The father's marks on this case are this link's, not the other case's.
    assert body["links"][0]["safe_to_contact"] is True and body["links"][0]["poses_risk"] is False


def test_the_diagram_does_not_carry_the_other_case_marks(world: World):
    status, body = _page(world.lead, world.case)
    assert status == 200
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "Do not contact" not in svg and ">Risk<" not in svg
    assert "Step-parent" not in svg  # his relationship on the other case


@pytest.mark.parametrize("door", [_page, _api], ids=["page", "api"])
def test_an_outsider_gets_404_and_the_refusal_is_logged(world: World, door):
    status, body = door(world.outsider, world.case)
    assert status == 404
    for words in ("Visible", "Shared Father", *HIDDEN_WORDS):
        assert words not in body
    assert AccessLogEntry.objects.filter(
        user=world.outsider, outcome=AccessLogEntry.Outcome.DENIED, case_id=world.case.pk
    ).exists()


def test_an_outsider_cannot_change_a_link(world: World):
    client = Client()
    client.force_login(world.outsider)
    url = reverse("cases:family_link_edit", args=[world.case.pk, world.link.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"safe_to_contact_reason": "x"}).status_code == 404
    api = APIClient()
    api.force_authenticate(world.outsider)
    api_url = reverse("api-case-family-link", kwargs={"case_id": world.case.pk, "link_id": world.link.pk})
    assert api.patch(api_url, {"safe_to_contact": False}, format="json").status_code == 404
    world.link.refresh_from_db()
    assert world.link.safe_to_contact


def test_the_lead_cannot_change_the_other_case_link_through_their_own_case(world: World):
    client = Client()
    client.force_login(world.lead)
    url = reverse("cases:family_link_edit", args=[world.case.pk, world.hidden_link.pk])
    assert client.get(url).status_code == 404
    api = APIClient()
    api.force_authenticate(world.lead)
    api_url = reverse("api-case-family-link", kwargs={"case_id": world.case.pk, "link_id": world.hidden_link.pk})
    assert api.patch(api_url, {"safe_to_contact": True}, format="json").status_code == 404
    world.hidden_link.refresh_from_db()
    assert not world.hidden_link.safe_to_contact
    # Nor through the other case, which they cannot see.
    hidden = reverse("cases:family", args=[world.hidden_case.pk])
    assert client.get(hidden).status_code == 404


def test_a_new_child_added_to_the_other_case_does_not_appear(world: World):
    world.hidden_case.children.add(ChildFactory.create(given_names="Laterborn"))
    status, body = _page(world.lead, world.case)
    assert status == 200 and "Laterborn" not in body
