"""B-tree indexes for the child matcher's exact-key look-ups (referrals/matching.py), on the
lower-cased names it compares: the names exact in either order, or one exact and the other a
slip away (lower(family), lower(given)); and children born on one of a few near-miss days with
the family name or the first names exact (date of birth, lower(name)). Without them these
look-ups read every child born on those days, or every child of a common surname (thousands at
a million children); with them, a few index pages per key.

Raw SQL, so that the model's state (cases/models/children.py, Child.Meta.indexes) is unchanged: the
indexes are the matcher's, and makemigrations does not see them."""

from django.db import migrations

INDEXES = {
    "child_name_lower": "(lower(family_name), lower(given_names))",
    "child_birth_family_lower": "(date_of_birth, lower(family_name))",
    "child_birth_given_lower": "(date_of_birth, lower(given_names))",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_meeting_outcome_and_dropped_reason"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON cases_child {columns}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
