"""What must be sent, each thing once: a row per message, unique by its dedupe key, leased by
the worker delivering it and stamped when it is sent (or found to have nothing left to send)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Message(models.Model):
    """One thing to send, recorded in the transaction of the change that calls for it.
    ``kind`` names its sender (settings.OUTBOX_SENDERS) and ``payload`` is what the sender is
    given; ``dedupe_key`` says what makes two records the same message, so recording it again
    records nothing. ``claimed_at`` is the lease of the worker sending it now; ``queued_at``
    is when it was last put on the queue (the safety net queues it again if it stays unsent)."""

    kind = models.CharField(max_length=64)
    dedupe_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    obsolete = models.BooleanField(default=False, help_text="Nothing was left to send: never tried again.")

    class Meta:
        indexes = [
            models.Index(
                fields=["queued_at"], condition=Q(sent_at__isnull=True, obsolete=False), name="outbox_message_unsent"
            )
        ]

    def __str__(self) -> str:
        return self.dedupe_key
