"""Plan API: the same doors, queries and services as the plan pages.

A case, plan or plan action is reached through ``access_control.policy`` (404 when the caller
cannot see the case, 403 when they can but may not do this, both logged). A write asks the
door for the action it attempts before reading any input; recording progress is decided by
the service (the agency that owes the action, or those who manage the plan).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import Agency, User
from cases import queries as case_queries
from cases.models import (
    Plan,
    PlanAction,
    PlanKind,
    PlanOutcome,
    PlanReview,
    ProgressRating,
    ProgressUpdate,
)
from cases.plans import queries, services

NOT_A_TEAM_AGENCY = "Choose an agency with someone active on the case team."
NOT_ON_TEAM = "Choose someone on the case team."


# --- output --------------------------------------------------------------------------


class ProgressUpdateSerializer(serializers.ModelSerializer[ProgressUpdate]):
    author = PersonRefSerializer()
    author_agency = AgencyRefSerializer()

    class Meta:
        model = ProgressUpdate
        fields = ["id", "rating", "note", "recorded_at", "author", "author_agency"]


class PlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    """A plan action as the plan page shows it: ``effective_due_at`` is an extended deadline's
    due time when a supervisor approved one; ``is_late`` is open and past that time."""

    plan_id = serializers.UUIDField()
    outcome_id = serializers.IntegerField()
    owner_agency = AgencyRefSerializer()
    owner = PersonRefSerializer(allow_null=True)
    effective_due_at = serializers.DateTimeField()
    is_late = serializers.BooleanField()
    updates = ProgressUpdateSerializer(many=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan_id",
            "outcome_id",
            "description",
            "owner_agency",
            "owner",
            "due_at",
            "effective_due_at",
            "is_late",
            "state",
            "completed_at",
            "dropped_reason",
            "created_at",
            "updates",
        ]


class PlanOutcomeSerializer(serializers.ModelSerializer[PlanOutcome]):
    actions = PlanActionSerializer(many=True)

    class Meta:
        model = PlanOutcome
        fields = ["id", "description", "position", "actions"]


class PlanOutcomeBriefSerializer(serializers.ModelSerializer[PlanOutcome]):
    class Meta:
        model = PlanOutcome
        fields = ["id", "description", "position"]


class PlanReviewSerializer(serializers.ModelSerializer[PlanReview]):
    recorded_by = PersonRefSerializer()

    class Meta:
        model = PlanReview
        fields = ["id", "reviewed_on", "summary", "next_review_on", "recorded_by"]


class PlanSerializer(serializers.ModelSerializer[Plan]):
    case_id = serializers.UUIDField()
    created_by = PersonRefSerializer()

    class Meta:
        model = Plan
        fields = [
            "id",
            "case_id",
            "kind",
            "state",
            "started_on",
            "next_review_on",
            "ended_on",
            "end_reason",
            "created_by",
        ]


class AgencyOwedSerializer(serializers.Serializer[queries.AgencyOwed]):
    agency_id = serializers.IntegerField()
    agency_name = serializers.CharField()
    open = serializers.IntegerField(help_text="Open actions the agency owes.")
    late = serializers.IntegerField(help_text="Of the open actions, those past their due time.")
    done = serializers.IntegerField()
    next_due = serializers.DateTimeField(allow_null=True)


class PlanLateActionSerializer(serializers.ModelSerializer[PlanAction]):
    owner_agency = AgencyRefSerializer()
    owner = PersonRefSerializer(allow_null=True)
    effective_due_at = serializers.DateTimeField()

    class Meta:
        model = PlanAction
        fields = ["id", "description", "owner_agency", "owner", "effective_due_at"]


class PlanPageSerializer(serializers.Serializer[queries.PlanPage]):
    """A plan with its outcomes and actions, what each agency owes, what is late and its reviews."""

    plan = PlanSerializer()
    review_overdue = serializers.BooleanField()
    owed = AgencyOwedSerializer(many=True)
    late = PlanLateActionSerializer(many=True)
    outcomes = PlanOutcomeSerializer(many=True)
    reviews = PlanReviewSerializer(many=True)


class CasePlanSerializer(serializers.Serializer[dict[str, Any]]):
    active = PlanPageSerializer(allow_null=True)
    past = PlanSerializer(many=True)


def _page(access: CaseAccess, plan: Plan) -> dict[str, Any]:
    return dict(PlanPageSerializer(queries.plan_page(access, plan)).data)


def _action(access: CaseAccess, plan_action: PlanAction) -> dict[str, Any]:
    return dict(PlanActionSerializer(queries.plan_action_with_due(access, plan_action)).data)


# --- the case's plan ---------------------------------------------------------------------


class CasePlanApi(APIView):
    @extend_schema_serializer(component_name="PlanStartInput")
    class InputSerializer(serializers.Serializer[None]):
        kind = serializers.ChoiceField(choices=PlanKind.choices)
        outcomes = serializers.ListField(child=serializers.CharField(max_length=300), allow_empty=False)
        next_review_on = serializers.DateField(
            required=False, allow_null=True, default=None, help_text="Empty: the statutory first-review timescale."
        )

    @extend_schema(responses=CasePlanSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's active plan (or null) and its past plans."""
        access = policy.get_case(request_user(request), case_id, Action.VIEW_CASEWORK)
        current = queries.active_plan(access)
        return Response(
            {
                "active": _page(access, current) if current else None,
                "past": PlanSerializer(queries.past_plans(access), many=True).data,
            }
        )

    @extend_schema(request=InputSerializer, responses={201: PlanPageSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Start the case's plan with its outcomes (one active plan per case)."""
        access = policy.get_case(request_user(request), case_id, Action.MANAGE_PLAN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.start_plan(access=access, **data.validated_data)
        return Response(_page(access, plan), status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(responses=PlanPageSerializer)
    def get(self, request: Request, plan_id: UUID) -> Response:
        """One plan, current or past, with everything its page shows."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id)
        return Response(_page(access, plan))


# --- outcomes ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="PlanOutcomeInput")
class OutcomeInputSerializer(serializers.Serializer[None]):
    description = serializers.CharField(max_length=300)


class PlanOutcomesApi(APIView):
    @extend_schema(request=OutcomeInputSerializer, responses={201: PlanOutcomeBriefSerializer})
    def post(self, request: Request, plan_id: UUID) -> Response:
        """Add an outcome to an active plan."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id, Action.MANAGE_PLAN)
        data = OutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.add_outcome(access=access, plan=plan, **data.validated_data)
        return Response(PlanOutcomeBriefSerializer(outcome).data, status=status.HTTP_201_CREATED)


class PlanOutcomeDetailApi(APIView):
    @extend_schema(request=OutcomeInputSerializer, responses=PlanOutcomeBriefSerializer)
    def patch(self, request: Request, plan_id: UUID, outcome_id: int) -> Response:
        """Reword an outcome of an active plan."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id, Action.MANAGE_PLAN)
        outcome = queries.plan_outcome(access, plan, outcome_id)
        if outcome is None:
            raise Http404("No such outcome")
        data = OutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.edit_outcome(access=access, outcome=outcome, **data.validated_data)
        return Response(PlanOutcomeBriefSerializer(outcome).data)


# --- actions -------------------------------------------------------------------------------


class PlanActionsApi(APIView):
    # The service's errors name the due time; this endpoint takes the day it falls on.
    service_field_aliases = {"due_at": "due_on"}

    @extend_schema_serializer(component_name="PlanActionInput")
    class InputSerializer(serializers.Serializer[None]):
        outcome = serializers.IntegerField(help_text="An outcome of this plan.")
        description = serializers.CharField(max_length=300)
        owner_agency = serializers.IntegerField(help_text="An agency with someone active on the case team.")
        owner = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="One of that agency's people on the team."
        )
        due_on = serializers.DateField(help_text="Due at the close of business that day.")

    @extend_schema(request=InputSerializer, responses={201: PlanActionSerializer})
    def post(self, request: Request, plan_id: UUID) -> Response:
        """Add an action towards an outcome, owed by an agency on the team; opens its deadline."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id, Action.MANAGE_PLAN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        outcome = queries.plan_outcome(access, plan, fields["outcome"])
        if outcome is None:
            raise serializers.ValidationError({"outcome": ["Choose an outcome of this plan."]})
        # Agencies and people are resolved only among the case team the caller can see.
        team = list(case_queries.case_team(access))
        agencies: dict[int, Agency] = {member.agency_id: member.agency for member in team}
        people: dict[int, User] = {member.user_id: member.user for member in team}
        if fields["owner_agency"] not in agencies:
            raise serializers.ValidationError({"owner_agency": [NOT_A_TEAM_AGENCY]})
        if fields["owner"] is not None and fields["owner"] not in people:
            raise serializers.ValidationError({"owner": [NOT_ON_TEAM]})
        created = services.add_plan_action(
            access=access,
            outcome=outcome,
            description=fields["description"],
            owner_agency=agencies[fields["owner_agency"]],
            owner=people[fields["owner"]] if fields["owner"] is not None else None,
            due_at=services.due_at_on(fields["due_on"]),
        )
        return Response(_action(access, created), status=status.HTTP_201_CREATED)


class PlanActionDetailApi(APIView):
    @extend_schema(responses=PlanActionSerializer)
    def get(self, request: Request, action_id: int) -> Response:
        """One plan action with its progress."""
        access, plan_action = policy.get_casework(request_user(request), PlanAction, action_id)
        return Response(_action(access, plan_action))


class PlanActionProgressApi(APIView):
    @extend_schema_serializer(component_name="PlanProgressInput")
    class InputSerializer(serializers.Serializer[None]):
        rating = serializers.ChoiceField(choices=ProgressRating.choices)
        note = serializers.CharField()

    @extend_schema(responses=ProgressUpdateSerializer(many=True))
    def get(self, request: Request, action_id: int) -> Response:
        """Progress on the action, the newest first."""
        access, plan_action = policy.get_casework(request_user(request), PlanAction, action_id)
        return Response(ProgressUpdateSerializer(queries.action_updates(access, plan_action), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ProgressUpdateSerializer})
    def post(self, request: Request, action_id: int) -> Response:
        """Record progress: the agency that owes the action, or those who manage the plan.
        A "done" rating completes the action and meets its deadline."""
        access, plan_action = policy.get_casework(request_user(request), PlanAction, action_id)
        policy.check_plan_progress(access, plan_action)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.record_progress(access=access, plan_action=plan_action, **data.validated_data)
        return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class PlanActionCompleteApi(APIView):
    @extend_schema_serializer(component_name="PlanActionCompleteInput")
    class InputSerializer(serializers.Serializer[None]):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=PlanActionSerializer)
    def post(self, request: Request, action_id: int) -> Response:
        """Mark the action done (the same people as progress); its deadline is met."""
        access, plan_action = policy.get_casework(request_user(request), PlanAction, action_id)
        policy.check_plan_progress(access, plan_action)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complete_plan_action(access=access, plan_action=plan_action, **data.validated_data)
        return Response(_action(access, plan_action))


@extend_schema_serializer(component_name="PlanReasonInput")
class ReasonInputSerializer(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=300)


class PlanActionDropApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=PlanActionSerializer)
    def post(self, request: Request, action_id: int) -> Response:
        """Drop an open action that is no longer needed, with the reason; its deadline is cancelled."""
        access, plan_action = policy.get_casework(request_user(request), PlanAction, action_id, Action.MANAGE_PLAN)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.drop_plan_action(access=access, plan_action=plan_action, **data.validated_data)
        return Response(_action(access, plan_action))


# --- reviews and the end -------------------------------------------------------------------


class PlanReviewsApi(APIView):
    @extend_schema_serializer(component_name="PlanReviewInput")
    class InputSerializer(serializers.Serializer[None]):
        reviewed_on = serializers.DateField()
        summary = serializers.CharField()
        next_review_on = serializers.DateField()

    @extend_schema(responses=PlanReviewSerializer(many=True))
    def get(self, request: Request, plan_id: UUID) -> Response:
        """The plan's reviews, the latest first."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id)
        return Response(PlanReviewSerializer(queries.plan_reviews(access, plan), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: PlanReviewSerializer})
    def post(self, request: Request, plan_id: UUID) -> Response:
        """Record a review and set the next one (the review deadline moves with it)."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id, Action.MANAGE_PLAN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_plan(access=access, plan=plan, **data.validated_data)
        return Response(PlanReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class PlanEndApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=PlanSerializer)
    def post(self, request: Request, plan_id: UUID) -> Response:
        """End the plan: open actions are dropped and their deadlines cancelled."""
        access, plan = policy.get_casework(request_user(request), Plan, plan_id, Action.MANAGE_PLAN)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ended = services.end_plan(access=access, plan=plan, **data.validated_data)
        return Response(PlanSerializer(ended).data)
