"""Referrals: concerns about a child sent to an agency's front door, by professionals and
by the public, and the front door's triage decision; service referrals between agencies."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, User
from cases.models import Case, Child, ChronologyEntry, ConcernCategory, Document

# No 0/O or 1/I: references are read out over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """An unguessable reference: a member of the public's only handle on their concern."""
    return "R-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


class Source(models.TextChoices):
    PROFESSIONAL = "professional", "Professional"
    PUBLIC = "public", "Member of the public"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class Consent(models.TextChoices):
    GIVEN = "given", "Consent given"
    NOT_SOUGHT = "not_sought", "Consent not sought"
    OVERRIDDEN = "overridden", "Consent refused and overridden"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for triage"
    AWAITING_SIGNOFF = "awaiting_signoff", "Decision waiting for sign-off"
    DECIDED = "decided", "Decided"


class TriageDecision(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further action"
    ADVICE = "advice", "Advice or signposting"
    EARLY_HELP = "early_help", "Early help"
    ACCEPTED = "accepted", "Accepted for assessment"
    STRATEGY = "strategy", "Strategy discussion needed"
    PASSED_ON = "passed_on", "Passed to another agency"


# Decisions that open or link a case.
CASE_DECISIONS = (TriageDecision.ACCEPTED, TriageDecision.STRATEGY)


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    source = models.CharField(max_length=16, choices=Source.choices)
    receiving_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")

    # Who referred: a signed-in professional, or a member of the public by their own account.
    referrer = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_made")
    referrer_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    referrer_relationship = models.CharField(max_length=120, blank=True)

    # The child, as the referrer knows them.
    child_given_names = models.CharField(max_length=120, blank=True)
    child_family_name = models.CharField(max_length=120, blank=True)
    child_other_names = models.CharField(max_length=200, blank=True, help_text="Other names the child is known by.")
    child_date_of_birth = models.DateField(null=True, blank=True)
    child_age_estimate = models.CharField(max_length=40, blank=True)
    child_address = models.TextField(blank=True)
    child_postcode = models.CharField(max_length=10, blank=True)
    child_school = models.CharField(max_length=200, blank=True)
    child_nhs_number = models.CharField(max_length=12, blank=True)
    family_details = models.TextField(blank=True)

    # The concern.
    concern_category = models.CharField(max_length=16, choices=ConcernCategory.choices, blank=True)
    concern_description = models.TextField(blank=True)
    child_said = models.TextField(blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    immediate_risk = models.BooleanField(default=False)
    consent = models.CharField(max_length=16, choices=Consent.choices, blank=True)
    consent_reason = models.TextField(blank=True)

    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    handler = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    previous_referral = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    decision = models.CharField(max_length=16, choices=TriageDecision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    passed_to = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    linked_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    linked_child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["receiving_agency", "status", "triage_due_at"]),
            models.Index(fields=["referrer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="public") | Q(referrer__isnull=False), name="professional_referral_has_referrer"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_re_referral(self) -> bool:
        """Referred to this front door before (a referral passed on from elsewhere is not)."""
        previous = self.previous_referral
        return previous is not None and previous.receiving_agency_id == self.receiving_agency_id

    @property
    def child_name(self) -> str:
        return f"{self.child_given_names} {self.child_family_name}".strip() or "Name not known"


class ReferralAddition(models.Model):
    """Something added to a submitted referral, which itself cannot be edited."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="additions")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"Addition to {self.referral} at {self.at:%Y-%m-%d %H:%M}"


class ServiceReferral(models.Model):
    """A case team member refers the family to a service at another agency, sharing chosen
    entries and documents. Acceptance lets the named worker see that extract, not the case."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a reply"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="service_referrals")
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_referrals_received")
    service = models.CharField(max_length=200)
    reason = models.TextField()
    shared_entries = models.ManyToManyField(ChronologyEntry, blank=True, related_name="+")
    shared_documents = models.ManyToManyField(Document, blank=True, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    named_worker = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_agency", "state"]), models.Index(fields=["named_worker", "state"])]

    def __str__(self) -> str:
        return f"{self.service} ({self.get_state_display()})"
