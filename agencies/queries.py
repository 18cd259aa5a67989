"""Reads of agencies and their people, always starting from the policy."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from access_control.policy import agency_members
from agencies import second_factor
from agencies.models import Agency, Membership, MembershipEvent, Role, SupervisionLine, User


def member_list(
    *, user: User, agency: Agency, status: str = "active", role: str = "", search: str = ""
) -> QuerySet[Membership]:
    """The agency's members the user may manage, by status and role, and whose name or email
    contains ``search`` (any case)."""
    members = (
        agency_members(user, agency)
        .annotate(has_second_factor=second_factor.enrolled())
        .prefetch_related(
            Prefetch(
                "supervisors",
                queryset=SupervisionLine.objects.filter(active=True).select_related("supervisor__user"),
                to_attr="current_supervision",
            )
        )
    )
    if status == "active":
        members = members.filter(active=True)
    elif status == "ended":
        members = members.filter(active=False)
    if role:
        members = members.filter(role=role)
    if search := search.strip():
        members = members.filter(Q(user__full_name__icontains=search) | Q(user__email__icontains=search))
    return members.order_by("-active", "user__full_name", "-started_on")


def supervisors_for(*, user: User, agency: Agency) -> QuerySet[Membership]:
    return agency_members(user, agency).filter(active=True, role=Role.SUPERVISOR).order_by("user__full_name")


def current_supervisor(membership: Membership) -> Membership | None:
    line = SupervisionLine.objects.filter(supervisee=membership, active=True).select_related("supervisor__user").first()
    return line.supervisor if line else None


def membership_history(membership: Membership) -> QuerySet[MembershipEvent]:
    return membership.events.select_related("actor")
