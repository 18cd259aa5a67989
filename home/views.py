"""The home page ("My work") and the week's meetings behind its "see all". Thin: every read
is ``home.queries``, which starts from the policy; the listing is logged as other lists are."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from access_control import policy
from access_control.request_context import request_user
from home import queries
from web.pagination import PageWithCount

MEETINGS_PER_PAGE = 25


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    work = queries.my_work(user)
    policy.log_listing(user, policy.Listing.MY_WORK)
    return render(
        request,
        "home/home.html",
        {
            "sections": work.sections,
            "memberships": work.memberships,
            "administered": work.administered,
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def meetings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    page = PageWithCount(queries.my_meetings(user, now), MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    policy.log_listing(user, policy.Listing.MY_MEETINGS)
    return render(request, "home/meetings.html", {"page": page, "now": now})
