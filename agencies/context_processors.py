"""Navigation that fits the signed-in user's roles."""

from __future__ import annotations

from django.http import HttpRequest

from access_control.policy import active_memberships
from agencies.models import Role


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(active_memberships(user))
    return {
        "nav_memberships": memberships,
        "nav_admin_agencies": [m.agency for m in memberships if m.role == Role.AGENCY_ADMIN],
    }
