"""Recording what must be sent. Services call these inside their own transaction, so a message
exists exactly when the change that calls for it was committed; it is queued for delivery only
after that commit, so nothing leaves for a change that was rolled back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from outbox.tasks import enqueue as enqueue_after_commit

_RECORD_SQL = """
INSERT INTO outbox_message (kind, dedupe_key, payload, created_at, queued_at, attempts, obsolete)
SELECT %(kind)s, k, p, %(now)s, %(now)s, 0, false FROM unnest(%(keys)s::text[], %(payloads)s::jsonb[]) AS t(k, p)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


def record_many(*, kind: str, messages: Iterable[tuple[str, Mapping[str, Any]]], enqueue: bool = True) -> list[int]:
    """Record messages of one kind, each a (dedupe_key, payload) pair, in one statement. A key
    recorded before (by this call or any earlier one) records nothing. Returns the ids of the
    messages new here, which are queued after commit unless ``enqueue`` is False (then the
    safety net, or the caller, delivers them)."""
    keys: list[str] = []
    payloads: list[str] = []
    for dedupe_key, payload in messages:
        keys.append(dedupe_key)
        payloads.append(json.dumps(payload))
    if not keys:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, {"kind": kind, "now": timezone.now(), "keys": keys, "payloads": payloads})
        message_ids = sorted(row[0] for row in cursor.fetchall())
    if enqueue and message_ids:
        transaction.on_commit(lambda: enqueue_after_commit(message_ids))
    return message_ids


def record(*, kind: str, dedupe_key: str, payload: Mapping[str, Any], enqueue: bool = True) -> int | None:
    """Record one message (see ``record_many``). Returns its id, or None if the key was
    recorded before."""
    recorded = record_many(kind=kind, messages=[(dedupe_key, payload)], enqueue=enqueue)
    return recorded[0] if recorded else None
