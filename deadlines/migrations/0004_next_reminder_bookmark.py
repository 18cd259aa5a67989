# The sweep's bookmark (Deadline.next_reminder_at), reset by the database whenever a
# deadline's due time, due version or state changes, whichever code path changed it.

from django.conf import settings
from django.db import migrations, models

import deadlines.models

RESET_BOOKMARK = """
CREATE FUNCTION deadline_reset_next_reminder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.due_at IS DISTINCT FROM OLD.due_at
       OR NEW.due_version IS DISTINCT FROM OLD.due_version
       OR NEW.state IS DISTINCT FROM OLD.state THEN
        NEW.next_reminder_at := '1900-01-01 00:00:00+00';  -- deadlines.models.LOOK_NOW
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER deadline_reset_next_reminder
    BEFORE UPDATE ON deadlines_deadline
    FOR EACH ROW EXECUTE FUNCTION deadline_reset_next_reminder();
"""
RESET_BOOKMARK_REVERSE = """
DROP TRIGGER IF EXISTS deadline_reset_next_reminder ON deadlines_deadline;
DROP FUNCTION IF EXISTS deadline_reset_next_reminder();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_agency_front_door_contact_and_more'),
        ('cases', '0007_meeting_outcome_and_dropped_reason'),
        ('deadlines', '0003_deadline_subjects'),
        ('referrals', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='deadline',
            name='next_reminder_at',
            field=models.DateTimeField(db_default=deadlines.models.LOOK_NOW, editable=False),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('state__in', ['open', 'overdue', 'extended'])), fields=['next_reminder_at'], name='deadline_live_next_reminder'),
        ),
        migrations.RunSQL(RESET_BOOKMARK, RESET_BOOKMARK_REVERSE),
    ]
