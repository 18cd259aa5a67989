"""A child at immediate risk: England's strategy discussion is held by close of business the
same working day as the front door accepts the referral (the next working day's, when it is
accepted after close or on a day off). Every other urgency keeps the timescale for every
urgency (1 working day from the decision that one is needed)."""

from django.db import migrations

ENGLAND = [
    ("strategy_discussion", "immediate_risk", 0, "working_days", "the front door's decision on the referral"),
]


def add(apps, schema_editor):
    Timescale = apps.get_model("deadlines", "Timescale")
    for kind, urgency, amount, unit, starts_from in ENGLAND:
        Timescale.objects.update_or_create(
            jurisdiction="GB-ENG",
            kind=kind,
            urgency=urgency,
            defaults={"amount": amount, "unit": unit, "starts_from": starts_from},
        )


def remove(apps, schema_editor):
    Timescale = apps.get_model("deadlines", "Timescale")
    for kind, urgency, *_ in ENGLAND:
        Timescale.objects.filter(jurisdiction="GB-ENG", kind=kind, urgency=urgency).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0007_timescales_per_urgency"),
    ]

    operations = [migrations.RunPython(add, remove)]
