"""Writing, anchoring and verifying the append-only, hash-chained access log.

The log is ``ACCESS_LOG_CHAINS`` independent hash chains. A transaction that writes to the
log holds one chain, by a transaction-scoped advisory lock, until it commits: it takes the
first free chain, starting from one picked by its database connection, so concurrent
writers each extend a chain of their own instead of queueing behind one lock for the whole
system. Every so often ``anchor_heads`` writes each chain's head into ``AccessLogAnchor``
(and, when ``ACCESS_LOG_ANCHOR_FILE`` is set, appends it to that file, which should live
where the application's database role cannot reach); ``verify_chain`` walks every chain
and checks every anchor, so a changed row, a removed row and a cut-off tail are found."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from access_control import request_context
from access_control.models import AccessLogAnchor, AccessLogEntry
from agencies.models import Agency, User

GENESIS_HASH = "0" * 64
# The advisory lock class of the chains: lock (class, chain) is held by the one transaction
# extending that chain.
_CHAIN_LOCK_CLASS = 0x7A6E_4C6F


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
        chain = _hold_a_chain()
        seq, previous = _head(chain) or (0, GENESIS_HASH)
        request_id, interface = request_context.request_id.get(), request_context.interface.get()
        entries = []
        for event in events:
            seq += 1
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
                chain=chain,
                seq=seq,
            )
            entry.row_hash = previous = row_hash(entry)
            entries.append(entry)
        return AccessLogEntry.objects.bulk_create(entries)


# Beyond the ACCESS_LOG_CHAINS that connections start from, a writer finding them all held
# spills onto this many times as many rather than wait (see _hold_a_chain).
SPILL = 4


def chain_count() -> int:
    return max(1, int(settings.ACCESS_LOG_CHAINS))


def all_chains() -> int:
    """How many chains there may be: those writers start from, and those they spill onto."""
    return chain_count() * SPILL


def _hold_a_chain() -> int:
    """Lock a chain for this transaction and say which. A connection always tries the same
    chain first (so a transaction that writes twice keeps to the chain it holds: advisory
    locks are re-entrant), then the others in turn, then the spill chains.

    Taking a chain never waits while one is free, and there are SPILL times as many as
    ACCESS_LOG_CHAINS: a transaction that locked rows and then logs must not wait for a chain
    held by another that is waiting for those rows, a deadlock (PostgreSQL would abort one,
    a 500). It waits only when every chain is held, by more transactions at once than
    ``all_chains()``."""
    chains, total = chain_count(), all_chains()
    connection.ensure_connection()
    first = connection.connection.info.backend_pid % chains
    with connection.cursor() as cursor:
        for step in range(total):
            chain = (first + step) % chains if step < chains else step
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_CLASS, chain])
            (held,) = cursor.fetchone()
            if held:
                return chain
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_CLASS, first])
    return first


def _head(chain: int) -> tuple[int, str] | None:
    """(seq, row_hash) of the last row of ``chain``, if it has one: one index probe."""
    return AccessLogEntry.objects.filter(chain=chain).order_by("-seq").values_list("seq", "row_hash").first()


def _chains(anchored: set[int]) -> list[int]:
    """The chains to look at: those writers may use now (spill chains included), and any
    anchored once (a chain from before ACCESS_LOG_CHAINS was lowered must still be there)."""
    return sorted(set(range(all_chains())) | anchored)


def anchor_heads() -> list[AccessLogAnchor]:
    """Write down the head of every chain that has grown since its last anchor (and append
    them to ``ACCESS_LOG_ANCHOR_FILE`` when set). Returns the anchors written."""
    now = timezone.now()
    anchored = set(AccessLogAnchor.objects.order_by().values_list("chain", flat=True).distinct())
    anchors = []
    for chain in _chains(anchored):
        head = _head(chain)
        if head is None:
            continue
        last = AccessLogAnchor.objects.filter(chain=chain).order_by("-seq").values_list("seq", flat=True).first()
        if last is None or head[0] > last:
            anchors.append(AccessLogAnchor(chain=chain, seq=head[0], row_hash=head[1], anchored_at=now))
    AccessLogAnchor.objects.bulk_create(anchors)
    anchor_file = settings.ACCESS_LOG_ANCHOR_FILE
    if anchors and anchor_file:
        with Path(anchor_file).open("a", encoding="utf-8") as out:
            for anchor in anchors:
                out.write(json.dumps(_anchor_record(anchor), sort_keys=True) + "\n")
    return anchors


def _anchor_record(anchor: AccessLogAnchor) -> dict[str, Any]:
    return {
        "at": anchor.anchored_at.isoformat(timespec="seconds"),
        "chain": anchor.chain,
        "seq": anchor.seq,
        "row_hash": anchor.row_hash,
    }


@dataclass(frozen=True)
class BrokenLink:
    entry_id: int
    problem: str


_NOT_FOLLOWING = "does not follow the row before it (a row was removed or inserted)"


@dataclass(frozen=True)
class Anchor:
    chain: int
    seq: int
    row_hash: str


def verify_chain(batch_size: int = 5000, *, extra_anchors: list[Anchor] | None = None) -> tuple[int, BrokenLink | None]:
    """Walk every chain in order and check every anchor (those in the database and
    ``extra_anchors``, e.g. read from the anchor file); return how many rows were checked
    and the first broken link."""
    checked = 0
    anchors = [Anchor(a.chain, a.seq, a.row_hash) for a in AccessLogAnchor.objects.order_by("chain", "seq")]
    anchors += extra_anchors or []
    for chain in _chains({anchor.chain for anchor in anchors}):
        wanted = {anchor.seq: anchor.row_hash for anchor in anchors if anchor.chain == chain}
        previous, last_seq, last_id = GENESIS_HASH, 0, 0
        for entry in _in_order(chain, batch_size):
            if entry.prev_hash != previous or entry.seq != last_seq + 1:
                return checked, BrokenLink(entry.id, _NOT_FOLLOWING)
            if row_hash(entry) != entry.row_hash:
                return checked, BrokenLink(entry.id, "its content no longer matches its hash (the row was changed)")
            if entry.seq in wanted and wanted.pop(entry.seq) != entry.row_hash:
                return checked, BrokenLink(entry.id, "is not the row that was anchored here (the chain was rewritten)")
            previous, last_seq, last_id = entry.row_hash, entry.seq, entry.id
            checked += 1
        if wanted:
            missing = min(wanted)
            where = f"chain {chain} ends at its row {last_seq}" if last_seq else f"chain {chain} is empty"
            return checked, BrokenLink(
                last_id, f"{where} but was anchored at row {max(wanted)} (rows from {missing} on were cut off)"
            )
    return checked, None


def read_anchor_file(path: str | Path) -> list[Anchor]:
    """Anchors appended to an anchor file by ``anchor_heads`` (one JSON object a line)."""
    anchors = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            anchors.append(Anchor(int(record["chain"]), int(record["seq"]), str(record["row_hash"])))
    return anchors


def _in_order(chain: int, batch_size: int) -> Iterator[AccessLogEntry]:
    last_seq = 0
    while True:
        batch = list(AccessLogEntry.objects.filter(chain=chain, seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq
