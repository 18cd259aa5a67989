"""The header's navigation, fitted to the signed-in user's roles: here, at the top, because it reads
across apps (their memberships, whom they supervise, their unread notifications)."""

from __future__ import annotations

from django.http import HttpRequest

from access_control.policy import FRONT_DOOR_ROLES, active_memberships, supervises_someone
from agencies.models import Role
from deadlines.queries import unread_count, unread_count_of_outer_user


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(
        active_memberships(user).annotate(
            unread_notifications=unread_count_of_outer_user(),
            # Whether this membership supervises someone now: "My team" in the header.
            supervises=supervises_someone(),
        )
    )
    # The count rides on the memberships query; someone with no membership pays one query for it.
    unread = getattr(memberships[0], "unread_notifications", 0) if memberships else unread_count(user)
    return {
        "nav_memberships": memberships,
        "nav_admin_agencies": [m.agency for m in memberships if m.role == Role.AGENCY_ADMIN],
        # Staff work with children's records; agency admins manage people only.
        "nav_staff": any(m.role != Role.AGENCY_ADMIN for m in memberships),
        # The same rule as access_control.policy.front_door_agencies, from memberships already loaded.
        "nav_front_door": any(m.agency.takes_referrals and m.role in FRONT_DOOR_ROLES for m in memberships),
        "nav_unread_notifications": unread,
        "nav_supervisor": any(getattr(m, "supervises", False) for m in memberships),
    }
