"""A separate process that writes rows to the access log (for the several-process tests and
the access-log benchmark):

    python -m tests.clocked -m tests.access_control.log_writer ROWS LABEL [START_AT]

DATABASE_URL names the database; each row is its own transaction, as a request's is. With
START_AT (a Unix time), it connects first and starts writing then, so several writers start
together. It prints the Unix times it started and finished writing as one JSON line."""

from __future__ import annotations

import json
import os
import sys
import time

import django


def main(rows: int, label: str, start_at: float | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from access_control import audit

    connection.ensure_connection()
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for n in range(rows):
        audit.record(
            user=None, action="view_case", object_type="case", object_id=f"{label}-{n}", allowed=True, rule="process"
        )
    print(json.dumps({"started": started, "finished": time.time(), "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else None)
