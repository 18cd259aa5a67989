# The access log becomes several independent chains (no single lock for every writer) with
# anchors of each chain's head. Rows written before are chain 0, numbered in id order: the
# one chain they always were, so their hashes and links stay valid.

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

NUMBER_EXISTING_ROWS = """
ALTER TABLE access_control_accesslogentry DISABLE TRIGGER access_log_append_only;
UPDATE access_control_accesslogentry AS entry SET seq = numbered.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM access_control_accesslogentry) AS numbered
    WHERE entry.id = numbered.id;
ALTER TABLE access_control_accesslogentry ENABLE TRIGGER access_log_append_only;
"""

ANCHORS_APPEND_ONLY = """
CREATE TRIGGER access_log_anchor_append_only
    BEFORE UPDATE OR DELETE ON access_control_accessloganchor
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
"""
ANCHORS_APPEND_ONLY_REVERSE = "DROP TRIGGER IF EXISTS access_log_anchor_append_only ON access_control_accessloganchor;"


class Migration(migrations.Migration):

    dependencies = [
        ('access_control', '0004_grant_reason'),
        ('agencies', '0002_agency_front_door_contact_and_more'),
        ('cases', '0007_meeting_outcome_and_dropped_reason'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogAnchor',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('chain', models.PositiveSmallIntegerField()),
                ('seq', models.BigIntegerField()),
                ('row_hash', models.CharField(max_length=64)),
                ('anchored_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.AddField(
            model_name='accesslogentry',
            name='chain',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='accesslogentry',
            name='seq',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(NUMBER_EXISTING_ROWS, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='accesslogentry',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='access_log_one_row_per_place'),
        ),
        migrations.AddIndex(
            model_name='accessloganchor',
            index=models.Index(fields=['chain', '-seq'], name='access_cont_chain_057827_idx'),
        ),
        migrations.RunSQL(ANCHORS_APPEND_ONLY, ANCHORS_APPEND_ONLY_REVERSE),
    ]
