-- The application's database role: reads and writes Tandem's tables, and only appends to the
-- access log. Run as the tables' owner (the role `migrate` connects as) after every `migrate`,
-- since a migration may add tables:
--
--     psql "$OWNER_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/app-role.sql
--
-- First create the role itself, once: CREATE ROLE tandem_app LOGIN PASSWORD '…' NOSUPERUSER;
-- web, worker and beat then connect as tandem_app (DATABASE_URL), and migrate as the owner.
-- Not being the owner nor a superuser, tandem_app cannot change or empty the access log,
-- disable its triggers, or silence them with session_replication_role.
-- (tests/access_control/test_access_log.py runs this file and tries each of those.)

GRANT USAGE ON SCHEMA public TO tandem_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tandem_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tandem_app;
REVOKE UPDATE, DELETE, TRUNCATE ON access_control_accesslogentry, access_control_accessloganchor FROM tandem_app;
