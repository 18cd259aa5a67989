"""Referrals (the referrer and the receiving front door) and service referrals between agencies."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from access_control import audit
from access_control.policy.base import (
    DENY_NO_RULE,
    Decision,
    Grounds,
    _signed_in,
    active_memberships,
    enforce,
    event,
    read_once,
)
from access_control.policy.cases import _deny, visible_cases
from agencies.models import Agency, Membership, Role, User
from cases.models import Case, Child
from referrals.models import Referral, ReferralStatus, ServiceReferral

# --- referrals: the referrer, and the receiving agency's front door ---------------------

FRONT_DOOR_ROLES = (Role.INTAKE, Role.SUPERVISOR)


class ReferralAction(StrEnum):
    VIEW = "view_referral"
    EDIT_DRAFT = "edit_referral_draft"
    ADD_TO = "add_to_referral"
    TRIAGE = "triage_referral"
    SIGN_OFF = "sign_off_referral"


def front_door_agencies(user: User) -> QuerySet[Agency]:
    """Agencies whose referral inbox this user works: intake workers and supervisors of a front door."""
    if not _signed_in(user):
        return Agency.objects.none()
    return Agency.objects.filter(
        active=True,
        takes_referrals=True,
        memberships__user=user,
        memberships__active=True,
        memberships__role__in=FRONT_DOOR_ROLES,
    ).distinct()


def front_door_ids(user: User) -> list[int]:
    """The ids of ``front_door_agencies``, read once per read-only request (``read_once``)."""
    return read_once(("front_door_ids", user.pk), lambda: list(front_door_agencies(user).values_list("pk", flat=True)))


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Referrals this user may see: their own, and submitted ones addressed to a front door they work.
    A referral shows that referral only: nothing else of the referrer's agency.

    The front doors the user works are read first, when the queryset is built (one small
    query), and go into it as literal ids: PostgreSQL then knows how many referrals each rule
    holds. Someone at no front door (a practitioner) is the referrer's index alone; a front
    door's is a BitmapOr of the referrer's index and the receiving agency's. A subquery inside
    the OR would be a filter tested on every referral (a scan of them all, for everyone)."""
    if not _signed_in(user):
        return Referral.objects.none()
    own = Q(referrer=user)
    doors = front_door_ids(user)
    if not doors:
        return Referral.objects.filter(own)
    return Referral.objects.filter(own | (Q(receiving_agency_id__in=doors) & ~Q(status=ReferralStatus.DRAFT)))


def _at_front_door(user: User) -> Q:
    return Q(receiving_agency__in=front_door_agencies(user)) & ~Q(status=ReferralStatus.DRAFT)


def front_door_referrals(user: User) -> QuerySet[Referral]:
    """Submitted referrals addressed to a front door this user works: the inbox part of
    ``visible_referrals``."""
    if not _signed_in(user):
        return Referral.objects.none()
    return Referral.objects.filter(_at_front_door(user))


@dataclass(frozen=True)
class ReferralBasis:
    is_referrer: bool = False
    front_door_role: str | None = None
    decided_it: bool = False

    @property
    def rule(self) -> str:
        if self.front_door_role:
            return f"front door of the receiving agency ({Role(self.front_door_role).label.lower()})"
        if self.is_referrer:
            return "referrer"
        return DENY_NO_RULE.rule


def decide_referral(basis: ReferralBasis, referral: Referral, action: ReferralAction) -> Decision:
    submitted = referral.status != ReferralStatus.DRAFT
    front_door = basis.front_door_role is not None and submitted
    if action == ReferralAction.VIEW:
        return Decision(True, basis.rule) if basis.is_referrer or front_door else DENY_NO_RULE
    if action == ReferralAction.EDIT_DRAFT:
        if basis.is_referrer and not submitted:
            return Grounds.REFERRER_DRAFTING
        return Decision(False, "a submitted referral cannot be edited, only added to")
    if action == ReferralAction.ADD_TO:
        if submitted and (basis.is_referrer or front_door):
            return Decision(True, basis.rule)
        return Decision(False, "only the referrer and the front door add to a submitted referral")
    if action == ReferralAction.TRIAGE:
        if front_door and referral.status == ReferralStatus.SUBMITTED:
            return Decision(True, basis.rule)
        return Decision(False, "only the receiving front door triages a referral waiting for triage")
    if action == ReferralAction.SIGN_OFF:
        if not (
            front_door
            and basis.front_door_role == Role.SUPERVISOR
            and referral.status == ReferralStatus.AWAITING_SIGNOFF
        ):
            return Decision(False, "only a supervisor at the receiving front door signs off a decision")
        if basis.decided_it:
            return Decision(False, "a decision is signed off by someone other than who made it")
        return Decision(True, "supervisor at the receiving front door")
    raise ValueError(f"{action} is not a referral action")


@dataclass(frozen=True)
class ReferralAccess:
    user: User
    referral: Referral
    basis: ReferralBasis

    def can(self, action: ReferralAction) -> Decision:
        return decide_referral(self.basis, self.referral, action)

    def log(self, action: str, *, rule: str | None = None) -> None:
        audit.record(
            user=self.user,
            action=action,
            object_type="referral",
            object_id=self.referral.pk,
            case_id=self.referral.linked_case_id,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.referral.receiving_agency_id
            if self.basis.front_door_role
            else self.referral.referrer_agency_id,
        )

    def check_matching_children(self) -> None:
        """Only the receiving front door checks whether the referral's child is already known
        (a refusal is logged and answers 403; the search itself is logged by its query)."""
        if self.basis.front_door_role is not None and self.referral.status != ReferralStatus.DRAFT:
            return
        enforce(
            Decision(False, "only the receiving front door checks whether a child is known"),
            user=self.user,
            action="match_children",
            object_type="referral",
            object_id=self.referral.pk,
            case_id=self.referral.linked_case_id,
            agency=self.referral.referrer_agency_id,
        )

    def log_children_shown(self, shown: Iterable[tuple[object, object]]) -> None:
        """Log each known child the front door was shown, as (child id, the case it was seen on)."""
        audit.record_many(
            [
                event(
                    Grounds.KNOWN_CHILD_MATCH,
                    self.user,
                    "view_child",
                    "child",
                    child_id,
                    case_id,
                    self.referral.receiving_agency_id,
                )
                for child_id, case_id in shown
            ]
        )


def check_inbox(user: User, front_doors: Collection[object]) -> None:
    """A front door's inbox is for its intake workers and supervisors: someone whose
    ``front_doors`` (as read from ``front_door_agencies``) are none is refused, logged, 403.
    (The inbox shown is logged by ``log_listing(user, Listing.FRONT_DOOR_INBOX)``.)"""
    if front_doors:
        return
    enforce(
        Decision(False, "only a front door's intake workers and supervisors see its inbox"),
        user=user,
        action="list",
        object_type="referral",
        says="Only intake workers and supervisors of a front door see its inbox.",
    )


def check_making_referral(user: User) -> Membership:
    """The membership a referral is made from: staff of an agency (not its admins) make
    referrals; anyone else is refused, logged, 403."""
    membership = active_memberships(user).exclude(role=Role.AGENCY_ADMIN).first()
    if membership is None:
        enforce(
            Decision(False, "only staff of an agency make referrals"),
            user=user,
            action="save_referral_draft",
            object_type="referral",
            says="Only staff of an agency make referrals.",
        )
    assert membership is not None
    return membership


def check_linking(user: User, referral: Referral, *, case: Case | None, child: Child | None) -> None:
    """A front door links a referral to a case it can see, or to one its own agency leads; and
    names a known child only if it can already see one of the child's cases, or the child is
    on the (own-agency) case being linked: otherwise linking would reveal the child's record.
    A refusal is logged and answers 403."""
    if case is not None and not (
        case.lead_agency_id == referral.receiving_agency_id or visible_cases(user).filter(pk=case.pk).exists()
    ):
        enforce(
            Decision(False, "a referral links only to a case the front door can see or its agency leads"),
            user=user,
            action="link_referral",
            object_type="case",
            object_id=case.pk,
            case_id=case.pk,
            says="That case is led by another agency: contact its team instead.",
        )
    if child is None or visible_cases(user).filter(children=child).exists():
        return
    if case is not None and case.children.filter(pk=child.pk).exists():
        return
    enforce(
        Decision(False, "a referral names only a child the front door can already see"),
        user=user,
        action="link_referral",
        object_type="child",
        object_id=child.pk,
        says="That child is known to another agency: contact its team instead.",
    )


def referral_basis(user: User, referral: Referral) -> ReferralBasis:
    if not _signed_in(user):
        return ReferralBasis()
    roles = set(
        active_memberships(user)
        .filter(agency=referral.receiving_agency_id, agency__takes_referrals=True, role__in=FRONT_DOOR_ROLES)
        .values_list("role", flat=True)
    )
    role = Role.SUPERVISOR if Role.SUPERVISOR in roles else (Role.INTAKE if roles else None)
    return ReferralBasis(
        is_referrer=referral.referrer_id == user.pk,
        front_door_role=role,
        decided_it=referral.decided_by_id == user.pk,
    )


def get_referral(user: User, referral_id: UUID | str, action: ReferralAction = ReferralAction.VIEW) -> ReferralAccess:
    """The referral, if the user may see it (else 404) and may do ``action`` (else 403); logged."""
    try:
        referral = Referral.objects.select_related(
            "receiving_agency", "referrer", "referrer_agency", "handler", "linked_case"
        ).get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, "referral", referral_id, None, "no such referral") from None
    basis = referral_basis(user, referral)
    access = ReferralAccess(user=user, referral=referral, basis=basis)
    if not access.can(ReferralAction.VIEW):
        raise _deny(user, action, "referral", referral.pk, referral.linked_case_id, DENY_NO_RULE.rule)
    if action != ReferralAction.VIEW:
        check_referral(access, action)
    else:
        access.log(action)
    return access


def check_referral(access: ReferralAccess, action: ReferralAction) -> Decision:
    decision = access.can(action)
    if not decision:
        _deny(access.user, action, "referral", access.referral.pk, access.referral.linked_case_id, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, rule=decision.rule)
    return decision


# --- service referrals: a family referred to another agency's service ------------------


class ServiceReferralAction(StrEnum):
    VIEW = "view_service_referral"
    DECIDE = "decide_service_referral"
    VIEW_EXTRACT = "view_shared_extract"


def _service_agency_ids(user: User) -> QuerySet[Membership, Any]:
    return active_memberships(user).exclude(role=Role.AGENCY_ADMIN).values("agency_id")


def visible_service_referrals(user: User) -> QuerySet[ServiceReferral]:
    """Service referrals this user may see: those of cases they can see, and those addressed
    to an agency they work in (the referral itself; the shared extract only once accepted,
    and only for the named worker)."""
    if not _signed_in(user):
        return ServiceReferral.objects.none()
    return ServiceReferral.objects.filter(Q(case__in=visible_cases(user)) | Q(to_agency__in=_service_agency_ids(user)))


@dataclass(frozen=True)
class ServiceReferralBasis:
    sees_case: bool = False
    receiving_member: bool = False
    named_worker: bool = False

    @property
    def rule(self) -> str:
        if self.named_worker:
            return "named worker of the receiving service"
        if self.receiving_member:
            return "member of the receiving agency"
        if self.sees_case:
            return "can see the case"
        return DENY_NO_RULE.rule


def decide_service_referral(
    basis: ServiceReferralBasis, referral: ServiceReferral, action: ServiceReferralAction
) -> Decision:
    if action == ServiceReferralAction.VIEW:
        return Decision(True, basis.rule) if (basis.sees_case or basis.receiving_member) else DENY_NO_RULE
    if action == ServiceReferralAction.DECIDE:
        if basis.receiving_member and referral.state == ServiceReferral.State.PENDING:
            return Decision(True, basis.rule)
        return Decision(False, "only the receiving agency answers a service referral that is waiting")
    if action == ServiceReferralAction.VIEW_EXTRACT:
        if basis.named_worker and referral.state == ServiceReferral.State.ACCEPTED:
            return Decision(True, basis.rule)
        if basis.sees_case:
            return Decision(True, basis.rule)
        return Decision(False, "the shared extract is for the named worker once the referral is accepted")
    raise ValueError(f"{action} is not a service referral action")


@dataclass(frozen=True)
class ServiceReferralAccess:
    user: User
    referral: ServiceReferral
    basis: ServiceReferralBasis

    def can(self, action: ServiceReferralAction) -> Decision:
        return decide_service_referral(self.basis, self.referral, action)

    def log(self, action: str, *, rule: str | None = None) -> None:
        audit.record(
            user=self.user,
            action=action,
            object_type="servicereferral",
            object_id=self.referral.pk,
            case_id=self.referral.case_id,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.referral.to_agency_id if self.basis.receiving_member else self.referral.from_agency_id,
        )

    def check_answering(self) -> None:
        """Only the receiving agency answers a waiting service referral (a refusal is logged and
        answers 403; the answer is logged by ``log_answer``)."""
        enforce(
            self.can(ServiceReferralAction.DECIDE),
            user=self.user,
            action=ServiceReferralAction.DECIDE,
            object_type="servicereferral",
            object_id=self.referral.pk,
            case_id=self.referral.case_id,
            log_allowed=False,
        )

    def log_answer(self, referral: ServiceReferral) -> None:
        """Log the answer given (``referral`` as answered: accepted or declined)."""
        self.log("answer_service_referral", rule=f"{self.basis.rule}: {referral.get_state_display().lower()}")


def get_service_referral(
    user: User, referral_id: UUID | str, action: ServiceReferralAction = ServiceReferralAction.VIEW
) -> ServiceReferralAccess:
    """The service referral, if visible (else 404), and ``action`` allowed (else 403); logged."""
    try:
        referral = ServiceReferral.objects.select_related(
            "case", "from_agency", "to_agency", "referred_by", "named_worker", "decided_by"
        ).get(pk=referral_id)
    except (ServiceReferral.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, "servicereferral", referral_id, None, "no such service referral") from None
    sees_case = visible_cases(user).filter(pk=referral.case_id).exists() if _signed_in(user) else False
    receiving = _signed_in(user) and _service_agency_ids(user).filter(agency_id=referral.to_agency_id).exists()
    basis = ServiceReferralBasis(
        sees_case=sees_case,
        receiving_member=receiving,
        named_worker=receiving and referral.named_worker_id == user.pk,
    )
    access = ServiceReferralAccess(user=user, referral=referral, basis=basis)
    if not access.can(ServiceReferralAction.VIEW):
        raise _deny(user, action, "servicereferral", referral.pk, referral.case_id, DENY_NO_RULE.rule)
    decision = access.can(action)
    if not decision:
        _deny(user, action, "servicereferral", referral.pk, referral.case_id, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, rule=decision.rule)
    return access
