"""Agency and membership API: scoped exactly like the agency admin pages.

Also how every app's API names a person or an agency (``PersonRefSerializer``,
``AgencyRefSerializer``): the domain apps stand on ``agencies``, so they import these from here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.policy import active_memberships, get_administered_agency, get_agency_membership
from access_control.request_context import request_user
from agencies import handover, queries, services
from agencies.filters import MEMBER_STATUS_CHOICES, MemberFilters
from agencies.models import Agency, Membership, Role, User


class PersonRefSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "full_name"]


class AgencyRefSerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class MyMembershipSerializer(serializers.ModelSerializer[Membership]):
    agency_id = serializers.IntegerField(source="agency.id")
    agency_name = serializers.CharField(source="agency.name")
    agency_kind = serializers.CharField(source="agency.kind")

    class Meta:
        model = Membership
        fields = ["id", "agency_id", "agency_name", "agency_kind", "role", "job_title", "started_on"]


class MemberSerializer(serializers.ModelSerializer[Membership]):
    full_name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "full_name", "email", "role", "job_title", "active", "started_on", "ended_on"]


class InvitedMemberSerializer(MemberSerializer):
    existing_account = serializers.BooleanField(
        help_text="The address was already someone's Tandem account: that person was added, not a new account."
    )
    message = serializers.CharField(help_text="What happened, in words.")

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "existing_account", "message"]


class MyMembershipsApi(ListAPIView[Membership]):
    """The agencies I belong to, with my role in each."""

    serializer_class = MyMembershipSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return active_memberships(request_user(self.request)).order_by("agency__name")


class MemberListApi(APIView):
    class InputSerializer(serializers.Serializer[None]):
        full_name = serializers.CharField(max_length=200)
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)
        job_title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    FilterSerializer = MemberFilters.query_serializer()

    @extend_schema(parameters=[FilterSerializer], responses=MemberSerializer(many=True))
    def get(self, request: Request, agency_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        members = queries.member_list(user=user, agency=agency, **filters.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: InvitedMemberSerializer})
    def post(self, request: Request, agency_id: int) -> Response:
        """Invite a person by email. An address that is already someone's Tandem account links
        that person (``existing_account``), never a second account; an active member here is 400."""
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.add_or_invite_member(by=user, agency=agency, **data.validated_data)
        body = {
            **MemberSerializer(invitation.membership).data,
            "existing_account": invitation.existing_account,
            "message": invitation.message(),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class MemberSearchApi(APIView):
    """People of the agency by name or email, in the request body: staff names and emails are
    personal data and never go in a URL. One page (``?page=``) at a time."""

    @extend_schema_serializer(component_name="MemberSearchInput")
    class InputSerializer(serializers.Serializer[None]):
        search = serializers.CharField(max_length=200, help_text="Part of a name or an email, any case.")
        status = serializers.ChoiceField(choices=MEMBER_STATUS_CHOICES, required=False, default="active")
        role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=MemberSerializer(many=True))
    def post(self, request: Request, agency_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        members = queries.member_list(user=user, agency=agency, **data.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)


class MemberDetailApi(APIView):
    class InputSerializer(serializers.Serializer[None]):
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request, agency_id: int, membership_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        return Response(MemberSerializer(get_agency_membership(user, agency, membership_id)).data)

    @extend_schema(request=InputSerializer, responses=MemberSerializer)
    def patch(self, request: Request, agency_id: int, membership_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        membership = get_agency_membership(user, agency, membership_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_role(by=user, membership=membership, role=data.validated_data["role"])
        return Response(MemberSerializer(membership).data)


class HeldWorkSerializer(serializers.Serializer[handover.HeldWork]):
    cases = serializers.IntegerField(help_text="Open cases they lead.")
    deadlines = serializers.IntegerField(help_text="Live deadlines they owe (other than those below).")
    contributions = serializers.IntegerField(help_text="Assessment contributions they owe.")
    plan_actions = serializers.IntegerField(help_text="Open plan actions assigned to them.")
    meeting_actions = serializers.IntegerField(help_text="Open meeting actions assigned to them.")


class WorkToHandOverSerializer(serializers.Serializer[None]):
    non_field_errors = serializers.ListField(child=serializers.CharField())
    work_to_hand_over = HeldWorkSerializer(help_text="How many of each, never what they are.")
    supervisors = PersonRefSerializer(many=True, help_text="Who supervises them: the people to ask.")


class MemberDeactivateApi(APIView):
    @extend_schema(request=None, responses={200: MemberSerializer, 400: WorkToHandOverSerializer})
    def post(self, request: Request, agency_id: int, membership_id: int) -> Response:
        """End the membership. While they lead or owe anything for the agency, 400 with how
        many of each and who supervises them (never the cases): their supervisor hands it over
        first (``/api/v1/supervisor/team/<membership>/handover/``)."""
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        membership = get_agency_membership(user, agency, membership_id)
        if membership.active and (held := handover.held_work(membership)):
            body = {
                "non_field_errors": [services.work_to_hand_over(membership)],
                "work_to_hand_over": HeldWorkSerializer(held).data,
                "supervisors": PersonRefSerializer(handover.supervisors_of(membership), many=True).data,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        membership = services.deactivate_membership(by=user, membership=membership)
        return Response(MemberSerializer(membership).data)
