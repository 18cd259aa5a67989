"""``web.forms.saved``: the one way a page hands a valid form to its service. Real forms, real
requests (RequestFactory) and, for the agency pages' forms, the real services on the database."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.test import RequestFactory

from agencies import services
from agencies.forms import ChangeRoleForm, SupervisorForm
from agencies.models import Membership, MembershipEvent, Role
from tests.factories import MembershipFactory
from web.forms import Saved, ServiceErrorsMixin, saved


class NoteForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(max_length=20)
    body = forms.CharField(required=False)

    service_field_aliases = {"heading": "title"}


def request(method: str = "post", data: dict[str, Any] | None = None) -> HttpRequest:
    made = getattr(RequestFactory(), method)("/somewhere/", data or {})
    made._messages = CookieStorage(made)
    return made


def shown(made: HttpRequest) -> list[str]:
    return [str(message) for message in get_messages(made)]


class Service:
    """A stand-in service that remembers what it was given and answers or refuses."""

    def __init__(self, *, raises: Exception | None = None, answer: object = "the saved thing") -> None:
        self.calls: list[dict[str, Any]] = []
        self.raises = raises
        self.answer = answer

    def __call__(self, data: dict[str, Any]) -> object:
        self.calls.append(data)
        if self.raises is not None:
            raise self.raises
        return self.answer


def test_a_valid_post_calls_the_service_shows_the_message_and_answers_what_it_saved():
    made = request(data={"title": "Home visit", "body": "Seen"})
    form = NoteForm(made.POST)
    service = Service()
    done = saved(made, form, service, "Note saved.")
    assert done == Saved("the saved thing")
    assert service.calls == [{"title": "Home visit", "body": "Seen"}]
    assert shown(made) == ["Note saved."]


def test_without_a_success_message_none_is_shown():
    made = request(data={"title": "Home visit"})
    assert saved(made, NoteForm(made.POST), Service())
    assert shown(made) == []


def test_a_service_that_answers_none_still_counts_as_saved():
    made = request(data={"title": "Home visit"})
    assert saved(made, NoteForm(made.POST), Service(answer=None), "Saved.") == Saved(None)
    assert shown(made) == ["Saved."]


def test_an_invalid_form_does_not_reach_the_service_and_keeps_what_was_typed():
    made = request(data={"title": "x" * 21, "body": "Kept"})
    form = NoteForm(made.POST)
    service = Service()
    assert saved(made, form, service, "Note saved.") is None
    assert service.calls == []
    assert shown(made) == []
    assert list(form.errors) == ["title"]
    assert form["body"].value() == "Kept"


def test_a_get_does_not_reach_the_service():
    made = request("get")
    form = NoteForm(None)
    service = Service()
    assert saved(made, form, service, "Note saved.") is None
    assert service.calls == []
    assert not form.errors


def test_a_service_refusal_lands_on_the_fields_it_names_and_above_the_form_all_at_once():
    made = request(data={"title": "Home visit", "body": "Seen"})
    form = NoteForm(made.POST)
    refusal = ValidationError(
        {"heading": "Choose another title.", "body": "Say more.", "when": "Not in the past.", "__all__": "Not now."}
    )
    assert saved(made, form, Service(raises=refusal), "Note saved.") is None
    assert shown(made) == []
    assert form.errors == {
        "title": ["Choose another title."],
        "body": ["Say more."],
        "__all__": ["Not in the past.", "Not now."],
    }
    assert form["title"].value() == "Home visit"


def test_a_service_refusal_that_names_no_field_is_shown_above_the_form():
    made = request(data={"title": "Home visit"})
    form = NoteForm(made.POST)
    assert saved(made, form, Service(raises=ValidationError(["One thing.", "Another."]))) is None
    assert form.non_field_errors() == ["One thing.", "Another."]


def test_a_service_permission_denied_is_not_caught():
    made = request(data={"title": "Home visit"})
    form = NoteForm(made.POST)
    with pytest.raises(PermissionDenied):
        saved(made, form, Service(raises=PermissionDenied("Not yours.")), "Note saved.")
    assert shown(made) == []


# --- with the real services and database -----------------------------------------------------


@pytest.mark.django_db
def test_with_a_real_service_the_change_is_saved_and_told(admin_membership: Membership):
    member = MembershipFactory.create(agency=admin_membership.agency, role=Role.PRACTITIONER)
    made = request(data={"role": Role.SUPERVISOR})
    form = ChangeRoleForm(made.POST)
    done = saved(
        made,
        form,
        lambda data: services.change_role(by=admin_membership.user, membership=member, role=data["role"]),
        "Role changed.",
    )
    assert done is not None and done.result.pk == member.pk
    member.refresh_from_db()
    assert member.role == Role.SUPERVISOR
    assert shown(made) == ["Role changed."]


@pytest.mark.django_db
def test_with_a_real_service_its_refusals_land_on_the_field_and_above_the_form(admin_membership: Membership):
    by = admin_membership.user
    made = request(data={"role": Role.PRACTITIONER})
    form = ChangeRoleForm(made.POST)
    # The last admin keeps the role: the service names the field.
    assert saved(made, form, lambda data: services.change_role(by=by, membership=admin_membership, **data)) is None
    assert form.errors == {"role": ["An agency must keep at least one agency admin."]}
    # An ended membership: the service names no field.
    ended = MembershipFactory.create(agency=admin_membership.agency, active=False, ended_on="2026-01-05")
    form = ChangeRoleForm(made.POST)
    assert saved(made, form, lambda data: services.change_role(by=by, membership=ended, **data)) is None
    assert form.non_field_errors() == ["This membership has ended; invite the person again instead."]
    assert shown(made) == []
    assert not MembershipEvent.objects.filter(action=MembershipEvent.Action.ROLE_CHANGED).exists()


@pytest.mark.django_db
def test_with_a_real_service_a_refused_person_gets_permission_denied(admin_membership: Membership):
    member = MembershipFactory.create(agency=admin_membership.agency, role=Role.PRACTITIONER)
    made = request(data={"role": Role.SUPERVISOR})
    with pytest.raises(PermissionDenied):
        saved(
            made,
            ChangeRoleForm(made.POST),
            lambda data: services.change_role(by=member.user, membership=member, role=data["role"]),
            "Role changed.",
        )
    member.refresh_from_db()
    assert member.role == Role.PRACTITIONER
    assert shown(made) == []


@pytest.mark.django_db
def test_clearing_a_supervisor_saves_although_the_service_answers_none(admin_membership: Membership):
    member = MembershipFactory.create(agency=admin_membership.agency, role=Role.PRACTITIONER)
    made = request(data={"supervisor": ""})
    form = SupervisorForm(made.POST, supervisors=Membership.objects.none())
    done = saved(
        made,
        form,
        lambda data: services.set_supervisor(
            by=admin_membership.user, membership=member, supervisor=data["supervisor"]
        ),
        "Supervisor changed.",
    )
    assert done == Saved(None)
    assert shown(made) == ["Supervisor changed."]
