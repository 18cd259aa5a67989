"""Forms for the deadline pages. They parse and validate input; the services decide."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from web.dates import DateField
from web.forms import ServiceErrorsMixin


class DigestForm(forms.Form):
    daily_digest = forms.BooleanField(label="Send me one daily digest instead of an email per reminder", required=False)


class ExtensionRequestForm(ServiceErrorsMixin, forms.Form):
    # The service names the new due time "new_due_at"; here it is a date.
    service_field_aliases = {"new_due_at": "new_due_date"}

    new_due_date = DateField(
        label="New due date",
        help_text="The deadline moves to the end of this day once your supervisor approves.",
    )
    reason = forms.CharField(
        label="Why is more time needed?", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def new_due_at(self) -> datetime:
        """The end of the chosen working day, in local time."""
        day = self.cleaned_data["new_due_date"]
        return timezone.make_aware(datetime.combine(day, time(17, 0)))

    def clean_new_due_date(self) -> Any:
        day = self.cleaned_data["new_due_date"]
        if day < timezone.localdate():
            raise forms.ValidationError("Choose a date that has not passed.")
        return day


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
