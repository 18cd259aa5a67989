"""Every read of a case's plans, starting from a ``CaseAccess`` the policy handed over.

"Late" means an open action whose due time has passed. The due time is the action's own,
unless its deadline was extended (a supervisor approved a later date): then the deadline's.
What each agency owes is counted by the database in one aggregate query, not row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from access_control.policy import CaseAccess
from cases.models import ActionState, Plan, PlanAction, PlanOutcome, PlanReview, PlanState, ProgressUpdate
from deadlines.models import LIVE_STATES, Deadline


@dataclass(frozen=True)
class AgencyOwed:
    """One row of "What each agency owes"."""

    agency_id: int
    agency_name: str
    open: int
    late: int
    done: int
    next_due: datetime | None


@dataclass(frozen=True)
class PlanPage:
    """A plan with everything its page shows, loaded in a fixed number of queries."""

    plan: Plan
    outcomes: list[PlanOutcome]
    owed: list[AgencyOwed]
    late: list[PlanAction]
    reviews: list[PlanReview]

    @property
    def review_overdue(self) -> bool:
        return self.plan.state == PlanState.ACTIVE and self.plan.next_review_on < timezone.localdate()


def case_plans(access: CaseAccess) -> QuerySet[Plan]:
    """The case's plans, the newest first."""
    return Plan.objects.filter(case=access.case).select_related("created_by").order_by("-started_on", "-pk")


def active_plan(access: CaseAccess) -> Plan | None:
    return case_plans(access).filter(state=PlanState.ACTIVE).first()


def past_plans(access: CaseAccess) -> QuerySet[Plan]:
    return case_plans(access).filter(state=PlanState.ENDED)


def _with_due(actions: QuerySet[PlanAction], now: datetime) -> QuerySet[PlanAction]:
    """Actions with ``effective_due_at`` (an extended deadline's date wins) and ``is_late``."""
    extended = Deadline.objects.filter(plan_action=OuterRef("pk"), state__in=LIVE_STATES).order_by("-due_at")
    return actions.annotate(
        effective_due_at=Coalesce(Subquery(extended.values("due_at")[:1]), F("due_at"), output_field=DateTimeField())
    ).annotate(
        is_late=ExpressionWrapper(Q(state=ActionState.OPEN, effective_due_at__lt=now), output_field=BooleanField())
    )


def plan_actions(access: CaseAccess, plan: Plan, *, now: datetime | None = None) -> QuerySet[PlanAction]:
    """The plan's actions with who owes them, their due time and whether they are late."""
    actions = PlanAction.objects.filter(plan=plan, plan__case=access.case)
    return _with_due(actions, now or timezone.now()).select_related("owner", "owner_agency", "outcome")


def plan_summary(access: CaseAccess, plan: Plan, *, now: datetime | None = None) -> list[AgencyOwed]:
    """Per agency: open actions, of which late, done, and the next due — one aggregate query."""
    open_ = Q(state=ActionState.OPEN)
    rows = (
        plan_actions(access, plan, now=now)
        .select_related(None)
        .values("owner_agency_id", "owner_agency__name")
        .annotate(
            open_count=Count("pk", filter=open_),
            late_count=Count("pk", filter=open_ & Q(is_late=True)),
            done_count=Count("pk", filter=Q(state=ActionState.DONE)),
            next_due=Min("effective_due_at", filter=open_),
        )
        .order_by("owner_agency__name")
    )
    return [
        AgencyOwed(
            agency_id=row["owner_agency_id"],
            agency_name=row["owner_agency__name"],
            open=row["open_count"],
            late=row["late_count"],
            done=row["done_count"],
            next_due=row["next_due"],
        )
        for row in rows
    ]


def plan_page(access: CaseAccess, plan: Plan, *, now: datetime | None = None) -> PlanPage:
    """The plan's outcomes with their actions and progress, what each agency owes, what is
    late, and the review history."""
    now = now or timezone.now()
    updates = ProgressUpdate.objects.select_related("author", "author_agency").order_by("-recorded_at")
    actions = plan_actions(access, plan, now=now).prefetch_related(Prefetch("updates", queryset=updates))
    outcomes = list(
        PlanOutcome.objects.filter(plan=plan, plan__case=access.case)
        .prefetch_related(Prefetch("actions", queryset=actions.order_by("due_at", "pk")))
        .order_by("position", "pk")
    )
    late = sorted(
        (action for outcome in outcomes for action in outcome.actions.all() if _annotated(action, "is_late")),
        key=lambda action: (_annotated(action, "effective_due_at"), action.pk),
    )
    return PlanPage(
        plan=plan,
        outcomes=outcomes,
        owed=plan_summary(access, plan, now=now),
        late=late,
        reviews=list(plan_reviews(access, plan)),
    )


def _annotated(action: PlanAction, name: str) -> Any:
    """A value ``_with_due`` annotated on the action (django-stubs does not see annotations)."""
    return action.__dict__[name]


def plan_reviews(access: CaseAccess, plan: Plan) -> QuerySet[PlanReview]:
    return (
        PlanReview.objects.filter(plan=plan, plan__case=access.case)
        .select_related("recorded_by")
        .order_by("-reviewed_on", "-pk")
    )


def plan_outcome(access: CaseAccess, plan: Plan, outcome_id: int) -> PlanOutcome | None:
    return PlanOutcome.objects.filter(pk=outcome_id, plan=plan, plan__case=access.case).first()


def plan_outcomes(access: CaseAccess, plan: Plan) -> QuerySet[PlanOutcome]:
    return PlanOutcome.objects.filter(plan=plan, plan__case=access.case).order_by("position", "pk")


def action_updates(access: CaseAccess, plan_action: PlanAction) -> QuerySet[ProgressUpdate]:
    """Progress on one action, the newest first."""
    return (
        ProgressUpdate.objects.filter(action=plan_action, action__plan__case=access.case)
        .select_related("author", "author_agency")
        .order_by("-recorded_at", "-pk")
    )


def plan_action_with_due(access: CaseAccess, plan_action: PlanAction) -> PlanAction:
    """One action with its effective due time and lateness, as the plan page shows it."""
    return plan_actions(access, plan_action.plan).select_related("plan").get(pk=plan_action.pk)
