"""Deadline API: my tasks and my notifications, under the same policy as the pages.

Deadlines are read through ``deadlines.queries`` (which starts from
``access_control.policy.my_tasks``); a person's notification writes go through
``deadlines.notification_services``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from deadlines import links, notification_services, queries
from deadlines.filters import TaskFilters
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Notification, NotificationPreference
from web.pagination import PaginatedApi


class TaskSerializer(serializers.ModelSerializer[Deadline]):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices, read_only=True)
    state = serializers.ChoiceField(choices=DeadlineState.choices, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Owed and past its due time.")
    owner = PersonRefSerializer(allow_null=True)
    owner_agency = AgencyRefSerializer()
    case_id = serializers.UUIDField(allow_null=True, read_only=True)
    referral_id = serializers.UUIDField(allow_null=True, read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "kind",
            "title",
            "due_at",
            "state",
            "is_overdue",
            "owner",
            "owner_agency",
            "case_id",
            "referral_id",
        ]


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    deadline_id = serializers.UUIDField(allow_null=True, read_only=True)
    url = serializers.SerializerMethodField(
        help_text="The page of the notification's subject (a relative path), when it has one I may still see."
    )

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "created_at", "read_at", "deadline_id", "url"]

    def get_url(self, notification: Notification) -> str | None:
        link = self.context.get("links", {}).get(notification.pk)
        return link.url if link is not None else None


class NotificationPreferenceSerializer(serializers.ModelSerializer[NotificationPreference]):
    class Meta:
        model = NotificationPreference
        fields = ["daily_digest"]
        # A PUT says the whole preference: without it, 400 (the model's default made it optional).
        extra_kwargs = {"daily_digest": {"required": True}}


class MyTasksApi(PaginatedApi):
    FilterSerializer = TaskFilters.query_serializer()

    @extend_schema(parameters=[FilterSerializer], responses=TaskSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Deadlines owed by me or my agency on things I can see: overdue first, then soonest due."""
        user = request_user(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tasks = queries.tasks_for(user, state=filters.validated_data["state"])
        policy.log_listing(user, policy.Listing.MY_TASKS)
        return self.paginated_response(request, tasks, TaskSerializer)


class NotificationListApi(PaginatedApi):
    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request: Request) -> Response:
        """My notifications: unread first, newest first; each with a link to its subject."""
        user = request_user(request)
        paginator = self.pagination_class()
        page = list(paginator.paginate_queryset(queries.notifications_for(user), request, view=self) or [])
        context = {"links": links.notification_links(user, page)}
        return paginator.get_paginated_response(NotificationSerializer(page, many=True, context=context).data)


class NotificationReadApi(APIView):
    @extend_schema_serializer(component_name="NotificationReadInput")
    class InputSerializer(serializers.Serializer[None]):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            allow_null=True,
            default=None,
            help_text="The notifications to mark read; leave out to mark them all read.",
        )

    @extend_schema_serializer(component_name="NotificationReadOutput")
    class OutputSerializer(serializers.Serializer[None]):
        marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")
        unread = serializers.IntegerField(help_text="How many remain unread.")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        """Mark my notifications read (only mine change, whatever ids are sent)."""
        user = request_user(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notification_services.mark_read(user=user, notification_ids=data.validated_data["ids"])
        return Response({"marked": marked, "unread": queries.unread_count(user)})


class NotificationPreferenceApi(APIView):
    @extend_schema(responses=NotificationPreferenceSerializer)
    def get(self, request: Request) -> Response:
        """Whether I take one daily digest instead of an email per reminder."""
        preference = queries.preference_of(request_user(request))
        return Response(NotificationPreferenceSerializer(preference).data)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer)
    def put(self, request: Request) -> Response:
        """Choose one daily digest, or an email per reminder."""
        data = NotificationPreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preference = notification_services.set_digest(
            user=request_user(request), daily_digest=data.validated_data["daily_digest"]
        )
        return Response(NotificationPreferenceSerializer(preference).data)
