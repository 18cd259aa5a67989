"""The need-to-know policy: the one place that decides who may see and do what.

Every view, API endpoint, export and task asks this module. Reads come as
querysets already narrowed to what the user may see; single objects come from
``get_…`` helpers that answer 404 when the user may not see them, so the
existence of something out of reach is never revealed.

Agency admins manage people, not cases: the agency rules below give an admin
their own agency's memberships and nothing else. Superusers get no exemption.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from agencies.models import Agency, Membership, Role, User


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", naming the rule that decided it."""

    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


DENY_NO_RULE = Decision(False, "no rule grants access")


def _signed_in(user: User | object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


# --- agencies and their people ----------------------------------------------------


def active_memberships(user: User) -> QuerySet[Membership]:
    """The user's own active memberships, in agencies that are active."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, active=True, agency__active=True).select_related("agency")


def administered_agencies(user: User) -> QuerySet[Agency]:
    """Agencies whose people this user manages: those where they are an active agency admin."""
    if not _signed_in(user):
        return Agency.objects.none()
    return Agency.objects.filter(
        active=True,
        memberships__user=user,
        memberships__active=True,
        memberships__role=Role.AGENCY_ADMIN,
    ).distinct()


def can_manage_members(user: User, agency: Agency) -> Decision:
    if administered_agencies(user).filter(pk=agency.pk).exists():
        return Decision(True, "agency admin of this agency")
    return DENY_NO_RULE


def get_administered_agency(user: User, agency_id: int) -> Agency:
    """The agency, if this user administers it; otherwise 404."""
    agency = administered_agencies(user).filter(pk=agency_id).first()
    if agency is None:
        raise Http404("No such agency")
    return agency


def agency_members(user: User, agency: Agency) -> QuerySet[Membership]:
    """Memberships of an agency the user administers (none otherwise)."""
    if not can_manage_members(user, agency):
        return Membership.objects.none()
    return Membership.objects.filter(agency=agency).select_related("user", "agency")


def get_agency_membership(user: User, agency: Agency, membership_id: int) -> Membership:
    """A membership of ``agency``, if the user administers that agency; otherwise 404."""
    membership = agency_members(user, agency).filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member")
    return membership
