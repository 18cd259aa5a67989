"""Cases: who may see a case and do what to it, its entries and documents, and the doors
that fetch-or-404 and log every decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils import timezone

from access_control import audit
from access_control.models import BreakGlassGrant, CaseUserObjectPermission
from access_control.policy.base import (
    DENY_NO_RULE,
    Decision,
    _signed_in,
    active_memberships,
    enforce,
    event,
    reused_subquery,
)
from agencies.models import Agency, Role, SupervisionLine, User
from cases.models import (
    Case,
    CaseTeamMember,
    ChronologyEntry,
    Contribution,
    Document,
    TeamRole,
    Visibility,
)
from referrals.models import ServiceReferral

ItemT = TypeVar("ItemT", ChronologyEntry, Document)
# Items whose visibility is team / author's agency / named people.
SharedItem = ChronologyEntry | Document | Contribution


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


def visible_case_ids(user: User) -> QuerySet[Any, Any]:
    """The ids of every case this user may see: one id list per rule, each read from the
    user's own rows through an index, united. Its cost is the user's caseload, not the
    number of cases (an OR of EXISTS over ``Case`` is a scan of every case)."""
    return (
        _team_rows(user)
        .values("case_id")
        .order_by()
        .union(
            _supervised_team_rows(user).values("case_id").order_by(),
            _grant_rows(user).values("content_object_id").order_by(),
            _break_glass_rows(user).values("case_id").order_by(),
            all=True,
        )
    )


def case_ids_in_sight(user: User) -> QuerySet[Any, Any] | RawSQL:
    """``visible_case_ids``, for a query to start from (``field__in=`` or ``equals_any``):
    compiled once per read-only request (``reused_subquery``)."""
    return reused_subquery(("visible_case_ids", user.pk), lambda: visible_case_ids(user), Case._meta.pk)


def in_sight(field: str, user: User) -> Q:
    """A filter: ``field`` (a case's id) is one of the cases this user may see."""
    return Q(**{f"{field}__in": case_ids_in_sight(user)})


def visible_cases(user: User) -> QuerySet[Case]:
    """Every case this user may see, as one query: deny by default, then any rule that grants."""
    if not _signed_in(user):
        return Case.objects.none()
    return Case.objects.filter(in_sight("pk", user))


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


# What ``case_basis`` reads about one case, as annotations of that case's row: every rule in
# one query, each a subquery through the user's own index. A rule's rows come back as an
# array of (role, agency) objects, so each rule is one subquery to plan, not one per field.
_BASIS_FIELDS = ("basis_team", "basis_supervised", "basis_granted", "basis_break_glass_until", "basis_memberships")


def _roles_and_agencies(rows: QuerySet[Any, Any]) -> ArraySubquery:
    return ArraySubquery(rows.values(place=JSONObject(role="role", agency="agency_id")))


def _basis_annotations(user: User) -> dict[str, Any]:
    return {
        "basis_team": _roles_and_agencies(_team_rows(user).filter(case=OuterRef("pk"))),
        "basis_supervised": _roles_and_agencies(_supervised_team_rows(user).filter(case=OuterRef("pk"))),
        "basis_granted": Exists(_grant_rows(user).filter(content_object=OuterRef("pk"))),
        "basis_break_glass_until": Subquery(
            _break_glass_rows(user).filter(case=OuterRef("pk")).order_by("-expires_at").values("expires_at")[:1]
        ),
        "basis_memberships": _roles_and_agencies(active_memberships(user).order_by()),
    }


def _basis_from(row: dict[str, Any]) -> CaseBasis:
    # One active team place per (case, user).
    team = row["basis_team"][0] if row["basis_team"] else None
    supervised = row["basis_supervised"]
    memberships = row["basis_memberships"]
    return CaseBasis(
        team_role=team["role"] if team else None,
        team_agency_id=team["agency"] if team else None,
        supervised_agency_id=min(place["agency"] for place in supervised) if supervised else None,
        supervises_lead=any(place["role"] == TeamRole.LEAD for place in supervised),
        grant=row["basis_granted"],
        break_glass_until=row["basis_break_glass_until"],
        agency_ids=frozenset(m["agency"] for m in memberships),
        staff_agency_ids=frozenset(m["agency"] for m in memberships if m["role"] != Role.AGENCY_ADMIN),
    )


def case_basis(user: User, case: Case) -> CaseBasis:
    """Every rule by which ``user`` may reach ``case``, and their own agencies: one query."""
    if not _signed_in(user):
        return CaseBasis()
    row = Case.objects.filter(pk=case.pk).annotate(**_basis_annotations(user)).values(*_BASIS_FIELDS).get()
    return _basis_from(row)


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


# Who opens a case for an agency, and so leads it.
ROLES_THAT_OPEN_CASES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.INTAKE)


def check_opening_case(user: User, agency: Agency) -> Decision:
    """May ``user`` open a case for ``agency`` (and lead it)? Its practitioners, intake workers
    and supervisors. A refusal is logged and answers 403; the allowed decision is for the
    service to log with the case it opened (``enforce``)."""
    if active_memberships(user).filter(agency=agency, role__in=ROLES_THAT_OPEN_CASES).exists():
        decision = Decision(True, "staff member of the lead agency")
    else:
        decision = Decision(False, "only practitioners, intake workers and supervisors open cases")
    says = "Only practitioners, intake workers and supervisors of an agency open its cases."
    return enforce(
        decision, user=user, action="open_case", object_type="case", agency=agency, says=says, log_allowed=False
    )


def check_correction(access: CaseAccess, entry: ChronologyEntry) -> None:
    """Only the author corrects an entry (of this case): a refusal is logged and answers 403.
    (Whether they may still add to the record is ``check(access, Action.CORRECT_ENTRY)``.)"""
    if entry.author_id == access.user.pk and entry.case_id == access.case.pk:
        return
    enforce(
        Decision(False, "only the author corrects an entry"),
        user=access.user,
        action=Action.CORRECT_ENTRY,
        object_type="chronologyentry",
        object_id=entry.pk,
        case_id=entry.case_id,
        agency=access.basis.acting_agency_id,
        says="Only the author corrects an entry.",
    )


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


def _visible_items_filter(user: User, model: type[SharedItem], *, agency_ids: frozenset[int] | None = None) -> Q:
    """Which items of a case in sight this user may see. ``agency_ids``, when the caller has
    them (a basis), are the user's own agencies, else they are read in the query."""
    own_agencies: Any = active_memberships(user).values("agency_id") if agency_ids is None else agency_ids
    named = model.named_viewers.through.objects.filter(**{f"{model._meta.model_name}_id": OuterRef("pk"), "user": user})
    return (
        Q(author=user)
        | Q(visibility=Visibility.TEAM)
        | Q(visibility=Visibility.AGENCY, author_agency__in=own_agencies)
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


# --- the doors: fetch-or-404, logging every decision ---------------------------------


class _HeldLog:
    """Access-log events a page holds to write together (see ``get_case(log_with_page=True)``)."""

    def __init__(self) -> None:
        self.events: list[audit.Event] = []
        self.holding = False

    def hold(self, events: list[audit.Event]) -> None:
        self.events.extend(events)
        self.holding = True

    def write(self) -> None:
        events, self.events, self.holding = self.events, [], False
        audit.record_many(events)


@dataclass(frozen=True)
class CaseAccess:
    """A case this user reached, with the basis that let them in."""

    user: User
    case: Case
    basis: CaseBasis
    held: _HeldLog = field(default_factory=_HeldLog, compare=False, repr=False)

    def __enter__(self) -> CaseAccess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held.holding:
            self.held.write()

    def can(self, action: Action) -> Decision:
        return decide(self.basis, action)

    # What the case page reads of the case this access reached. The door that made the access
    # decided the user may see the case (``basis``): these do not ask the database again.

    def entries(self) -> QuerySet[ChronologyEntry]:
        """The case's entries (all versions) this user may see: ``visible_entries``."""
        if not self.basis.any:
            return ChronologyEntry.objects.none()
        items = _visible_items_filter(self.user, ChronologyEntry, agency_ids=self.basis.agency_ids)
        return ChronologyEntry.objects.filter(case=self.case).filter(items)

    def documents(self) -> QuerySet[Document]:
        """The case's documents this user may see: ``visible_documents``."""
        if not self.basis.any:
            return Document.objects.none()
        items = _visible_items_filter(self.user, Document, agency_ids=self.basis.agency_ids)
        return Document.objects.filter(case=self.case).filter(items)

    def service_referrals(self) -> QuerySet[ServiceReferral]:
        """The case's service referrals, for someone who sees the case: all of them (the rule
        of ``visible_service_referrals`` for a case in sight). Someone who does not see the
        case reaches a service referral addressed to them through ``get_service_referral``."""
        if not self.basis.any:
            return ServiceReferral.objects.none()
        return ServiceReferral.objects.filter(case=self.case)

    def log(self, action: str, *, object_type: str = "case", object_id: object = None, rule: str | None = None) -> None:
        audit.record_many([self.event(action, object_type=object_type, object_id=object_id, rule=rule)])

    def event(
        self, action: str, *, object_type: str = "case", object_id: object = None, rule: str | None = None
    ) -> audit.Event:
        """An allowed access to this case, to log (with others) through ``log_many``."""
        return audit.Event(
            user=self.user,
            action=action,
            object_type=object_type,
            object_id=object_id or self.case.pk,
            case_id=self.case.pk,
            allowed=True,
            rule=rule or self.basis.rule,
            agency=self.basis.acting_agency_id,
        )

    def enforce(
        self,
        decision: Decision,
        action: str,
        *,
        object_type: str = "case",
        object_id: object = None,
        says: str | None = None,
        log_allowed: bool = True,
    ) -> Decision:
        """``enforce`` on this case: logged as this user, for the agency they act for."""
        return enforce(
            decision,
            user=self.user,
            action=action,
            object_type=object_type,
            object_id=object_id or self.case.pk,
            case_id=self.case.pk,
            agency=self.basis.acting_agency_id,
            says=says,
            log_allowed=log_allowed,
        )

    def log_many(self, events: list[audit.Event]) -> None:
        """Log several accesses at once: one hold of the chain lock, one INSERT (inside a
        ``log_with_page`` block: with the view of the case, when the block ends)."""
        if self.held.holding:
            self.held.hold(events)
        else:
            audit.record_many(events)


def _deny(user: User, action: str, object_type: str, object_id: object, case_id: object, rule: str) -> Http404:
    agency_id = active_memberships(user).values_list("agency_id", flat=True).first() if _signed_in(user) else None
    audit.record_many([event(Decision(False, rule), user, action, object_type, object_id, case_id, agency_id)])
    return Http404("Not found")


def _case_and_basis(user: User, case_id: UUID | str) -> tuple[Case, CaseBasis] | None:
    """The case (with its lead agency and worker) and the user's basis on it, in one query."""
    cases = Case.objects.select_related("lead_agency", "lead_worker")
    signed_in = _signed_in(user)
    if signed_in:
        cases = cases.annotate(**_basis_annotations(user))
    try:
        case = cases.get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError):
        return None
    if not signed_in:
        return case, CaseBasis()
    # The basis travels on the access, not on the case.
    row = {name: case.__dict__.pop(name) for name in _BASIS_FIELDS}
    return case, _basis_from(row)


def get_case(
    user: User, case_id: UUID | str, action: Action = Action.VIEW_CASE, *, log_with_page: bool = False
) -> CaseAccess:
    """The case, if ``user`` may do ``action`` to it; otherwise 404. Either way it is logged.

    With ``log_with_page`` the allowed view is not written at once but held by the access,
    which the page uses as a context manager (``with policy.get_case(…, log_with_page=True)
    as access:``): what the page logs inside the block (``access.log_many``) is written with
    the view, in one access-log write, when the block ends, however it ends."""
    found = _case_and_basis(user, case_id)
    if found is None:
        raise _deny(user, action, "case", case_id, None, "no such case")
    case, basis = found
    if not basis.any:
        raise _deny(user, action, "case", case.pk, case.pk, DENY_NO_RULE.rule)
    access = CaseAccess(user=user, case=case, basis=basis)
    if action != Action.VIEW_CASE:
        check(access, action)
    elif log_with_page:
        access.held.hold([access.event(action)])
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
    shared = "shared_entries" if isinstance(item, ChronologyEntry) else "shared_documents"
    return (
        _signed_in(user)
        and ServiceReferral.objects.filter(
            named_worker=user,
            state=ServiceReferral.State.ACCEPTED,
            to_agency__in=active_memberships(user).values("agency_id"),
            **{shared: item},
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


def check_break_glass(user: User, case: Case) -> tuple[CaseAccess, Decision]:
    """May ``user`` use emergency access to ``case``? A refusal is logged and answers 403. The
    access returned is what the grant gives: the service logs the grant on it once made
    (``access.enforce(decision, Action.BREAK_GLASS)``)."""
    access = CaseAccess(user=user, case=case, basis=case_basis(user, case))
    decision = access.enforce(access.can(Action.BREAK_GLASS), Action.BREAK_GLASS, log_allowed=False)
    return access, decision


def case_for_break_glass(user: User, reference: str) -> Case | None:
    """The case with this reference, for an emergency-access request only: the caller must
    go on to ``services.break_glass``, which decides and logs. An unknown reference is
    logged as a denied attempt, so probing for references leaves a trail."""
    case = Case.objects.filter(reference__iexact=reference.strip()).first() if reference.strip() else None
    if case is None and _signed_in(user):
        _deny(user, Action.BREAK_GLASS, "case", reference.strip()[:64], None, "no case has that reference")
    return case
