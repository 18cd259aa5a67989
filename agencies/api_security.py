"""The security log of an agency's members through the API: the same events, policy and
logging as the agency admin's page (``agencies.views_security``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.models import AccessLogEntry
from access_control.request_context import request_user
from access_control.security_log import record_reading, security_events
from agencies import lockouts
from agencies.api import PersonRefSerializer
from web.pagination import CountedPagination, PaginatedApi


class SecurityEventSerializer(serializers.ModelSerializer[AccessLogEntry]):
    event = serializers.CharField(source="action", help_text='What happened, as the log names it ("sign_in", …).')
    description = serializers.CharField(source="rule", help_text="What happened, in words.")
    account = serializers.SerializerMethodField(help_text="The member the event is about.")
    by = PersonRefSerializer(source="user", allow_null=True, help_text="Who did it, when known.")

    class Meta:
        model = AccessLogEntry
        fields = ["id", "at", "event", "description", "outcome", "account", "by"]

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_account(self, event: AccessLogEntry) -> dict[str, Any] | None:
        names: dict[str, str] = self.context["names"]
        if event.object_id not in names:
            return None
        return {"id": int(event.object_id), "full_name": names[event.object_id]}


class SecurityLogApi(PaginatedApi):
    """The security events about an agency's members, newest first: for its agency admins."""

    pagination_class = CountedPagination

    @extend_schema(responses=SecurityEventSerializer(many=True))
    def get(self, request: Request, agency_id: int) -> Response:
        user = request_user(request)
        agency, events = security_events(user, agency_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self) or []
        record_reading(user, agency)
        context = {"request": request, "names": lockouts.account_names(page)}
        return paginator.get_paginated_response(SecurityEventSerializer(page, many=True, context=context).data)
