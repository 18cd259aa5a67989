"""A separate process for the lock-order test: in one transaction it locks an agency's row
(SELECT ... FOR UPDATE, as a service locks what it changes), says so, then writes to the
access log, and commits:

    python -m tests.clocked -m tests.access_control.row_then_log AGENCY_ID

It prints "locked" once it holds the row and "logged" once it has committed."""

from __future__ import annotations

import os
import sys

import django


def main(agency_id: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import transaction

    from access_control import audit
    from agencies.models import Agency

    with transaction.atomic():
        Agency.objects.select_for_update().get(pk=agency_id)
        print("locked", flush=True)
        audit.record(
            user=None, action="view_case", object_type="case", object_id="row-then-log", allowed=True, rule="t"
        )
    print("logged", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
