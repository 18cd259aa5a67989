from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER access_log_append_only
    BEFORE UPDATE OR DELETE ON access_control_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS access_log_append_only ON access_control_accesslogentry;
DROP FUNCTION IF EXISTS access_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("access_control", "0002_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, REVERSE)]
