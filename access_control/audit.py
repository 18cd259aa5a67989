"""Writing and verifying the append-only, hash-chained access log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from access_control import request_context
from access_control.models import AccessLogEntry
from agencies.models import Agency, User

GENESIS_HASH = "0" * 64
# One writer at a time extends the chain: a transaction-scoped advisory lock.
_CHAIN_LOCK_KEY = 0x7A6E_4C6F_6721


def _content(entry: AccessLogEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "user": entry.user_id,
        "agency": entry.agency_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "case": str(entry.case_id) if entry.case_id else None,
        "outcome": entry.outcome,
        "rule": entry.rule,
        "request_id": entry.request_id,
        "interface": entry.interface,
        "prev_hash": entry.prev_hash,
    }


def row_hash(entry: AccessLogEntry) -> str:
    canonical = json.dumps(_content(entry), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Event:
    """One thing to write to the access log (see ``record``)."""

    user: User | None
    action: str
    object_type: str
    allowed: bool
    rule: str
    object_id: object = ""
    case_id: object = None
    agency: Agency | int | None = None


def record(
    *,
    user: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    case_id: object = None,
    allowed: bool,
    rule: str,
    agency: Agency | int | None = None,
) -> AccessLogEntry:
    """Append one row to the access log, chained to the one before it."""
    event = Event(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        allowed=allowed,
        rule=rule,
        agency=agency,
    )
    return record_many([event])[0]


def record_many(events: list[Event]) -> list[AccessLogEntry]:
    """Append rows to the access log in order, each chained to the one before it, under one
    hold of the chain lock and in one INSERT (a page that shows several things logs them all
    for the price of one)."""
    if not events:
        return []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        previous = AccessLogEntry.objects.order_by("-id").values_list("row_hash", flat=True).first() or GENESIS_HASH
        request_id, interface = request_context.request_id.get(), request_context.interface.get()
        entries = []
        for event in events:
            user = event.user
            entry = AccessLogEntry(
                user=user if user is not None and user.is_authenticated else None,
                agency_id=event.agency.pk if isinstance(event.agency, Agency) else event.agency,
                action=event.action,
                object_type=event.object_type,
                object_id=str(event.object_id) if event.object_id else "",
                case_id=event.case_id,  # type: ignore[misc]
                outcome=AccessLogEntry.Outcome.ALLOWED if event.allowed else AccessLogEntry.Outcome.DENIED,
                rule=event.rule[:80],
                request_id=request_id,
                interface=interface,
                prev_hash=previous,
            )
            entry.row_hash = previous = row_hash(entry)
            entries.append(entry)
        # One multi-row INSERT: PostgreSQL assigns the ids in the order of the rows, so the
        # chain (walked in id order) follows this list.
        return AccessLogEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class BrokenLink:
    entry_id: int
    problem: str


def verify_chain(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the whole log in id order; return how many rows were checked and the first broken link."""
    previous = GENESIS_HASH
    checked = 0
    for entry in _in_order(batch_size):
        if entry.prev_hash != previous:
            return checked, BrokenLink(entry.id, "does not follow the row before it (a row was removed or inserted)")
        if row_hash(entry) != entry.row_hash:
            return checked, BrokenLink(entry.id, "its content no longer matches its hash (the row was changed)")
        previous = entry.row_hash
        checked += 1
    return checked, None


def _in_order(batch_size: int) -> Iterator[AccessLogEntry]:
    last_id = 0
    while True:
        batch = list(AccessLogEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
