"""Supervisor's view API: caseloads, what waits for approval, and reassigning a case's lead.
The same policy, queries and service as the pages: the caseload and approvals answer 403 to
someone who supervises no one; reassigning answers 404 for a case out of sight and 403 for
anyone but the lead's supervisor."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Action
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import User
from cases import services
from cases.models import ClosureRequest, JointAssessment, LeadChange
from deadlines.models import Extension
from referrals.models import Referral
from supervision import queries
from supervision.queries import CaseloadRow


class CaseloadStatusSerializer(serializers.Serializer[dict[str, int]]):
    open = serializers.IntegerField()
    section_47 = serializers.IntegerField()
    child_in_need = serializers.IntegerField()
    child_protection_plan = serializers.IntegerField()


class CaseloadRiskSerializer(serializers.Serializer[dict[str, int]]):
    high = serializers.IntegerField()
    medium = serializers.IntegerField()
    low = serializers.IntegerField()


class CaseloadRowSerializer(serializers.Serializer[CaseloadRow]):
    membership_id = serializers.IntegerField(source="membership.pk")
    worker = PersonRefSerializer(source="membership.user")
    agency = AgencyRefSerializer(source="membership.agency")
    role = serializers.CharField(source="membership.role")
    open_cases = serializers.IntegerField()
    leads = serializers.IntegerField()
    by_status = serializers.SerializerMethodField()
    by_risk = serializers.SerializerMethodField()
    due_this_week = serializers.IntegerField()
    overdue = serializers.IntegerField()
    last_visit = serializers.DateField(allow_null=True)

    @extend_schema_field(CaseloadStatusSerializer)
    def get_by_status(self, row: CaseloadRow) -> dict[str, int]:
        return {tally.value: tally.count for tally in row.by_status}

    @extend_schema_field(CaseloadRiskSerializer)
    def get_by_risk(self, row: CaseloadRow) -> dict[str, int]:
        return {tally.value: tally.count for tally in row.by_risk}


class CaseloadSerializer(serializers.Serializer[dict[str, Any]]):
    week_ends_at = serializers.DateTimeField(help_text="'This week' is the next 7 days, until this time.")
    rows = CaseloadRowSerializer(many=True)


class SupervisedCaseSerializer(serializers.Serializer[Any]):
    """A case named by reference only, in a list of things waiting for approval."""

    id = serializers.UUIDField()
    reference = serializers.CharField()


class WaitingClosureSerializer(serializers.ModelSerializer[ClosureRequest]):
    case = SupervisedCaseSerializer()
    requested_by = PersonRefSerializer()

    class Meta:
        model = ClosureRequest
        fields = ["id", "case", "requested_by", "requested_at", "reason"]


class WaitingExtensionSerializer(serializers.ModelSerializer[Extension]):
    deadline_id = serializers.UUIDField()
    deadline_title = serializers.CharField(source="deadline.title")
    case = SupervisedCaseSerializer(source="deadline.case", allow_null=True)
    due_at = serializers.DateTimeField(source="deadline.due_at")
    requested_by = PersonRefSerializer()

    class Meta:
        model = Extension
        fields = ["id", "deadline_id", "deadline_title", "case", "due_at", "new_due_at", "reason", "requested_by"]


class WaitingAssessmentSerializer(serializers.ModelSerializer[JointAssessment]):
    case = SupervisedCaseSerializer()
    lead = PersonRefSerializer()

    class Meta:
        model = JointAssessment
        fields = ["id", "case", "lead", "submitted_at", "due_at"]


class WaitingSignOffSerializer(serializers.ModelSerializer[Referral]):
    receiving_agency = AgencyRefSerializer()
    decided_by = PersonRefSerializer(allow_null=True)

    class Meta:
        model = Referral
        fields = ["id", "reference", "receiving_agency", "decision", "decided_by", "decided_at"]


class ApprovalsSerializer(serializers.Serializer[dict[str, Any]]):
    closures = WaitingClosureSerializer(many=True)
    extensions = WaitingExtensionSerializer(many=True)
    assessments = WaitingAssessmentSerializer(many=True)
    triage_sign_offs = WaitingSignOffSerializer(many=True)


class LeadChangeSerializer(serializers.ModelSerializer[LeadChange]):
    case_id = serializers.UUIDField()
    previous_lead = PersonRefSerializer()
    new_lead = PersonRefSerializer()
    changed_by = PersonRefSerializer()

    class Meta:
        model = LeadChange
        fields = ["id", "case_id", "previous_lead", "new_lead", "changed_by", "changed_at", "reason"]


class CaseloadApi(APIView):
    @extend_schema(responses=CaseloadSerializer)
    def get(self, request: Request) -> Response:
        """Each person I supervise: open cases (and how many they lead), by status and risk,
        deadlines due in the next 7 days, overdue items and their last recorded visit."""
        user = request_user(request)
        policy.check_caseloads(user, "view_caseloads")
        rows = queries.caseloads(user)
        week_ends_at = queries.week_end(timezone.now())
        return Response(CaseloadSerializer({"week_ends_at": week_ends_at, "rows": rows}).data)


class ApprovalsApi(APIView):
    @extend_schema(responses=ApprovalsSerializer)
    def get(self, request: Request) -> Response:
        """What waits for my decision: case closures, deadline extensions, joint assessments
        and triage sign-offs, oldest first."""
        user = request_user(request)
        policy.check_caseloads(user, "view_approvals")
        waiting = {
            "closures": queries.closures_awaiting(user),
            "extensions": queries.extensions_awaiting(user),
            "assessments": queries.assessments_awaiting(user),
            "triage_sign_offs": queries.sign_offs_awaiting(user),
        }
        return Response(ApprovalsSerializer(waiting).data)


class ReassignLeadApi(APIView):
    @extend_schema_serializer(component_name="ReassignLeadInput")
    class InputSerializer(serializers.Serializer[None]):
        new_lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses={201: LeadChangeSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """The lead worker's supervisor makes another worker of the lead agency the lead, with a reason."""
        access = policy.get_case(request_user(request), case_id, Action.REASSIGN_LEAD)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.reassign_lead(
            access=access, new_lead=data.validated_data["new_lead"], reason=data.validated_data["reason"]
        )
        return Response(LeadChangeSerializer(change).data, status=status.HTTP_201_CREATED)
