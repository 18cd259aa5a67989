"""Joint assessments: one lead's analysis over a contribution owed by each agency."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, User
from cases.models.record import Case, LegalBasis, Visibility


class AssessmentState(models.TextChoices):
    OPEN = "open", "Open: gathering contributions"
    SUBMITTED = "submitted", "Submitted for approval"
    RETURNED = "returned", "Returned by the supervisor"
    APPROVED = "approved", "Approved"


class JointAssessment(models.Model):
    """A child and family assessment led by one worker, with a contribution owed by each
    participating agency. The lead's analysis is seen by the whole case team; the lead's
    supervisor approves it or returns it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    lead = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_assessments")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=AssessmentState.choices, default=AssessmentState.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    analysis = models.TextField(blank=True)
    recommendation = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~Q(state="approved"), name="one_assessment_in_progress_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"Joint assessment on {self.case}"


class ContributionState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Contribution(models.Model):
    """What one agency brings to a joint assessment. Requested with a due date (a deadline);
    once submitted, seen as its visibility says, exactly like a chronology entry: health and
    police contributions stay with their agency unless shared on a legal basis."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(JointAssessment, on_delete=models.CASCADE, related_name="contributions")
    author_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ContributionState.choices, default=ContributionState.REQUESTED)
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=200, blank=True, help_text="A one-line title of the contribution.")
    agency_knowledge = models.TextField("What our agency knows", blank=True)
    concerns = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    child_voice = models.TextField("The child's voice", blank=True)
    recommendation = models.TextField(blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM)
    named_viewers = models.ManyToManyField(User, blank=True, related_name="+")
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices, blank=True)
    legal_basis_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "author_agency"],
                condition=~Q(state="withdrawn"),
                name="one_contribution_per_agency",
            ),
            models.CheckConstraint(
                condition=~Q(state="submitted") | Q(author__isnull=False, submitted_at__isnull=False),
                name="submitted_contribution_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_agency} contribution"
