"""An agency admin's security pages: letting a locked-out member sign in again, and the
security log of the agency's members."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from access_control.request_context import request_user
from access_control.security_log import record_reading, security_events
from agencies import lockouts
from agencies.models import Agency, Membership, User
from agencies.views import confirmed_member_action
from web.pagination import PageWithCount

SECURITY_EVENTS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def member_unlock(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    """Lift the member's lockout after failed sign-ins."""

    def unlock(user: User, agency: Agency, membership: Membership) -> str:
        lockouts.unlock_member(by=user, membership=membership)
        return f"{membership.user.full_name} can sign in again."

    return confirmed_member_action(
        request,
        agency_id,
        membership_id,
        template="agencies/member_unlock.html",
        act=unlock,
        context=lambda membership: {"locked_out": lockouts.is_locked(membership.user)},
    )


@login_required
@require_GET
def security_log(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The security events about the agency's members, newest first, a page at a time."""
    user = request_user(request)
    agency, events = security_events(user, agency_id)
    page = PageWithCount(events, SECURITY_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    record_reading(user, agency)
    names = lockouts.account_names(page.object_list)
    rows = [(event, names.get(event.object_id, "")) for event in page.object_list]
    return render(request, "agencies/security_log.html", {"agency": agency, "page": page, "rows": rows})
