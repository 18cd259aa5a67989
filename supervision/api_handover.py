"""The handover endpoint: what a supervisee leads and owes (GET) and handing all of it to a
colleague (POST). The same policy, query and service as the page: 404 unless the member is
supervised by the caller now."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.request_context import request_user
from agencies.api import PersonRefSerializer
from cases import handover
from cases.models import Contribution, MeetingAction, PlanAction
from deadlines.models import Deadline
from supervision.api import SupervisedCaseSerializer


class HandoverDeadlineSerializer(serializers.ModelSerializer[Deadline]):
    case = SupervisedCaseSerializer(allow_null=True)

    class Meta:
        model = Deadline
        fields = ["id", "title", "case", "referral_id", "due_at"]


class HandoverContributionSerializer(serializers.ModelSerializer[Contribution]):
    case = SupervisedCaseSerializer(source="assessment.case")

    class Meta:
        model = Contribution
        fields = ["id", "assessment_id", "case", "due_at"]


class HandoverPlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    case = SupervisedCaseSerializer(source="plan.case")

    class Meta:
        model = PlanAction
        fields = ["id", "plan_id", "case", "description", "due_at"]


class HandoverMeetingActionSerializer(serializers.ModelSerializer[MeetingAction]):
    case = SupervisedCaseSerializer(source="meeting.case")

    class Meta:
        model = MeetingAction
        fields = ["id", "meeting_id", "case", "description", "due_at"]


class HandoverItemsSerializer(serializers.Serializer[handover.HandoverItems]):
    membership_id = serializers.SerializerMethodField()
    worker = serializers.SerializerMethodField()
    cases = SupervisedCaseSerializer(many=True, help_text="Open cases they lead.")
    deadlines = HandoverDeadlineSerializer(many=True)
    contributions = HandoverContributionSerializer(many=True)
    plan_actions = HandoverPlanActionSerializer(many=True)
    meeting_actions = HandoverMeetingActionSerializer(many=True)
    out_of_sight = serializers.IntegerField(help_text="Items of theirs on cases the caller cannot see.")

    def get_membership_id(self, items: handover.HandoverItems) -> int:
        return int(self.context["membership"].pk)

    @extend_schema_field(PersonRefSerializer)
    def get_worker(self, items: handover.HandoverItems) -> dict[str, Any]:
        return dict(PersonRefSerializer(self.context["membership"].user).data)


class HandoverResultSerializer(serializers.Serializer[handover.Handover]):
    to = PersonRefSerializer(source="to.user")
    cases = serializers.IntegerField()
    deadlines = serializers.IntegerField()
    contributions = serializers.IntegerField()
    plan_actions = serializers.IntegerField()
    meeting_actions = serializers.IntegerField()


class HandoverApi(APIView):
    @extend_schema_serializer(component_name="HandoverInput")
    class InputSerializer(serializers.Serializer[None]):
        to = serializers.IntegerField(help_text="The membership id of the colleague who takes the work over.")
        reason = serializers.CharField(max_length=300)

    @extend_schema(responses=HandoverItemsSerializer)
    def get(self, request: Request, membership_id: int) -> Response:
        """Everything this supervisee leads and owes for their agency, as far as I may see it."""
        user = request_user(request)
        membership = policy.get_supervisee(user, membership_id, "view_handover")
        items = handover.handover_items(user, membership)
        return Response(HandoverItemsSerializer(items, context={"membership": membership}).data)

    @extend_schema(request=InputSerializer, responses=HandoverResultSerializer)
    def post(self, request: Request, membership_id: int) -> Response:
        """Hand all of it to one colleague, in one transaction (each case's lead with the reason)."""
        user = request_user(request)
        membership = policy.get_supervisee(user, membership_id, "hand_over")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = handover.handover_colleagues(user, membership).filter(pk=data.validated_data["to"]).first()
        done = handover.hand_over(by=user, membership=membership, to=to, reason=data.validated_data["reason"])
        return Response(HandoverResultSerializer(done).data)
