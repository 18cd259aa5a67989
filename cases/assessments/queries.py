"""Every read of joint assessments, always starting from the policy: a case or assessment
reached through its door, or the policy's own querysets."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from access_control.policy import (
    Action,
    CaseAccess,
    Decision,
    cases_with_supervised_lead,
    decide_contributing,
    decide_on_assessment,
    readable_contributions,
    visible_cases,
)
from agencies.models import Agency, User
from cases.assessments.services import WORKING_STATES, team_agencies
from cases.models import AssessmentState, Contribution, ContributionState, JointAssessment, Visibility


def case_assessments(access: CaseAccess) -> QuerySet[JointAssessment]:
    """The case's joint assessments, current first, with what a list row shows."""
    return JointAssessment.objects.filter(case=access.case).select_related("lead", "lead_agency").order_by("-opened_at")


def assessment_in_progress(access: CaseAccess) -> bool:
    return JointAssessment.objects.filter(case=access.case).exclude(state=AssessmentState.APPROVED).exists()


def assessments_awaiting_approval(user: User) -> QuerySet[JointAssessment]:
    """Submitted assessments on cases the user can see whose lead they supervise (the rule of
    ``APPROVE_ASSESSMENT``), oldest submission first, as one query with what a row shows."""
    return (
        JointAssessment.objects.filter(
            state=AssessmentState.SUBMITTED,
            case__in=visible_cases(user),
        )
        .filter(case__in=cases_with_supervised_lead(user))
        .exclude(lead=user)
        .select_related("case", "lead", "lead_agency")
        .order_by("submitted_at")
    )


@dataclass(frozen=True)
class ContributionRow:
    """One agency's contribution as one reader sees it: always who, when and its state; its
    content only when ``readable``; ``shared_with`` says why not otherwise."""

    contribution: Contribution
    readable: bool
    may_write: bool

    @property
    def shared_with(self) -> str:
        contribution = self.contribution
        if self.readable:
            return ""
        if contribution.state == ContributionState.REQUESTED:
            return f"Not yet submitted by {contribution.author_agency.name}"
        if contribution.state == ContributionState.WITHDRAWN:
            return "Withdrawn"
        if contribution.visibility == Visibility.NAMED:
            return "Shared with named people only"
        return f"Shared with {contribution.author_agency.name} only"


def contribution_rows(access: CaseAccess, assessment: JointAssessment) -> list[ContributionRow]:
    """Every contribution of ``assessment`` (two queries, however many), each with whether this
    reader may read its content (``readable_contributions``) and write it (``decide_contributing``)."""
    readable = set(readable_contributions(access.user, assessment).values_list("pk", flat=True))
    working = assessment.state in WORKING_STATES
    contributions = (
        Contribution.objects.filter(assessment=assessment)
        .select_related("author_agency", "author", "requested_by")
        .prefetch_related("named_viewers")
        .order_by("author_agency__name", "requested_at")
    )
    return [
        ContributionRow(
            contribution=contribution,
            readable=contribution.pk in readable,
            may_write=working
            and contribution.state == ContributionState.REQUESTED
            and bool(decide_contributing(access.basis, contribution)),
        )
        for contribution in contributions
    ]


def assessment_contribution(access: CaseAccess, assessment: JointAssessment, contribution_id: UUID) -> Contribution:
    """A contribution of ``assessment`` by id, without its content, for its lead to manage
    (e.g. withdraw); raises Contribution.DoesNotExist when it is not one of this assessment's."""
    return Contribution.objects.select_related("author_agency", "assessment").get(
        pk=contribution_id, assessment=assessment, assessment__case=access.case
    )


def agencies_to_ask(access: CaseAccess, assessment: JointAssessment) -> list[Agency]:
    """Agencies on the case team not yet asked (or whose request was withdrawn)."""
    asked = set(
        Contribution.objects.filter(assessment=assessment)
        .exclude(state=ContributionState.WITHDRAWN)
        .values_list("author_agency_id", flat=True)
    )
    return [agency for agency in team_agencies(assessment) if agency.pk not in asked]


def is_overdue(assessment: JointAssessment) -> bool:
    return assessment.state != AssessmentState.APPROVED and assessment.due_at < timezone.now()


def assessment_decision(access: CaseAccess, assessment: JointAssessment, action: Action) -> Decision:
    """What a page offers: the policy's answer, narrowed by the assessment's state and by who led it."""
    decision = access.can(action)
    if not decision:
        return decision
    who = decide_on_assessment(access, assessment, action)
    if not who:
        return who
    if action == Action.LEAD_ASSESSMENT and assessment.state not in WORKING_STATES:
        return Decision(False, "the assessment is no longer being worked on")
    if action == Action.APPROVE_ASSESSMENT and assessment.state != AssessmentState.SUBMITTED:
        return Decision(False, "the assessment is not waiting for approval")
    return decision
