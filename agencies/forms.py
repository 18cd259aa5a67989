from __future__ import annotations

from typing import Any

from django import forms

from agencies.models import Membership, Role
from web.forms import ServiceErrorsMixin


class InviteMemberForm(ServiceErrorsMixin, forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Work email address")
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    job_title = forms.CharField(label="Job title (optional)", max_length=120, required=False)


class MemberSearchForm(forms.Form):
    search = forms.CharField(label="Name or email", max_length=200, required=False)


class ChangeRoleForm(ServiceErrorsMixin, forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name


class SupervisorForm(ServiceErrorsMixin, forms.Form):
    supervisor = MemberChoiceField(
        label="Supervised by",
        queryset=Membership.objects.none(),
        required=False,
        empty_label="Nobody",
    )

    def __init__(self, *args: Any, supervisors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, MemberChoiceField)
        field.queryset = supervisors
