"""The Family tab through the API: the case's children and each family member's link to them,
and the change to a link's contact safety and risk warning, through the same policy door and
service as the page (cases.family)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Action
from access_control.request_context import request_user
from cases import family as family_service
from cases.models import Child, FamilyLink


class FamilyChildSerializer(serializers.ModelSerializer[Child]):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Child
        fields = [
            "id",
            "full_name",
            "given_names",
            "family_name",
            "date_of_birth",
            "date_of_birth_estimated",
            "sex",
            "legal_status",
            "interpreter_needed",
        ]


class FamilyMemberLinkSerializer(serializers.ModelSerializer[FamilyLink]):
    child_id = serializers.UUIDField()
    person_id = serializers.UUIDField(source="person.id")
    full_name = serializers.CharField(source="person.full_name")
    phone = serializers.CharField(source="person.phone")

    class Meta:
        model = FamilyLink
        fields = [
            "id",
            "child_id",
            "person_id",
            "full_name",
            "phone",
            "relationship",
            "parental_responsibility",
            "lives_with_child",
            "safe_to_contact",
            "safe_to_contact_reason",
            "poses_risk",
            "risk_note",
        ]


class FamilySerializer(serializers.Serializer[dict[str, Any]]):
    children = FamilyChildSerializer(many=True)
    links = FamilyMemberLinkSerializer(many=True)


class CaseFamilyApi(APIView):
    @extend_schema(responses=FamilySerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's children and everyone linked to them: relationship, parental
        responsibility, household, whether they are safe to contact and any risk warning."""
        with policy.get_case(request_user(request), case_id, log_with_page=True) as access:
            children = family_service.case_family(access)
            access.log_many([access.event("view_child", object_type="child", object_id=child.pk) for child in children])
        family = {"children": children, "links": family_service.family_links(children)}
        return Response(FamilySerializer(family).data)


class FamilyLinkApi(APIView):
    @extend_schema_serializer(component_name="ContactSafetyInput")
    class InputSerializer(serializers.Serializer[None]):
        safe_to_contact = serializers.BooleanField(required=False)
        safe_to_contact_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
        poses_risk = serializers.BooleanField(required=False)
        risk_note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=FamilyMemberLinkSerializer)
    def patch(self, request: Request, case_id: UUID, link_id: int) -> Response:
        """Change whether a family member is safe to contact (a reason when not) and whether they
        pose a risk (a note when they do): who may edit the case (lead, key workers, supervisors)."""
        access = policy.get_case(request_user(request), case_id, Action.EDIT_CASE)
        link = family_service.case_family_link(access, link_id)
        if link is None:
            raise Http404("No such family member on this case")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {
            "safe_to_contact": link.safe_to_contact,
            "safe_to_contact_reason": link.safe_to_contact_reason,
            "poses_risk": link.poses_risk,
            "risk_note": link.risk_note,
            **data.validated_data,
        }
        link = family_service.update_contact_safety(access=access, link=link, **changes)
        return Response(FamilyMemberLinkSerializer(link).data)
