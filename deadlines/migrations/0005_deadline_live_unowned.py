# The live deadlines an agency owes with no one named, by agency: "my tasks" reads an agency's
# share through it (a few hundred rows) instead of every deadline the agency ever owed (most of a
# front door's are met triage deadlines, and they grow with time). One column, so PostgreSQL
# costs it by the table's order of agencies and prefers it to the wider indexes.
#
# Raw SQL, not Meta.indexes: deadlines/models.py is left as it is; move it into Meta (with
# SeparateDatabaseAndState) when that file is next changed.

from django.db import migrations

CREATE = """
CREATE INDEX deadline_live_unowned ON deadlines_deadline (owner_agency_id)
WHERE owner_id IS NULL AND state IN ('open', 'overdue', 'extended');
"""
DROP = "DROP INDEX IF EXISTS deadline_live_unowned;"


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0004_next_reminder_bookmark"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
