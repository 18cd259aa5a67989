"""Agency admin pages: the people of my agency. Thin: parse, call policy/query/service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access_control.policy import (
    active_memberships,
    administered_agencies,
    get_administered_agency,
    get_agency_membership,
)
from access_control.request_context import request_user
from agencies import queries, services
from agencies.filters import MemberFilters
from agencies.forms import ChangeRoleForm, InviteMemberForm, SupervisorForm
from web.forms import saved

MEMBERS_PER_PAGE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "agencies/home.html",
        {"memberships": active_memberships(user), "administered": administered_agencies(user)},
    )


@login_required
def member_list(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    filters = MemberFilters(request.GET or None)
    criteria = filters.criteria()
    members = queries.member_list(
        user=user,
        agency=agency,
        status=criteria.get("status") or "active",
        role=criteria.get("role") or "",
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agencies/member_list.html",
        {"agency": agency, "page": page, "filters": filters.form, "query": query.urlencode()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    form = InviteMemberForm(request.POST or None)
    if done := saved(request, form, lambda data: services.invite_member(by=user, agency=agency, **data)):
        membership = done.result
        messages.success(request, f"{membership.user.full_name} was invited as {membership.get_role_display()}.")
        return redirect("agencies:member_detail", agency_id=agency.pk, membership_id=membership.pk)
    return render(request, "agencies/member_invite.html", {"agency": agency, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    membership = get_agency_membership(user, agency, membership_id)
    supervisor = queries.current_supervisor(membership)
    supervisors = queries.supervisors_for(user=user, agency=agency).exclude(pk=membership.pk)
    posted = request.POST.get("form") if request.method == "POST" else None
    role_form = ChangeRoleForm(request.POST if posted == "role" else None, initial={"role": membership.role})
    supervisor_form = SupervisorForm(
        request.POST if posted == "supervisor" else None, supervisors=supervisors, initial={"supervisor": supervisor}
    )
    if posted == "role" and saved(
        request,
        role_form,
        lambda data: services.change_role(by=user, membership=membership, role=data["role"]),
        "Role changed.",
    ):
        return redirect("agencies:member_detail", agency_id=agency.pk, membership_id=membership.pk)
    if posted == "supervisor" and saved(
        request,
        supervisor_form,
        lambda data: services.set_supervisor(by=user, membership=membership, supervisor=data["supervisor"]),
        "Supervisor changed.",
    ):
        return redirect("agencies:member_detail", agency_id=agency.pk, membership_id=membership.pk)
    return render(
        request,
        "agencies/member_detail.html",
        {
            "agency": agency,
            "membership": membership,
            "supervisor": supervisor,
            "role_form": role_form,
            "supervisor_form": supervisor_form,
            "supervisable": membership.active and membership.role in services.SUPERVISED_ROLES,
            "history": queries.membership_history(membership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_deactivate(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    membership = get_agency_membership(user, agency, membership_id)
    error = None
    if request.method == "POST":
        try:
            services.deactivate_membership(by=user, membership=membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{membership.user.full_name} was deactivated.")
            return redirect("agencies:member_detail", agency_id=agency.pk, membership_id=membership.pk)
    return render(
        request, "agencies/member_deactivate.html", {"agency": agency, "membership": membership, "error": error}
    )
