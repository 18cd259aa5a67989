"""Every read of the case record, always starting from the policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from access_control.models import AccessLogEntry
from access_control.policy import Action, CaseAccess, visible_cases
from agencies.models import Agency, User
from cases.filters import SIGNIFICANT_ONLY
from cases.models import (
    Case,
    CaseTeamMember,
    Child,
    ChronologyEntry,
    ClosureRequest,
    Document,
    FamilyLink,
    Significance,
)
from referrals.models import ServiceReferral


def my_cases(*, user: User, status: str = "", risk_level: str = "", child_name: str = "") -> QuerySet[Case]:
    """Cases this user may see, newest first, with what a list row shows, in a fixed number of queries."""
    cases = visible_cases(user).select_related("lead_agency", "lead_worker").prefetch_related("children")
    if status:
        cases = cases.filter(status=status)
    if risk_level:
        cases = cases.filter(risk_level=risk_level)
    # Each term names one of the case's children (any of them): an EXISTS per term, not a
    # join per term and DISTINCT over the product.
    for term in child_name.split():
        named = Child.objects.filter(cases=OuterRef("pk")).filter(
            Q(given_names__icontains=term) | Q(family_name__icontains=term) | Q(aliases__name__icontains=term)
        )
        cases = cases.filter(Exists(named))
    return cases.order_by("-opened_on", "reference")


def case_children(access: CaseAccess) -> QuerySet[Child]:
    return access.case.children.prefetch_related(
        "aliases",
        "addresses",
        Prefetch("family_links", queryset=FamilyLink.objects.select_related("person")),
    ).order_by("date_of_birth")


def case_team(access: CaseAccess, *, include_removed: bool = False) -> QuerySet[CaseTeamMember]:
    team = CaseTeamMember.objects.filter(case=access.case).select_related("user", "agency", "added_by", "removed_by")
    if not include_removed:
        team = team.filter(active=True)
    return team.order_by("-active", "role", "added_at")


def chronology(
    access: CaseAccess,
    *,
    agency_id: int | None = None,
    kind: str = "",
    significance: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
    include_superseded: bool = False,
) -> QuerySet[ChronologyEntry]:
    """The merged multi-agency chronology as this user may see it, newest first: the filters
    of ``ChronologyFilters`` (dates inclusive; ``significant_only`` is significant and
    critical) and a search whose every word is in the summary or the detail, in capitals or not.
    It starts from the policy's visible entries, so a search never finds an entry out of sight."""
    entries = access.entries().select_related("author", "author_agency")
    if not include_superseded:
        entries = entries.filter(is_current=True)
    if agency_id:
        entries = entries.filter(author_agency_id=agency_id)
    if kind:
        entries = entries.filter(kind=kind)
    if significance == SIGNIFICANT_ONLY:
        entries = entries.filter(significance__in=[Significance.SIGNIFICANT, Significance.CRITICAL])
    elif significance:
        entries = entries.filter(significance=significance)
    if date_from:
        entries = entries.filter(event_date__gte=date_from)
    if date_to:
        entries = entries.filter(event_date__lte=date_to)
    for word in search.split():
        entries = entries.filter(Q(summary__icontains=word) | Q(detail__icontains=word))
    return entries.order_by("-event_date", "-recorded_at")


def chronology_to_read(access: CaseAccess, **filters: Any) -> QuerySet[ChronologyEntry]:
    """``chronology`` with what an entry shows when it is opened in place: the documents
    attached to it that this user may see (``entry.visible_documents``), in one more query."""
    documents = access.documents().order_by("uploaded_at")
    return chronology(access, **filters).prefetch_related(
        Prefetch("documents", queryset=documents, to_attr="visible_documents")
    )


def entry_agencies(access: CaseAccess) -> list[tuple[int, str]]:
    """The agencies that wrote the current entries this user may see, by name: what the
    chronology's agency filter offers (an agency whose every entry is out of sight is not named)."""
    wrote = access.entries().filter(is_current=True).values("author_agency_id")
    return list(Agency.objects.filter(pk__in=wrote).order_by("name", "pk").values_list("pk", "name"))


@dataclass(frozen=True)
class Correction:
    """One earlier version of an entry, as its correction history shows it: when it was
    recorded and by whom, and why the version after it corrected it (not its old text)."""

    recorded_at: datetime
    author_name: str
    corrected_because: str


def correction_histories(access: CaseAccess, entries: Sequence[ChronologyEntry]) -> dict[UUID, list[Correction]]:
    """For each corrected entry in ``entries``, its earlier versions that this user may see,
    oldest first, in one query (the case's superseded versions in sight)."""
    if not any(entry.supersedes_id for entry in entries):
        return {}
    earlier = {
        version.pk: version
        for version in access.entries()
        .filter(is_current=False)
        .select_related("author")
        .only("id", "supersedes_id", "recorded_at", "correction_reason", "author__full_name")
    }
    histories: dict[UUID, list[Correction]] = {}
    for entry in entries:
        chain: list[Correction] = []
        newer, older_id = entry, entry.supersedes_id
        while older_id is not None and (older := earlier.get(older_id)) is not None:
            chain.insert(0, Correction(older.recorded_at, older.author.full_name, newer.correction_reason))
            newer, older_id = older, older.supersedes_id
        if chain:
            histories[entry.pk] = chain
    return histories


def entry_versions(access: CaseAccess, entry: ChronologyEntry) -> list[ChronologyEntry]:
    """Earlier and later versions of an entry that this user may see, oldest first."""
    visible = access.entries().select_related("author", "author_agency")
    chain: list[ChronologyEntry] = []
    current: ChronologyEntry | None = entry
    by_id = {e.pk: e for e in visible}
    # Walk back through what it supersedes, then forward through what supersedes it.
    while current is not None and current.supersedes_id:
        current = by_id.get(current.supersedes_id)
        if current is not None:
            chain.insert(0, current)
    chain.append(entry)
    successors = {e.supersedes_id: e for e in by_id.values() if e.supersedes_id}
    current = successors.get(entry.pk)
    while current is not None:
        chain.append(current)
        current = successors.get(current.pk)
    return chain


def case_documents(access: CaseAccess) -> QuerySet[Document]:
    return access.documents().select_related("author", "author_agency")


def pending_closure(access: CaseAccess) -> ClosureRequest | None:
    return (
        ClosureRequest.objects.filter(case=access.case, state=ClosureRequest.State.PENDING)
        .select_related("requested_by")
        .first()
    )


def case_access_log(access: CaseAccess) -> QuerySet[AccessLogEntry]:
    """Who accessed this case, and the rule for each access. Only for those the policy allows."""
    if not access.can(Action.VIEW_ACCESS_LOG):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(case=access.case).select_related("user", "agency").order_by("-id")


def case_service_referrals(access: CaseAccess) -> QuerySet[ServiceReferral]:
    """The service referrals of a case the user can see, newest first (the case page lists
    them; the referrals app's API too)."""
    return (
        access.service_referrals()
        .select_related("from_agency", "to_agency", "referred_by", "named_worker")
        .order_by("-created_at")
    )
