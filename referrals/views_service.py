"""Service referral pages: refer a family to another agency's service from a case, and the
receiving agency's inbox and answer. Thin: one policy door, query or service per step."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access_control import policy
from access_control.policy import Action, ServiceReferralAction
from access_control.request_context import request_user
from cases import queries as case_queries
from cases.models import Visibility
from referrals import queries, services
from referrals.forms_service import ServiceAnswerForm, ServiceReferralForm
from web.forms import saved

PER_PAGE = 25


@login_required
@require_http_methods(["GET", "POST"])
def service_referral_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    if not access.can(Action.REFER_TO_SERVICE):
        policy.check(access, Action.REFER_TO_SERVICE)
    # Offer only what may leave the case: team-wide items, or the referrer's own.
    entries = case_queries.chronology(access).filter(visibility=Visibility.TEAM) | case_queries.chronology(
        access
    ).filter(author=user)
    documents = case_queries.case_documents(access).filter(visibility=Visibility.TEAM) | case_queries.case_documents(
        access
    ).filter(author=user)
    form = ServiceReferralForm(
        request.POST or None,
        entries=entries.distinct(),
        documents=documents.distinct(),
        own_agency_ids={access.basis.acting_agency_id} if access.basis.acting_agency_id else set(),
    )
    if done := saved(request, form, lambda data: services.make_service_referral(access=access, **data)):
        messages.success(request, f"Referred to {done.result.to_agency.name} for {done.result.service}.")
        return redirect("cases:detail", case_id=access.case.pk)
    return render(request, "referrals/service_referral_form.html", {"form": form, "case": access.case})


@login_required
@require_GET
def service_inbox(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(queries.service_inbox(user=user), PER_PAGE).get_page(request.GET.get("page"))
    policy.log_listing(user, policy.Listing.SERVICE_INBOX)
    return render(request, "referrals/service_inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def service_referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_service_referral(user, referral_id)
    may_answer = access.can(ServiceReferralAction.DECIDE).allowed
    form = ServiceAnswerForm(request.POST or None, agency_id=access.referral.to_agency_id) if may_answer else None
    if request.method == "POST":
        access = policy.get_service_referral(user, referral_id, ServiceReferralAction.DECIDE)
        assert form is not None
        if done := saved(
            request,
            form,
            lambda data: services.answer_service_referral(
                access=access,
                accept=data["answer"] == "accept",
                reason=data["reason"],
                named_worker=data["named_worker"].user if data["named_worker"] else None,
            ),
        ):
            referral = done.result
            messages.success(request, f"Service referral {referral.get_state_display().lower()}.")
            return redirect("referrals:service_detail", referral_id=referral.pk)
    entries, documents = queries.shared_extract(access)
    return render(
        request,
        "referrals/service_referral_detail.html",
        {
            "referral": access.referral,
            "rule": access.basis.rule,
            "form": form,
            "entries": entries,
            "documents": documents,
            "extract_allowed": access.can(ServiceReferralAction.VIEW_EXTRACT).allowed,
        },
    )
