"""Case record API: the same need-to-know policy and services as the pages.

Every endpoint reaches the case through ``access_control.policy`` (404 when the caller
cannot see it, 403 when they can but may not do this), reads through ``cases.queries`` and
writes through ``cases.services``. Serializers render only what those hand over.

A write asks the door for the action it attempts (``get_case(user, pk, Action.X)``), so a
refusal answers 403 (logged) before any input is read or resolved: someone who may not
manage the team cannot use the team endpoint to learn who has an account.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control import policy
from access_control.models import AccessLogEntry, BreakGlassGrant
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.api import AgencyRefSerializer, PersonRefSerializer
from agencies.models import Agency, User
from cases import overview, queries, services
from cases.filters import CaseFilters, ChronologyFilters
from cases.forms_chronology import SEARCH_MAX_LENGTH
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChildAddress,
    ChildAlias,
    ChronologyEntry,
    ClosureRequest,
    ConcernCategory,
    Document,
    EntryKind,
    FamilyLink,
    LegalBasis,
    LegalStatus,
    RiskLevel,
    Significance,
    TeamRole,
    Visibility,
)
from web.pagination import CountedPagination, PaginatedApi

# What the detail answer says the caller may do, so a client can offer only those.
CASE_ACTIONS = (
    Action.EDIT_CASE,
    Action.ADD_ENTRY,
    Action.UPLOAD_DOCUMENT,
    Action.MANAGE_TEAM,
    Action.VIEW_ACCESS_LOG,
    Action.CLOSE_CASE,
    Action.APPROVE_CLOSURE,
)
NOT_ON_TEAM = "Only people on the case team can be named."
NOT_AN_AGENCY_MEMBER = "That person is not an active member of that agency."


def named_team_members(access: CaseAccess, user_ids: Sequence[int]) -> list[User]:
    """Resolve ``named_viewers`` ids to people on the case team; anyone else is a field error."""
    if not user_ids:
        return []
    team = {member.user_id: member.user for member in queries.case_team(access)}
    if any(user_id not in team for user_id in user_ids):
        raise serializers.ValidationError({"named_viewers": [NOT_ON_TEAM]})
    return [team[user_id] for user_id in dict.fromkeys(user_ids)]


class ChildBriefSerializer(serializers.ModelSerializer[Child]):
    class Meta:
        model = Child
        fields = ["id", "given_names", "family_name", "date_of_birth"]


class ChildAddressSerializer(serializers.ModelSerializer[ChildAddress]):
    class Meta:
        model = ChildAddress
        fields = ["address", "postcode", "moved_in", "moved_out"]


class FamilyLinkSerializer(serializers.ModelSerializer[FamilyLink]):
    person_id = serializers.UUIDField(source="person.id")
    full_name = serializers.CharField(source="person.full_name")
    date_of_birth = serializers.DateField(source="person.date_of_birth", allow_null=True)
    address = serializers.CharField(source="person.address")
    postcode = serializers.CharField(source="person.postcode")
    phone = serializers.CharField(source="person.phone")

    class Meta:
        model = FamilyLink
        fields = [
            "person_id",
            "full_name",
            "date_of_birth",
            "address",
            "postcode",
            "phone",
            "relationship",
            "parental_responsibility",
            "lives_with_child",
            "safe_to_contact",
            "safe_to_contact_reason",
            "poses_risk",
            "risk_note",
        ]


class ChildSerializer(serializers.ModelSerializer[Child]):
    aliases: serializers.SlugRelatedField[ChildAlias] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    addresses = ChildAddressSerializer(many=True, read_only=True)
    family = FamilyLinkSerializer(many=True, read_only=True, source="family_links")

    class Meta:
        model = Child
        fields = [
            "id",
            "given_names",
            "family_name",
            "date_of_birth",
            "date_of_birth_estimated",
            "sex",
            "gender_identity",
            "ethnicity",
            "first_language",
            "interpreter_needed",
            "legal_status",
            "religion",
            "cultural_needs",
            "disability",
            "school_or_setting",
            "nhs_number",
            "other_identifier",
            "aliases",
            "addresses",
            "family",
        ]


class TeamMemberSerializer(serializers.ModelSerializer[CaseTeamMember]):
    user = PersonRefSerializer()
    email = serializers.EmailField(source="user.email")
    agency = AgencyRefSerializer()
    added_by = PersonRefSerializer(allow_null=True)
    removed_by = PersonRefSerializer(allow_null=True)
    role = serializers.ChoiceField(choices=TeamRole.choices, read_only=True)

    class Meta:
        model = CaseTeamMember
        fields = [
            "id",
            "user",
            "email",
            "agency",
            "role",
            "active",
            "added_at",
            "added_by",
            "added_reason",
            "removed_at",
            "removed_by",
            "removed_reason",
        ]


class ClosureRequestSerializer(serializers.ModelSerializer[ClosureRequest]):
    requested_by = PersonRefSerializer()
    decided_by = PersonRefSerializer(allow_null=True)

    class Meta:
        model = ClosureRequest
        fields = ["id", "state", "reason", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note"]


class CaseBaseSerializer(serializers.ModelSerializer[Case]):
    """What every rendering of a case shows; each subclass says how much of the children it shows."""

    lead_agency = AgencyRefSerializer()
    lead_worker = PersonRefSerializer()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "category",
            "risk_level",
            "opened_on",
            "closed_on",
            "lead_agency",
            "lead_worker",
            "children",
        ]


class CaseSerializer(CaseBaseSerializer):
    """A row of the case list: the case and its children's names."""

    children = ChildBriefSerializer(many=True)


class CasePermissionsSerializer(serializers.Serializer[dict[str, bool]]):
    edit_case = serializers.BooleanField()
    add_entry = serializers.BooleanField()
    upload_document = serializers.BooleanField()
    manage_team = serializers.BooleanField()
    view_access_log = serializers.BooleanField()
    close_case = serializers.BooleanField()
    approve_closure = serializers.BooleanField()


class AlertSerializer(serializers.Serializer[overview.Alert]):
    kind = serializers.CharField(help_text="cp_plan, legal_status, safety, risk or interpreter")
    # ``label`` is a serializer field's own attribute: the alert's label travels as ``heading``.
    heading = serializers.CharField(source="label")
    text = serializers.CharField()


class NextDeadlineSerializer(serializers.Serializer[overview.NextDeadline]):
    id = serializers.UUIDField(source="deadline.id")
    kind = serializers.CharField(source="deadline.kind")
    owed = serializers.CharField()
    due_at = serializers.DateTimeField(source="deadline.due_at")
    overdue = serializers.BooleanField()


class NextMeetingSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()


class LastSeenSerializer(serializers.Serializer[Any]):
    entry_id = serializers.UUIDField(source="id")
    event_date = serializers.DateField()
    agency = AgencyRefSerializer(source="author_agency")


class CaseworkCountsSerializer(serializers.Serializer[overview.CaseworkCounts]):
    assessments = serializers.IntegerField()
    assessments_open = serializers.IntegerField()
    meetings = serializers.IntegerField()
    meetings_upcoming = serializers.IntegerField()
    plans = serializers.IntegerField()


class CaseOverviewSerializer(serializers.Serializer[Any]):
    """The case overview's facts: the header's alerts, and what is next, as the page shows them."""

    name = serializers.CharField(source="header.name")
    cp_plan_since = serializers.DateField(source="header.cp_plan_since", allow_null=True)
    alerts = AlertSerializer(source="header.alerts", many=True)
    next_deadline = NextDeadlineSerializer(source="summary.next_deadline", allow_null=True)
    next_meeting = NextMeetingSerializer(source="summary.next_meeting", allow_null=True)
    last_seen = LastSeenSerializer(source="summary.last_seen", allow_null=True)
    counts = CaseworkCountsSerializer(source="summary.counts")


class CaseDetailSerializer(CaseBaseSerializer):
    """A case as one reader reached it: the children and team the policy handed over, and why."""

    children = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    why = serializers.SerializerMethodField()
    break_glass_until = serializers.SerializerMethodField()
    pending_closure = serializers.SerializerMethodField()
    can = serializers.SerializerMethodField()
    overview = serializers.SerializerMethodField()

    class Meta(CaseBaseSerializer.Meta):
        fields = [
            *CaseBaseSerializer.Meta.fields,
            "closure_reason",
            "safety_note",
            "team",
            "why",
            "break_glass_until",
            "pending_closure",
            "can",
            "overview",
        ]

    @property
    def access(self) -> CaseAccess:
        access = self.context["access"]
        assert isinstance(access, CaseAccess)
        return access

    @extend_schema_field(ChildSerializer(many=True))
    def get_children(self, case: Case) -> list[dict[str, Any]]:
        return list(ChildSerializer(self.context["children"], many=True).data)

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, case: Case) -> list[dict[str, Any]]:
        return list(TeamMemberSerializer(self.context["team"], many=True).data)

    @extend_schema_field(OpenApiTypes.STR)
    def get_why(self, case: Case) -> str:
        return self.access.basis.rule

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_break_glass_until(self, case: Case) -> str | None:
        until = self.access.basis.break_glass_until
        return serializers.DateTimeField().to_representation(until) if until else None

    @extend_schema_field(ClosureRequestSerializer(allow_null=True))
    def get_pending_closure(self, case: Case) -> dict[str, Any] | None:
        pending = self.context["pending_closure"]
        return dict(ClosureRequestSerializer(pending).data) if pending else None

    @extend_schema_field(CasePermissionsSerializer)
    def get_can(self, case: Case) -> dict[str, bool]:
        return {action.value: self.access.can(action).allowed for action in CASE_ACTIONS}

    @extend_schema_field(CaseOverviewSerializer)
    def get_overview(self, case: Case) -> dict[str, Any]:
        shown = {"header": self.context["header"], "summary": self.context["overview"]}
        return dict(CaseOverviewSerializer(shown).data)


class CaseWhySerializer(serializers.Serializer[dict[str, Any]]):
    rule = serializers.CharField()
    break_glass_until = serializers.DateTimeField(allow_null=True)


class EntrySerializer(serializers.ModelSerializer[ChronologyEntry]):
    case_id = serializers.UUIDField()
    author = PersonRefSerializer()
    author_agency = AgencyRefSerializer()
    named_viewers = PersonRefSerializer(many=True)
    supersedes = serializers.UUIDField(source="supersedes_id", allow_null=True)

    class Meta:
        model = ChronologyEntry
        fields = [
            "id",
            "case_id",
            "event_date",
            "kind",
            "summary",
            "detail",
            "significance",
            "author",
            "author_agency",
            "visibility",
            "named_viewers",
            "legal_basis",
            "legal_basis_note",
            "recorded_at",
            "is_current",
            "supersedes",
            "correction_reason",
        ]


class EntryDetailSerializer(EntrySerializer):
    versions = serializers.SerializerMethodField()

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "versions"]

    @extend_schema_field(EntrySerializer(many=True))
    def get_versions(self, entry: ChronologyEntry) -> list[dict[str, Any]]:
        return list(EntrySerializer(self.context["versions"], many=True).data)


class DocumentSerializer(serializers.ModelSerializer[Document]):
    case_id = serializers.UUIDField()
    entry = serializers.UUIDField(source="entry_id", allow_null=True)
    author = PersonRefSerializer()
    author_agency = AgencyRefSerializer()
    named_viewers = PersonRefSerializer(many=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        # Never the storage path: the file is reached only through the download endpoint.
        fields = [
            "id",
            "case_id",
            "entry",
            "title",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "author",
            "author_agency",
            "visibility",
            "named_viewers",
            "legal_basis",
            "download_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, document: Document) -> str:
        return reverse("api-document-download", kwargs={"document_id": document.pk})


class AccessLogEntrySerializer(serializers.ModelSerializer[AccessLogEntry]):
    user = serializers.CharField(source="user.full_name", allow_null=True)
    agency = serializers.CharField(source="agency.name", allow_null=True)

    class Meta:
        model = AccessLogEntry
        fields = ["id", "at", "user", "agency", "action", "object_type", "object_id", "outcome", "rule", "interface"]


class BreakGlassGrantSerializer(serializers.ModelSerializer[BreakGlassGrant]):
    case_id = serializers.UUIDField()
    reference = serializers.CharField(source="case.reference")

    class Meta:
        model = BreakGlassGrant
        fields = ["id", "case_id", "reference", "reason", "granted_at", "expires_at"]


# --- views ------------------------------------------------------------------------------


def _case_detail(access: CaseAccess) -> dict[str, Any]:
    """Render a case for its reader, logging each child shown, as the case page does: with
    the overview's alerts, next deadline, next meeting, last visit and casework counts."""
    children = list(queries.case_children(access))
    access.log_many([access.event("view_child", object_type="child", object_id=child.pk) for child in children])
    header = overview.case_header(access)
    summary = overview.case_overview(access, header)
    context = {
        "access": access,
        "children": children,
        "team": queries.case_team(access),
        "pending_closure": summary.pending_closure,
        "header": header,
        "overview": summary,
    }
    return dict(CaseDetailSerializer(access.case, context=context).data)


class CaseListApi(PaginatedApi):
    pagination_class = CountedPagination

    FilterSerializer = CaseFilters.query_serializer()

    @extend_schema(parameters=[FilterSerializer], responses=CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Cases I may see, newest first."""
        user = request_user(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = queries.my_cases(user=user, **filters.validated_data)
        policy.log_listing(user, policy.Listing.CASES)
        return self.paginated_response(request, cases, CaseSerializer)


class CaseSearchApi(PaginatedApi):
    """Search by a child's name in the request body: a child's name never goes in a URL,
    where proxies and access logs would keep it."""

    pagination_class = CountedPagination

    @extend_schema_serializer(component_name="CaseSearchInput")
    class InputSerializer(serializers.Serializer[None]):
        child_name = serializers.CharField(max_length=200)
        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, default="")
        risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, default="")

    @extend_schema(request=InputSerializer, responses=CaseSerializer(many=True))
    def post(self, request: Request) -> Response:
        """Cases I may see whose child's name or alias matches, newest first."""
        user = request_user(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cases = queries.my_cases(user=user, **data.validated_data)
        policy.log_listing(user, policy.Listing.CASE_SEARCH)
        return self.paginated_response(request, cases, CaseSerializer)


class BreakGlassApi(APIView):
    @extend_schema_serializer(component_name="BreakGlassInput")
    class InputSerializer(serializers.Serializer[None]):
        reference = serializers.CharField(max_length=20)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: BreakGlassGrantSerializer})
    def post(self, request: Request) -> Response:
        """Emergency, time-limited access to a case I cannot otherwise see; the lead and my supervisor are told."""
        user = request_user(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = policy.case_for_break_glass(user, data.validated_data["reference"])
        if case is None:
            raise serializers.ValidationError({"reference": ["No case has that reference."]})
        grant = services.break_glass(user=user, case=case, reason=data.validated_data["reason"])
        return Response(BreakGlassGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema_serializer(component_name="CaseChangeInput")
    class InputSerializer(serializers.Serializer[None]):
        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
        risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
        category = serializers.ChoiceField(choices=ConcernCategory.choices, required=False)
        safety_note = serializers.CharField(
            required=False, allow_blank=True, max_length=services.SAFETY_NOTE_MAX_LENGTH, trim_whitespace=True
        )
        legal_statuses = serializers.DictField(
            child=serializers.ChoiceField(choices=LegalStatus.choices),
            required=False,
            help_text="Each child's legal status, by the child's id.",
        )

    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case: summary, children and family, team, and why I can see it."""
        # The view of the case and of each child shown: one access-log write.
        with policy.get_case(request_user(request), case_id, log_with_page=True) as access:
            detail = _case_detail(access)
        return Response(detail)

    @extend_schema(request=InputSerializer, responses=CaseDetailSerializer)
    def patch(self, request: Request, case_id: UUID) -> Response:
        """Change status, risk level or category, the safety note for visits or each child's
        legal status (lead, key workers and supervisors)."""
        access = policy.get_case(request_user(request), case_id, Action.EDIT_CASE)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {
            "status": access.case.status,
            "risk_level": access.case.risk_level,
            "category": access.case.category,
            **data.validated_data,
        }
        case = services.update_case(access=access, **changes)
        return Response(_case_detail(dataclasses.replace(access, case=case)))


class CaseWhyApi(APIView):
    @extend_schema(responses=CaseWhySerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        """The rule that lets me see this case."""
        access = policy.get_case(request_user(request), case_id)
        why = {"rule": access.basis.rule, "break_glass_until": access.basis.break_glass_until}
        return Response(CaseWhySerializer(why).data)


class EntryInputSerializer(serializers.Serializer[None]):
    event_date = serializers.DateField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    summary = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    significance = serializers.ChoiceField(choices=Significance.choices, required=False, default=Significance.ROUTINE)
    # No default: who may see an entry is always the author's explicit choice.
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, required=False, allow_blank=True, default="")
    legal_basis_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    named_viewers = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


def _chronology_filters(values: dict[str, Any]) -> dict[str, Any]:
    """``ChronologyFilters``' values, as ``queries.chronology`` takes them."""
    return {
        "agency_id": values["agency"],
        "kind": values["kind"],
        "significance": values["significance"],
        "date_from": values["date_from"],
        "date_to": values["date_to"],
    }


class CaseEntriesApi(PaginatedApi):
    FilterSerializer = ChronologyFilters.query_serializer()

    @extend_schema(parameters=[FilterSerializer], responses=EntrySerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The current chronology entries I may see, newest first, filtered by date (inclusive),
        agency, kind and significance."""
        access = policy.get_case(request_user(request), case_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = queries.chronology(access, **_chronology_filters(filters.validated_data)).prefetch_related(
            "named_viewers"
        )
        access.log("list_entries", object_type="chronologyentry")
        return self.paginated_response(request, entries, EntrySerializer)

    @extend_schema(request=EntryInputSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Record an event on the chronology, saying who may see it."""
        access = policy.get_case(request_user(request), case_id, Action.ADD_ENTRY)
        data = EntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["named_viewers"] = named_team_members(access, fields["named_viewers"])
        entry = services.add_entry(access=access, **fields)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class CaseEntriesSearchApi(PaginatedApi):
    """Search a case's chronology with the words in the request body: they may name a person,
    so they never go in a URL, where proxies and access logs would keep them (only the page
    number does). The log says the chronology was searched, not for what."""

    @extend_schema_serializer(component_name="ChronologySearchInput")
    class InputSerializer(ChronologyFilters.query_serializer()):  # type: ignore[misc]
        q = serializers.CharField(max_length=SEARCH_MAX_LENGTH, help_text="Every word is in the summary or detail.")

    @extend_schema(request=InputSerializer, responses=EntrySerializer(many=True))
    def post(self, request: Request, case_id: UUID) -> Response:
        """The current chronology entries I may see whose summary or detail holds every word
        of ``q`` (in capitals or not), newest first, with the same filters as the list."""
        access = policy.get_case(request_user(request), case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = queries.chronology(
            access, search=data.validated_data["q"], **_chronology_filters(data.validated_data)
        ).prefetch_related("named_viewers")
        access.log("search_entries", object_type="chronologyentry")
        return self.paginated_response(request, entries, EntrySerializer)


class EntryDetailApi(APIView):
    @extend_schema(responses=EntryDetailSerializer)
    def get(self, request: Request, entry_id: UUID) -> Response:
        """One entry, with the earlier and later versions I may see."""
        access, entry = policy.get_entry(request_user(request), entry_id)
        versions = queries.entry_versions(access, entry)
        return Response(EntryDetailSerializer(entry, context={"versions": versions}).data)


class EntryCorrectApi(APIView):
    @extend_schema_serializer(component_name="EntryCorrectionInput")
    class InputSerializer(EntryInputSerializer):
        correction_reason = serializers.CharField(max_length=300)

        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            # A correction changes only what it names; everything else is kept from the old
            # version: each field of an entry is optional and has no default (as ``partial=True``
            # would make them), while the reason is required.
            fields = super().get_fields()
            for name, field in fields.items():
                if name != "correction_reason":
                    field.required = False
                    field.default = serializers.empty
            return fields

    @extend_schema(request=InputSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, entry_id: UUID) -> Response:
        """Correct my entry: a new version is written and the old one kept."""
        access, entry = policy.get_entry(request_user(request), entry_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("correction_reason")
        if "named_viewers" in changes:
            changes["named_viewers"] = named_team_members(access, changes["named_viewers"])
        new = services.correct_entry(access=access, entry=entry, reason=reason, **changes)
        return Response(EntrySerializer(new).data, status=status.HTTP_201_CREATED)


class CaseDocumentsApi(PaginatedApi):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="DocumentUploadInput")
    class InputSerializer(serializers.Serializer[None]):
        title = serializers.CharField(max_length=200)
        file = serializers.FileField()
        visibility = serializers.ChoiceField(choices=Visibility.choices)
        legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, required=False, allow_blank=True, default="")
        named_viewers = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case's documents I may see, newest first."""
        access = policy.get_case(request_user(request), case_id)
        documents = queries.case_documents(access).prefetch_related("named_viewers").order_by("-uploaded_at")
        access.log("list_documents", object_type="document")
        return self.paginated_response(request, documents, DocumentSerializer)

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: DocumentSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Upload a document (PDF, Word .docx, JPEG, PNG or plain text) as multipart field ``file``."""
        access = policy.get_case(request_user(request), case_id, Action.UPLOAD_DOCUMENT)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        document = services.upload_document(
            access=access,
            upload=fields["file"],
            title=fields["title"],
            visibility=fields["visibility"],
            legal_basis=fields["legal_basis"],
            named_viewers=named_team_members(access, fields["named_viewers"]),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # The file is answered whatever the client accepts (e.g. Accept: application/pdf);
        # only an error needs a renderer, and it falls back to JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        # The file as it was uploaded, of one of the types a document may be.
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file")
            for content_type in settings.DOCUMENT_CONTENT_TYPES
        }
    )
    def get(self, request: Request, document_id: UUID) -> FileResponse:
        """The document's file, as an attachment."""
        _access, document = policy.get_document(request_user(request), document_id)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response


class CaseTeamApi(PaginatedApi):
    # The service's errors name the person "user"; this endpoint's input names them by email.
    service_field_aliases = {"user": "email"}

    @extend_schema_serializer(component_name="TeamMemberAddInput")
    class InputSerializer(serializers.Serializer[None]):
        email = serializers.EmailField()
        agency = serializers.IntegerField()
        role = serializers.ChoiceField(choices=TeamRole.choices)
        reason = serializers.CharField(max_length=300)

        def validate_email(self, email: str) -> User:
            # People and agencies are not case data; the service checks the membership.
            # Unknown and not-a-member read the same, so the endpoint does not reveal who has an account.
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise serializers.ValidationError(NOT_AN_AGENCY_MEMBER)
            return user

        def validate_agency(self, agency_id: int) -> Agency:
            agency = Agency.objects.filter(pk=agency_id).first()
            if agency is None:
                raise serializers.ValidationError("No agency has that id.")
            return agency

    @extend_schema(responses=TeamMemberSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """The case team, current members first, then those removed."""
        access = policy.get_case(request_user(request), case_id)
        return self.paginated_response(request, queries.case_team(access, include_removed=True), TeamMemberSerializer)

    @extend_schema(request=InputSerializer, responses={201: TeamMemberSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Put someone on the team for one of their agencies (lead worker or their supervisor)."""
        access = policy.get_case(request_user(request), case_id, Action.MANAGE_TEAM)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.add_team_member(
            access=access,
            user=data.validated_data["email"],
            agency=data.validated_data["agency"],
            role=data.validated_data["role"],
            reason=data.validated_data["reason"],
        )
        return Response(TeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class TeamMemberRemoveApi(APIView):
    @extend_schema_serializer(component_name="TeamMemberRemoveInput")
    class InputSerializer(serializers.Serializer[None]):
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=TeamMemberSerializer)
    def post(self, request: Request, case_id: UUID, member_id: int) -> Response:
        """Take someone off the team; the record of their membership is kept."""
        access = policy.get_case(request_user(request), case_id, Action.MANAGE_TEAM)
        member = queries.case_team(access, include_removed=True).filter(pk=member_id).first()
        if member is None:
            raise Http404("No such team member")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.remove_team_member(access=access, member=member, reason=data.validated_data["reason"])
        return Response(TeamMemberSerializer(member).data)


class AccessLogPagination(PageNumberPagination):
    page_size = 50


class CaseAccessLogApi(PaginatedApi):
    pagination_class = AccessLogPagination

    @extend_schema(responses=AccessLogEntrySerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        """Who accessed this case, and the rule for each access (lead worker and supervisors)."""
        access = policy.get_case(request_user(request), case_id, Action.VIEW_ACCESS_LOG)
        return self.paginated_response(request, queries.case_access_log(access), AccessLogEntrySerializer)


class ClosureRequestApi(APIView):
    @extend_schema_serializer(component_name="ClosureRequestInput")
    class InputSerializer(serializers.Serializer[None]):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: ClosureRequestSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """The lead worker asks to close the case; the lead's supervisor decides."""
        access = policy.get_case(request_user(request), case_id, Action.CLOSE_CASE)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closure = services.request_closure(access=access, reason=data.validated_data["reason"])
        return Response(ClosureRequestSerializer(closure).data, status=status.HTTP_201_CREATED)


class ClosureDecisionApi(APIView):
    @extend_schema_serializer(component_name="ClosureDecisionInput")
    class InputSerializer(serializers.Serializer[None]):
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ClosureRequestSerializer)
    def post(self, request: Request, case_id: UUID) -> Response:
        """Approve (the case closes today) or return the waiting closure request, with a note."""
        access = policy.get_case(request_user(request), case_id, Action.APPROVE_CLOSURE)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closure = services.decide_closure(
            access=access,
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
        )
        return Response(ClosureRequestSerializer(closure).data)
