# TRUNCATE fires no row trigger, so the access log's append-only triggers (0003, 0005) let it
# empty the log and its anchors. A statement trigger refuses it on both tables.
#
# A superuser can still set session_replication_role = replica, which silences every trigger:
# the test suite does so to empty the database between transactional tests (tests/conftest.py),
# and nothing else should. In production the application's role is neither the tables' owner
# nor a superuser (README, "The database roles"), so it can neither truncate, nor disable the
# triggers, nor set that parameter.

from django.db import migrations

REFUSE_TRUNCATE = """
CREATE TRIGGER access_log_refuses_truncate
    BEFORE TRUNCATE ON access_control_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse_change();
CREATE TRIGGER access_log_anchor_refuses_truncate
    BEFORE TRUNCATE ON access_control_accessloganchor
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS access_log_refuses_truncate ON access_control_accesslogentry;
DROP TRIGGER IF EXISTS access_log_anchor_refuses_truncate ON access_control_accessloganchor;
"""


class Migration(migrations.Migration):
    dependencies = [("access_control", "0005_access_log_chains")]

    operations = [migrations.RunSQL(REFUSE_TRUNCATE, REVERSE)]
