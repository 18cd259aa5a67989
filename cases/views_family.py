"""The case's Family tab: the household drawn as a family diagram, the relationships table
under it, and the form that records whether a family member is safe to contact and whether
they pose a risk. Thin: one policy door, the family's query or service, a render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from access_control import policy
from access_control.policy import Action
from access_control.request_context import request_user
from cases import family as family_service
from cases import genogram
from cases.forms_family import ContactSafetyForm
from cases.models import CaseStatus, FamilyLink
from web.forms import saved


@login_required
@require_GET
def family(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    # The view of the case and of each child shown: one access-log write.
    with policy.get_case(user, case_id, log_with_page=True) as access:
        children = family_service.case_family(access)
        access.log_many([access.event("view_child", object_type="child", object_id=child.pk) for child in children])
    drawing = genogram.family_of(children, today=timezone.localdate())
    links = family_service.family_links(children)
    may_edit = access.can(Action.EDIT_CASE).allowed and access.case.status != CaseStatus.CLOSED
    return render(
        request,
        "cases/family.html",
        {
            "access": access,
            "case": access.case,
            "tab": "family",
            "children": children,
            "links": links,
            # genogram.draw escapes every text it writes.
            "diagram": mark_safe(genogram.draw(drawing, title=f"Family diagram of case {access.case.reference}")),  # noqa: S308
            "legend": mark_safe(genogram.legend()),  # noqa: S308
            "may_edit": may_edit,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_link_edit(request: HttpRequest, case_id: UUID, link_id: int) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    if not access.can(Action.EDIT_CASE):
        policy.check(access, Action.EDIT_CASE)  # 403, logged
    link = family_service.case_family_link(access, link_id)
    if link is None:
        raise Http404("No such family member on this case")
    form = ContactSafetyForm(
        request.POST or None,
        initial={
            "safe_to_contact": link.safe_to_contact,
            "safe_to_contact_reason": link.safe_to_contact_reason,
            "poses_risk": link.poses_risk,
            "risk_note": link.risk_note,
        },
    )

    def save(data: dict[str, Any]) -> FamilyLink:
        return family_service.update_contact_safety(access=access, link=link, **data)

    if saved(request, form, save):
        messages.success(request, f"Contact safety and risk saved for {link.person.full_name}.")
        return redirect("cases:family", case_id=access.case.pk)
    return render(
        request,
        "cases/family_link_edit.html",
        {"access": access, "case": access.case, "tab": "family", "link": link, "form": form},
    )
