"""The need-to-know policy: the one place that decides who may see and do what.

Every view, API endpoint, export and task asks this module. Reads come as
querysets already narrowed to what the user may see; single objects come from
``get_…`` helpers that answer 404 when the user may not see them, so the
existence of something out of reach is never revealed.

Agency admins manage people, not cases: the agency rules below give an admin
their own agency's memberships and nothing else. Superusers get no exemption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from access_control import audit
from access_control.models import BreakGlassGrant, CaseUserObjectPermission
from agencies.models import Agency, Membership, Role, SupervisionLine, User
from cases.models import (
    Case,
    CaseTeamMember,
    ChronologyEntry,
    Contribution,
    Document,
    JointAssessment,
    Meeting,
    MeetingAction,
    Plan,
    PlanAction,
    TeamRole,
    Visibility,
)
from deadlines.models import Deadline
from referrals.models import Referral, ReferralStatus, ServiceReferral

ItemT = TypeVar("ItemT", ChronologyEntry, Document)
CaseworkT = TypeVar("CaseworkT", JointAssessment, Meeting, MeetingAction, Plan, PlanAction)
# Items whose visibility is team / author's agency / named people.
SharedItem = ChronologyEntry | Document | Contribution


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", naming the rule that decided it."""

    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


DENY_NO_RULE = Decision(False, "no rule grants access")


def _signed_in(user: User | object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


# --- agencies and their people ----------------------------------------------------


def active_memberships(user: User) -> QuerySet[Membership]:
    """The user's own active memberships, in agencies that are active."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, active=True, agency__active=True).select_related("agency")


def administered_agencies(user: User) -> QuerySet[Agency]:
    """Agencies whose people this user manages: those where they are an active agency admin."""
    if not _signed_in(user):
        return Agency.objects.none()
    return Agency.objects.filter(
        active=True,
        memberships__user=user,
        memberships__active=True,
        memberships__role=Role.AGENCY_ADMIN,
    ).distinct()


def can_manage_members(user: User, agency: Agency) -> Decision:
    if administered_agencies(user).filter(pk=agency.pk).exists():
        return Decision(True, "agency admin of this agency")
    return DENY_NO_RULE


def get_administered_agency(user: User, agency_id: int) -> Agency:
    """The agency, if this user administers it; otherwise 404."""
    agency = administered_agencies(user).filter(pk=agency_id).first()
    if agency is None:
        raise Http404("No such agency")
    return agency


def agency_members(user: User, agency: Agency) -> QuerySet[Membership]:
    """Memberships of an agency the user administers (none otherwise)."""
    if not can_manage_members(user, agency):
        return Membership.objects.none()
    return Membership.objects.filter(agency=agency).select_related("user", "agency")


def get_agency_membership(user: User, agency: Agency, membership_id: int) -> Membership:
    """A membership of ``agency``, if the user administers that agency; otherwise 404."""
    membership = agency_members(user, agency).filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member")
    return membership


# --- cases: who may see and do what ------------------------------------------------


class Action(StrEnum):
    LIST = "list"
    VIEW_CASE = "view_case"
    EDIT_CASE = "edit_case"
    ADD_ENTRY = "add_entry"
    VIEW_ENTRY = "view_entry"
    CORRECT_ENTRY = "correct_entry"
    DOWNLOAD_DOCUMENT = "download_document"
    UPLOAD_DOCUMENT = "upload_document"
    MANAGE_TEAM = "manage_team"
    VIEW_ACCESS_LOG = "view_access_log"
    CLOSE_CASE = "close_case"
    APPROVE_CLOSURE = "approve_closure"
    GRANT_ACCESS = "grant_access"
    BREAK_GLASS = "break_glass"
    REFER_TO_SERVICE = "refer_to_service"
    # Joint assessments, meetings, plans and the lead worker.
    VIEW_CASEWORK = "view_casework"
    LEAD_ASSESSMENT = "lead_assessment"
    CONTRIBUTE = "contribute"
    APPROVE_ASSESSMENT = "approve_assessment"
    MANAGE_MEETINGS = "manage_meetings"
    MANAGE_PLAN = "manage_plan"
    UPDATE_ACTION = "update_action"
    REASSIGN_LEAD = "reassign_lead"
    VIEW_CONTRIBUTION = "view_contribution"


RULE_TEAM = "case team member"
RULE_SUPERVISOR = "supervisor of a case team member"
RULE_GRANT = "explicit grant"
RULE_BREAK_GLASS = "break-glass"
RULE_SERVICE_REFERRAL = "shared through an accepted service referral"
VIEW_CASE_PERMISSION = "view_case"


def _team_rows(user: User) -> QuerySet[CaseTeamMember]:
    """Active team places of ``user`` held for an agency they are still an active member of."""
    return CaseTeamMember.objects.filter(
        user=user,
        active=True,
        agency__active=True,
        agency__memberships__user=user,
        agency__memberships__active=True,
    )


def _supervised_team_rows(user: User) -> QuerySet[CaseTeamMember]:
    """Active team places held by people this user supervises, in the same agency."""
    lines = SupervisionLine.objects.filter(
        active=True,
        supervisor__user=user,
        supervisor__active=True,
        supervisor__agency=OuterRef("agency"),
        supervisee__user=OuterRef("user"),
        supervisee__active=True,
        supervisee__agency=OuterRef("agency"),
    )
    return CaseTeamMember.objects.filter(active=True, agency__active=True).filter(Exists(lines))


def _grant_rows(user: User) -> QuerySet[CaseUserObjectPermission]:
    return CaseUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_CASE_PERMISSION)


def _break_glass_rows(user: User) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now())


def visible_cases(user: User) -> QuerySet[Case]:
    """Every case this user may see, as one query: deny by default, then any rule that grants."""
    if not _signed_in(user):
        return Case.objects.none()
    case = OuterRef("pk")
    return Case.objects.filter(
        Exists(_team_rows(user).filter(case=case))
        | Exists(_supervised_team_rows(user).filter(case=case))
        | Exists(_grant_rows(user).filter(content_object=case))
        | Exists(_break_glass_rows(user).filter(case=case))
    )


@dataclass(frozen=True)
class CaseBasis:
    """Why a user may see one case: every rule that holds, gathered in one query."""

    team_role: str | None = None
    team_agency_id: int | None = None
    supervised_agency_id: int | None = None
    supervises_lead: bool = False
    grant: bool = False
    break_glass_until: datetime | None = None
    agency_ids: frozenset[int] = frozenset()
    # Agencies where the user works with children's records (any role but agency admin).
    staff_agency_ids: frozenset[int] = frozenset()

    @property
    def any(self) -> bool:
        return bool(self.team_role or self.supervised_agency_id or self.grant or self.break_glass_until)

    @property
    def rule(self) -> str:
        if self.team_role:
            return f"{RULE_TEAM} ({TeamRole(self.team_role).label.lower()})"
        if self.supervised_agency_id:
            return RULE_SUPERVISOR
        if self.grant:
            return RULE_GRANT
        if self.break_glass_until:
            return RULE_BREAK_GLASS
        return DENY_NO_RULE.rule

    @property
    def acting_agency_id(self) -> int | None:
        if self.team_agency_id:
            return self.team_agency_id
        if self.supervised_agency_id:
            return self.supervised_agency_id
        return min(self.agency_ids) if self.agency_ids else None


def case_basis(user: User, case: Case) -> CaseBasis:
    if not _signed_in(user):
        return CaseBasis()
    team = _team_rows(user).filter(case=case).values("role", "agency_id").first()
    lead_supervised = _supervised_team_rows(user).filter(case=case, role=TeamRole.LEAD)
    row = (
        Case.objects.filter(pk=case.pk)
        .annotate(
            supervised_agency=Subquery(_supervised_team_rows(user).filter(case=OuterRef("pk")).values("agency_id")[:1]),
            supervises_lead=Exists(lead_supervised),
            granted=Exists(_grant_rows(user).filter(content_object=OuterRef("pk"))),
            break_glass_until=Subquery(
                _break_glass_rows(user).filter(case=OuterRef("pk")).order_by("-expires_at").values("expires_at")[:1]
            ),
        )
        .values("supervised_agency", "supervises_lead", "granted", "break_glass_until")
        .get()
    )
    roles = list(active_memberships(user).values_list("agency_id", "role"))
    agency_ids = frozenset(agency_id for agency_id, _ in roles)
    staff_agency_ids = frozenset(agency_id for agency_id, role in roles if role != Role.AGENCY_ADMIN)
    return CaseBasis(
        team_role=team["role"] if team else None,
        team_agency_id=team["agency_id"] if team else None,
        supervised_agency_id=row["supervised_agency"],
        supervises_lead=row["supervises_lead"],
        grant=row["granted"],
        break_glass_until=row["break_glass_until"],
        agency_ids=agency_ids,
        staff_agency_ids=staff_agency_ids,
    )


def decide(basis: CaseBasis, action: Action) -> Decision:
    """May someone with this basis do ``action`` to the case? Names the rule either way."""
    lead = basis.team_role == TeamRole.LEAD
    if action in (Action.VIEW_CASE, Action.LIST, Action.VIEW_CASEWORK):
        return Decision(True, basis.rule) if basis.any else DENY_NO_RULE
    if action == Action.EDIT_CASE:
        if basis.team_role in (TeamRole.LEAD, TeamRole.KEY_WORKER):
            return Decision(True, basis.rule)
        if basis.supervises_lead:
            return Decision(True, "supervisor of the lead worker")
        return Decision(False, "only the lead, key workers and the lead's supervisor edit the case")
    if action == Action.LEAD_ASSESSMENT:
        if lead:
            return Decision(True, basis.rule)
        return Decision(False, "only the lead worker leads the joint assessment")
    if action in (Action.APPROVE_ASSESSMENT, Action.REASSIGN_LEAD):
        if basis.supervises_lead:
            return Decision(True, "supervisor of the lead worker")
        what = "approves an assessment" if action == Action.APPROVE_ASSESSMENT else "reassigns the lead worker"
        return Decision(False, f"only the lead worker's supervisor {what}")
    if action in (Action.MANAGE_MEETINGS, Action.MANAGE_PLAN):
        if basis.team_role in (TeamRole.LEAD, TeamRole.KEY_WORKER):
            return Decision(True, basis.rule)
        if basis.supervises_lead:
            return Decision(True, "supervisor of the lead worker")
        what = "meetings" if action == Action.MANAGE_MEETINGS else "the plan"
        return Decision(False, f"only the lead, key workers and the lead's supervisor manage {what}")
    if action == Action.CONTRIBUTE:
        if basis.team_role:
            return Decision(True, basis.rule)
        return Decision(False, "only members of the case team contribute to an assessment")
    if action in (
        Action.ADD_ENTRY,
        Action.UPLOAD_DOCUMENT,
        Action.CORRECT_ENTRY,
        Action.REFER_TO_SERVICE,
        Action.UPDATE_ACTION,
    ):
        if basis.team_role:
            return Decision(True, basis.rule)
        if basis.supervised_agency_id:
            return Decision(True, RULE_SUPERVISOR)
        return Decision(False, "only the case team and their supervisors add to the record")
    if action in (Action.MANAGE_TEAM, Action.GRANT_ACCESS):
        if lead:
            return Decision(True, basis.rule)
        if basis.supervises_lead:
            return Decision(True, "supervisor of the lead worker")
        return Decision(False, "only the lead worker and their supervisor manage the team")
    if action == Action.VIEW_ACCESS_LOG:
        if lead:
            return Decision(True, basis.rule)
        if basis.supervised_agency_id:
            return Decision(True, RULE_SUPERVISOR)
        return Decision(False, "only the lead worker and supervisors see who accessed the case")
    if action == Action.CLOSE_CASE:
        return Decision(True, basis.rule) if lead else Decision(False, "only the lead worker asks to close the case")
    if action == Action.APPROVE_CLOSURE:
        if basis.supervises_lead:
            return Decision(True, "supervisor of the lead worker")
        return Decision(False, "only the lead worker's supervisor approves a closure")
    if action == Action.BREAK_GLASS:
        if basis.any:
            return Decision(False, "you can already see this case")
        if basis.staff_agency_ids:
            return Decision(True, "emergency access by an active staff member")
        return Decision(False, "break-glass is for staff who work with children's records, not agency admins")
    raise ValueError(f"{action} is not a case action")


def decide_item(user: User, basis: CaseBasis, item: SharedItem) -> Decision:
    """May this user see one chronology entry, document or contribution, given their basis on its case?"""
    if not basis.any:
        return DENY_NO_RULE
    if item.author_id is not None and item.author_id == user.pk:
        return Decision(True, "author")
    if item.visibility == Visibility.TEAM:
        return Decision(True, basis.rule)
    if item.visibility == Visibility.AGENCY:
        if item.author_agency_id in basis.agency_ids:
            return Decision(True, "member of the author's agency")
        return Decision(False, "shared with the author's agency only")
    if item.named_viewers.filter(pk=user.pk).exists():
        return Decision(True, "named on this item")
    return Decision(False, "shared with named people only")


def _visible_items_filter(user: User, model: type[SharedItem]) -> Q:
    agency_ids = active_memberships(user).values("agency_id")
    named = model.named_viewers.through.objects.filter(**{f"{model._meta.model_name}_id": OuterRef("pk"), "user": user})
    return (
        Q(author=user)
        | Q(visibility=Visibility.TEAM)
        | Q(visibility=Visibility.AGENCY, author_agency__in=agency_ids)
        | Q(Exists(named), visibility=Visibility.NAMED)
    )


def visible_entries(user: User, case: Case) -> QuerySet[ChronologyEntry]:
    """Entries of ``case`` this user may see (all versions); none unless they may see the case."""
    if not visible_cases(user).filter(pk=case.pk).exists():
        return ChronologyEntry.objects.none()
    return ChronologyEntry.objects.filter(case=case).filter(_visible_items_filter(user, ChronologyEntry))


def visible_documents(user: User, case: Case) -> QuerySet[Document]:
    if not visible_cases(user).filter(pk=case.pk).exists():
        return Document.objects.none()
    return Document.objects.filter(case=case).filter(_visible_items_filter(user, Document))


# --- joint assessment contributions: the agency's own until submitted, then as shared ----

RULE_CONTRIBUTING_AGENCY = "member of the contributing agency"


def decide_contribution(user: User, basis: CaseBasis, contribution: Contribution) -> Decision:
    """May this user read a contribution's content? Its own agency always (it is theirs to
    write); anyone else only once it is submitted, and then as its visibility says."""
    if not basis.any:
        return DENY_NO_RULE
    if contribution.author_agency_id in basis.agency_ids:
        return Decision(True, RULE_CONTRIBUTING_AGENCY)
    if contribution.state != "submitted":
        return Decision(False, "not yet submitted by the contributing agency")
    return decide_item(user, basis, contribution)


def decide_contributing(basis: CaseBasis, contribution: Contribution) -> Decision:
    """May someone with this basis write the contribution? A case team place held for the
    contributing agency."""
    if basis.team_role and basis.team_agency_id == contribution.author_agency_id:
        return Decision(True, f"{basis.rule} for the contributing agency")
    return Decision(False, "only the contributing agency's people on the case team write its contribution")


def readable_contributions(user: User, assessment: JointAssessment) -> QuerySet[Contribution]:
    """Contributions of ``assessment`` whose content this user may read (the same rule as
    ``decide_contribution``, as one query); none unless they may see the case."""
    if not visible_cases(user).filter(pk=assessment.case_id).exists():
        return Contribution.objects.none()
    own = Q(author_agency__in=active_memberships(user).values("agency_id"))
    shared = Q(state="submitted") & _visible_items_filter(user, Contribution)
    return Contribution.objects.filter(assessment=assessment).filter(own | shared)


# --- the doors: fetch-or-404, logging every decision ---------------------------------


@dataclass(frozen=True)
class CaseAccess:
    """A case this user reached, with the basis that let them in."""

    user: User
    case: Case
    basis: CaseBasis

    def can(self, action: Action) -> Decision:
        return decide(self.basis, action)

    def log(self, action: str, *, object_type: str = "case", object_id: object = None, rule: str | None = None) -> None:
        audit.record(
            user=self.user,
            action=action,
            object_type=object_type,
            object_id=object_id or self.case.pk,
            case_id=self.case.pk,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.basis.acting_agency_id,
        )


def _deny(user: User, action: str, object_type: str, object_id: object, case_id: object, rule: str) -> Http404:
    agency_id = active_memberships(user).values_list("agency_id", flat=True).first() if _signed_in(user) else None
    audit.record(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        allowed=False,
        rule=rule,
        agency=agency_id,
    )
    return Http404("Not found")


def _case_or_none(case_id: UUID | str) -> Case | None:
    try:
        return Case.objects.select_related("lead_agency", "lead_worker").get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError):
        return None


def get_case(user: User, case_id: UUID | str, action: Action = Action.VIEW_CASE) -> CaseAccess:
    """The case, if ``user`` may do ``action`` to it; otherwise 404. Either way it is logged."""
    case = _case_or_none(case_id)
    if case is None:
        raise _deny(user, action, "case", case_id, None, "no such case")
    basis = case_basis(user, case)
    if not basis.any:
        raise _deny(user, action, "case", case.pk, case.pk, DENY_NO_RULE.rule)
    access = CaseAccess(user=user, case=case, basis=basis)
    if action != Action.VIEW_CASE:
        check(access, action)
    else:
        access.log(action)
    return access


def check(access: CaseAccess, action: Action) -> Decision:
    """For a case the user can see: may they also do ``action``? A refusal is logged and
    answers 403 (they know the case exists; they may not do this to it)."""
    decision = access.can(action)
    if not decision:
        _deny(access.user, action, "case", access.case.pk, access.case.pk, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, rule=decision.rule)
    return decision


def _get_item(user: User, model: type[ItemT], item_id: UUID | str, action: Action) -> tuple[CaseAccess, ItemT]:
    object_type = model._meta.model_name or "item"
    try:
        item = model.objects.select_related("case", "author", "author_agency").get(pk=item_id)
    except (model.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, object_type, item_id, None, "no such item") from None
    basis = case_basis(user, item.case)
    decision = decide_item(user, basis, item)
    if not decision and _shared_through_service_referral(user, item):
        decision = Decision(True, RULE_SERVICE_REFERRAL)
    if not decision:
        raise _deny(user, action, object_type, item.pk, item.case_id, decision.rule)
    access = CaseAccess(user=user, case=item.case, basis=basis)
    access.log(action, object_type=object_type, object_id=item.pk, rule=decision.rule)
    return access, item


def _shared_through_service_referral(user: User, item: ChronologyEntry | Document) -> bool:
    """The named worker of an accepted service referral sees exactly what it shared."""
    field = "shared_entries" if isinstance(item, ChronologyEntry) else "shared_documents"
    return (
        _signed_in(user)
        and ServiceReferral.objects.filter(
            named_worker=user,
            state=ServiceReferral.State.ACCEPTED,
            to_agency__in=active_memberships(user).values("agency_id"),
            **{field: item},
        ).exists()
    )


def get_entry(
    user: User, entry_id: UUID | str, action: Action = Action.VIEW_ENTRY
) -> tuple[CaseAccess, ChronologyEntry]:
    return _get_item(user, ChronologyEntry, entry_id, action)


def get_document(
    user: User, document_id: UUID | str, action: Action = Action.DOWNLOAD_DOCUMENT
) -> tuple[CaseAccess, Document]:
    return _get_item(user, Document, document_id, action)


def case_for_break_glass(user: User, reference: str) -> Case | None:
    """The case with this reference, for an emergency-access request only: the caller must
    go on to ``services.break_glass``, which decides and logs. An unknown reference is
    logged as a denied attempt, so probing for references leaves a trail."""
    case = Case.objects.filter(reference__iexact=reference.strip()).first() if reference.strip() else None
    if case is None and _signed_in(user):
        _deny(user, Action.BREAK_GLASS, "case", reference.strip()[:64], None, "no case has that reference")
    return case


# --- referrals: the referrer, and the receiving agency's front door ---------------------

FRONT_DOOR_ROLES = (Role.INTAKE, Role.SUPERVISOR)


class ReferralAction(StrEnum):
    VIEW = "view_referral"
    EDIT_DRAFT = "edit_referral_draft"
    ADD_TO = "add_to_referral"
    TRIAGE = "triage_referral"
    SIGN_OFF = "sign_off_referral"


def front_door_agencies(user: User) -> QuerySet[Agency]:
    """Agencies whose referral inbox this user works: intake workers and supervisors of a front door."""
    if not _signed_in(user):
        return Agency.objects.none()
    return Agency.objects.filter(
        active=True,
        takes_referrals=True,
        memberships__user=user,
        memberships__active=True,
        memberships__role__in=FRONT_DOOR_ROLES,
    ).distinct()


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Referrals this user may see: their own, and submitted ones addressed to a front door they work.
    A referral shows that referral only: nothing else of the referrer's agency."""
    if not _signed_in(user):
        return Referral.objects.none()
    return Referral.objects.filter(
        Q(referrer=user) | (Q(receiving_agency__in=front_door_agencies(user)) & ~Q(status=ReferralStatus.DRAFT))
    )


@dataclass(frozen=True)
class ReferralBasis:
    is_referrer: bool = False
    front_door_role: str | None = None
    decided_it: bool = False

    @property
    def rule(self) -> str:
        if self.front_door_role:
            return f"front door of the receiving agency ({Role(self.front_door_role).label.lower()})"
        if self.is_referrer:
            return "referrer"
        return DENY_NO_RULE.rule


def decide_referral(basis: ReferralBasis, referral: Referral, action: ReferralAction) -> Decision:
    submitted = referral.status != ReferralStatus.DRAFT
    front_door = basis.front_door_role is not None and submitted
    if action == ReferralAction.VIEW:
        return Decision(True, basis.rule) if basis.is_referrer or front_door else DENY_NO_RULE
    if action == ReferralAction.EDIT_DRAFT:
        if basis.is_referrer and not submitted:
            return Decision(True, "referrer, while the referral is a draft")
        return Decision(False, "a submitted referral cannot be edited, only added to")
    if action == ReferralAction.ADD_TO:
        if submitted and (basis.is_referrer or front_door):
            return Decision(True, basis.rule)
        return Decision(False, "only the referrer and the front door add to a submitted referral")
    if action == ReferralAction.TRIAGE:
        if front_door and referral.status == ReferralStatus.SUBMITTED:
            return Decision(True, basis.rule)
        return Decision(False, "only the receiving front door triages a referral waiting for triage")
    if action == ReferralAction.SIGN_OFF:
        if not (
            front_door
            and basis.front_door_role == Role.SUPERVISOR
            and referral.status == ReferralStatus.AWAITING_SIGNOFF
        ):
            return Decision(False, "only a supervisor at the receiving front door signs off a decision")
        if basis.decided_it:
            return Decision(False, "a decision is signed off by someone other than who made it")
        return Decision(True, "supervisor at the receiving front door")
    raise ValueError(f"{action} is not a referral action")


@dataclass(frozen=True)
class ReferralAccess:
    user: User
    referral: Referral
    basis: ReferralBasis

    def can(self, action: ReferralAction) -> Decision:
        return decide_referral(self.basis, self.referral, action)

    def log(self, action: str, *, rule: str | None = None) -> None:
        audit.record(
            user=self.user,
            action=action,
            object_type="referral",
            object_id=self.referral.pk,
            case_id=self.referral.linked_case_id,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.referral.receiving_agency_id
            if self.basis.front_door_role
            else self.referral.referrer_agency_id,
        )


def referral_basis(user: User, referral: Referral) -> ReferralBasis:
    if not _signed_in(user):
        return ReferralBasis()
    roles = set(
        active_memberships(user)
        .filter(agency=referral.receiving_agency_id, agency__takes_referrals=True, role__in=FRONT_DOOR_ROLES)
        .values_list("role", flat=True)
    )
    role = Role.SUPERVISOR if Role.SUPERVISOR in roles else (Role.INTAKE if roles else None)
    return ReferralBasis(
        is_referrer=referral.referrer_id == user.pk,
        front_door_role=role,
        decided_it=referral.decided_by_id == user.pk,
    )


def get_referral(user: User, referral_id: UUID | str, action: ReferralAction = ReferralAction.VIEW) -> ReferralAccess:
    """The referral, if the user may see it (else 404) and may do ``action`` (else 403); logged."""
    try:
        referral = Referral.objects.select_related(
            "receiving_agency", "referrer", "referrer_agency", "handler", "linked_case"
        ).get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, "referral", referral_id, None, "no such referral") from None
    basis = referral_basis(user, referral)
    access = ReferralAccess(user=user, referral=referral, basis=basis)
    if not access.can(ReferralAction.VIEW):
        raise _deny(user, action, "referral", referral.pk, referral.linked_case_id, DENY_NO_RULE.rule)
    if action != ReferralAction.VIEW:
        check_referral(access, action)
    else:
        access.log(action)
    return access


def check_referral(access: ReferralAccess, action: ReferralAction) -> Decision:
    decision = access.can(action)
    if not decision:
        _deny(access.user, action, "referral", access.referral.pk, access.referral.linked_case_id, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, rule=decision.rule)
    return decision


# --- service referrals: a family referred to another agency's service ------------------


class ServiceReferralAction(StrEnum):
    VIEW = "view_service_referral"
    DECIDE = "decide_service_referral"
    VIEW_EXTRACT = "view_shared_extract"


def _service_agency_ids(user: User) -> QuerySet[Membership, Any]:
    return active_memberships(user).exclude(role=Role.AGENCY_ADMIN).values("agency_id")


def visible_service_referrals(user: User) -> QuerySet[ServiceReferral]:
    """Service referrals this user may see: those of cases they can see, and those addressed
    to an agency they work in (the referral itself; the shared extract only once accepted,
    and only for the named worker)."""
    if not _signed_in(user):
        return ServiceReferral.objects.none()
    return ServiceReferral.objects.filter(Q(case__in=visible_cases(user)) | Q(to_agency__in=_service_agency_ids(user)))


@dataclass(frozen=True)
class ServiceReferralBasis:
    sees_case: bool = False
    receiving_member: bool = False
    named_worker: bool = False

    @property
    def rule(self) -> str:
        if self.named_worker:
            return "named worker of the receiving service"
        if self.receiving_member:
            return "member of the receiving agency"
        if self.sees_case:
            return "can see the case"
        return DENY_NO_RULE.rule


def decide_service_referral(
    basis: ServiceReferralBasis, referral: ServiceReferral, action: ServiceReferralAction
) -> Decision:
    if action == ServiceReferralAction.VIEW:
        return Decision(True, basis.rule) if (basis.sees_case or basis.receiving_member) else DENY_NO_RULE
    if action == ServiceReferralAction.DECIDE:
        if basis.receiving_member and referral.state == ServiceReferral.State.PENDING:
            return Decision(True, basis.rule)
        return Decision(False, "only the receiving agency answers a service referral that is waiting")
    if action == ServiceReferralAction.VIEW_EXTRACT:
        if basis.named_worker and referral.state == ServiceReferral.State.ACCEPTED:
            return Decision(True, basis.rule)
        if basis.sees_case:
            return Decision(True, basis.rule)
        return Decision(False, "the shared extract is for the named worker once the referral is accepted")
    raise ValueError(f"{action} is not a service referral action")


@dataclass(frozen=True)
class ServiceReferralAccess:
    user: User
    referral: ServiceReferral
    basis: ServiceReferralBasis

    def can(self, action: ServiceReferralAction) -> Decision:
        return decide_service_referral(self.basis, self.referral, action)

    def log(self, action: str, *, rule: str | None = None) -> None:
        audit.record(
            user=self.user,
            action=action,
            object_type="servicereferral",
            object_id=self.referral.pk,
            case_id=self.referral.case_id,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.referral.to_agency_id if self.basis.receiving_member else self.referral.from_agency_id,
        )


def get_service_referral(
    user: User, referral_id: UUID | str, action: ServiceReferralAction = ServiceReferralAction.VIEW
) -> ServiceReferralAccess:
    """The service referral, if visible (else 404), and ``action`` allowed (else 403); logged."""
    try:
        referral = ServiceReferral.objects.select_related(
            "case", "from_agency", "to_agency", "referred_by", "named_worker", "decided_by"
        ).get(pk=referral_id)
    except (ServiceReferral.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, "servicereferral", referral_id, None, "no such service referral") from None
    sees_case = visible_cases(user).filter(pk=referral.case_id).exists() if _signed_in(user) else False
    receiving = _signed_in(user) and _service_agency_ids(user).filter(agency_id=referral.to_agency_id).exists()
    basis = ServiceReferralBasis(
        sees_case=sees_case,
        receiving_member=receiving,
        named_worker=receiving and referral.named_worker_id == user.pk,
    )
    access = ServiceReferralAccess(user=user, referral=referral, basis=basis)
    if not access.can(ServiceReferralAction.VIEW):
        raise _deny(user, action, "servicereferral", referral.pk, referral.case_id, DENY_NO_RULE.rule)
    decision = access.can(action)
    if not decision:
        _deny(user, action, "servicereferral", referral.pk, referral.case_id, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, rule=decision.rule)
    return access


# --- deadlines: what is owed, on things the user can see --------------------------------


def visible_deadlines(user: User) -> QuerySet[Deadline]:
    """Deadlines on cases the user can see, and on referrals they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return Deadline.objects.filter(
        Q(case__in=visible_cases(user))
        | Q(referral__in=visible_referrals(user).exclude(referrer=user))
        | Q(referral__referrer=user, owner=user)
    )


def my_tasks(user: User) -> QuerySet[Deadline]:
    """Deadlines owed by the user, or by one of their agencies with no one named, that they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return visible_deadlines(user).filter(
        Q(owner=user) | Q(owner__isnull=True, owner_agency__in=active_memberships(user).values("agency_id"))
    )


# --- assessments, meetings and plans: reached through their case ------------------------


def _case_of(obj: JointAssessment | Meeting | MeetingAction | Plan | PlanAction | Contribution) -> Case:
    if isinstance(obj, MeetingAction):
        return obj.meeting.case
    if isinstance(obj, PlanAction):
        return obj.plan.case
    if isinstance(obj, Contribution):
        return obj.assessment.case
    return obj.case


_CASE_PATH = {
    MeetingAction: "meeting__case",
    PlanAction: "plan__case",
    Contribution: "assessment__case",
}


def get_casework(
    user: User, model: type[CaseworkT], object_id: UUID | int | str, action: Action = Action.VIEW_CASEWORK
) -> tuple[CaseAccess, CaseworkT]:
    """An assessment, meeting, meeting action, plan or plan action, if the user may see its case
    (else 404) and may do ``action`` there (else 403). Either way it is logged."""
    object_type = model._meta.model_name or "item"
    path = _CASE_PATH.get(model, "case")
    try:
        lookup: dict[str, Any] = {"pk": object_id}
        obj = model.objects.select_related(path, f"{path}__lead_agency", f"{path}__lead_worker").get(**lookup)
    except (model.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, object_type, object_id, None, "no such item") from None
    case = _case_of(obj)
    basis = case_basis(user, case)
    if not basis.any:
        raise _deny(user, action, object_type, obj.pk, case.pk, DENY_NO_RULE.rule)
    access = CaseAccess(user=user, case=case, basis=basis)
    decision = access.can(action)
    if not decision:
        _deny(user, action, object_type, obj.pk, case.pk, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(action, object_type=object_type, object_id=obj.pk, rule=decision.rule)
    return access, obj


def get_contribution(
    user: User, contribution_id: UUID | str, action: Action = Action.VIEW_CONTRIBUTION
) -> tuple[CaseAccess, Contribution]:
    """A contribution, to read (``VIEW_CONTRIBUTION``: its content as ``decide_contribution``
    says) or to write (``CONTRIBUTE``: the contributing agency's people on the team). Someone
    who sees the case but not the content gets 404, as for an entry they may not see."""
    try:
        contribution = Contribution.objects.select_related(
            "assessment", "assessment__case", "assessment__case__lead_agency", "assessment__case__lead_worker"
        ).get(pk=contribution_id)
    except (Contribution.DoesNotExist, ValidationError, ValueError):
        raise _deny(user, action, "contribution", contribution_id, None, "no such contribution") from None
    case = contribution.assessment.case
    basis = case_basis(user, case)
    readable = decide_contribution(user, basis, contribution)
    if not readable:
        raise _deny(user, action, "contribution", contribution.pk, case.pk, readable.rule)
    access = CaseAccess(user=user, case=case, basis=basis)
    decision = readable
    if action == Action.CONTRIBUTE:
        decision = decide_contributing(basis, contribution)
        if not decision:
            _deny(user, action, "contribution", contribution.pk, case.pk, decision.rule)
            raise PermissionDenied(decision.rule)
    access.log(action, object_type="contribution", object_id=contribution.pk, rule=decision.rule)
    return access, contribution


# --- plans: progress on a plan action --------------------------------------------------


def decide_plan_progress(basis: CaseBasis, plan_action: PlanAction) -> Decision:
    """May someone with this basis record progress on (or complete) a plan action? Those who
    manage the plan, on any action; the rest of the team and their supervisors only on the
    actions their own agency owes."""
    manage = decide(basis, Action.MANAGE_PLAN)
    if manage:
        return manage
    update = decide(basis, Action.UPDATE_ACTION)
    if not update:
        return update
    if basis.acting_agency_id is not None and basis.acting_agency_id == plan_action.owner_agency_id:
        return Decision(True, f"{update.rule} for the agency that owes the action")
    return Decision(False, "only the owing agency or those who manage the plan record its progress")


def check_plan_progress(access: CaseAccess, plan_action: PlanAction) -> Decision:
    """``decide_plan_progress`` for a case the user can see: a refusal is logged and answers 403."""
    decision = decide_plan_progress(access.basis, plan_action)
    if not decision:
        _deny(access.user, Action.UPDATE_ACTION, "planaction", plan_action.pk, access.case.pk, decision.rule)
        raise PermissionDenied(decision.rule)
    access.log(Action.UPDATE_ACTION, object_type="planaction", object_id=plan_action.pk, rule=decision.rule)
    return decision


# --- joint assessments: whose approval waits for whom -------------------------------------


def cases_with_supervised_lead(user: User) -> QuerySet[Case]:
    """Cases whose lead worker this user supervises in the lead's agency: where
    ``APPROVE_ASSESSMENT`` (and ``REASSIGN_LEAD``) is allowed, as one query."""
    if not _signed_in(user):
        return Case.objects.none()
    return Case.objects.filter(Exists(_supervised_team_rows(user).filter(case=OuterRef("pk"), role=TeamRole.LEAD)))


# --- supervisors: the people they supervise, and their caseloads -------------------------

RULE_SUPERVISES_WORKER = "supervisor of this worker"


def _lines_to_outer_membership(user: User) -> QuerySet[SupervisionLine]:
    """Active lines from one of ``user``'s active memberships to the outer query's membership,
    in the same agency: the supervision the supervisor rule of ``visible_cases`` rests on."""
    return SupervisionLine.objects.filter(
        active=True,
        supervisor__user=user,
        supervisor__active=True,
        supervisor__agency=OuterRef("agency"),
        supervisee=OuterRef("pk"),
    )


def supervisee_memberships(user: User) -> QuerySet[Membership]:
    """The memberships this user supervises now: active, in an active agency, on an active
    line from an active membership of theirs in that same agency. One query."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(active=True, agency__active=True).filter(Exists(_lines_to_outer_membership(user)))


def supervises_someone() -> Exists:
    """Whether the outer query's membership (a supervisor's own) has an active supervisee of
    its agency: an annotation, so the header learns it from the memberships query it runs."""
    return Exists(
        SupervisionLine.objects.filter(
            active=True,
            supervisor=OuterRef("pk"),
            supervisee__active=True,
            supervisee__agency=OuterRef("agency"),
        )
    )


def decide_caseloads(user: User) -> Decision:
    """May this user open the supervisor's view? Supervisors (even with no one to supervise
    yet: they see an empty page) and anyone with a supervisee; nobody else."""
    if not _signed_in(user):
        return DENY_NO_RULE
    if active_memberships(user).filter(role=Role.SUPERVISOR).exists() or supervisee_memberships(user).exists():
        return Decision(True, "supervisor")
    return Decision(False, "only supervisors see their team's caseloads")


def check_caseloads(user: User, action: str) -> Decision:
    """``decide_caseloads``, logged either way; a refusal answers 403 (the page is no secret)."""
    decision = decide_caseloads(user)
    if not decision:
        _deny(user, action, "caseload", "", None, decision.rule)
        raise PermissionDenied(decision.rule)
    audit.record(user=user, action=action, object_type="caseload", allowed=True, rule=decision.rule)
    return decision


def get_supervisee(user: User, membership_id: int, action: str) -> Membership:
    """A membership this user supervises now (logged as ``action``); anyone else's is 404,
    logged, so membership ids cannot be probed."""
    membership = supervisee_memberships(user).select_related("user", "agency").filter(pk=membership_id).first()
    if membership is None:
        raise _deny(user, action, "membership", membership_id, None, "not someone you supervise")
    audit.record(
        user=user,
        action=action,
        object_type="membership",
        object_id=membership.pk,
        allowed=True,
        rule=RULE_SUPERVISES_WORKER,
        agency=membership.agency_id,
    )
    return membership


def readable_entries(user: User) -> QuerySet[ChronologyEntry]:
    """Chronology entries, on every case this user may see, that they may read there: the
    rule of ``visible_entries`` across cases, as one query."""
    if not _signed_in(user):
        return ChronologyEntry.objects.none()
    return ChronologyEntry.objects.filter(case__in=visible_cases(user)).filter(
        _visible_items_filter(user, ChronologyEntry)
    )


# --- meeting actions: done by their owner, or by those who manage meetings ---------------

RULE_ACTION_OWNER = "owner of the action"


def decide_completing_meeting_action(user: User, basis: CaseBasis, meeting_action: MeetingAction) -> Decision:
    """May this user mark a meeting action done? Its owner while they still work on the case
    (team or supervising), or anyone who manages the case's meetings."""
    if meeting_action.owner_id == user.pk and decide(basis, Action.UPDATE_ACTION):
        return Decision(True, RULE_ACTION_OWNER)
    decision = decide(basis, Action.MANAGE_MEETINGS)
    if decision:
        return decision
    return Decision(False, "only the action's owner and those who manage meetings complete an action")
