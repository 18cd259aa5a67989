"""The supervisor's handover page: everything a supervisee leads and owes, each a link, and one
form that hands all of it to a colleague (``cases.handover.hand_over``). 404 unless the member
is supervised by the user now (``policy.get_supervisee``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access_control import policy
from access_control.request_context import request_user
from cases import handover
from deadlines import links
from supervision.forms import HandOverForm
from web.forms import saved


@login_required
@require_http_methods(["GET", "POST"])
def handover_page(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = request_user(request)
    membership = policy.get_supervisee(user, membership_id, "view_handover")
    colleagues = handover.handover_colleagues(user, membership)
    form = HandOverForm(request.POST or None, choices=colleagues)
    if done := saved(
        request,
        form,
        lambda data: handover.hand_over(by=user, membership=membership, to=data["to"], reason=data["reason"]),
    ):
        result = done.result
        messages.success(
            request,
            f"{result.to.user.full_name} now has {membership.user.full_name}'s work ({result.total} items).",
        )
        return redirect("supervision:handover", membership_id=membership.pk)
    items = handover.handover_items(user, membership)
    doors = links.front_door_ids_for(user, items.deadlines)
    deadlines = [(d, links.item_url(d, doors), links.owed(d)) for d in items.deadlines]
    return render(
        request,
        "supervision/handover.html",
        {
            "membership": membership,
            "items": items,
            "deadlines": deadlines,
            "form": form,
            "has_colleagues": colleagues.exists(),
        },
    )
