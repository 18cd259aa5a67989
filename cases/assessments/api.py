"""Joint assessment API: the same doors, queries and services as the pages.

A contribution's content is rendered only for a reader the policy lets read it
(``readable_contributions`` / ``get_contribution``); everyone who sees the case sees who
was asked, by when, and the state."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import Agency, User
from cases.api import named_team_members
from cases.assessments import queries, services
from cases.assessments.queries import ContributionRow
from cases.assessments.services import ContributionRequest
from cases.models import Contribution, ContributionState, JointAssessment, LegalBasis, Visibility
from web.pagination import PaginatedApi

# --- rendering -----------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer[JointAssessment]):
    case_id = serializers.UUIDField()
    lead = PersonRefSerializer()
    lead_agency = AgencyRefSerializer()
    decided_by = PersonRefSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = JointAssessment
        fields = [
            "id",
            "case_id",
            "state",
            "lead",
            "lead_agency",
            "opened_at",
            "due_at",
            "overdue",
            "analysis",
            "recommendation",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, assessment: JointAssessment) -> bool:
        return queries.is_overdue(assessment)


class ContributionContentSerializer(serializers.ModelSerializer[Contribution]):
    """What an agency wrote: only ever rendered for a reader the policy lets read it."""

    named_viewers = PersonRefSerializer(many=True)

    class Meta:
        model = Contribution
        fields = [
            "summary",
            "agency_knowledge",
            "concerns",
            "strengths",
            "child_voice",
            "recommendation",
            "visibility",
            "legal_basis",
            "legal_basis_note",
            "named_viewers",
        ]


class ContributionSerializer(ContributionContentSerializer):
    """A contribution its reader may read, whole."""

    assessment_id = serializers.UUIDField()
    author_agency = AgencyRefSerializer()
    author = PersonRefSerializer(allow_null=True)

    class Meta(ContributionContentSerializer.Meta):
        fields = [
            "id",
            "assessment_id",
            "author_agency",
            "state",
            "requested_at",
            "due_at",
            "author",
            "submitted_at",
            *ContributionContentSerializer.Meta.fields,
        ]


class ContributionRowSerializer(serializers.Serializer[ContributionRow]):
    """One agency's contribution as one reader sees it: ``content`` is null unless readable."""

    id = serializers.UUIDField(source="contribution.id")
    author_agency = AgencyRefSerializer(source="contribution.author_agency")
    state = serializers.ChoiceField(source="contribution.state", choices=ContributionState.choices)
    requested_at = serializers.DateTimeField(source="contribution.requested_at")
    due_at = serializers.DateTimeField(source="contribution.due_at")
    submitted_at = serializers.DateTimeField(source="contribution.submitted_at", allow_null=True)
    readable = serializers.BooleanField()
    shared_with = serializers.CharField()
    content = serializers.SerializerMethodField()

    @extend_schema_field(ContributionContentSerializer(allow_null=True))
    def get_content(self, row: ContributionRow) -> dict[str, Any] | None:
        if not row.readable:
            return None
        return dict(ContributionContentSerializer(row.contribution).data)


class AssessmentPermissionsSerializer(serializers.Serializer[dict[str, bool]]):
    lead_assessment = serializers.BooleanField()
    approve_assessment = serializers.BooleanField()


class AssessmentDetailSerializer(AssessmentSerializer):
    contributions = serializers.SerializerMethodField()
    can = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "contributions", "can"]

    @extend_schema_field(ContributionRowSerializer(many=True))
    def get_contributions(self, assessment: JointAssessment) -> list[dict[str, Any]]:
        return list(ContributionRowSerializer(self.context["rows"], many=True).data)

    @extend_schema_field(AssessmentPermissionsSerializer)
    def get_can(self, assessment: JointAssessment) -> dict[str, bool]:
        access = self.context["access"]
        return {
            action.value: queries.assessment_decision(access, assessment, action).allowed
            for action in (Action.LEAD_ASSESSMENT, Action.APPROVE_ASSESSMENT)
        }


def _detail(access: CaseAccess, assessment: JointAssessment) -> dict[str, Any]:
    rows = queries.contribution_rows(access, assessment)
    access.log("list_contributions", object_type="contribution")
    return dict(AssessmentDetailSerializer(assessment, context={"access": access, "rows": rows}).data)


def _assessment_for(request: Request, assessment_id: UUID, action: Action) -> tuple[CaseAccess, JointAssessment]:
    access, assessment = policy.get_casework(request_user(request), JointAssessment, assessment_id, action)
    if action == Action.LEAD_ASSESSMENT:
        services.require_assessment_lead(access, assessment, action)
    return access, assessment


# --- input ---------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ContributionRequestItem")
class ContributionRequestItemSerializer(serializers.Serializer[None]):
    agency = serializers.IntegerField()
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Default: the contribution timescale from now."
    )


@extend_schema_serializer(component_name="ContributionRequestInput")
class ContributionRequestInputSerializer(serializers.Serializer[None]):
    requests = ContributionRequestItemSerializer(many=True)


@extend_schema_serializer(component_name="ContributionInput")
class ContributionInputSerializer(serializers.Serializer[None]):
    """Any of the contribution's fields; those left out stay as they are."""

    summary = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agency_knowledge = serializers.CharField(required=False, allow_blank=True)
    concerns = serializers.CharField(required=False, allow_blank=True)
    strengths = serializers.CharField(required=False, allow_blank=True)
    child_voice = serializers.CharField(required=False, allow_blank=True)
    recommendation = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, required=False, allow_blank=True)
    legal_basis_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    named_viewers = serializers.ListField(child=serializers.IntegerField(), required=False)


@extend_schema_serializer(component_name="AnalysisInput")
class AnalysisInputSerializer(serializers.Serializer[None]):
    analysis = serializers.CharField(allow_blank=True)
    recommendation = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="AssessmentDecisionInput")
class AssessmentDecisionInputSerializer(serializers.Serializer[None]):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _contribution_fields(access: CaseAccess, data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "named_viewers" in fields:
        named: list[User] = named_team_members(access, fields["named_viewers"])
        fields["named_viewers"] = named
    return fields


# --- endpoints -----------------------------------------------------------------------------


class CaseAssessmentsApi(PaginatedApi):
    @extend_schema(responses=AssessmentSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's joint assessments, current first."""
        access = policy.get_case(request_user(request), case_id)
        access.log("list_assessments", object_type="jointassessment")
        return self.paginated_response(request, queries.case_assessments(access), AssessmentSerializer)

    @extend_schema(request=None, responses={201: AssessmentSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Open a joint assessment (the case lead); one in progress per case."""
        access = policy.get_case(request_user(request), case_id, Action.LEAD_ASSESSMENT)
        assessment = services.open_assessment(access=access)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    @extend_schema(responses=AssessmentDetailSerializer)
    def get(self, request: Request, assessment_id: UUID) -> Response:
        """The assessment: its analysis, and each contribution (content only where I may read it)."""
        access, assessment = policy.get_casework(request_user(request), JointAssessment, assessment_id)
        return Response(_detail(access, assessment))


class ContributionRequestApi(APIView):
    # The service's errors name the agencies and due dates asked; this endpoint takes both as "requests".
    service_field_aliases = {"agencies": "requests", "due_at": "requests"}

    @extend_schema(request=ContributionRequestInputSerializer, responses={201: ContributionRowSerializer(many=True)})
    def post(self, request: Request, assessment_id: UUID) -> Response:
        """Ask agencies on the team for a contribution each, with a due date (the assessment's lead)."""
        access, assessment = _assessment_for(request, assessment_id, Action.LEAD_ASSESSMENT)
        data = ContributionRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        items = data.validated_data["requests"]
        # Agencies are not case data; the service checks each has someone on the team.
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in=[item["agency"] for item in items], active=True)}
        if any(item["agency"] not in agencies for item in items):
            raise serializers.ValidationError({"requests": ["No active agency has one of those ids."]})
        requests = [ContributionRequest(agency=agencies[item["agency"]], due_at=item["due_at"]) for item in items]
        asked = services.request_contributions(access=access, assessment=assessment, requests=requests)
        # New requests have no content yet; many=True takes the rows as a sequence.
        rows: Any = [ContributionRow(contribution=c, readable=False, may_write=False) for c in asked]
        return Response(ContributionRowSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class ContributionWithdrawApi(APIView):
    @extend_schema(request=None, responses=ContributionRowSerializer)
    def post(self, request: Request, assessment_id: UUID, contribution_id: UUID) -> Response:
        """Withdraw a request for a contribution still outstanding; its deadline is cancelled."""
        access, assessment = _assessment_for(request, assessment_id, Action.LEAD_ASSESSMENT)
        try:
            contribution = queries.assessment_contribution(access, assessment, contribution_id)
        except Contribution.DoesNotExist:
            raise Http404("No such contribution") from None
        withdrawn = services.withdraw_contribution(access=access, assessment=assessment, contribution=contribution)
        return Response(ContributionRowSerializer(ContributionRow(withdrawn, readable=False, may_write=False)).data)


class ContributionApi(APIView):
    @extend_schema(responses=ContributionSerializer)
    def get(self, request: Request, contribution_id: UUID) -> Response:
        """A contribution I may read: my agency's (draft or submitted), or one shared with me."""
        _access, contribution = policy.get_contribution(request_user(request), contribution_id)
        return Response(ContributionSerializer(contribution).data)

    @extend_schema(request=ContributionInputSerializer, responses=ContributionSerializer)
    def put(self, request: Request, contribution_id: UUID) -> Response:
        """Save a draft of my agency's contribution (its people on the team)."""
        access, contribution = policy.get_contribution(request_user(request), contribution_id, Action.CONTRIBUTE)
        data = ContributionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.save_contribution(
            access=access, contribution=contribution, **_contribution_fields(access, data.validated_data)
        )
        return Response(ContributionSerializer(saved).data)


class ContributionSubmitApi(APIView):
    @extend_schema(request=ContributionInputSerializer, responses=ContributionSerializer)
    def post(self, request: Request, contribution_id: UUID) -> Response:
        """Submit my agency's contribution (with any last changes); every structured field is needed."""
        access, contribution = policy.get_contribution(request_user(request), contribution_id, Action.CONTRIBUTE)
        data = ContributionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submitted = services.submit_contribution(
            access=access, contribution=contribution, **_contribution_fields(access, data.validated_data)
        )
        return Response(ContributionSerializer(submitted).data)


class AnalysisApi(APIView):
    @extend_schema(request=AnalysisInputSerializer, responses=AssessmentSerializer)
    def put(self, request: Request, assessment_id: UUID) -> Response:
        """Save the lead's analysis and recommendation."""
        access, assessment = _assessment_for(request, assessment_id, Action.LEAD_ASSESSMENT)
        data = AnalysisInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.save_analysis(access=access, assessment=assessment, **data.validated_data)
        return Response(AssessmentSerializer(saved).data)


class AssessmentSubmitApi(APIView):
    @extend_schema(request=None, responses=AssessmentSerializer)
    def post(self, request: Request, assessment_id: UUID) -> Response:
        """Submit the assessment for the lead's supervisor to approve."""
        access, assessment = _assessment_for(request, assessment_id, Action.LEAD_ASSESSMENT)
        submitted = services.submit_assessment(access=access, assessment=assessment)
        return Response(AssessmentSerializer(submitted).data)


class AssessmentDecisionApi(APIView):
    @extend_schema(request=AssessmentDecisionInputSerializer, responses=AssessmentSerializer)
    def post(self, request: Request, assessment_id: UUID) -> Response:
        """Approve the submitted assessment, or return it to the lead with a note (the lead's supervisor)."""
        access, assessment = policy.get_casework(
            request_user(request), JointAssessment, assessment_id, Action.APPROVE_ASSESSMENT
        )
        data = AssessmentDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.decide_assessment(
            access=access,
            assessment=assessment,
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
        )
        return Response(AssessmentSerializer(decided).data)
