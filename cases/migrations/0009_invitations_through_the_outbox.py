# Meeting invitations move onto the outbox. The revision each attendee was last dealt with
# (invitation_sequence, kept) becomes a sent outbox message under the same identity (attendee,
# sequence), so it is never sent again. An attendee not yet dealt with at the meeting's current
# revision, for a meeting the old safety net still covered (starting no more than a day ago),
# gets a pending message the outbox's safety net delivers; a worker's lease on it at the upgrade
# holds. Going back gives the pending messages' leases to their attendees (the old safety net
# finds the rest by their sequence) and removes the invitation messages.

from django.db import migrations
from django.utils import timezone

INVITATIONS = """
INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, attempts, sent_at, obsolete)
SELECT 'cases.meeting_invitation', 'invitation:' || a.id || ':' || a.invitation_sequence,
       jsonb_build_object('attendee_id', a.id, 'sequence', a.invitation_sequence),
       a.invited_at, a.invited_at, 1, %(now)s, false
FROM cases_meetingattendee a
WHERE a.invitation_sequence IS NOT NULL
ON CONFLICT (dedupe_key) DO NOTHING;

INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, claimed_at, attempts, obsolete)
SELECT 'cases.meeting_invitation', 'invitation:' || a.id || ':' || m.sequence,
       jsonb_build_object('attendee_id', a.id, 'sequence', m.sequence),
       a.invited_at, a.invited_at, a.invitation_claimed_at, 0, false
FROM cases_meetingattendee a JOIN cases_meeting m ON m.id = a.meeting_id
WHERE (a.invitation_sequence IS NULL OR a.invitation_sequence < m.sequence)
  AND m.starts_at >= %(now)s - interval '1 day'
ON CONFLICT (dedupe_key) DO NOTHING;
"""

INVITATIONS_BACK = """
UPDATE cases_meetingattendee AS a SET invitation_claimed_at = m.claimed_at
FROM outbox_message m
WHERE m.kind = 'cases.meeting_invitation' AND m.sent_at IS NULL AND NOT m.obsolete AND m.claimed_at IS NOT NULL
  AND (m.payload->>'attendee_id')::bigint = a.id;

DELETE FROM outbox_message WHERE kind = 'cases.meeting_invitation';
"""


def _statements(sql: str) -> list[str]:
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def forwards(apps, schema_editor):
    # "A day ago" by the application's clock, not the database server's: the one tests pin.
    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(INVITATIONS):
            cursor.execute(statement, {"now": now})


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(INVITATIONS_BACK):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_matching_name_lookups"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="meetingattendee", name="invitation_claimed_at"),
    ]
