"""England's statutory timescales (Working Together to Safeguard Children) as data.
Platform admins change them, or add other jurisdictions', in the admin."""

from django.db import migrations

ENGLAND = [
    ("referral_decision", 1, "working_days", "receipt of the referral"),
    ("assessment", 45, "working_days", "receipt of the referral"),
    ("strategy_discussion", 1, "working_days", "the decision that one is needed"),
    ("initial_conference", 15, "working_days", "the strategy discussion"),
    ("first_core_group", 10, "working_days", "the initial child protection conference"),
    ("first_review", 3, "months", "the initial child protection conference"),
    ("later_review", 6, "months", "the previous review conference"),
    ("contribution", 10, "working_days", "the request for a contribution"),
]


def add(apps, schema_editor):
    Timescale = apps.get_model("deadlines", "Timescale")
    for kind, amount, unit, starts_from in ENGLAND:
        Timescale.objects.update_or_create(
            jurisdiction="GB-ENG", kind=kind, defaults={"amount": amount, "unit": unit, "starts_from": starts_from}
        )


def remove(apps, schema_editor):
    apps.get_model("deadlines", "Timescale").objects.filter(jurisdiction="GB-ENG").delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
