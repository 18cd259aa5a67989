"""Forms for the supervisor's view, lead reassignment and handover. They parse; the services decide."""

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


class _HandsToAColleague(ServiceErrorsMixin, forms.Form):
    """A form that hands work to one of ``choices`` (memberships the view read through the
    policy), with the reason; subclasses name the choice field in ``colleague_field``."""

    colleague_field = ""

    def __init__(self, *args: Any, choices: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields[self.colleague_field]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = choices


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=300, widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text)


class ReassignLeadForm(_HandsToAColleague):
    colleague_field = "new_lead"
    new_lead = LeadMemberChoiceField(
        label="New lead worker",
        queryset=Membership.objects.none(),
        empty_label="Choose a worker",
        help_text="Active practitioners, intake workers and supervisors of the lead agency.",
    )
    reason = _reason(
        "Why does the lead worker change?",
        "Kept with the case's history of lead changes. Do not write the child's details here.",
    )


class HandOverForm(_HandsToAColleague):
    """Hands all of a supervisee's work to a colleague."""

    colleague_field = "to"
    to = LeadMemberChoiceField(
        label="Hand all of this to",
        queryset=Membership.objects.none(),
        empty_label="Choose a colleague",
        help_text="Active practitioners, intake workers and supervisors of the same agency whom you supervise.",
    )
    reason = _reason(
        "Why is the work handed over?",
        "Kept with each case's history of lead changes. Do not write a child's details here.",
    )
