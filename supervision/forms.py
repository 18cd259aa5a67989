"""Forms for the supervisor's view and lead reassignment. They parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from agencies.forms import MemberChoiceField
from agencies.models import Membership
from web.forms import ServiceErrorsMixin


class LeadMemberChoiceField(MemberChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        title = f", {obj.job_title}" if obj.job_title else ""
        return f"{obj.user.full_name} ({obj.get_role_display().lower()}{title})"


class ReassignLeadForm(ServiceErrorsMixin, forms.Form):
    new_lead = LeadMemberChoiceField(
        label="New lead worker",
        queryset=Membership.objects.none(),
        empty_label="Choose a worker",
        help_text="Active practitioners, intake workers and supervisors of the lead agency.",
    )
    reason = forms.CharField(
        label="Why does the lead worker change?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the case's history of lead changes. Do not write the child's details here.",
    )

    def __init__(self, *args: Any, candidates: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_lead"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
