"""Forms for service referrals between agencies."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.forms import MemberChoiceField
from agencies.models import Agency, Membership, Role
from cases.models import ChronologyEntry, Document
from web.forms import ServiceErrorsMixin


class EntryChoiceField(forms.ModelMultipleChoiceField[ChronologyEntry]):
    def label_from_instance(self, obj: ChronologyEntry) -> str:
        return f"{obj.event_date:%d %b %Y} · {obj.summary}"


class ServiceReferralForm(ServiceErrorsMixin, forms.Form):
    to_agency = forms.ModelChoiceField(label="Agency that runs the service", queryset=Agency.objects.none())
    service = forms.CharField(label="Service", max_length=200, help_text="For example a parenting programme.")
    reason = forms.CharField(label="Why the family is referred", widget=forms.Textarea(attrs={"rows": 4}))
    shared_entries = EntryChoiceField(
        label="Chronology entries to share",
        queryset=ChronologyEntry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only entries shared with the whole team can be passed on.",
    )
    shared_documents = forms.ModelMultipleChoiceField(
        label="Documents to share",
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, entries: Any, documents: Any, own_agency_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field = self.fields["to_agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        # Agencies are not case data: any active agency but the referrer's own.
        agency_field.queryset = Agency.objects.filter(active=True).exclude(pk__in=own_agency_ids).order_by("name")
        entries_field = self.fields["shared_entries"]
        assert isinstance(entries_field, forms.ModelMultipleChoiceField)
        entries_field.queryset = entries
        documents_field = self.fields["shared_documents"]
        assert isinstance(documents_field, forms.ModelMultipleChoiceField)
        documents_field.queryset = documents


class ServiceAnswerForm(ServiceErrorsMixin, forms.Form):
    answer = forms.ChoiceField(
        label="Answer", choices=[("accept", "Accept"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    named_worker = MemberChoiceField(
        label="Worker who takes the family on (if accepting)", queryset=Membership.objects.none(), required=False
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["named_worker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Membership.objects.filter(agency_id=agency_id, active=True)
            .exclude(role=Role.AGENCY_ADMIN)
            .select_related("user")
            .order_by("user__full_name")
        )
