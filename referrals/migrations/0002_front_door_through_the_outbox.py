# Front-door notifications move onto the outbox. Every submitted referral gets its outbox
# message: sent when the front door was told (so it is never told again), pending otherwise
# (the outbox's safety net delivers it, as the old sweep would have). Going back stamps each
# referral whose message was sent.

from django.db import migrations

FRONT_DOOR = """
INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, attempts, sent_at, obsolete)
SELECT 'referrals.front_door', 'front-door:' || r.id::text, jsonb_build_object('referral_id', r.id::text),
       COALESCE(r.submitted_at, r.created_at), COALESCE(r.submitted_at, r.created_at), 0,
       r.front_door_notified_at, false
FROM referrals_referral r
WHERE r.status <> 'draft'
ON CONFLICT (dedupe_key) DO NOTHING;
"""

FRONT_DOOR_BACK = """
UPDATE referrals_referral AS r SET front_door_notified_at = m.sent_at
FROM outbox_message m
WHERE m.kind = 'referrals.front_door' AND m.dedupe_key = 'front-door:' || r.id::text;

DELETE FROM outbox_message WHERE kind = 'referrals.front_door';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FRONT_DOOR, FRONT_DOOR_BACK),
        migrations.RemoveField(model_name="referral", name="front_door_notified_at"),
    ]
