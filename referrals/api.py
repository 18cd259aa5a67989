"""Referrals API: the same need-to-know answers as the pages.

Every endpoint reaches a referral through ``access_control.policy.get_referral`` (404 when
the caller cannot see it, 403 when they can but may not do this, both logged), reads through
``referrals.queries`` and writes through ``referrals.services``. A write asks the door for
the action it attempts, so a refusal answers 403 before any input is read or resolved.

What a referral shows depends on who reached it. The referrer sees what they wrote, its
status and the outcome, never the case it was linked to. The receiving front door sees
everything. A match for "is this child already known?" is rendered exactly as redacted as
``known_child_matches`` hands it over: a child out of the worker's sight is only a score,
the fields that matched and whom to contact.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.policy import Listing, ReferralAccess, ReferralAction
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer
from agencies.models import Agency
from cases.api import ChildBriefSerializer
from cases.models import Case, Child
from referrals import queries, services
from referrals.filters import InboxFilters
from referrals.models import CASE_DECISIONS, Referral, ReferralAddition, ReferralStatus, TriageDecision
from referrals.queries import KnownChild
from referrals.rate_limits import client_address
from web.pagination import CountedPagination, PaginatedApi
from web.throttling import AnonRateThrottle

NOT_A_FRONT_DOOR = "That agency does not take referrals."
NOT_A_MATCH_CASE = "Choose a case offered among this referral's matches."
NOT_A_MATCH_CHILD = "Choose a child offered among this referral's matches."

# What a rendering says the caller may do, so a client can offer only those.
REFERRAL_ACTIONS = {
    "edit_draft": ReferralAction.EDIT_DRAFT,
    "add_to": ReferralAction.ADD_TO,
    "triage": ReferralAction.TRIAGE,
    "sign_off": ReferralAction.SIGN_OFF,
}


def _front_door_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField[Agency]:
    # Agencies are not case data; which ones run a front door is public knowledge.
    return serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(active=True, takes_referrals=True),
        error_messages={"does_not_exist": NOT_A_FRONT_DOOR, "incorrect_type": NOT_A_FRONT_DOOR},
        **kwargs,
    )


def _seen_by_front_door(access: ReferralAccess) -> bool:
    """The receiving front door reached it (a draft is the referrer's alone)."""
    return access.basis.front_door_role is not None and access.referral.status != ReferralStatus.DRAFT


# --- input --------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ReferralDraftInput")
class DraftInputSerializer(serializers.ModelSerializer[Referral]):
    """A draft: where it goes and whatever the referrer knows so far (checked when it is submitted)."""

    receiving_agency = _front_door_field()

    class Meta:
        model = Referral
        fields = ["receiving_agency", *services.DRAFT_FIELDS]
        extra_kwargs = {name: {"required": False} for name in services.DRAFT_FIELDS}

    # The same checks as the referral page's form (referrals.forms.ReferralForm).
    def validate_child_date_of_birth(self, born: date | None) -> date | None:
        if born and born > timezone.localdate():
            raise serializers.ValidationError("The date of birth cannot be in the future.")
        return born

    def validate_child_nhs_number(self, number: str) -> str:
        number = re.sub(r"[\s-]", "", number)
        if number and not re.fullmatch(r"\d{10}", number):
            raise serializers.ValidationError("An NHS number is 10 digits.")
        return number


@extend_schema_serializer(component_name="PublicConcernInput")
class PublicConcernInputSerializer(serializers.ModelSerializer[Referral]):
    receiving_agency = _front_door_field()

    class Meta:
        model = Referral
        fields = ["receiving_agency", *services.PUBLIC_FIELDS]
        extra_kwargs = {name: {"required": False} for name in services.PUBLIC_FIELDS}


# --- output -------------------------------------------------------------------------------


class ReferralPermissionsSerializer(serializers.Serializer[dict[str, bool]]):
    edit_draft = serializers.BooleanField()
    add_to = serializers.BooleanField()
    triage = serializers.BooleanField()
    sign_off = serializers.BooleanField()


class ReferralAdditionSerializer(serializers.ModelSerializer[ReferralAddition]):
    author = serializers.CharField(source="author.full_name")

    class Meta:
        model = ReferralAddition
        fields = ["id", "at", "author", "text"]


class ReferralRefSerializer(serializers.ModelSerializer[Referral]):
    """Another referral this viewer may also see (the one this re-refers)."""

    receiving_agency = AgencyRefSerializer()

    class Meta:
        model = Referral
        fields = ["id", "reference", "receiving_agency", "submitted_at"]


class LinkedCaseSerializer(serializers.ModelSerializer[Case]):
    lead_agency = AgencyRefSerializer()

    class Meta:
        model = Case
        fields = ["id", "reference", "lead_agency"]


class CaseRefSerializer(serializers.ModelSerializer[Case]):
    """A case offered for linking: its id and reference, nothing of the record."""

    class Meta:
        model = Case
        fields = ["id", "reference"]


class MyReferralSerializer(serializers.ModelSerializer[Referral]):
    """A row of my referrals."""

    receiving_agency = AgencyRefSerializer()
    child_name = serializers.CharField()
    decision_label = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "receiving_agency",
            "child_name",
            "urgency",
            "created_at",
            "submitted_at",
            "decision_label",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decision_label(self, referral: Referral) -> str | None:
        # A decision waiting for sign-off may still be returned: the referrer hears the final one only.
        return referral.get_decision_display() if referral.status == ReferralStatus.DECIDED else None


class _AccessSerializer(serializers.ModelSerializer[Referral]):
    """A referral as one reader reached it."""

    seen_as = serializers.SerializerMethodField()
    receiving_agency = AgencyRefSerializer()
    additions = serializers.SerializerMethodField()
    can = serializers.SerializerMethodField()

    @property
    def access(self) -> ReferralAccess:
        access = self.context["access"]
        assert isinstance(access, ReferralAccess)
        return access

    @extend_schema_field(ReferralAdditionSerializer(many=True))
    def get_additions(self, referral: Referral) -> list[dict[str, Any]]:
        return list(ReferralAdditionSerializer(self.context["additions"], many=True).data)

    @extend_schema_field(ReferralPermissionsSerializer)
    def get_can(self, referral: Referral) -> dict[str, bool]:
        return {name: self.access.can(action).allowed for name, action in REFERRAL_ACTIONS.items()}


class ReferralForReferrerSerializer(_AccessSerializer):
    """What the referrer sees: what they wrote, the status and the outcome, and their own additions.
    Never the case it was linked to, the rationale or who at the front door handles it."""

    decision_label = serializers.SerializerMethodField()
    decided_at = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "seen_as",
            "source",
            "status",
            "receiving_agency",
            "referrer_name",
            *services.DRAFT_FIELDS,
            "created_at",
            "submitted_at",
            "decision_label",
            "decided_at",
            "additions",
            "can",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_seen_as(self, referral: Referral) -> str:
        return "referrer"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decision_label(self, referral: Referral) -> str | None:
        return referral.get_decision_display() if referral.status == ReferralStatus.DECIDED else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_decided_at(self, referral: Referral) -> str | None:
        if referral.status != ReferralStatus.DECIDED:
            return None
        at = referral.signed_off_at or referral.decided_at
        return serializers.DateTimeField().to_representation(at) if at else None


class ReferralForFrontDoorSerializer(_AccessSerializer):
    """What the receiving front door sees: the whole referral, its deadline, the re-referral,
    the decision and everything added. A linked case or child is named only when this reader
    may see it."""

    referrer_agency = AgencyRefSerializer(allow_null=True)
    handler = serializers.CharField(source="handler.full_name", allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.full_name", allow_null=True, default=None)
    signed_off_by = serializers.CharField(source="signed_off_by.full_name", allow_null=True, default=None)
    passed_to = AgencyRefSerializer(allow_null=True)
    decision_label = serializers.CharField(source="get_decision_display")
    is_re_referral = serializers.BooleanField()
    previous_referral = serializers.SerializerMethodField()
    linked_case = serializers.SerializerMethodField()
    linked_child = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "seen_as",
            "source",
            "status",
            "receiving_agency",
            "referrer_name",
            "referrer_agency",
            "referrer_contact",
            "referrer_relationship",
            *(name for name in services.DRAFT_FIELDS if name != "referrer_contact"),
            "created_at",
            "submitted_at",
            "triage_due_at",
            "handler",
            "is_re_referral",
            "previous_referral",
            "decision",
            "decision_label",
            "decision_rationale",
            "decided_by",
            "decided_at",
            "signed_off_by",
            "signed_off_at",
            "passed_to",
            "linked_case",
            "linked_child",
            "additions",
            "can",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_seen_as(self, referral: Referral) -> str:
        return "front_door"

    @extend_schema_field(ReferralRefSerializer(allow_null=True))
    def get_previous_referral(self, referral: Referral) -> dict[str, Any] | None:
        previous = self.context["previous_referral"]
        return dict(ReferralRefSerializer(previous).data) if previous else None

    @extend_schema_field(LinkedCaseSerializer(allow_null=True))
    def get_linked_case(self, referral: Referral) -> dict[str, Any] | None:
        case = self.context["linked_case"]
        return dict(LinkedCaseSerializer(case).data) if case else None

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_linked_child(self, referral: Referral) -> str | None:
        child_id = self.context["linked_child_id"]
        return str(child_id) if child_id else None


REFERRAL_AS_SEEN = PolymorphicProxySerializer(
    component_name="ReferralAsSeen",
    serializers=[ReferralForReferrerSerializer, ReferralForFrontDoorSerializer],
    resource_type_field_name=None,
)


class InboxRowSerializer(serializers.ModelSerializer[Referral]):
    """A row of the front door's inbox: what to decide first, by when, and who is on it."""

    receiving_agency = AgencyRefSerializer()
    referrer_agency = AgencyRefSerializer(allow_null=True)
    handler = serializers.CharField(source="handler.full_name", allow_null=True, default=None)
    child_name = serializers.CharField()
    is_re_referral = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "source",
            "status",
            "urgency",
            "immediate_risk",
            "child_name",
            "concern_category",
            "receiving_agency",
            "referrer_agency",
            "submitted_at",
            "triage_due_at",
            "overdue",
            "handler",
            "is_re_referral",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, referral: Referral) -> bool:
        return referral.triage_due_at is not None and referral.triage_due_at < timezone.now()


class KnownToSerializer(serializers.Serializer[Any]):
    """Whom to contact about a child known elsewhere: an agency and its front-door contact."""

    agency = serializers.CharField()
    contact = serializers.CharField()


class MatchedCaseSerializer(serializers.ModelSerializer[Case]):
    lead_agency = AgencyRefSerializer()

    class Meta:
        model = Case
        fields = ["id", "reference", "status", "lead_agency"]


class KnownChildSerializer(serializers.Serializer[Any]):
    """A candidate for "is this child already known?". ``child``, ``cases`` and
    ``linkable_cases`` are present only when the worker may see one of the child's cases;
    otherwise the match is the score, what matched, and whom to contact."""

    score = serializers.FloatField()
    matched = serializers.ListField(child=serializers.CharField())
    known_to = KnownToSerializer(many=True)
    child = ChildBriefSerializer(required=False)
    cases = MatchedCaseSerializer(many=True, required=False)
    linkable_cases = CaseRefSerializer(many=True, required=False)

    def to_representation(self, instance: KnownChild) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "score": round(float(instance.score), 3),
            "matched": list(instance.matched),
            "known_to": [{"agency": agency, "contact": contact} for agency, contact in instance.known_to],
        }
        if instance.child is None:
            return shown
        shown["child"] = ChildBriefSerializer(instance.child).data
        shown["cases"] = MatchedCaseSerializer(instance.cases, many=True).data
        shown["linkable_cases"] = CaseRefSerializer(instance.linkable_cases, many=True).data
        return shown


class PublicConcernReceiptSerializer(serializers.Serializer[Referral]):
    reference = serializers.CharField()


# --- rendering ----------------------------------------------------------------------------


def _render(access: ReferralAccess) -> dict[str, Any]:
    """The referral as this reader may see it."""
    referral, user = access.referral, access.user
    additions = referral.additions.select_related("author").order_by("at")
    if not _seen_by_front_door(access):
        # The referrer sees what they added; the front door's additions may draw on its own records.
        context = {"access": access, "additions": additions.filter(author=user)}
        return dict(ReferralForReferrerSerializer(referral, context=context).data)
    linked_case = (
        policy.visible_cases(user).select_related("lead_agency").filter(pk=referral.linked_case_id).first()
        if referral.linked_case_id
        else None
    )
    child_seen = (
        referral.linked_child_id is not None
        and policy.visible_cases(user).filter(children=referral.linked_child_id).exists()
    )
    previous = (
        policy.visible_referrals(user)
        .select_related("receiving_agency")
        .filter(pk=referral.previous_referral_id)
        .first()
        if referral.previous_referral_id
        else None
    )
    context = {
        "access": access,
        "additions": additions,
        "linked_case": linked_case,
        "linked_child_id": referral.linked_child_id if child_seen else None,
        "previous_referral": previous,
    }
    return dict(ReferralForFrontDoorSerializer(referral, context=context).data)


def _rendered_after(access: ReferralAccess, referral: Referral) -> dict[str, Any]:
    """Render what a service returned, for the same reader."""
    return _render(dataclasses.replace(access, referral=referral))


def _resolve_links(
    access: ReferralAccess, link_case: UUID | None, link_child: UUID | None
) -> tuple[Case | None, Child | None]:
    """Resolve the ids a decision links to, only from this referral's matches as this worker
    sees them: an id that is not among them is refused as if it did not exist."""
    if link_case is None and link_child is None:
        return None, None
    matches = queries.known_child_matches(access)
    cases = {case.pk: case for match in matches for case in match.linkable_cases}
    children = {match.child.pk: match.child for match in matches if match.child is not None}
    errors: dict[str, list[str]] = {}
    if link_case is not None and link_case not in cases:
        errors["link_case"] = [NOT_A_MATCH_CASE]
    if link_child is not None and link_child not in children:
        errors["link_child"] = [NOT_A_MATCH_CHILD]
    if errors:
        raise serializers.ValidationError(errors)
    return (cases[link_case] if link_case else None), (children[link_child] if link_child else None)


# --- views ----------------------------------------------------------------------------------


class ReferralListApi(PaginatedApi):
    @extend_schema(responses=MyReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The referrals I made, drafts included, newest first."""
        user = request_user(request)
        referrals = queries.my_referrals(user=user)
        policy.log_listing(user, Listing.REFERRALS_I_MADE)
        return self.paginated_response(request, referrals, MyReferralSerializer)

    @extend_schema(request=DraftInputSerializer, responses={201: ReferralForReferrerSerializer})
    def post(self, request: Request) -> Response:
        """Start a draft referral to an agency's front door; completeness is checked on submission."""
        user = request_user(request)
        data = DraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        receiving_agency = fields.pop("receiving_agency")
        referral = services.save_draft(by=user, receiving_agency=receiving_agency, data=fields)
        access = policy.get_referral(user, referral.pk)
        return Response(_render(access), status=status.HTTP_201_CREATED)


class ReferralDetailApi(APIView):
    @extend_schema(responses=REFERRAL_AS_SEEN)
    def get(self, request: Request, referral_id: UUID) -> Response:
        """The referral as I may see it: the referrer sees what they wrote and the outcome;
        the receiving front door sees everything."""
        access = policy.get_referral(request_user(request), referral_id)
        return Response(_render(access))

    @extend_schema(request=DraftInputSerializer, responses=ReferralForReferrerSerializer)
    def patch(self, request: Request, referral_id: UUID) -> Response:
        """Change my draft. A submitted referral cannot be edited, only added to."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.EDIT_DRAFT)
        data = DraftInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        receiving_agency = fields.pop("receiving_agency", access.referral.receiving_agency)
        referral = services.save_draft(
            by=access.user, receiving_agency=receiving_agency, referral=access.referral, data=fields
        )
        return Response(_rendered_after(access, referral))


class ReferralSubmitApi(APIView):
    @extend_schema(request=None, responses=ReferralForReferrerSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        """Send my draft to the front door (a missing answer is a field error); triage is due in one working day."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.EDIT_DRAFT)
        referral = services.submit_referral(access=access)
        return Response(_rendered_after(access, referral))


class ReferralAdditionApi(APIView):
    @extend_schema_serializer(component_name="ReferralAdditionInput")
    class InputSerializer(serializers.Serializer[None]):
        text = serializers.CharField(max_length=10000)

    @extend_schema(request=InputSerializer, responses={201: ReferralAdditionSerializer})
    def post(self, request: Request, referral_id: UUID) -> Response:
        """Add to a submitted referral (the referrer or the front door); the referral itself is not changed."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.ADD_TO)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addition = services.add_to_referral(access=access, text=data.validated_data["text"])
        return Response(ReferralAdditionSerializer(addition).data, status=status.HTTP_201_CREATED)


class ReferralTakeApi(APIView):
    @extend_schema(request=None, responses=ReferralForFrontDoorSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        """Say I am handling this referral (the front door)."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.TRIAGE)
        referral = services.take_referral(access=access)
        return Response(_rendered_after(access, referral))


class ReferralMatchesApi(APIView):
    @extend_schema(responses=KnownChildSerializer(many=True))
    def get(self, request: Request, referral_id: UUID) -> Response:
        """Is this child already known? Candidates ranked by score. A child whose cases I cannot
        see shows only the score, what matched, and which agency to contact."""
        # The matching query refuses (403, logged) anyone but the receiving front door.
        access = policy.get_referral(request_user(request), referral_id)
        matches = queries.known_child_matches(access)
        # As the triage page does: each child shown is a view of that child, logged.
        access.log_children_shown((match.child.pk, match.cases[0].pk) for match in matches if match.child is not None)
        return Response(KnownChildSerializer(matches, many=True).data)


class ReferralDecisionApi(APIView):
    # The service's errors name the decision's rationale; this endpoint's input calls it "rationale".
    service_field_aliases = {"decision_rationale": "rationale"}

    @extend_schema_serializer(component_name="TriageDecisionInput")
    class InputSerializer(serializers.Serializer[None]):
        decision = serializers.ChoiceField(choices=TriageDecision.choices)
        rationale = serializers.CharField(max_length=10000)
        link_case = serializers.UUIDField(
            required=False, allow_null=True, default=None, help_text="A linkable case among this referral's matches."
        )
        link_child = serializers.UUIDField(
            required=False, allow_null=True, default=None, help_text="A child among this referral's matches."
        )
        passed_to = _front_door_field(required=False, allow_null=True, default=None)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            errors: dict[str, list[str]] = {}
            if attrs["decision"] not in CASE_DECISIONS:
                for name in ("link_case", "link_child"):
                    if attrs[name] is not None:
                        errors[name] = ["Only a decision that opens or links a case links one."]
            if attrs["decision"] != TriageDecision.PASSED_ON and attrs["passed_to"] is not None:
                errors["passed_to"] = ["Only a decision to pass the referral on names another agency."]
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    @extend_schema(request=InputSerializer, responses=ReferralForFrontDoorSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        """Decide the referral with a rationale. Where the agency requires it the decision waits
        for a supervisor's sign-off; otherwise it takes effect (a case opened or linked, I join its team)."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.TRIAGE)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        link_case, link_child = _resolve_links(access, fields["link_case"], fields["link_child"])
        referral = services.decide_referral(
            access=access,
            decision=fields["decision"],
            rationale=fields["rationale"],
            link_case=link_case,
            link_child=link_child,
            passed_to=fields["passed_to"],
        )
        return Response(_rendered_after(access, referral))


class ReferralSignOffApi(APIView):
    @extend_schema_serializer(component_name="TriageSignOffInput")
    class InputSerializer(serializers.Serializer[None]):
        approve = serializers.BooleanField(help_text="true: the decision takes effect; false: it goes back for triage.")
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ReferralForFrontDoorSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        """A front-door supervisor approves a colleague's decision (it takes effect) or returns it, saying why."""
        access = policy.get_referral(request_user(request), referral_id, ReferralAction.SIGN_OFF)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.sign_off_decision(
            access=access, approve=data.validated_data["approve"], note=data.validated_data["note"]
        )
        return Response(_rendered_after(access, referral))


class InboxApi(PaginatedApi):
    FilterSerializer = InboxFilters.query_serializer()

    @extend_schema(parameters=[FilterSerializer], responses=InboxRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The referrals at the front doors I work: immediate risk, then urgent, then soonest due.
        Only intake workers and supervisors of a front door have an inbox."""
        return _inbox_response(self, request, self.FilterSerializer(data=request.query_params))


class InboxSearchApi(PaginatedApi):
    """Search the inbox by child's name, reference or referrer, in the request body: what is
    typed may name a child, so it never goes in a URL (only the page number does). The log
    says the inbox was listed, not what was searched for."""

    @extend_schema_serializer(component_name="InboxSearchInput")
    class InputSerializer(InboxFilters.query_serializer()):  # type: ignore[misc]
        search = serializers.CharField(
            max_length=200, help_text="Every word is in the child's names, the reference or the referrer."
        )

    @extend_schema(request=InputSerializer, responses=InboxRowSerializer(many=True))
    def post(self, request: Request) -> Response:
        """The referrals at my front doors that match, in the inbox's order, with its filters."""
        data = self.InputSerializer(data=request.data)
        return _inbox_response(self, request, data, search_field="search")


def _inbox_response(
    api: PaginatedApi, request: Request, filters: serializers.Serializer[None], search_field: str = ""
) -> Response:
    user = request_user(request)
    front_doors = {agency.pk: agency for agency in policy.front_door_agencies(user)}
    policy.check_inbox(user, front_doors)
    filters.is_valid(raise_exception=True)
    chosen = filters.validated_data["agency"]
    if chosen is not None and chosen not in front_doors:
        raise serializers.ValidationError({"agency": ["Not a front door you work."]})
    include_decided = filters.validated_data["include_decided"]
    referrals = queries.inbox(
        user=user,
        agency=front_doors[chosen] if chosen is not None else None,
        include_decided=include_decided,
        search=filters.validated_data[search_field] if search_field else "",
    )
    policy.log_listing(user, Listing.FRONT_DOOR_INBOX)
    # As the inbox page: what waits with its count in one query, the whole history apart.
    pagination = PageNumberPagination if include_decided else CountedPagination
    return api.paginated_response(request, referrals, InboxRowSerializer, pagination=pagination)


class PublicConcernThrottle(AnonRateThrottle):
    """Per address, across every web process (the cache is Redis)."""

    scope = "public_concern"

    def get_rate(self) -> str:
        return f"{settings.PUBLIC_CONCERN_RATE_PER_HOUR}/hour"

    def get_ident(self, request: Request) -> str:
        # The same client address as the public form page counts (trusted proxies only).
        return client_address(request)


class PublicConcernApi(APIView):
    # No account and no session: nothing to authenticate, so no CSRF token is needed either.
    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicConcernThrottle]

    @extend_schema(
        request=PublicConcernInputSerializer,
        responses={
            201: PublicConcernReceiptSerializer,
            400: OpenApiResponse(description="Field errors; nothing was stored."),
            429: OpenApiResponse(description="Too many concerns from this address; try again later."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Report a concern about a child without an account. The answer is a reference number, and nothing else."""
        data = PublicConcernInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        receiving_agency = fields.pop("receiving_agency")
        referral = services.submit_public_concern(receiving_agency=receiving_agency, data=fields)
        return Response(PublicConcernReceiptSerializer(referral).data, status=status.HTTP_201_CREATED)
