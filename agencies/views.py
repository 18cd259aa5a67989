"""Agency admin pages: the people of my agency. Thin: parse, call policy/query/service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access_control.policy import (
    get_administered_agency,
    get_agency_membership,
)
from access_control.request_context import request_user
from agencies import handover, lockouts, queries, second_factor, services
from agencies import tokens as api_tokens
from agencies.filters import MemberFilters
from agencies.forms import ChangeRoleForm, InviteMemberForm, MemberSearchForm, SupervisorForm
from agencies.models import Agency, Membership, User
from web.forms import saved

MEMBERS_PER_PAGE = 25


def _search_key(agency: Agency) -> str:
    return f"member_search:{agency.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    filters = MemberFilters(request.GET or None)
    criteria = filters.criteria()
    query = request.GET.copy()
    query.pop("page", None)
    # Staff names and emails are personal data: the search is posted and kept in the session,
    # only the filter codes travel in the URL.
    if request.method == "POST":
        form = MemberSearchForm(request.POST)
        search = form.cleaned_data["search"].strip() if form.is_valid() else ""
        if request.POST.get("action") == "clear" or not search:
            request.session.pop(_search_key(agency), None)
        else:
            request.session[_search_key(agency)] = search
        url = reverse("agencies:member_list", args=[agency.pk])
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    search = request.session.get(_search_key(agency), "")
    members = queries.member_list(
        user=user,
        agency=agency,
        status=criteria.get("status") or "active",
        role=criteria.get("role") or "",
        search=search,
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "agencies/member_list.html",
        {
            "agency": agency,
            "page": page,
            "filters": filters.form,
            "query": query.urlencode(),
            "search_form": MemberSearchForm(initial={"search": search}),
            "search": search,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    form = InviteMemberForm(request.POST or None)
    if done := saved(request, form, lambda data: services.add_or_invite_member(by=user, agency=agency, **data)):
        membership = done.result.membership
        messages.success(request, done.result.message())
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
            "held": handover.held_work(membership) if membership.active else None,
            "history": queries.membership_history(membership),
            "locked_out": lockouts.is_locked(membership.user),
            "has_second_factor": second_factor.has_second_factor(membership.user),
            "api_tokens_in_use": api_tokens.in_use(membership.user),
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
    held = handover.held_work(membership) if membership.active else None
    return render(
        request,
        "agencies/member_deactivate.html",
        {
            "agency": agency,
            "membership": membership,
            "error": error,
            "held": held,
            "supervisors": handover.supervisors_of(membership) if held else [],
        },
    )


def confirmed_member_action(
    request: HttpRequest,
    agency_id: int,
    membership_id: int,
    *,
    template: str,
    act: Callable[[User, Agency, Membership], str],
    context: Callable[[Membership], dict[str, Any]],
) -> HttpResponse:
    """An agency admin's action on one member, asked to confirm first: GET shows ``template``
    (with ``context(membership)``); POST does ``act``, shows the message it returns and goes
    back to the member's page. Another agency's member, or a non-admin, gets 404."""
    user = request_user(request)
    agency = get_administered_agency(user, agency_id)
    membership = get_agency_membership(user, agency, membership_id)
    if request.method == "POST":
        messages.success(request, act(user, agency, membership))
        return redirect("agencies:member_detail", agency_id=agency.pk, membership_id=membership.pk)
    return render(request, template, {"agency": agency, "membership": membership, **context(membership)})


@login_required
@require_http_methods(["GET", "POST"])
def member_reset_second_factor(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    """Remove the member's second factor (logged in the security log)."""

    def reset(user: User, agency: Agency, membership: Membership) -> str:
        second_factor.reset(by=user, agency=agency, membership=membership)
        return f"{membership.user.full_name}'s second factor was reset."

    return confirmed_member_action(
        request,
        agency_id,
        membership_id,
        template="agencies/member_reset_second_factor.html",
        act=reset,
        context=lambda membership: {"has_second_factor": second_factor.has_second_factor(membership.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_revoke_tokens(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    """Revoke every API token of the member (in the security log)."""

    def revoke(user: User, agency: Agency, membership: Membership) -> str:
        count = services.revoke_member_tokens(by=user, membership=membership)
        return f"{membership.user.full_name}'s API tokens are revoked ({count})."

    return confirmed_member_action(
        request,
        agency_id,
        membership_id,
        template="agencies/member_revoke_tokens.html",
        act=revoke,
        context=lambda membership: {"api_tokens_in_use": api_tokens.in_use(membership.user)},
    )
