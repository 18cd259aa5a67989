"""Every read of the case record, always starting from the policy."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from access_control.models import AccessLogEntry
from access_control.policy import Action, CaseAccess, visible_cases
from agencies.models import User
from cases.models import Case, CaseTeamMember, Child, ChronologyEntry, ClosureRequest, Document, FamilyLink
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
    access: CaseAccess, *, agency_id: int | None = None, kind: str = "", include_superseded: bool = False
) -> QuerySet[ChronologyEntry]:
    """The merged multi-agency chronology as this user may see it."""
    entries = access.entries().select_related("author", "author_agency")
    if not include_superseded:
        entries = entries.filter(is_current=True)
    if agency_id:
        entries = entries.filter(author_agency_id=agency_id)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("-event_date", "-recorded_at")


def chronology_agencies(entries: list[ChronologyEntry]) -> list[tuple[int, str]]:
    """The agencies that wrote these entries, by name: the chronology's agency filter, read
    from the entries the page already has rather than asked of the database again."""
    named = {entry.author_agency_id: entry.author_agency.name for entry in entries}
    return sorted(named.items(), key=lambda agency: (agency[1], agency[0]))


def filter_chronology(
    entries: list[ChronologyEntry], *, agency_id: int | None = None, kind: str = ""
) -> list[ChronologyEntry]:
    """``chronology(agency_id=…, kind=…)`` applied to the entries of ``chronology`` in hand."""
    return [
        entry
        for entry in entries
        if (not agency_id or entry.author_agency_id == agency_id) and (not kind or entry.kind == kind)
    ]


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
