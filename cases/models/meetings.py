"""Multi-agency meetings on a case: who is invited, what was decided and the actions agreed."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from agencies.models import Agency, User
from cases.models.record import Case


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group"


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    """A multi-agency meeting on a case. Agenda before; minutes and decisions once held.
    Minutes are seen by the whole case team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=24, choices=MeetingKind.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    location = models.CharField(max_length=200, help_text="A room, or 'Video call' with its link sent separately.")
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agenda = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    # Once held, whether it moved to the next statutory stage: a strategy discussion decided to
    # convene an initial conference; an initial conference made a child protection plan; a
    # review conference continued the plan. None for a core group or a meeting not yet held.
    next_stage_agreed = models.BooleanField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar revision, raised on each change.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case}"


class MeetingAttendee(models.Model):
    """Someone invited to a meeting for one of their agencies. Each revision of the meeting is
    emailed to them once, with a calendar attachment, through the outbox
    (cases.meetings.invitations); ``invitation_sequence`` is the last revision dealt with."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    invitation_sequence = models.PositiveIntegerField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_person")]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


class MeetingAction(models.Model):
    """An action agreed at a meeting, owed by a person for their agency by a due time (a deadline)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ActionState.choices, default=ActionState.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    dropped_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.description
