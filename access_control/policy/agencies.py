"""Agencies and their people: agency admins manage people, never cases."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from access_control.policy.base import DENY_NO_RULE, Decision, _signed_in
from agencies.models import Agency, Membership, Role, User


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
