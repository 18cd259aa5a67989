"""Supervisors: the people they supervise, and their caseloads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet

from access_control import audit
from access_control.policy.base import DENY_NO_RULE, Decision, _signed_in, active_memberships, equals_any
from access_control.policy.cases import _deny, _visible_items_filter, case_ids_in_sight
from access_control.policy.deadlines import visible_deadlines_among
from agencies.models import Membership, Role, SupervisionLine, User
from cases.models import CaseTeamMember, ChronologyEntry
from deadlines.models import Deadline

# --- supervisors: the people they supervise, and their caseloads -------------------------

RULE_SUPERVISES_WORKER = "supervisor of this worker"


def supervision_over(user_id: int, agency_id: int | None) -> QuerySet[SupervisionLine]:
    """The active supervision lines over a person as a member of one agency: both memberships
    active and in that agency. Who supervises someone (the owner of a deadline, the lead of an
    assessment, who used break-glass for an agency) is always this."""
    return SupervisionLine.objects.filter(
        active=True,
        supervisor__active=True,
        supervisor__agency=agency_id,
        supervisee__user=user_id,
        supervisee__active=True,
        supervisee__agency=agency_id,
    )


def _lines_to_outer_membership(user: User) -> QuerySet[SupervisionLine]:
    """Active lines from one of ``user``'s active memberships to the outer query's membership,
    in the same agency: the supervision the supervisor rule of ``visible_cases`` rests on."""
    return SupervisionLine.objects.filter(
        active=True,
        supervisor__user=user,
        supervisor__active=True,
        supervisor__agency=OuterRef("agency"),
        supervisee=OuterRef("pk"),
    )


def supervisee_memberships(user: User) -> QuerySet[Membership]:
    """The memberships this user supervises now: active, in an active agency, on an active
    line from an active membership of theirs in that same agency. One query."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(active=True, agency__active=True).filter(Exists(_lines_to_outer_membership(user)))


def of_supervisee(user: User, user_field: str, agency_field: str) -> Exists:
    """Whether the outer row's (person, agency) is a membership ``user`` supervises now."""
    return Exists(supervisee_memberships(user).filter(user_id=OuterRef(user_field), agency_id=OuterRef(agency_field)))


def supervisees_deadlines(user: User) -> QuerySet[Deadline]:
    """Deadlines owed by someone this user supervises now, for the agency they are supervised
    in, that this user may see. Read from the supervisees' own deadlines (the owner's index),
    each tested against the rules of ``visible_deadlines``: the cost is the team's, not the
    size of what the supervisor can see (a front door's whole inbox, for one at a front door)."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return visible_deadlines_among(user, Deadline.objects.filter(of_supervisee(user, "owner_id", "owner_agency_id")))


def supervisees_places(user: User) -> QuerySet[CaseTeamMember]:
    """Active team places held by someone this user supervises now, for the agency they are
    supervised in, on cases this user may see. Read from the supervisees' own places (the
    user's index), each case tested against the user's visible case ids, computed once."""
    if not _signed_in(user):
        return CaseTeamMember.objects.none()
    return (
        CaseTeamMember.objects.filter(active=True)
        .filter(of_supervisee(user, "user_id", "agency_id"))
        .filter(equals_any("case_id", case_ids_in_sight(user)))
    )


def supervises_someone() -> Exists:
    """Whether the outer query's membership (a supervisor's own) has an active supervisee of
    its agency: an annotation, so the header learns it from the memberships query it runs."""
    return Exists(
        SupervisionLine.objects.filter(
            active=True,
            supervisor=OuterRef("pk"),
            supervisee__active=True,
            supervisee__agency=OuterRef("agency"),
        )
    )


def decide_caseloads(user: User) -> Decision:
    """May this user open the supervisor's view? Supervisors (even with no one to supervise
    yet: they see an empty page) and anyone with a supervisee; nobody else."""
    if not _signed_in(user):
        return DENY_NO_RULE
    if active_memberships(user).filter(role=Role.SUPERVISOR).exists() or supervisee_memberships(user).exists():
        return Decision(True, "supervisor")
    return Decision(False, "only supervisors see their team's caseloads")


def check_caseloads(user: User, action: str) -> Decision:
    """``decide_caseloads``, logged either way; a refusal answers 403 (the page is no secret)."""
    decision = decide_caseloads(user)
    if not decision:
        _deny(user, action, "caseload", "", None, decision.rule)
        raise PermissionDenied(decision.rule)
    audit.record(user=user, action=action, object_type="caseload", allowed=True, rule=decision.rule)
    return decision


def get_supervisee(user: User, membership_id: int, action: str) -> Membership:
    """A membership this user supervises now (logged as ``action``); anyone else's is 404,
    logged, so membership ids cannot be probed."""
    membership = supervisee_memberships(user).select_related("user", "agency").filter(pk=membership_id).first()
    if membership is None:
        raise _deny(user, action, "membership", membership_id, None, "not someone you supervise")
    audit.record(
        user=user,
        action=action,
        object_type="membership",
        object_id=membership.pk,
        allowed=True,
        rule=RULE_SUPERVISES_WORKER,
        agency=membership.agency_id,
    )
    return membership


def decide_handover(user: User, membership: Membership) -> Decision:
    """May ``user`` hand over what ``membership`` leads and owes (cases, deadlines,
    contributions, actions) to a colleague? Only the member's supervisor now
    (``supervisee_memberships``, the rule of ``supervision_over``)."""
    if _signed_in(user) and supervisee_memberships(user).filter(pk=membership.pk).exists():
        return Decision(True, RULE_SUPERVISES_WORKER)
    return Decision(False, "not someone you supervise")


def readable_entries(user: User) -> QuerySet[ChronologyEntry]:
    """Chronology entries, on every case this user may see, that they may read there: the
    rule of ``visible_entries`` across cases, as one query."""
    if not _signed_in(user):
        return ChronologyEntry.objects.none()
    # The visible case ids as an array (``equals_any``): computed once, then the entries of
    # those cases through the case's index, however the rest of the query narrows them.
    return ChronologyEntry.objects.filter(equals_any("case_id", case_ids_in_sight(user))).filter(
        _visible_items_filter(user, ChronologyEntry)
    )


def decide_on_extension(user: User, deadline: Deadline) -> Decision:
    """May ``user`` approve or reject an extension of ``deadline``? The owner's supervisor
    (``supervision_over``), or, when no one owns it, a supervisor of the owning agency."""
    if deadline.owner_id is None:
        allowed = Membership.objects.filter(
            user=user, agency=deadline.owner_agency_id, role=Role.SUPERVISOR, active=True
        ).exists()
    else:
        allowed = supervision_over(deadline.owner_id, deadline.owner_agency_id).filter(supervisor__user=user).exists()
    if allowed:
        return Decision(True, "supervisor of the deadline owner")
    return Decision(False, "not the owner's supervisor")
