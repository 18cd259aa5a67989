"""The form that hands all of a supervisee's work to a colleague. It parses; the service decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from agencies.models import Membership
from supervision.forms import LeadMemberChoiceField
from web.forms import ServiceErrorsMixin


class HandOverForm(ServiceErrorsMixin, forms.Form):
    to = LeadMemberChoiceField(
        label="Hand all of this to",
        queryset=Membership.objects.none(),
        empty_label="Choose a colleague",
        help_text="Active practitioners, intake workers and supervisors of the same agency whom you supervise.",
    )
    reason = forms.CharField(
        label="Why is the work handed over?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with each case's history of lead changes. Do not write a child's details here.",
    )

    def __init__(self, *args: Any, colleagues: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues
