"""Statutory timescales (data, not code), deadlines with owners and states, extensions
approved by a supervisor and in-app notifications. (Reminders are sent once through the outbox.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Jurisdiction, User
from cases.models import Case


class DeadlineKind(models.TextChoices):
    REFERRAL_DECISION = "referral_decision", "Referral decision"
    ASSESSMENT = "assessment", "Child and family assessment"
    CONTRIBUTION = "contribution", "Assessment contribution"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    FIRST_CORE_GROUP = "first_core_group", "First core group"
    FIRST_REVIEW = "first_review", "First review conference"
    LATER_REVIEW = "later_review", "Review conference"
    MEETING = "meeting", "Meeting"
    MEETING_ACTION = "meeting_action", "Meeting action"
    PLAN_ACTION = "plan_action", "Plan action"


class TimescaleUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "Working days"
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    MONTHS = "months", "Months"
    # Round the clock, weekends and bank holidays included: for a child at immediate risk.
    HOURS = "hours", "Hours"


class TimescaleUrgency(models.TextChoices):
    """How urgent what starts the clock is. A timescale for no urgency ("") applies to every
    urgency without one of its own; a referral with immediate risk is the most urgent."""

    ANY = "", "Any urgency"
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    IMMEDIATE_RISK = "immediate_risk", "Immediate risk"


class Timescale(models.Model):
    """How long a kind of deadline runs in one jurisdiction. Platform admins change these."""

    jurisdiction = models.CharField(max_length=8, choices=Jurisdiction.choices)
    kind = models.CharField(max_length=32, choices=DeadlineKind.choices)
    urgency = models.CharField(
        max_length=16,
        choices=TimescaleUrgency.choices,
        blank=True,
        default=TimescaleUrgency.ANY,
        help_text="Only for this urgency; blank for every urgency without a timescale of its own.",
    )
    amount = models.PositiveIntegerField(help_text="0 working days: by close of business the same working day.")
    unit = models.CharField(max_length=16, choices=TimescaleUnit.choices)
    starts_from = models.CharField(max_length=200, help_text="What the clock starts from, in words.")

    class Meta:
        ordering = ["jurisdiction", "kind", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "urgency"], name="one_timescale_per_kind_urgency")
        ]

    def __str__(self) -> str:
        urgency = f", {self.get_urgency_display().lower()}" if self.urgency else ""
        return (
            f"{self.get_kind_display()}{urgency}: {self.amount} {self.get_unit_display().lower()} ({self.jurisdiction})"
        )


class DeadlineState(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    OVERDUE = "overdue", "Overdue"
    EXTENDED = "extended", "Extended"
    CANCELLED = "cancelled", "Cancelled"


# States in which a deadline is still owed (and reminded).
LIVE_STATES = (DeadlineState.OPEN, DeadlineState.OVERDUE, DeadlineState.EXTENDED)
# Deadline.next_reminder_at of a deadline the sweep has yet to look at (long past, so any
# sweep takes it) and of one whose every reminder has come due (never reached).
LOOK_NOW = datetime(1900, 1, 1, tzinfo=UTC)
REMINDERS_DONE = datetime(9999, 1, 1, tzinfo=UTC)


class Deadline(models.Model):
    """Something owed by a person and their agency by a due time. The subject is one of the
    foreign keys: a referral, or a case and (optionally) the assessment, contribution, meeting,
    meeting action or plan action on it.
    ``due_version`` grows with each extension, so reminders planned for an old date lapse."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=DeadlineKind.choices)
    title = models.CharField(max_length=200, help_text="Shown in reminders: never a child's details.")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    # What the deadline is for, when more than the case itself (the case is always set too).
    assessment = models.ForeignKey(
        "cases.JointAssessment", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    contribution = models.ForeignKey(
        "cases.Contribution", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    meeting = models.ForeignKey(
        "cases.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    meeting_action = models.ForeignKey(
        "cases.MeetingAction", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    plan_action = models.ForeignKey(
        "cases.PlanAction", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deadlines")
    due_at = models.DateTimeField()
    due_version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    met_at = models.DateTimeField(null=True, blank=True)
    # The sweep's bookmark: no reminder of this due version falls due before this moment.
    # LOOK_NOW (the default) means "work it out at the next sweep"; a trigger puts it back
    # whenever due_at, due_version or state changes, by whatever path, so a moved deadline is
    # never left with a stale bookmark. Only the sweep writes anything else.
    next_reminder_at = models.DateTimeField(db_default=LOOK_NOW, editable=False)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(state__in=["open", "overdue", "extended"]), name="deadline_live_due"
            ),
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(state__in=["open", "overdue", "extended"]),
                name="deadline_live_next_reminder",
            ),
            models.Index(fields=["owner", "state", "due_at"]),
            models.Index(fields=["owner_agency", "state", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(referral__isnull=False), name="deadline_has_a_subject"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Extension(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    new_due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deadline"], condition=Q(state="pending"), name="one_pending_extension")
        ]

    def __str__(self) -> str:
        return f"Extension of {self.deadline} ({self.get_state_display()})"


class ReminderKind(models.TextChoices):
    BEFORE_5 = "before_5", "Due in 5 working days"
    BEFORE_1 = "before_1", "Due in 1 working day"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue: escalated"


class Notification(models.Model):
    """An in-app notification for one person; emailed once (through the outbox) unless they
    take a daily digest. A reminder's notification names the reminder (its kind and the due
    version it was for), so each person is told of each reminder once."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The meeting an invitation, a change or a cancellation is about: the notification links to
    # it while the recipient may see its case. (A reminder links through its deadline.)
    meeting = models.ForeignKey("cases.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reminder_kind = models.CharField(max_length=16, choices=ReminderKind.choices, blank=True)
    reminder_due_version = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    in_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "reminder_kind", "reminder_due_version", "recipient"],
                condition=~Q(reminder_kind=""),
                name="one_notification_per_reminder",
            ),
            models.CheckConstraint(
                condition=Q(reminder_kind="") | Q(deadline__isnull=False, reminder_due_version__isnull=False),
                name="reminder_notification_names_its_reminder",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_preference")
    daily_digest = models.BooleanField(default=False, help_text="One email a day instead of one per reminder.")

    def __str__(self) -> str:
        return f"{self.user}: {'daily digest' if self.daily_digest else 'each reminder'}"
