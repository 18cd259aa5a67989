"""Service referral API: the same doors and rules as the pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import ServiceReferralAccess, ServiceReferralAction
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import Agency, User
from cases import queries as case_queries
from cases.api import DocumentSerializer, EntrySerializer
from referrals import queries, services
from referrals.models import ServiceReferral
from web.pagination import PaginatedApi


class ServiceReferralSerializer(serializers.ModelSerializer[ServiceReferral]):
    case_id = serializers.UUIDField()
    from_agency = AgencyRefSerializer()
    to_agency = AgencyRefSerializer()
    referred_by = PersonRefSerializer()
    named_worker = PersonRefSerializer(allow_null=True)

    class Meta:
        model = ServiceReferral
        fields = [
            "id",
            "case_id",
            "service",
            "reason",
            "from_agency",
            "to_agency",
            "referred_by",
            "state",
            "created_at",
            "decided_at",
            "decision_reason",
            "named_worker",
        ]


def _detail(access: ServiceReferralAccess) -> dict[str, Any]:
    entries, documents = queries.shared_extract(access)
    return {
        **ServiceReferralSerializer(access.referral).data,
        "why": access.basis.rule,
        "shared_entries": EntrySerializer(entries, many=True).data,
        "shared_documents": DocumentSerializer(documents, many=True).data,
    }


class CaseServiceReferralsApi(PaginatedApi):
    @extend_schema_serializer(component_name="ServiceReferralInput")
    class InputSerializer(serializers.Serializer[None]):
        to_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.filter(active=True))
        service = serializers.CharField(max_length=200)
        reason = serializers.CharField()
        shared_entries = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
        shared_documents = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)

    @extend_schema(responses=ServiceReferralSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's service referrals."""
        access = policy.get_case(request_user(request), case_id)
        return self.paginated_response(request, case_queries.case_service_referrals(access), ServiceReferralSerializer)

    @extend_schema(request=InputSerializer, responses={201: ServiceReferralSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Refer the family to another agency's service, sharing chosen entries and documents."""
        access = policy.get_case(request_user(request), case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Shared items are resolved only among what this user can see on this case.
        entry_ids = set(data.validated_data["shared_entries"])
        document_ids = set(data.validated_data["shared_documents"])
        entries = list(case_queries.chronology(access).filter(pk__in=entry_ids))
        documents = list(case_queries.case_documents(access).filter(pk__in=document_ids))
        if len(entries) != len(entry_ids):
            raise serializers.ValidationError({"shared_entries": ["Choose entries of this case that you can see."]})
        if len(documents) != len(document_ids):
            raise serializers.ValidationError({"shared_documents": ["Choose documents of this case that you can see."]})
        referral = services.make_service_referral(
            access=access,
            to_agency=data.validated_data["to_agency"],
            service=data.validated_data["service"],
            reason=data.validated_data["reason"],
            shared_entries=entries,
            shared_documents=documents,
        )
        return Response(ServiceReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ServiceInboxApi(PaginatedApi):
    @extend_schema(responses=ServiceReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Service referrals addressed to the agencies I work in, waiting ones first."""
        user = request_user(request)
        policy.log_listing(user, policy.Listing.SERVICE_INBOX)
        return self.paginated_response(request, queries.service_inbox(user=user), ServiceReferralSerializer)


class ServiceReferralDetailApi(APIView):
    @extend_schema(responses=ServiceReferralSerializer)
    def get(self, request: Request, referral_id: UUID) -> Response:
        """The service referral; the shared extract only for its named worker once accepted, or the case team."""
        return Response(_detail(policy.get_service_referral(request_user(request), referral_id)))


class ServiceReferralAnswerApi(APIView):
    @extend_schema_serializer(component_name="ServiceReferralAnswerInput")
    class InputSerializer(serializers.Serializer[None]):
        accept = serializers.BooleanField()
        reason = serializers.CharField()
        named_worker = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.filter(is_active=True), required=False, allow_null=True
        )

    @extend_schema(request=InputSerializer, responses=ServiceReferralSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        """Accept (naming the worker who takes the family on) or decline, with a reason."""
        access = policy.get_service_referral(request_user(request), referral_id, ServiceReferralAction.DECIDE)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.answer_service_referral(
            access=access,
            accept=data.validated_data["accept"],
            reason=data.validated_data["reason"],
            named_worker=data.validated_data.get("named_worker"),
        )
        return Response(ServiceReferralSerializer(referral).data)
