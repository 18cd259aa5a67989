from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS cases_case_reference_seq START 1001",
            "DROP SEQUENCE IF EXISTS cases_case_reference_seq",
        )
    ]
