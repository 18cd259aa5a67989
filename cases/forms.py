"""Forms for the case record pages. They parse and validate input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Agency, AgencyKind, User
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChronologyEntry,
    ConcernCategory,
    EntryKind,
    LegalBasis,
    LegalStatus,
    RiskLevel,
    Sex,
    Significance,
    TeamRole,
    Visibility,
)
from web.dates import DateField
from web.forms import ServiceErrorsMixin

# Health and police information stays with the author's agency unless they choose otherwise.
AGENCY_ONLY_BY_DEFAULT = (AgencyKind.HEALTH, AgencyKind.POLICE)


def text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- the list (its filters: cases.filters) ---------------------------------------------


class CaseSearchForm(forms.Form):
    child_name = forms.CharField(label="Child's name", max_length=200, required=False)


# --- opening and editing a case -------------------------------------------------------


class OpenCaseForm(ServiceErrorsMixin, forms.Form):
    agency = forms.TypedChoiceField(label="Agency leading the case", coerce=int)
    given_names = forms.CharField(label="Given names", max_length=120)
    family_name = forms.CharField(label="Family name", max_length=120)
    date_of_birth = DateField(label="Date of birth (optional)", required=False)
    date_of_birth_estimated = forms.BooleanField(label="The date of birth is an estimate", required=False)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.NOT_KNOWN)
    category = forms.ChoiceField(label="Category of concern", choices=ConcernCategory.choices)
    risk_level = forms.ChoiceField(label="Risk level", choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)
    reason = forms.CharField(label="Why is this case being opened?", max_length=300, widget=text_area(3))

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {agency.pk: agency for agency in agencies}
        field = self.fields["agency"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(agency.pk, agency.name) for agency in agencies]
        if len(agencies) == 1:
            field.initial = agencies[0].pk
            field.widget = forms.HiddenInput()

    def clean_agency(self) -> Agency:
        agency = self.agencies.get(self.cleaned_data["agency"])
        if agency is None:
            raise ValidationError("Choose one of your agencies.")
        return agency

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return born


class CaseEditForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.CLOSED],
        help_text="To close the case, ask for closure; a supervisor approves it.",
    )
    risk_level = forms.ChoiceField(label="Risk level", choices=RiskLevel.choices)
    category = forms.ChoiceField(label="Category of concern", choices=ConcernCategory.choices)
    safety_note = forms.CharField(
        label="Safety note for visits",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What anyone visiting must know first (for example: visit in pairs, a dog at the address). "
        "Shown at the top of every page of the case to everyone who sees it.",
    )

    def __init__(self, *args: Any, children: list[Child] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = children or []
        for child in self.children:
            self.fields[self.legal_status_field(child)] = forms.ChoiceField(
                label=f"Legal status of {child.full_name}",
                choices=LegalStatus.choices,
                initial=child.legal_status,
                # Left out of a post, it stays as it is.
                required=False,
            )

    @staticmethod
    def legal_status_field(child: Child) -> str:
        return f"legal_status_{child.pk}"

    @classmethod
    def initial_from(cls, case: Case) -> dict[str, Any]:
        return {
            "status": case.status,
            "risk_level": case.risk_level,
            "category": case.category,
            "safety_note": case.safety_note,
        }

    def changes(self) -> dict[str, Any]:
        """The cleaned data as ``services.update_case`` takes it."""
        data = self.cleaned_data
        return {
            "status": data["status"],
            "risk_level": data["risk_level"],
            "category": data["category"],
            "safety_note": data["safety_note"],
            "legal_statuses": {
                str(child.pk): data[self.legal_status_field(child)]
                for child in self.children
                if data.get(self.legal_status_field(child))
            },
        }


# --- chronology entries and documents ----------------------------------------------------


class SharingFieldsMixin(ServiceErrorsMixin):
    """Who may see an entry or document: the visibility, the legal basis for sharing it, and
    the named people (chosen from the active case team)."""

    def setup_sharing(self, *, team: list[CaseTeamMember], agency: Agency | None, me: User) -> None:
        assert isinstance(self, forms.Form)
        agency_name = agency.name if agency else "My agency"
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = [
            (Visibility.TEAM, "Whole case team"),
            (Visibility.AGENCY, f"{agency_name} only"),
            (Visibility.NAMED, "Named people on the team (choose below)"),
        ]
        if agency is not None and agency.kind in AGENCY_ONLY_BY_DEFAULT and not self.is_bound:
            visibility.initial = Visibility.AGENCY
        self.team_users = {m.user_id: m.user for m in team if m.user_id != me.pk}
        named = self.fields["named_viewers"]
        assert isinstance(named, forms.TypedMultipleChoiceField)
        named.choices = [
            (m.user_id, f"{m.user.full_name} ({m.agency.name}, {m.get_role_display().lower()})")
            for m in team
            if m.user_id != me.pk
        ]

    def clean_named_viewers(self) -> list[User]:
        assert isinstance(self, forms.Form)
        return [self.team_users[pk] for pk in self.cleaned_data["named_viewers"] if pk in self.team_users]


def visibility_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Who may see this?", choices=Visibility.choices, widget=forms.RadioSelect, initial=Visibility.TEAM
    )


def legal_basis_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Legal basis for sharing",
        choices=[("", "None (kept within my agency)"), *[c for c in LegalBasis.choices if c[0]]],
        required=False,
        help_text="Needed when health or police information is shared beyond your agency.",
    )


def named_viewers_field() -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label="Named people",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only for items shared with named people. You can always see what you write.",
    )


class EntryForm(SharingFieldsMixin, forms.Form):
    event_date = DateField(label="Date of the event")
    kind = forms.ChoiceField(label="Kind", choices=EntryKind.choices)
    summary = forms.CharField(label="Summary", max_length=200)
    detail = forms.CharField(label="Detail", required=False, widget=text_area(6))
    significance = forms.ChoiceField(label="Significance", choices=Significance.choices, initial=Significance.ROUTINE)
    visibility = visibility_field()
    legal_basis = legal_basis_field()
    legal_basis_note = forms.CharField(label="Note on the legal basis (optional)", max_length=300, required=False)
    named_viewers = named_viewers_field()

    def __init__(self, *args: Any, team: list[CaseTeamMember], agency: Agency | None, me: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_sharing(team=team, agency=agency, me=me)
        if not self.is_bound and "event_date" not in self.initial:
            self.initial["event_date"] = timezone.localdate()


class EntryCorrectionForm(EntryForm):
    correction_reason = forms.CharField(label="What was wrong?", max_length=300, widget=text_area(3))

    field_order = ["correction_reason"]

    @staticmethod
    def initial_from(entry: ChronologyEntry) -> dict[str, Any]:
        names = (
            "event_date",
            "kind",
            "summary",
            "detail",
            "significance",
            "visibility",
            "legal_basis",
            "legal_basis_note",
        )
        initial: dict[str, Any] = {name: getattr(entry, name) for name in names}
        initial["named_viewers"] = [user.pk for user in entry.named_viewers.all()]
        return initial

    def changes(self) -> dict[str, Any]:
        """The entry's new values, for correct_entry(**changes)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "correction_reason"}


class DocumentForm(SharingFieldsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    file = forms.FileField(
        label="File",
        help_text="A PDF, Word (.docx), JPEG, PNG or plain text file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.jpg,.jpeg,.png,.txt"}),
    )
    visibility = visibility_field()
    legal_basis = legal_basis_field()
    named_viewers = named_viewers_field()

    def __init__(self, *args: Any, team: list[CaseTeamMember], agency: Agency | None, me: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_sharing(team=team, agency=agency, me=me)


# --- the team ---------------------------------------------------------------------------

UNKNOWN_PERSON = "No active person with that email in that agency."


class TeamMemberForm(ServiceErrorsMixin, forms.Form):
    # The service names the person "user"; here they are found by their email address.
    service_field_aliases = {"user": "email"}

    email = forms.EmailField(label="Work email address")
    agency = forms.ModelChoiceField(
        label="For agency", queryset=Agency.objects.filter(active=True).order_by("name"), empty_label="Choose…"
    )
    role = forms.ChoiceField(
        label="Role on the team",
        choices=[(TeamRole.KEY_WORKER, TeamRole.KEY_WORKER.label), (TeamRole.CONTRIBUTOR, TeamRole.CONTRIBUTOR.label)],
        initial=TeamRole.CONTRIBUTOR,
    )
    reason = forms.CharField(label="Why do they join the team?", max_length=300, widget=text_area(2))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, agency = cleaned.get("email"), cleaned.get("agency")
        if email and agency:
            # One answer whether the address is unknown or belongs to another agency:
            # this form does not tell who else uses Tandem.
            person = User.objects.filter(
                email__iexact=email,
                is_active=True,
                memberships__agency=agency,
                memberships__active=True,
            ).first()
            if person is None:
                self.add_error("email", UNKNOWN_PERSON)
            else:
                cleaned["user"] = person
        return cleaned


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, widget=text_area(3))

    def __init__(self, *args: Any, label: str = "Reason", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


# --- closure ----------------------------------------------------------------------------


class ClosureDecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve: close the case today"), ("reject", "Return it to the lead worker")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=text_area(3),
        help_text="Required when you return the request: say what is still needed.",
    )


# --- emergency access (break-glass) -----------------------------------------------------

UNKNOWN_REFERENCE = "No case has that reference."


class EmergencyAccessForm(ServiceErrorsMixin, forms.Form):
    reference = forms.CharField(label="Case reference", max_length=20, help_text="For example TDM-2026-000123.")
    reason = forms.CharField(
        label="What is the emergency?",
        widget=text_area(3),
        help_text="Your reason is recorded and sent to the case lead.",
    )
