"""Joint assessments, meetings and plans: contributions as their agency shares them, and
the doors to casework through its case."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from access_control.policy.base import DENY_NO_RULE, Decision, _signed_in, active_memberships
from access_control.policy.cases import (
    Action,
    CaseAccess,
    CaseBasis,
    _deny,
    _supervised_team_rows,
    _visible_items_filter,
    case_basis,
    decide,
    decide_item,
    visible_cases,
)
from agencies.models import User
from cases.models import (
    Case,
    Contribution,
    JointAssessment,
    Meeting,
    MeetingAction,
    Plan,
    PlanAction,
    TeamRole,
)

CaseworkT = TypeVar("CaseworkT", JointAssessment, Meeting, MeetingAction, Plan, PlanAction)


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


def decide_contributing(basis: CaseBasis, contribution: Contribution, case: Case | None = None) -> Decision:
    """May someone with this basis write the contribution (of ``case``, when given)? A case
    team place held for the contributing agency."""
    if not (basis.team_role and basis.team_agency_id == contribution.author_agency_id):
        return Decision(False, "only the contributing agency's people on the case team write its contribution")
    if case is not None and contribution.assessment.case_id != case.pk:
        return Decision(False, "the contribution is on another case")
    return Decision(True, f"{basis.rule} for the contributing agency")


def decide_on_assessment(access: CaseAccess, assessment: JointAssessment, action: Action) -> Decision:
    """Beyond what ``decide`` says of the case: the assessment is this case's; the work of
    ``LEAD_ASSESSMENT`` is its own lead's; ``APPROVE_ASSESSMENT`` is for anyone but who led it."""
    if assessment.case_id != access.case.pk:
        return Decision(False, "the assessment is on another case")
    if action == Action.LEAD_ASSESSMENT and assessment.lead_id != access.user.pk:
        return Decision(False, "only the assessment's lead does this")
    if action == Action.APPROVE_ASSESSMENT and assessment.lead_id == access.user.pk:
        return Decision(False, "no one approves what they led")
    return Decision(True, access.basis.rule)


def readable_contributions(user: User, assessment: JointAssessment) -> QuerySet[Contribution]:
    """Contributions of ``assessment`` whose content this user may read (the same rule as
    ``decide_contribution``, as one query); none unless they may see the case."""
    if not visible_cases(user).filter(pk=assessment.case_id).exists():
        return Contribution.objects.none()
    own = Q(author_agency__in=active_memberships(user).values("agency_id"))
    shared = Q(state="submitted") & _visible_items_filter(user, Contribution)
    return Contribution.objects.filter(assessment=assessment).filter(own | shared)


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
    return Case.objects.filter(pk__in=_supervised_team_rows(user).filter(role=TeamRole.LEAD).values("case_id"))


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
