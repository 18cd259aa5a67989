"""The Family tab's form: whether a family member is safe to contact, and whether they pose a
risk. The rules (a reason when not safe, a note when a risk) are the service's
(cases.family.update_contact_safety), so the page and the API say the same, all at once."""

from __future__ import annotations

from django import forms

from web.forms import ServiceErrorsMixin


class ContactSafetyForm(ServiceErrorsMixin, forms.Form):
    safe_to_contact = forms.BooleanField(
        label="Safe to contact",
        required=False,
        help_text="Untick when nobody should contact this person directly.",
    )
    safe_to_contact_reason = forms.CharField(
        label="Why this person must not be contacted",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when they are not safe to contact: for example, a court order or a risk to the child.",
    )
    poses_risk = forms.BooleanField(
        label="Poses a risk to the child or to workers",
        required=False,
    )
    risk_note = forms.CharField(
        label="The risk, for anyone visiting the family",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when they pose a risk.",
    )
