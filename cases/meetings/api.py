"""Meeting API: the same doors, services and rules as the meeting pages. A write asks the
door for the action it attempts, so a refusal answers 403 (logged) before input is read;
someone who cannot see the case gets 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import User
from cases.meetings import queries, services
from cases.models import Meeting, MeetingAction, MeetingAttendee, MeetingKind
from web.pagination import PaginatedApi

NOT_ON_TEAM = "Only people on the case team can be chosen."


def _team_users(access: CaseAccess, user_ids: list[int], field: str) -> list[User]:
    """Resolve user ids to people on the case team; anyone else is a field error."""
    team = {member.user_id: member.user for member in queries.team_for_meetings(access)}
    if any(user_id not in team for user_id in user_ids):
        raise serializers.ValidationError({field: [NOT_ON_TEAM]})
    return [team[user_id] for user_id in dict.fromkeys(user_ids)]


def _attendee_users(meeting: Meeting, user_ids: list[int]) -> list[User]:
    invited = {a.user_id: a.user for a in queries.meeting_attendees(meeting)}
    if any(user_id not in invited for user_id in user_ids):
        raise serializers.ValidationError({"attended": ["Only people invited to the meeting can be chosen."]})
    return [invited[user_id] for user_id in dict.fromkeys(user_ids)]


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    case_id = serializers.UUIDField()
    chair = PersonRefSerializer()
    organiser = PersonRefSerializer()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "case_id",
            "kind",
            "state",
            "starts_at",
            "duration_minutes",
            "location",
            "chair",
            "organiser",
            "held_at",
            "sequence",
        ]


class AttendeeSerializer(serializers.ModelSerializer[MeetingAttendee]):
    user = PersonRefSerializer()
    agency = AgencyRefSerializer()

    class Meta:
        model = MeetingAttendee
        fields = ["user", "agency", "invited_at", "attended"]


class MeetingActionSerializer(serializers.ModelSerializer[MeetingAction]):
    meeting_id = serializers.UUIDField()
    owner = PersonRefSerializer()
    owner_agency = AgencyRefSerializer()

    class Meta:
        model = MeetingAction
        fields = [
            "id",
            "meeting_id",
            "description",
            "owner",
            "owner_agency",
            "due_at",
            "state",
            "completed_at",
            "dropped_reason",
        ]


class MeetingDetailSerializer(MeetingSerializer):
    attendees = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    missing_agencies = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "agenda",
            "minutes",
            "decisions",
            "next_stage_agreed",
            "cancelled_reason",
            "attendees",
            "actions",
            "missing_agencies",
        ]

    @extend_schema_field(AttendeeSerializer(many=True))
    def get_attendees(self, meeting: Meeting) -> list[dict[str, Any]]:
        return list(AttendeeSerializer(self.context["attendees"], many=True).data)

    @extend_schema_field(MeetingActionSerializer(many=True))
    def get_actions(self, meeting: Meeting) -> list[dict[str, Any]]:
        return list(MeetingActionSerializer(self.context["actions"], many=True).data)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_agencies(self, meeting: Meeting) -> list[str]:
        """For a strategy discussion, the agencies (of children's social care, police, health) not invited."""
        if meeting.kind != MeetingKind.STRATEGY_DISCUSSION:
            return []
        return services.missing_strategy_agencies(a.agency for a in self.context["attendees"])


def _detail(meeting: Meeting) -> dict[str, Any]:
    context = {"attendees": queries.meeting_attendees(meeting), "actions": list(queries.meeting_actions(meeting))}
    return dict(MeetingDetailSerializer(meeting, context=context).data)


class CaseMeetingsApi(PaginatedApi):
    @extend_schema_serializer(component_name="MeetingScheduleInput")
    class InputSerializer(serializers.Serializer[None]):
        kind = serializers.ChoiceField(choices=MeetingKind.choices)
        starts_at = serializers.DateTimeField()
        duration_minutes = serializers.IntegerField(default=60)
        location = serializers.CharField(max_length=200)
        chair = serializers.IntegerField(help_text="User id of the chair, one of the attendees.")
        agenda = serializers.CharField(required=False, allow_blank=True, default="")
        attendees = serializers.ListField(child=serializers.IntegerField(), help_text="User ids on the case team.")
        confirm_missing_agencies = serializers.BooleanField(
            default=False,
            help_text="Schedule a strategy discussion even though children's social care, police or health is missing.",
        )

    @extend_schema(responses=MeetingSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's meetings: upcoming first (soonest first), then past ones (latest first)."""
        access = policy.get_case(request_user(request), case_id)
        access.log("list_meetings", object_type="meeting")
        return self.paginated_response(request, queries.case_meetings(access), MeetingSerializer)

    @extend_schema(request=InputSerializer, responses={201: MeetingDetailSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Schedule a meeting with people of the case team; each is invited by email with a calendar file."""
        access = policy.get_case(request_user(request), case_id, Action.MANAGE_MEETINGS)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["attendees"] = _team_users(access, fields["attendees"], "attendees")
        [fields["chair"]] = _team_users(access, [fields["chair"]], "chair")
        meeting = services.schedule_meeting(access=access, **fields)
        return Response(_detail(meeting), status=status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    @extend_schema_serializer(component_name="MeetingRescheduleInput")
    class InputSerializer(serializers.Serializer[None]):
        starts_at = serializers.DateTimeField(required=False)
        duration_minutes = serializers.IntegerField(required=False)
        location = serializers.CharField(max_length=200, required=False)

    @extend_schema(responses=MeetingDetailSerializer)
    def get(self, request: Request, meeting_id: UUID) -> Response:
        """The meeting: attendees by agency, agenda, minutes, decisions and actions."""
        _access, meeting = policy.get_casework(request_user(request), Meeting, meeting_id)
        return Response(_detail(meeting))

    @extend_schema(request=InputSerializer, responses=MeetingDetailSerializer)
    def patch(self, request: Request, meeting_id: UUID) -> Response:
        """Reschedule: move or relocate a scheduled meeting; attendees get the updated invitation."""
        access, meeting = policy.get_casework(request_user(request), Meeting, meeting_id, Action.MANAGE_MEETINGS)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {
            "starts_at": meeting.starts_at,
            "duration_minutes": meeting.duration_minutes,
            "location": meeting.location,
            **data.validated_data,
        }
        meeting = services.reschedule_meeting(access=access, meeting=meeting, **changes)
        return Response(_detail(meeting))


class MeetingHeldApi(APIView):
    @extend_schema_serializer(component_name="MeetingHeldInput")
    class InputSerializer(serializers.Serializer[None]):
        held_at = serializers.DateTimeField()
        minutes = serializers.CharField()
        decisions = serializers.CharField(required=False, allow_blank=True, default="")
        attended = serializers.ListField(child=serializers.IntegerField(), help_text="User ids of those who came.")
        next_stage_agreed = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Strategy discussion: convene an initial conference. Initial conference: make a child "
            "protection plan. Review conference: continue the plan. Not asked of a core group.",
        )

    @extend_schema(request=InputSerializer, responses=MeetingDetailSerializer)
    def post(self, request: Request, meeting_id: UUID) -> Response:
        """Record the meeting held; its statutory deadline is met and the next one opens."""
        access, meeting = policy.get_casework(request_user(request), Meeting, meeting_id, Action.MANAGE_MEETINGS)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["attended"] = _attendee_users(meeting, fields["attended"])
        meeting = services.record_meeting_held(access=access, meeting=meeting, **fields)
        return Response(_detail(meeting))


class ReasonInputSerializer(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=300)


class MeetingCancelApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=MeetingDetailSerializer)
    def post(self, request: Request, meeting_id: UUID) -> Response:
        """Cancel a scheduled meeting, with a reason; attendees get a calendar cancellation."""
        access, meeting = policy.get_casework(request_user(request), Meeting, meeting_id, Action.MANAGE_MEETINGS)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.cancel_meeting(access=access, meeting=meeting, reason=data.validated_data["reason"])
        return Response(_detail(meeting))


class MeetingActionsApi(APIView):
    @extend_schema_serializer(component_name="MeetingActionInput")
    class InputSerializer(serializers.Serializer[None]):
        description = serializers.CharField(max_length=300)
        owner = serializers.IntegerField(help_text="User id of the owner, on the case team.")
        due_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: MeetingActionSerializer})
    def post(self, request: Request, meeting_id: UUID) -> Response:
        """Add an action agreed at a held meeting: owner, their agency, and due date (a deadline)."""
        access, meeting = policy.get_casework(request_user(request), Meeting, meeting_id, Action.MANAGE_MEETINGS)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        [fields["owner"]] = _team_users(access, [fields["owner"]], "owner")
        action = services.add_meeting_action(access=access, meeting=meeting, **fields)
        return Response(MeetingActionSerializer(action).data, status=status.HTTP_201_CREATED)


class MeetingActionCompleteApi(APIView):
    @extend_schema(request=None, responses=MeetingActionSerializer)
    def post(self, request: Request, action_id: int) -> Response:
        """Mark an action done (its owner, or those who manage meetings); its deadline is met."""
        access, action = policy.get_casework(request_user(request), MeetingAction, action_id)
        action = services.complete_meeting_action(access=access, action=action)
        return Response(MeetingActionSerializer(action).data)


class MeetingActionDropApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=MeetingActionSerializer)
    def post(self, request: Request, action_id: int) -> Response:
        """Mark an action no longer needed, with a reason; its deadline is cancelled."""
        access, action = policy.get_casework(request_user(request), MeetingAction, action_id, Action.MANAGE_MEETINGS)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.drop_meeting_action(access=access, action=action, reason=data.validated_data["reason"])
        return Response(MeetingActionSerializer(action).data)
