"""Every read of referrals, always starting from the policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case as Ranked
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from access_control.policy import (
    ReferralAccess,
    ServiceReferralAccess,
    ServiceReferralAction,
    active_memberships,
    front_door_ids,
    visible_cases,
    visible_referrals,
    visible_service_referrals,
)
from agencies.models import Agency, Role, User
from cases.models import Case, Child, ChronologyEntry, Document
from referrals.matching import Candidate, find_candidates
from referrals.models import Referral, ReferralStatus, ServiceReferral, Source, Urgency

# What a front door's inbox shows: the referrals waiting, and on request the decided ones
# too; never a draft (not even one its own worker is writing to it).
WAITING_AT_FRONT_DOOR = (ReferralStatus.SUBMITTED, ReferralStatus.AWAITING_SIGNOFF)
IN_THE_INBOX = (*WAITING_AT_FRONT_DOOR, ReferralStatus.DECIDED)
# The inbox search reads this many words of what was typed (a name, a reference, a referrer).
SEARCH_TERMS = 6


def inbox(
    *, user: User, agency: Agency | None = None, include_decided: bool = False, search: str = ""
) -> QuerySet[Referral]:
    """The front door's referrals by their triage due time: the overdue first (the most overdue
    first), then by time left. Urgency sets the due time (``timescale_urgency``), so it is not
    ranked above it: a routine referral overdue comes before an urgent one not yet due. At the
    same due time the more urgent comes first, then the newest.

    Those waiting are named by their statuses (not "all but decided"), so they are read
    through the index on (receiving agency, status): a front door's decided referrals, nearly
    all it ever had, are never read to be left out. The front doors are the ids
    ``visible_referrals`` has just read (``front_door_ids``), not a subquery of them again."""
    referrals = visible_referrals(user).filter(receiving_agency__in=front_door_ids(user))
    if agency is not None:
        referrals = referrals.filter(receiving_agency=agency)
    referrals = referrals.filter(status__in=IN_THE_INBOX if include_decided else WAITING_AT_FRONT_DOOR)
    referrals = referrals.filter(inbox_search(search))
    return (
        referrals.select_related("receiving_agency", "referrer_agency", "handler", "previous_referral")
        .annotate(
            urgency_rank=Ranked(
                When(immediate_risk=True, then=Value(0)),
                When(urgency=Urgency.URGENT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("triage_due_at", "urgency_rank", "-submitted_at")
    )


def inbox_search(search: str) -> Q:
    """A filter for the inbox's search: every term matches the child's names, the reference,
    the referrer's name or the referring agency (each term any of them, case-insensitive).
    Applied to what the policy let the user see; no search is no filter."""
    matched = Q()
    for term in search.split()[:SEARCH_TERMS]:
        matched &= (
            Q(child_given_names__icontains=term)
            | Q(child_family_name__icontains=term)
            | Q(child_other_names__icontains=term)
            | Q(reference__icontains=term)
            | Q(referrer_name__icontains=term)
            | Q(referrer_agency__name__icontains=term)
        )
    return matched


def my_referrals(*, user: User) -> QuerySet[Referral]:
    """Referrals this user made, drafts included, newest first."""
    return (
        visible_referrals(user)
        .filter(referrer=user)
        .select_related("receiving_agency", "passed_to")
        .order_by("-created_at")
    )


# --- service referrals ------------------------------------------------------------------


def service_inbox(*, user: User) -> QuerySet[ServiceReferral]:
    """Service referrals addressed to the agencies this user works in: waiting ones first."""
    return (
        visible_service_referrals(user)
        .filter(to_agency__in=active_memberships(user).exclude(role=Role.AGENCY_ADMIN).values("agency_id"))
        .select_related("from_agency", "to_agency", "referred_by", "named_worker", "case")
        .annotate(
            waiting=Ranked(
                When(state=ServiceReferral.State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("waiting", "-created_at")
    )


def shared_extract(access: ServiceReferralAccess) -> tuple[list[ChronologyEntry], list[Document]]:
    """What a service referral shared, for those allowed to see it (empty otherwise)."""
    if not access.can(ServiceReferralAction.VIEW_EXTRACT):
        return [], []
    referral = access.referral
    entries = list(referral.shared_entries.select_related("author", "author_agency").order_by("-event_date"))
    documents = list(referral.shared_documents.select_related("author", "author_agency").order_by("-uploaded_at"))
    access.log("view_shared_extract")
    return entries, documents


# --- is this child already known? ----------------------------------------------------------

# Said of an agency that has left no front-door contact.
UNNAMED_CONTACT = "its safeguarding team"
# All that is loaded of a linkable case out of sight: its reference, nothing of the record.
LINKABLE_ONLY_FIELDS = ("id", "reference", "lead_agency")


@dataclass(frozen=True)
class KnownChild:
    """A child who may be the one referred, as much as the front-door worker may know of them."""

    score: float  # 0..1
    matched: tuple[str, ...]  # e.g. ("name", "alias", "date of birth", "postcode", "NHS number")
    child: Child | None  # only when the worker can see one of the child's cases
    cases: tuple[Case, ...]  # the child's cases this worker can see (may be empty)
    # Cases the worker may link the referral to: those they see, and those their own front
    # door's agency leads. Of one out of sight only the id and reference are loaded: show
    # nothing else of it.
    linkable_cases: tuple[Case, ...]
    known_to: tuple[tuple[str, str], ...]  # (agency name, front-door contact) for cases out of sight


def known_child_matches(access: ReferralAccess, limit: int = 5) -> list[KnownChild]:
    """Children already known who may be the one this referral is about, best first.

    For the receiving front door only (anyone else is refused, and the refusal logged).
    Need-to-know holds: a child whose cases the worker cannot see comes back as a score,
    what matched and which agencies know the child (with how to reach them), never the
    record; a case out of sight is offered for linking (by its reference) only when the front
    door's own agency leads it. Children on no case are left out. One access-log row records
    the search."""
    access.check_matching_children()
    referral = access.referral
    candidates = find_candidates(
        given_names=referral.child_given_names,
        family_name=referral.child_family_name,
        other_names=referral.child_other_names,
        date_of_birth=referral.child_date_of_birth,
        postcode=referral.child_postcode,
        nhs_number=referral.child_nhs_number,
        limit=limit * 2,  # some spare: children on no case are dropped
    )
    matches = _known_children(access, candidates)[:limit]
    access.log("match_children")
    return matches


def _known_children(access: ReferralAccess, candidates: list[Candidate]) -> list[KnownChild]:
    if not candidates:
        return []
    receiving_agency_id = access.referral.receiving_agency_id
    # Which agency leads each of these children's cases, and whether the worker may see it:
    # all that is read here of a case out of sight.
    links = list(
        Case.objects.filter(children__in=[candidate.child.pk for candidate in candidates])
        .annotate(visible=Exists(visible_cases(access.user).filter(pk=OuterRef("pk"))))
        .values("pk", "children", "lead_agency_id", "lead_agency__name", "lead_agency__front_door_contact", "visible")
    )
    visible_ids = {link["pk"] for link in links if link["visible"]}
    own_hidden_ids = {
        link["pk"] for link in links if not link["visible"] and link["lead_agency_id"] == receiving_agency_id
    }
    visible = (
        {case.pk: case for case in visible_cases(access.user).filter(pk__in=visible_ids).select_related("lead_agency")}
        if visible_ids
        else {}
    )
    own_hidden = (
        {case.pk: case for case in Case.objects.filter(pk__in=own_hidden_ids).only(*LINKABLE_ONLY_FIELDS)}
        if own_hidden_ids
        else {}
    )
    known: list[KnownChild] = []
    for candidate in candidates:
        child_links = [link for link in links if link["children"] == candidate.child.pk]
        if not child_links:
            continue
        cases = tuple(visible[link["pk"]] for link in child_links if link["pk"] in visible)
        hidden_own = tuple(own_hidden[link["pk"]] for link in child_links if link["pk"] in own_hidden)
        known_to = dict.fromkeys(
            (link["lead_agency__name"], link["lead_agency__front_door_contact"] or UNNAMED_CONTACT)
            for link in child_links
            if not link["visible"]
        )
        known.append(
            KnownChild(
                score=candidate.score,
                matched=candidate.matched,
                child=candidate.child if cases else None,
                cases=cases,
                linkable_cases=(*cases, *hidden_own),
                known_to=tuple(known_to),
            )
        )
    return known


def public_reference_status(reference: str) -> Referral | None:
    """The one fact a public reference opens: when the concern came in, and its status. Only a
    public concern's own reference answers; nothing else of the referral is read."""
    return (
        Referral.objects.filter(reference=reference.strip().upper(), source=Source.PUBLIC)
        .exclude(status=ReferralStatus.DRAFT)
        .only("pk", "submitted_at", "status", "receiving_agency_id")
        .first()
    )
