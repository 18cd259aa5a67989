"""Forms for the referral pages: the professional referral, triage, sign-off and the public
concern form. They parse and validate what was typed; the referral services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from agencies.models import Agency
from cases.models import ConcernCategory
from referrals.models import Consent, Referral, Source, TriageDecision, Urgency
from referrals.services import DRAFT_FIELDS, check_complete
from web.dates import DateField
from web.forms import ServiceErrorsMixin

NEW_CASE = "new"
REFERENCE_LENGTH = 10  # characters after "R-" (referrals.models.new_reference)
TOO_FAST = "Please take a moment to check your answers and send again."
# The signed "form started" stamp is good for a day: a form left open longer is sent again.
FORM_STAMP_MAX_AGE = 24 * 3600
_FORM_STAMP_SALT = "referrals.public-concern.started"
CHOOSE_ANOTHER_FRONT_DOOR = "Choose another agency that takes referrals."
NO_OTHER_FRONT_DOOR = (
    "No other agency in Tandem runs a front door, so a referral cannot be passed on here: "
    "contact the other agency directly and record another decision."
)


def text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def front_doors() -> QuerySet[Agency]:
    """Agencies a referral can be sent to. Agencies are not case data."""
    return Agency.objects.filter(active=True, takes_referrals=True).order_by("name")


def _field_length(name: str) -> int | None:
    model_field = Referral._meta.get_field(name)
    assert isinstance(model_field, models.CharField)
    return model_field.max_length


# --- the professional referral ----------------------------------------------------------


class ReferralForm(ServiceErrorsMixin, forms.Form):
    """A professional's referral. Everything but the front door may be left empty while it is a
    draft; ``services.submit_referral`` says what is missing when it is sent."""

    receiving_agency = forms.ModelChoiceField(
        label="Send to",
        queryset=Agency.objects.none(),
        empty_label="Choose a front door…",
        help_text="The front door of the agency that receives referrals about this child.",
    )
    child_given_names = forms.CharField(
        label="Given names", max_length=_field_length("child_given_names"), required=False
    )
    child_family_name = forms.CharField(
        label="Family name", max_length=_field_length("child_family_name"), required=False
    )
    child_other_names = forms.CharField(
        label="Other names they are known by",
        max_length=_field_length("child_other_names"),
        required=False,
    )
    child_date_of_birth = DateField(label="Date of birth", required=False)
    child_age_estimate = forms.CharField(
        label="Age, if you do not know the date of birth",
        max_length=_field_length("child_age_estimate"),
        required=False,
    )
    child_address = forms.CharField(label="Address", required=False, widget=text_area(3))
    child_postcode = forms.CharField(label="Postcode", max_length=_field_length("child_postcode"), required=False)
    child_school = forms.CharField(label="School or setting", max_length=_field_length("child_school"), required=False)
    child_nhs_number = forms.CharField(
        label="NHS number", max_length=_field_length("child_nhs_number"), required=False, help_text="10 digits."
    )
    family_details = forms.CharField(
        label="Family and household",
        required=False,
        widget=text_area(4),
        help_text="Who the child lives with, who has parental responsibility, brothers and sisters.",
    )
    concern_category = forms.ChoiceField(
        label="Category of concern", choices=[("", "Choose…"), *ConcernCategory.choices], required=False
    )
    concern_description = forms.CharField(
        label="What is the concern?",
        required=False,
        widget=text_area(6),
        help_text="What you saw or were told, when, and what has been done so far.",
    )
    child_said = forms.CharField(
        label="What the child said",
        required=False,
        widget=text_area(4),
        help_text="In the child's own words, if you can.",
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Urgency.choices, widget=forms.RadioSelect, initial=Urgency.ROUTINE
    )
    immediate_risk = forms.BooleanField(
        label="The child is at immediate risk",
        required=False,
        widget=forms.CheckboxInput(attrs={"data-danger-input": ""}),
        help_text="The referral is marked urgent.",
    )
    consent = forms.ChoiceField(
        label="Consent to this referral", choices=Consent.choices, widget=forms.RadioSelect, required=False
    )
    consent_reason = forms.CharField(
        label="Why consent was not sought, or the legal basis for overriding a refusal",
        required=False,
        widget=text_area(3),
        help_text="Needed unless consent was given.",
    )
    referrer_contact = forms.CharField(
        label="How the front door can reach you",
        max_length=_field_length("referrer_contact"),
        required=False,
        help_text="A phone number or email address.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["receiving_agency"]
        assert isinstance(agency, forms.ModelChoiceField)
        agency.queryset = front_doors()
        # Where one front door takes every referral, it is already chosen.
        if not self.is_bound and not self.initial.get("receiving_agency"):
            only = list(front_doors()[:2])
            if len(only) == 1:
                self.initial["receiving_agency"] = only[0].pk

    @staticmethod
    def data_from(referral: Referral) -> dict[str, Any]:
        """The saved draft as submitted form data, so its problems can be shown on its fields."""
        data: dict[str, Any] = {"receiving_agency": referral.receiving_agency_id}
        for name in DRAFT_FIELDS:
            value = getattr(referral, name)
            if name == "immediate_risk":
                if value:
                    data[name] = "on"
            elif name == "child_date_of_birth":
                data[name] = value.isoformat() if value else ""
            else:
                data[name] = value
        return data

    def clean_child_date_of_birth(self) -> Any:
        born = self.cleaned_data["child_date_of_birth"]
        if born and born > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return born

    def clean_child_nhs_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["child_nhs_number"])
        if number and not re.fullmatch(r"\d{10}", number):
            raise ValidationError("An NHS number is 10 digits.")
        return number

    def draft_data(self) -> dict[str, Any]:
        """What ``services.save_draft`` takes as ``data``."""
        return {name: self.cleaned_data[name] for name in DRAFT_FIELDS}

    def add_sending_problems(self) -> None:
        """For "Save and submit" with problems of the form's own: what sending would be refused
        for as well (``services.check_complete``), so every problem shows at once."""
        cleaned = getattr(self, "cleaned_data", {})
        draft = Referral(
            source=Source.PROFESSIONAL, **{name: cleaned[name] for name in DRAFT_FIELDS if name in cleaned}
        )
        try:
            check_complete(draft)
        except ValidationError as error:
            for name, texts in error.message_dict.items():
                if name not in self.errors:
                    self.add_error(name, texts)


class AdditionForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label="Add information",
        widget=text_area(4),
        help_text="Something you have learned since. It is added with your name and the time; nothing is changed.",
    )


# --- the front door (the inbox's filters: referrals.filters) ------------------------------


class TriageDecisionForm(ServiceErrorsMixin, forms.Form):
    # The service names the rationale "decision_rationale"; link errors belong on the case choice.
    service_field_aliases = {"link_case": "link", "link_child": "link"}

    decision = forms.ChoiceField(label="Decision", choices=TriageDecision.choices, widget=forms.RadioSelect)
    decision_rationale = forms.CharField(
        label="Rationale",
        widget=text_area(5),
        help_text="Why this decision: the referrer sees the decision, not the rationale.",
    )
    link = forms.ChoiceField(
        label="Which case?",
        widget=forms.RadioSelect,
        initial=NEW_CASE,
        help_text="Only for “Accepted for assessment” and “Strategy discussion needed”.",
    )
    passed_to = forms.ModelChoiceField(
        label="Pass to",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Choose a front door…",
        help_text="Only for “Passed to another agency”.",
    )

    def __init__(
        self, *args: Any, receiving_agency: Agency, link_choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        link = self.fields["link"]
        assert isinstance(link, forms.ChoiceField)
        link.choices = [(NEW_CASE, "Open a new case"), *link_choices]
        passed_to = self.fields["passed_to"]
        assert isinstance(passed_to, forms.ModelChoiceField)
        passed_to.queryset = front_doors().exclude(pk=receiving_agency.pk)
        if not passed_to.queryset.exists():
            # Said up front, rather than found out on sending.
            passed_to.empty_label = "No other agency in Tandem takes referrals"
            passed_to.help_text = NO_OTHER_FRONT_DOOR

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Said here as well as by the service, so it shows with the form's other problems.
        if cleaned.get("decision") == TriageDecision.PASSED_ON and not cleaned.get("passed_to"):
            self.add_error("passed_to", CHOOSE_ANOTHER_FRONT_DOOR)
        return cleaned


class SignOffForm(ServiceErrorsMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label="Your decision",
        choices=[("yes", "Approve: the decision takes effect now"), ("no", "Return it to the front door")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=text_area(3),
        help_text="Required when you return the decision: say what is needed.",
    )


# --- the public concern form ----------------------------------------------------------------


def form_stamp(issued_at: float | None = None) -> str:
    """A signed record of when the form was shown: a bot that posts at once, or forges it, is caught."""
    return signing.dumps(int(timezone.now().timestamp() if issued_at is None else issued_at), salt=_FORM_STAMP_SALT)


def seconds_since(stamp: str) -> float | None:
    """How long ago ``stamp`` was issued; None when it is missing, forged or too old."""
    try:
        issued = signing.loads(stamp, salt=_FORM_STAMP_SALT, max_age=FORM_STAMP_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(issued, int):
        return None
    return timezone.now().timestamp() - issued


_YES_NO = [("yes", "Yes"), ("no", "No")]


class PublicConcernForm(ServiceErrorsMixin, forms.Form):
    """What a member of the public can tell us. Only the concern, whether the child is in danger
    now, and the child's name or where they can be found are needed."""

    receiving_agency = forms.ModelChoiceField(
        label="Which children's services should this go to?",
        queryset=Agency.objects.none(),
        empty_label="Choose…",
        help_text="Choose the area where the child lives.",
    )
    immediate_risk = forms.TypedChoiceField(
        label="Is the child in danger right now?",
        choices=_YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"data-danger-input": ""}),
        error_messages={"required": "Tell us whether the child is in danger right now."},
    )
    concern_description = forms.CharField(
        label="What worries you about the child?",
        widget=text_area(6),
        min_length=20,
        help_text="What you saw or heard, and when. Write as much or as little as you know.",
        error_messages={
            "required": "Tell us what worries you about the child.",
            "min_length": "Tell us a little more: at least a sentence.",
        },
    )
    child_given_names = forms.CharField(
        label="Child's first name (if you know it)", max_length=_field_length("child_given_names"), required=False
    )
    child_family_name = forms.CharField(
        label="Child's last name (if you know it)", max_length=_field_length("child_family_name"), required=False
    )
    child_age_estimate = forms.CharField(
        label="How old is the child, roughly? (optional)",
        max_length=_field_length("child_age_estimate"),
        required=False,
    )
    child_address = forms.CharField(
        label="Where does the child live, or where can they be found?",
        required=False,
        widget=text_area(3),
        help_text="An address, a street, or a place they are often seen.",
    )
    child_postcode = forms.CharField(
        label="Postcode (if you know it)", max_length=_field_length("child_postcode"), required=False
    )
    child_school = forms.CharField(
        label="School or nursery (if you know it)", max_length=_field_length("child_school"), required=False
    )
    referrer_relationship = forms.CharField(
        label="How do you know the child? (optional)",
        max_length=_field_length("referrer_relationship"),
        required=False,
        help_text="For example: neighbour, relative, parent of a friend.",
    )
    referrer_name = forms.CharField(
        label="Your name (optional)", max_length=_field_length("referrer_name"), required=False
    )
    referrer_contact = forms.CharField(
        label="How can we contact you? (optional)",
        max_length=_field_length("referrer_contact"),
        required=False,
        help_text="A phone number or email address. Leave it empty if you do not want to be contacted.",
    )
    # The trap: hidden from people by CSS, filled in by form-filling bots.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, agencies: list[Agency], min_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_seconds = min_seconds
        field = self.fields["receiving_agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = front_doors()
        if len(agencies) == 1:
            field.initial = agencies[0].pk
            field.widget = forms.HiddenInput()
        if not self.is_bound:
            self.initial["started"] = form_stamp()

    @property
    def trapped(self) -> bool:
        """Whether the field only a bot fills in was filled in."""
        return bool(self.data.get("website", "").strip())

    def stamp_is_good(self) -> bool:
        elapsed = seconds_since(self.data.get("started", ""))
        return elapsed is not None and elapsed >= self.min_seconds

    def renew_stamp_if_bad(self) -> None:
        """A forged or expired stamp is replaced, so sending again (after a moment) works. A
        stamp that was only too recent is kept: by the time the person sends again, it is old enough."""
        if seconds_since(self.data.get("started", "")) is None:
            data = QueryDict(mutable=True)
            data.update(self.data)
            data["started"] = form_stamp()
            self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.stamp_is_good():
            self.add_error(None, TOO_FAST)
        if not any(cleaned.get(name) for name in ("child_given_names", "child_family_name", "child_address")):
            self.add_error("child_given_names", "Give the child's name, or where they can be found.")
        return cleaned

    def concern_data(self) -> dict[str, Any]:
        """What ``services.submit_public_concern`` takes as ``data``."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("receiving_agency", "website", "started")
        }


class ReferenceCheckForm(forms.Form):
    reference = forms.CharField(
        label="Your reference",
        max_length=20,
        help_text="It starts with R-, for example R-ABCD234EFG.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        # People read references out and type them back with spaces, without the dash or the "R".
        reference = re.sub(r"[\s-]", "", self.cleaned_data["reference"]).upper()
        if len(reference) == REFERENCE_LENGTH + 1 and reference.startswith("R"):
            reference = reference[1:]
        return f"R-{reference}"


class InboxSearchForm(forms.Form):
    """The front door's inbox search: personal data, so it is posted and kept in the session."""

    search = forms.CharField(
        label="Child's name, reference or referrer",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
