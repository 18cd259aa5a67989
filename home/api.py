"""My work through the API: the home page's sections, in the same order and read the same way."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.request_context import request_user
from home import queries
from home.queries import Item, MyWork, Section


class MyWorkItemSerializer(serializers.Serializer[Item]):
    id = serializers.CharField(help_text="The id of the item itself (a deadline, meeting, case, referral…).")
    title = serializers.CharField(help_text="What it is, in words: what is owed, or what waits.")
    detail = serializers.CharField(help_text="A little more: the deadline's title, who asked, how many entries.")
    when = serializers.DateTimeField(
        allow_null=True, help_text="Its time: due, starts, latest entry, received (the section's when_means)."
    )
    overdue = serializers.BooleanField()
    url = serializers.CharField(help_text="The page of the item itself (a relative path).")
    api_url = serializers.CharField(allow_null=True, help_text="Its API endpoint (a relative path), when it has one.")


class MyWorkSectionSerializer(serializers.Serializer[Section]):
    key = serializers.ChoiceField(
        choices=[
            "approvals",
            "team",
            "front_door",
            "tasks",
            "meetings",
            "new",
            "notifications",
            "service_referrals",
        ]
    )
    title = serializers.CharField()
    count = serializers.IntegerField(help_text="How many in all; only the first few are listed.")
    when_means = serializers.CharField()
    see_all_url = serializers.CharField(help_text="The page listing them all (a relative path).")
    items = MyWorkItemSerializer(many=True)


class MyWorkSerializer(serializers.Serializer[MyWork]):
    sections = MyWorkSectionSerializer(
        many=True, help_text="In the order the home page shows them: a supervisor's and a front door's queues first."
    )


class MyWorkApi(APIView):
    @extend_schema(responses=MyWorkSerializer)
    def get(self, request: Request) -> Response:
        """My work at a glance: overdue and due-soon tasks, this week's meetings, cases with
        something new since my last visit, unread notifications, referrals waiting, and for
        a supervisor what waits for their decision. A few of each, with how many in all."""
        user = request_user(request)
        work = queries.my_work(user)
        policy.log_listing(user, policy.Listing.MY_WORK)
        return Response(MyWorkSerializer(work).data)
