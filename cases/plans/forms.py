"""Forms for plans. They parse and validate input; the services in cases/plans/services.py decide.
Choices (outcomes, agencies, people) are handed in by the view from the policy's queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from agencies.models import Agency, User
from cases.models import CaseTeamMember, PlanKind, PlanOutcome, ProgressRating
from web.dates import DateField
from web.forms import ServiceErrorsMixin


def text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanStartForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label="Kind of plan", choices=PlanKind.choices, widget=forms.RadioSelect)
    outcomes = forms.CharField(
        label="Outcomes",
        widget=text_area(5),
        help_text="One outcome a line, in words the family understands. You can add more later.",
    )
    next_review_on = DateField(
        label="First review (optional)",
        required=False,
        help_text="Leave empty for the statutory timescale: 3 months from today.",
    )

    def clean_outcomes(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["outcomes"].splitlines() if line.strip()]


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    description = forms.CharField(label="Outcome", max_length=300, widget=text_area(2))


class PlanActionForm(ServiceErrorsMixin, forms.Form):
    """An action towards one outcome, owed by an agency on the team (and optionally one of its
    people there), due on a date."""

    service_field_aliases = {"due_at": "due_on"}

    outcome = forms.TypedChoiceField(label="Towards which outcome?", coerce=int)
    description = forms.CharField(label="What will be done", max_length=300, widget=text_area(2))
    owner_agency = forms.TypedChoiceField(label="Agency that owes it", coerce=int)
    owner = forms.TypedChoiceField(
        label="Person (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="With no one named, everyone on the team for that agency is reminded.",
    )
    due_on = DateField(label="Due by")

    def __init__(self, *args: Any, outcomes: list[PlanOutcome], team: list[CaseTeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = {outcome.pk: outcome for outcome in outcomes}
        self.agencies: dict[int, Agency] = {}
        self.people: dict[int, tuple[User, int]] = {}
        for member in team:
            self.agencies.setdefault(member.agency_id, member.agency)
            self.people[member.user_id] = (member.user, member.agency_id)
        self._set_choices("outcome", [(pk, outcome.description) for pk, outcome in self.outcomes.items()])
        self._set_choices(
            "owner_agency",
            [("", "Choose…"), *sorted(((pk, a.name) for pk, a in self.agencies.items()), key=lambda c: c[1])],
        )
        self._set_choices(
            "owner",
            [
                ("", "No one named: the agency's people on the team"),
                *(
                    (member.user_id, f"{member.user.full_name} ({member.agency.name})")
                    for member in sorted(team, key=lambda m: (m.agency.name, m.user.full_name))
                ),
            ],
        )

    def _set_choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "outcome" in cleaned:
            cleaned["outcome"] = self.outcomes[cleaned["outcome"]]
        if "owner_agency" in cleaned:
            cleaned["owner_agency"] = self.agencies[cleaned["owner_agency"]]
        owner_id = cleaned.get("owner")
        if owner_id is not None:
            user, agency_id = self.people[owner_id]
            agency = cleaned.get("owner_agency")
            if isinstance(agency, Agency) and agency.pk != agency_id:
                self.add_error("owner", "Choose someone on the team for the agency that owes the action, or no one.")
            cleaned["owner"] = user
        due_on = cleaned.get("due_on")
        if isinstance(due_on, date) and due_on < timezone.localdate():
            self.add_error("due_on", "The due date cannot be in the past.")
        return cleaned


class ProgressForm(ServiceErrorsMixin, forms.Form):
    rating = forms.ChoiceField(label="How is it going?", choices=ProgressRating.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="What has happened", widget=text_area(4))


class ReviewForm(ServiceErrorsMixin, forms.Form):
    reviewed_on = DateField(label="Date of the review")
    summary = forms.CharField(label="What the review found and decided", widget=text_area(5))
    next_review_on = DateField(label="Next review", help_text="Usually 6 months after a review conference.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "reviewed_on" not in self.initial:
            self.initial["reviewed_on"] = timezone.localdate()
