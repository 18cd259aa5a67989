"""Changing the access log's tables behind their append-only triggers, as someone with the
tables' owner's rights could: what tamper evidence must catch."""

from __future__ import annotations

from typing import Any

from django.db import connection

LOG_TABLE = "access_control_accesslogentry"
ANCHOR_TABLE = "access_control_accessloganchor"
APPEND_ONLY_TRIGGERS = {LOG_TABLE: "access_log_append_only", ANCHOR_TABLE: "access_log_anchor_append_only"}


def tamper(sql: str, params: list[Any], *, table: str = LOG_TABLE) -> None:
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of this test's inserts first: PostgreSQL will not
        # alter a table with trigger events still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {APPEND_ONLY_TRIGGERS[table]}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {APPEND_ONLY_TRIGGERS[table]}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
