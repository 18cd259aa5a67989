"""Deadlines: what is owed, on things the user can see."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404

from access_control import audit
from access_control.policy.base import Decision, _signed_in, active_memberships, equals_any, event
from access_control.policy.cases import in_sight, visible_cases
from access_control.policy.referrals import front_door_referrals
from agencies.models import User
from deadlines.models import LIVE_STATES, Deadline
from referrals.models import Referral

# --- deadlines: what is owed, on things the user can see --------------------------------


def visible_deadlines(user: User) -> QuerySet[Deadline]:
    """Deadlines on cases the user can see, and on referrals they can see. One id list per
    rule, united, so the cost is what the user sees, not how many deadlines there are.

    For a read that starts from a few deadlines (what someone owes, one deadline) use
    ``visible_deadlines_among``: the same rules tested row by row, which does not compute a
    front door's whole inbox to keep a handful of rows."""
    if not _signed_in(user):
        return Deadline.objects.none()
    on_cases = Deadline.objects.filter(case__in=visible_cases(user))
    # A front door sees its whole inbox's deadlines, anyone else none; an array (see
    # ``equals_any``) keeps this rule index-driven for both. (The user's own referrals are
    # the next rule's.)
    on_referrals = Deadline.objects.filter(
        equals_any("referral_id", front_door_referrals(user).exclude(referrer=user).values("pk"))
    )
    on_own_referrals = Deadline.objects.filter(referral__referrer=user, owner=user)
    ids = (
        on_cases.values("pk")
        .order_by()
        .union(on_referrals.values("pk").order_by(), on_own_referrals.values("pk").order_by(), all=True)
    )
    return Deadline.objects.filter(pk__in=ids)


def _seen_by(user: User) -> Q:
    """The rules of ``visible_deadlines`` as a test of each deadline row, so a read that starts
    from a few deadlines costs what they are. The case rule is the user's visible case ids,
    computed once (their caseload). The referral rules look up the row's own referral by its
    key: as a scalar subquery, which PostgreSQL runs per row, where an ``EXISTS`` or a join
    may be planned as a pass over a front door's whole inbox (a large share of all referrals)."""

    def referral_of_row_in(referrals: QuerySet[Referral]) -> IsNull:
        return IsNull(Subquery(referrals.filter(pk=OuterRef("referral_id")).values("pk")[:1]), False)

    inbox = front_door_referrals(user).exclude(referrer=user)
    own = Referral.objects.filter(referrer=user)
    return in_sight("case_id", user) | Q(referral_of_row_in(inbox)) | Q(Q(owner=user), referral_of_row_in(own))


def visible_deadlines_among(user: User, deadlines: QuerySet[Deadline]) -> QuerySet[Deadline]:
    """Those of ``deadlines`` the user may see (the rules of ``visible_deadlines``), tested on
    each of them: for reads that start from what is owed, through the owner's indexes."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return deadlines.filter(_seen_by(user))


def my_tasks(user: User, *, states: Collection[str] = LIVE_STATES) -> QuerySet[Deadline]:
    """Deadlines in ``states`` (by default those still owed) owed by the user, or by one of
    their agencies with no one named, that they can see. Read from what is owed, through the
    owner's and the agency's indexes, each row then tested against the rules of
    ``visible_deadlines``: the cost is what the user owes, not what they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    states = list(states)
    owed_by_user = Deadline.objects.filter(owner=user, state__in=states)
    owed_by_agency = Deadline.objects.filter(
        owner__isnull=True, owner_agency__in=active_memberships(user).values("agency_id"), state__in=states
    )
    # The ids of those the user may see, as an array computed first (``equals_any``), then
    # each read by its key. PostgreSQL cannot tell how few deadlines an agency owes with no
    # one named (most of a front door's are met triage deadlines) and, planning for many,
    # would join every case and referral. (The live ones are read through their own small
    # index, ``deadline_live_unowned``.) The agencies stay a subquery, not ids read once: told
    # which agency, PostgreSQL takes a front door's unowned deadlines for thousands of rows,
    # the per-row tests above that for costly, and JIT-compiles the query (60 ms).
    seen_by_user = _seen_by(user)
    seen = (
        owed_by_user.filter(seen_by_user)
        .values("pk")
        .order_by()
        .union(owed_by_agency.filter(seen_by_user).values("pk").order_by(), all=True)
    )
    return Deadline.objects.filter(equals_any("pk", seen))


# --- one deadline, and its extensions -------------------------------------------------------

_UNSEEN = Decision(False, "cannot see the deadline")


def get_deadline(user: User, deadline_id: UUID | str, action: str = "view") -> Deadline:
    """The deadline (with its case and referral), if the user may see it; otherwise 404, logged."""
    deadlines = visible_deadlines_among(user, Deadline.objects.filter(pk=deadline_id))
    deadline = deadlines.select_related("case", "referral").first()
    if deadline is None:
        audit.record_many([event(_UNSEEN, user, action, "deadline", deadline_id)])
        raise Http404("No deadline here.")
    return deadline


def decide_asking_extension(user: User, deadline: Deadline) -> Decision:
    """May ``user`` ask for a later due time? Anyone who can see the deadline."""
    if visible_deadlines_among(user, Deadline.objects.filter(pk=deadline.pk)).exists():
        return Decision(True, "can see the deadline")
    return _UNSEEN
