"""Agency and membership API: scoped exactly like the agency admin pages.

Also how every app's API names a person or an agency (``PersonRefSerializer``,
``AgencyRefSerializer``): the domain apps stand on ``agencies``, so they import these from here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.policy import active_memberships, get_administered_agency, get_agency_membership
from access_control.request_context import request_user
from agencies import queries, services
from agencies.filters import MemberFilters
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

    @extend_schema(request=InputSerializer, responses={201: MemberSerializer})
    def post(self, request: Request, agency_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invite_member(by=user, agency=agency, **data.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


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


class MemberDeactivateApi(APIView):
    @extend_schema(request=None, responses=MemberSerializer)
    def post(self, request: Request, agency_id: int, membership_id: int) -> Response:
        user = request_user(request)
        agency = get_administered_agency(user, agency_id)
        membership = get_agency_membership(user, agency, membership_id)
        membership = services.deactivate_membership(by=user, membership=membership)
        return Response(MemberSerializer(membership).data)
