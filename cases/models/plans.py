"""Child protection and child in need plans: outcomes, the actions each agency owes towards
them, progress on those actions and the plan's reviews."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, User
from cases.models.meetings import ActionState, Meeting
from cases.models.record import Case


class PlanKind(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"


class PlanState(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=24, choices=PlanKind.choices)
    state = models.CharField(max_length=16, choices=PlanState.choices, default=PlanState.ACTIVE)
    started_on = models.DateField(default=timezone.localdate)
    next_review_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(state="active"), name="one_active_plan_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.case}"


class PlanOutcome(models.Model):
    """What the plan is for, in words the family understands."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    description = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description


class PlanAction(models.Model):
    """What one agency (and, when named, one person) will do towards an outcome, by when."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    outcome = models.ForeignKey(PlanOutcome, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=300)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ActionState.choices, default=ActionState.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dropped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.description


class ProgressRating(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    NOT_STARTED = "not_started", "Not started"
    DONE = "done", "Done"


class ProgressUpdate(models.Model):
    """A note of progress on a plan action by someone on the team."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=16, choices=ProgressRating.choices)
    note = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} on {self.action}"


class PlanReview(models.Model):
    """A review of the plan (usually at a review conference), which sets the next review date."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    summary = models.TextField()
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"Review of {self.plan} on {self.reviewed_on}"
