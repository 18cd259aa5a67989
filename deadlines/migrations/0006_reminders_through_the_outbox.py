# Reminders and event-notification emails move onto the outbox. Each reminder claim becomes an
# outbox message under the same identity (deadline, kind, due version), sent or obsolete as it
# was, so the sweep never records an old reminder again; an unsent one stays pending and the
# outbox's safety net delivers it. A reminder whose email a worker was sending at the upgrade
# keeps that lease. Event notifications whose email was still owed (neither emailed nor left to
# a digest, from the two days the old safety net covered) become pending outbox messages.
# Going back moves them the other way: claims from the outbox's reminders, email leases from
# its pending notification emails.

from django.db import migrations, models
from django.utils import timezone

REMINDERS = """
INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, claimed_at, attempts, sent_at, obsolete)
SELECT 'deadlines.reminder',
       'reminder:' || c.deadline_id::text || ':' || c.kind || ':' || c.due_version,
       jsonb_build_object('deadline_id', c.deadline_id::text, 'kind', c.kind, 'due_version', c.due_version),
       c.claimed_at, c.claimed_at,
       CASE WHEN c.sent_at IS NULL THEN (
           SELECT max(n.email_claimed_at) FROM deadlines_notification n WHERE n.claim_id = c.id AND n.emailed_at IS NULL
       ) END,
       c.attempts, c.sent_at, c.obsolete
FROM deadlines_reminderclaim c
ON CONFLICT (dedupe_key) DO NOTHING;

UPDATE deadlines_notification AS n
SET reminder_kind = c.kind, reminder_due_version = c.due_version, deadline_id = c.deadline_id
FROM deadlines_reminderclaim c WHERE n.claim_id = c.id;
"""

REMINDERS_BACK = """
INSERT INTO deadlines_reminderclaim (deadline_id, kind, due_version, claimed_at, sent_at, obsolete, attempts)
SELECT (m.payload->>'deadline_id')::uuid, m.payload->>'kind', (m.payload->>'due_version')::int,
       m.queued_at, m.sent_at, m.obsolete, m.attempts
FROM outbox_message m
WHERE m.kind = 'deadlines.reminder'
  AND EXISTS (SELECT 1 FROM deadlines_deadline d WHERE d.id = (m.payload->>'deadline_id')::uuid)
ON CONFLICT (deadline_id, kind, due_version) DO NOTHING;

UPDATE deadlines_notification AS n SET claim_id = c.id
FROM deadlines_reminderclaim c
WHERE n.reminder_kind <> '' AND c.deadline_id = n.deadline_id AND c.kind = n.reminder_kind
  AND c.due_version = n.reminder_due_version;

DELETE FROM outbox_message WHERE kind = 'deadlines.reminder';
"""

EVENT_EMAILS = """
INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, claimed_at, attempts, obsolete)
SELECT 'deadlines.notification_email', 'notification-email:' || n.id, jsonb_build_object('notification_id', n.id),
       n.created_at, n.created_at, n.email_claimed_at, 0, false
FROM deadlines_notification n
WHERE n.claim_id IS NULL AND n.emailed_at IS NULL AND n.in_digest_at IS NULL
  AND n.created_at > %(now)s - interval '2 days'
  AND NOT EXISTS (
      SELECT 1 FROM deadlines_notificationpreference p WHERE p.user_id = n.recipient_id AND p.daily_digest
  )
ON CONFLICT (dedupe_key) DO NOTHING;
"""

EVENT_EMAILS_BACK = """
UPDATE deadlines_notification AS n SET email_claimed_at = m.claimed_at
FROM outbox_message m
WHERE m.kind = 'deadlines.notification_email' AND m.sent_at IS NULL
  AND (m.payload->>'notification_id')::bigint = n.id;

DELETE FROM outbox_message WHERE kind = 'deadlines.notification_email';
"""


def _statements(sql: str) -> list[str]:
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def event_emails(apps, schema_editor):
    # "The last two days" by the application's clock, not the database server's: the one tests pin.
    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(EVENT_EMAILS):
            cursor.execute(statement, {"now": now})


def event_emails_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(EVENT_EMAILS_BACK):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0005_deadline_live_unowned"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="reminder_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("before_5", "Due in 5 working days"),
                    ("before_1", "Due in 1 working day"),
                    ("due_today", "Due today"),
                    ("overdue", "Overdue: escalated"),
                ],
                default="",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification",
            name="reminder_due_version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunSQL(REMINDERS, REMINDERS_BACK),
        migrations.RunPython(event_emails, event_emails_back),
        migrations.RemoveConstraint(model_name="notification", name="one_notification_per_claim"),
        migrations.RemoveField(model_name="notification", name="claim"),
        migrations.RemoveField(model_name="notification", name="email_claimed_at"),
        migrations.DeleteModel(name="ReminderClaim"),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reminder_kind", ""), _negated=True),
                fields=("deadline", "reminder_kind", "reminder_due_version", "recipient"),
                name="one_notification_per_reminder",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reminder_kind", ""),
                    models.Q(("deadline__isnull", False), ("reminder_due_version__isnull", False)),
                    _connector="OR",
                ),
                name="reminder_notification_names_its_reminder",
            ),
        ),
    ]
