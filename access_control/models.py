"""Per-object grants, break-glass grants and the tamper-evident access log."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from agencies.models import Agency, User
from cases.models import Case


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for explicit grants on a case."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="user_grants")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "content_object"])]


class BreakGlassGrant(models.Model):
    """Emergency, time-limited access to a case by someone who otherwise could not see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "case", "expires_at"])]

    def __str__(self) -> str:
        return f"Break-glass on {self.case} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()


class AccessLogEntry(models.Model):
    """One access decision or change, append-only. The database refuses UPDATE and DELETE
    (a trigger), and each row's hash covers its content and the hash of the row before it in
    its chain. The log is several independent chains (``chain``, ``seq`` from 1), so writers
    do not queue behind one lock; ``AccessLogAnchor`` rows record each chain's head from time
    to time, so a cut-off tail is found too. No personal data of the child: objects are
    named by type and id only."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    rule = models.CharField(max_length=80)
    request_id = models.CharField(max_length=64, blank=True)
    interface = models.CharField(max_length=8, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)
    chain = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["case", "-id"]),
            models.Index(fields=["user", "-id"]),
            # The security log: an agency's members' authentication events (access_control.security_log).
            models.Index(
                fields=["object_id", "-id"], condition=Q(object_type="account"), name="access_log_account_events"
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="access_log_one_row_per_place")]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type} {self.outcome}"


class AccessLogAnchor(models.Model):
    """A chain's head (its last row) written down at a moment, append-only like the log.
    ``verify_access_log`` requires every anchored row to be still there with the same hash,
    so rows cut off the end of a chain, or a whole chain wiped, are found."""

    id = models.BigAutoField(primary_key=True)
    chain = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    row_hash = models.CharField(max_length=64)
    anchored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["chain", "-seq"])]

    def __str__(self) -> str:
        return f"chain {self.chain} at #{self.seq}"
