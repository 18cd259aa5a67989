"""Forms for joint assessments. They parse and validate input; the services decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Agency, User
from cases.assessments.services import ContributionRequest
from cases.forms import (
    SharingFieldsMixin,
    legal_basis_field,
    named_viewers_field,
    text_area,
    visibility_field,
)
from cases.models import CaseTeamMember, Contribution
from deadlines.calendar import end_of_working_day
from web.dates import DateField
from web.forms import ServiceErrorsMixin


class ConfirmForm(ServiceErrorsMixin, forms.Form):
    """A confirmation with nothing to fill in (open, submit, withdraw): it shows the service's errors."""


class RequestContributionsForm(ServiceErrorsMixin, forms.Form):
    """One checkbox and one due date per agency on the team that has not been asked yet."""

    def __init__(self, *args: Any, agencies: list[Agency], default_due: date, latest_due: date | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.agencies = agencies
        self.latest_due = latest_due
        for agency in agencies:
            self.fields[f"ask_{agency.pk}"] = forms.BooleanField(label=f"Ask {agency.name}", required=False)
            self.fields[f"due_{agency.pk}"] = DateField(
                label=f"Due date for {agency.name}", required=False, initial=default_due
            )

    def rows(self) -> list[tuple[Agency, forms.BoundField, forms.BoundField]]:
        return [(agency, self[f"ask_{agency.pk}"], self[f"due_{agency.pk}"]) for agency in self.agencies]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        requests: list[ContributionRequest] = []
        today = timezone.localdate()
        for agency in self.agencies:
            if not cleaned.get(f"ask_{agency.pk}"):
                continue
            due: date | None = cleaned.get(f"due_{agency.pk}")
            if due is None:
                self.add_error(f"due_{agency.pk}", f"Give the date {agency.name}'s contribution is due.")
                continue
            if due < today:
                self.add_error(f"due_{agency.pk}", "The due date cannot be in the past.")
                continue
            if self.latest_due is not None and due > self.latest_due:
                self.add_error(f"due_{agency.pk}", "The due date cannot be after the assessment's own due date.")
                continue
            requests.append(ContributionRequest(agency=agency, due_at=self._due_moment(due)))
        if not requests and not self.errors:
            raise ValidationError("Choose at least one agency to ask.")
        cleaned["requests"] = requests
        return cleaned

    def _due_moment(self, due: date) -> datetime:
        # A contribution is due at the close of business of its day.
        return end_of_working_day(due)


class ContributionForm(SharingFieldsMixin, forms.Form):
    """The structured contribution and who may see it. Drafts may be partial; the service
    says what a submitted one still needs."""

    summary = forms.CharField(
        label="Summary", max_length=200, required=False, help_text="One line, e.g. 'Health visiting since birth'."
    )
    agency_knowledge = forms.CharField(label="What our agency knows", required=False, widget=text_area(6))
    concerns = forms.CharField(label="Concerns", required=False, widget=text_area(5))
    strengths = forms.CharField(label="Strengths", required=False, widget=text_area(5))
    child_voice = forms.CharField(
        label="The child's voice",
        required=False,
        widget=text_area(4),
        help_text="What the child said, in their words where you can, or how they seemed.",
    )
    recommendation = forms.CharField(label="Recommendation", required=False, widget=text_area(4))
    visibility = visibility_field()
    legal_basis = legal_basis_field()
    legal_basis_note = forms.CharField(label="Note on the legal basis (optional)", max_length=300, required=False)
    named_viewers = named_viewers_field()

    def __init__(self, *args: Any, team: list[CaseTeamMember], agency: Agency, me: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_sharing(team=team, agency=agency, me=me)
        self.fields["visibility"].label = "Once submitted, who may read it?"

    @staticmethod
    def initial_from(contribution: Contribution) -> dict[str, Any]:
        names = (
            "summary",
            "agency_knowledge",
            "concerns",
            "strengths",
            "child_voice",
            "recommendation",
            "visibility",
            "legal_basis",
            "legal_basis_note",
        )
        initial: dict[str, Any] = {name: getattr(contribution, name) for name in names}
        initial["named_viewers"] = [user.pk for user in contribution.named_viewers.all()]
        return initial


class AnalysisForm(ServiceErrorsMixin, forms.Form):
    analysis = forms.CharField(
        label="Analysis",
        required=False,
        widget=text_area(10),
        help_text="Bring the contributions together: what they mean for the child's safety and needs.",
    )
    recommendation = forms.CharField(label="Recommendation", required=False, widget=text_area(5))


class AssessmentDecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve the assessment"), ("return", "Return it to the lead to revise")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=text_area(4),
        help_text="Required when you return it: say what the lead needs to change.",
    )
