"""Every write to a joint assessment: opening it, asking agencies for contributions,
writing and submitting a contribution, the lead's analysis, and the supervisor's decision.

Each service asks the policy first (a refusal is logged and committed on its own, never
rolled back with the work), then runs in one transaction, opens or closes the deadlines it
owes, and tells people only what they may see: notifications name the case by reference and
carry a contribution's content only to a recipient the policy lets read it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_control.policy import (
    Action,
    CaseAccess,
    case_basis,
    check,
    decide_contributing,
    decide_contribution,
    decide_on_assessment,
    supervision_over,
)
from agencies.models import Agency, User
from cases.models import (
    AssessmentState,
    CaseStatus,
    CaseTeamMember,
    ChronologyEntry,
    Contribution,
    ContributionState,
    EntryKind,
    JointAssessment,
    Visibility,
)
from cases.services import RESTRICTED_AGENCY_KINDS, check_sharing, checked
from deadlines.models import DeadlineKind
from deadlines.reminders import notify
from deadlines.services import cancel_deadline, due_at_for, live_deadlines, meet_deadline, open_deadline
from referrals.models import Referral, TriageDecision

P = ParamSpec("P")
R = TypeVar("R")

# The assessment is worked on (contributions asked for and written, analysis written) in these states.
WORKING_STATES = (AssessmentState.OPEN, AssessmentState.RETURNED)
# What a submitted contribution must say, with the message when it is missing.
REQUIRED_CONTRIBUTION_FIELDS = {
    "summary": "Give the contribution a one-line summary.",
    "agency_knowledge": "Say what your agency knows about the child and family.",
    "concerns": "Say what concerns your agency has (or that it has none).",
    "strengths": "Say what strengths your agency sees in the family.",
    "child_voice": "Record the child's voice: what they said, or how they seemed.",
    "recommendation": "Give your agency's recommendation.",
}
CONTENT_FIELDS = ("summary", "agency_knowledge", "concerns", "strengths", "child_voice", "recommendation")
ASSESSMENT_DEADLINE_TITLE = "Child and family assessment (joint assessment)"


@dataclass(frozen=True)
class ContributionRequest:
    """One agency asked for a contribution, by ``due_at`` (None: the default timescale)."""

    agency: Agency
    due_at: datetime | None = None


def _on_assessment(access: CaseAccess, assessment: JointAssessment, check_as: Action, logged_as: str) -> None:
    """``decide_on_assessment``: a refusal is logged (as ``logged_as``) and answers 403."""
    decision = decide_on_assessment(access, assessment, check_as)
    access.enforce(decision, logged_as, object_type="jointassessment", object_id=assessment.pk, log_allowed=False)


def _same_case(access: CaseAccess, assessment: JointAssessment) -> None:
    _on_assessment(access, assessment, Action.VIEW_CASEWORK, "assessment")


def led_assessment(action: Action) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The case lead may do ``action`` (policy), and is this assessment's lead; refusals are
    logged before the service's transaction opens."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            access, assessment = kwargs["access"], kwargs["assessment"]
            assert isinstance(access, CaseAccess) and isinstance(assessment, JointAssessment)
            check(access, action)
            _same_case(access, assessment)
            require_assessment_lead(access, assessment, service.__name__)
            with transaction.atomic():
                return service(*args, **kwargs)

        return run

    return wrap


def require_assessment_lead(access: CaseAccess, assessment: JointAssessment, action: str) -> None:
    """Only the assessment's own lead works on it (a refusal is logged and answers 403)."""
    _on_assessment(access, assessment, Action.LEAD_ASSESSMENT, action)


def _contributing(service: Callable[P, R]) -> Callable[P, R]:
    """A team place held for the contributing agency (``decide_contributing``); refusals logged first."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        access, contribution = kwargs["access"], kwargs["contribution"]
        assert isinstance(access, CaseAccess) and isinstance(contribution, Contribution)
        decision = decide_contributing(access.basis, contribution, access.case)
        access.enforce(
            decision, Action.CONTRIBUTE, object_type="contribution", object_id=contribution.pk, log_allowed=False
        )
        with transaction.atomic():
            return service(*args, **kwargs)

    return run


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


def _lock(assessment: JointAssessment) -> JointAssessment:
    return (
        JointAssessment.objects.select_for_update().select_related("case", "lead", "lead_agency").get(pk=assessment.pk)
    )


def _require_working(assessment: JointAssessment) -> None:
    if assessment.state not in WORKING_STATES:
        raise ValidationError(f"This assessment is {assessment.get_state_display().lower()}: it cannot be changed.")


def _agency_people_on_team(assessment: JointAssessment, agency: Agency) -> list[User]:
    """The agency's people on the case team (for the agency, and still members of it)."""
    places = CaseTeamMember.objects.filter(
        case=assessment.case_id,
        agency=agency,
        active=True,
        user__memberships__agency=agency,
        user__memberships__active=True,
    ).select_related("user")
    return list({place.user_id: place.user for place in places}.values())


def _lead_supervisors(assessment: JointAssessment) -> list[User]:
    lines = supervision_over(assessment.lead_id, assessment.lead_agency_id).select_related("supervisor__user")
    return [line.supervisor.user for line in lines]


# --- opening -------------------------------------------------------------------------------


def _clock_start(access: CaseAccess) -> datetime:
    """The assessment's clock runs from the accepted referral that brought the case in (the
    latest, if several), else from now."""
    referral = (
        Referral.objects.filter(linked_case=access.case, decision=TriageDecision.ACCEPTED, submitted_at__isnull=False)
        .order_by("-decided_at", "-submitted_at")
        .first()
    )
    return referral.submitted_at if referral is not None and referral.submitted_at else timezone.now()


IN_PROGRESS = "An assessment is already in progress on this case: finish it before opening another."


@checked(Action.LEAD_ASSESSMENT)
def open_assessment(*, access: CaseAccess) -> JointAssessment:
    """The case lead opens a joint assessment, due 45 working days (the jurisdiction's
    timescale) from the accepted referral or from now, with a deadline owed by the lead.
    One in progress per case: a second (even a race) is a clear ValidationError."""
    case = access.case
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed.")
    if JointAssessment.objects.filter(case=case).exclude(state=AssessmentState.APPROVED).exists():
        raise ValidationError(IN_PROGRESS)
    due_at = due_at_for(DeadlineKind.ASSESSMENT, _clock_start(access), case.lead_agency.jurisdiction)
    assessment = JointAssessment(
        case=case, lead=case.lead_worker, lead_agency=case.lead_agency, due_at=due_at, opened_at=timezone.now()
    )
    assessment.full_clean(validate_constraints=False)
    try:
        # A savepoint: a concurrent open that won the race leaves this transaction usable.
        with transaction.atomic():
            assessment.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(IN_PROGRESS) from None
    open_deadline(
        kind=DeadlineKind.ASSESSMENT,
        title=ASSESSMENT_DEADLINE_TITLE,
        owner=case.lead_worker,
        owner_agency=case.lead_agency,
        due_at=due_at,
        case=case,
        assessment=assessment,
    )
    access.log("open_assessment", object_type="jointassessment", object_id=assessment.pk)
    return assessment


# --- contributions asked for ---------------------------------------------------------------


def default_contribution_due(assessment: JointAssessment, now: datetime | None = None) -> datetime:
    """The contribution timescale from now, but never after the assessment's own due date
    (unless that has already passed: a contribution is then due by the timescale)."""
    now = now or timezone.now()
    due = due_at_for(DeadlineKind.CONTRIBUTION, now, assessment.lead_agency.jurisdiction)
    if now < assessment.due_at < due:
        return assessment.due_at
    return due


def team_agencies(assessment: JointAssessment) -> list[Agency]:
    """Agencies with someone active on the case team: those that can be asked to contribute."""
    return list(
        Agency.objects.filter(
            active=True, pk__in=CaseTeamMember.objects.filter(case=assessment.case_id, active=True).values("agency_id")
        ).order_by("name")
    )


@led_assessment(Action.LEAD_ASSESSMENT)
def request_contributions(
    *, access: CaseAccess, assessment: JointAssessment, requests: Sequence[ContributionRequest]
) -> list[Contribution]:
    """The lead asks agencies on the team for a contribution each, with a due date (default:
    the contribution timescale, never after the assessment's due date). Each request opens a
    deadline owed by the agency and tells the agency's people on the team the case reference
    and the due date, nothing else."""
    assessment = _lock(assessment)
    _require_working(assessment)
    if not requests:
        raise ValidationError({"agencies": "Choose at least one agency to ask."})
    on_team = {agency.pk for agency in team_agencies(assessment)}
    asked = set(
        Contribution.objects.filter(assessment=assessment)
        .exclude(state=ContributionState.WITHDRAWN)
        .values_list("author_agency_id", flat=True)
    )
    now = timezone.now()
    seen: set[int] = set()
    for request in requests:
        if request.agency.pk not in on_team:
            raise ValidationError({"agencies": f"{request.agency.name} has no one on the case team."})
        if request.agency.pk in asked or request.agency.pk in seen:
            raise ValidationError({"agencies": f"{request.agency.name} has already been asked for a contribution."})
        seen.add(request.agency.pk)
        if request.due_at is not None:
            if request.due_at <= now:
                raise ValidationError({"due_at": f"The due date for {request.agency.name} must be in the future."})
            if now < assessment.due_at < request.due_at:
                raise ValidationError(
                    {"due_at": f"The due date for {request.agency.name} is after the assessment's own due date."}
                )
    return [_request_one(access=access, assessment=assessment, request=request) for request in requests]


def _request_one(*, access: CaseAccess, assessment: JointAssessment, request: ContributionRequest) -> Contribution:
    agency = request.agency
    due_at = request.due_at or default_contribution_due(assessment)
    contribution = Contribution(
        assessment=assessment,
        author_agency=agency,
        requested_by=access.user,
        due_at=due_at,
        # Health and police information stays with the agency unless they share it on a legal basis.
        visibility=Visibility.AGENCY if agency.kind in RESTRICTED_AGENCY_KINDS else Visibility.TEAM,
    )
    contribution.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            contribution.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"agencies": f"{agency.name} has already been asked for a contribution."}) from None
    deadline = open_deadline(
        kind=DeadlineKind.CONTRIBUTION,
        title=f"{agency.name} contribution to the joint assessment",
        owner_agency=agency,
        due_at=due_at,
        case=assessment.case,
        contribution=contribution,
    )
    notify(
        _agency_people_on_team(assessment, agency),
        "Contribution requested",
        f"Your agency is asked for a contribution to the joint assessment on case {assessment.case.reference}.\n"
        f"Due {_when(due_at)}.",
        deadline=deadline,
    )
    access.log("request_contribution", object_type="contribution", object_id=contribution.pk)
    return contribution


@led_assessment(Action.LEAD_ASSESSMENT)
def withdraw_contribution(
    *, access: CaseAccess, assessment: JointAssessment, contribution: Contribution
) -> Contribution:
    """The lead no longer needs a requested contribution: it is withdrawn and its deadline cancelled."""
    assessment = _lock(assessment)
    _require_working(assessment)
    locked = (
        Contribution.objects.select_for_update()
        .select_related("author_agency")
        .get(pk=contribution.pk, assessment=assessment)
    )
    if locked.state != ContributionState.REQUESTED:
        raise ValidationError(f"This contribution is {locked.get_state_display().lower()}: it cannot be withdrawn.")
    locked.state = ContributionState.WITHDRAWN
    locked.save(update_fields=["state"])
    for deadline in live_deadlines(contribution=locked):
        cancel_deadline(deadline=deadline)
    notify(
        _agency_people_on_team(assessment, locked.author_agency),
        "Contribution no longer needed",
        f"Your agency's contribution to the joint assessment on case {assessment.case.reference} is no longer needed.",
    )
    access.log("withdraw_contribution", object_type="contribution", object_id=locked.pk)
    return locked


# --- contributions written ---------------------------------------------------------------


def _write_contribution(
    *, access: CaseAccess, contribution: Contribution, fields: dict[str, Any]
) -> tuple[JointAssessment, Contribution]:
    assessment = _lock(contribution.assessment)
    _require_working(assessment)
    locked = Contribution.objects.select_for_update().select_related("author_agency").get(pk=contribution.pk)
    if locked.state != ContributionState.REQUESTED:
        raise ValidationError(f"This contribution is {locked.get_state_display().lower()}: it cannot be changed.")
    for name in CONTENT_FIELDS:
        if name in fields:
            setattr(locked, name, (fields[name] or "").strip())
    for name in ("visibility", "legal_basis", "legal_basis_note"):
        if name in fields:
            setattr(locked, name, (fields[name] or "").strip())
    named = list(fields["named_viewers"]) if "named_viewers" in fields else list(locked.named_viewers.all())
    check_sharing(
        access=access,
        agency=locked.author_agency,
        visibility=locked.visibility,
        legal_basis=locked.legal_basis,
        named=named,
    )
    if locked.visibility == Visibility.AGENCY:
        locked.legal_basis = ""
    locked.full_clean(validate_constraints=False)
    locked.save()
    locked.named_viewers.set(named)
    return assessment, locked


@_contributing
def save_contribution(*, access: CaseAccess, contribution: Contribution, **fields: Any) -> Contribution:
    """Save a draft of the agency's contribution (any of its fields, and who may see it once
    submitted). Until submitted only the agency's own people read it."""
    _assessment, saved = _write_contribution(access=access, contribution=contribution, fields=fields)
    access.log("save_contribution", object_type="contribution", object_id=saved.pk)
    return saved


@_contributing
def submit_contribution(*, access: CaseAccess, contribution: Contribution, **fields: Any) -> Contribution:
    """Submit the agency's contribution (with any last changes): every structured field is
    needed. Its deadline is met, and the assessment's lead is told, with its summary only if
    the lead may read it."""
    assessment, saved = _write_contribution(access=access, contribution=contribution, fields=fields)
    missing = {name: message for name, message in REQUIRED_CONTRIBUTION_FIELDS.items() if not getattr(saved, name)}
    if missing:
        raise ValidationError(missing)
    saved.state = ContributionState.SUBMITTED
    saved.author = access.user
    saved.submitted_at = timezone.now()
    saved.save(update_fields=["state", "author", "submitted_at"])
    for deadline in live_deadlines(contribution=saved):
        meet_deadline(deadline=deadline)
    _tell_lead_of_contribution(assessment, saved)
    access.log("submit_contribution", object_type="contribution", object_id=saved.pk)
    return saved


def _tell_lead_of_contribution(assessment: JointAssessment, contribution: Contribution) -> None:
    lead = assessment.lead
    readable = decide_contribution(lead, case_basis(lead, assessment.case), contribution)
    agency = contribution.author_agency.name
    if readable:
        shared = f"Summary: {contribution.summary}"
    elif contribution.visibility == Visibility.NAMED:
        shared = "It is shared with named people only."
    else:
        shared = f"It is shared with {agency} only."
    notify(
        [lead],
        f"{agency} submitted its contribution",
        f"{agency} submitted its contribution to the joint assessment on case {assessment.case.reference}.\n{shared}",
    )


# --- the lead's analysis, submission and the supervisor's decision -------------------------


@led_assessment(Action.LEAD_ASSESSMENT)
def save_analysis(
    *, access: CaseAccess, assessment: JointAssessment, analysis: str, recommendation: str
) -> JointAssessment:
    """Save the lead's analysis and recommendation (a draft until the assessment is submitted)."""
    locked = _lock(assessment)
    _require_working(locked)
    locked.analysis, locked.recommendation = analysis.strip(), recommendation.strip()
    locked.save(update_fields=["analysis", "recommendation"])
    access.log("save_analysis", object_type="jointassessment", object_id=locked.pk)
    return locked


@led_assessment(Action.LEAD_ASSESSMENT)
def submit_assessment(*, access: CaseAccess, assessment: JointAssessment) -> JointAssessment:
    """The lead submits the assessment for approval: it needs an analysis and a recommendation,
    and every requested contribution submitted or withdrawn. The lead's supervisors are told."""
    locked = _lock(assessment)
    _require_working(locked)
    missing = {}
    if not locked.analysis.strip():
        missing["analysis"] = "Write the analysis before submitting."
    if not locked.recommendation.strip():
        missing["recommendation"] = "Give the recommendation before submitting."
    if missing:
        raise ValidationError(missing)
    outstanding = list(
        Contribution.objects.filter(assessment=locked, state=ContributionState.REQUESTED)
        .order_by("author_agency__name")
        .values_list("author_agency__name", flat=True)
    )
    if outstanding:
        raise ValidationError(
            f"Still waiting for contributions from: {', '.join(outstanding)}. "
            "Wait for them, or withdraw the requests you no longer need."
        )
    locked.state = AssessmentState.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["state", "submitted_at"])
    notify(
        _lead_supervisors(locked),
        "Assessment waiting for your approval",
        f"{locked.lead.full_name} submitted the joint assessment on case {locked.case.reference} for your approval.",
    )
    access.log("submit_assessment", object_type="jointassessment", object_id=locked.pk)
    return locked


def decide_assessment(
    *, access: CaseAccess, assessment: JointAssessment, approve: bool, note: str = ""
) -> JointAssessment:
    """The lead worker's supervisor approves the submitted assessment (its deadline is met and
    the decision goes on the chronology) or returns it with a note for the lead to revise.
    No one approves an assessment they led."""
    check(access, Action.APPROVE_ASSESSMENT)
    _same_case(access, assessment)
    require_not_own_assessment(access, assessment)
    with transaction.atomic():
        return _decide(access=access, assessment=assessment, approve=approve, note=note)


def require_not_own_assessment(access: CaseAccess, assessment: JointAssessment) -> None:
    """A supervisor who led the assessment does not approve it (a refusal is logged and answers 403)."""
    _on_assessment(access, assessment, Action.APPROVE_ASSESSMENT, Action.APPROVE_ASSESSMENT)


def _decide(*, access: CaseAccess, assessment: JointAssessment, approve: bool, note: str) -> JointAssessment:
    locked = _lock(assessment)
    if locked.state != AssessmentState.SUBMITTED:
        raise ValidationError("This assessment is not waiting for approval.")
    if not approve and not note.strip():
        raise ValidationError({"note": "Say what the lead needs to change."})
    now = timezone.now()
    locked.state = AssessmentState.APPROVED if approve else AssessmentState.RETURNED
    locked.decided_by, locked.decided_at, locked.decision_note = access.user, now, note.strip()
    locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    reference = locked.case.reference
    if approve:
        for deadline in live_deadlines(assessment=locked, kind=DeadlineKind.ASSESSMENT):
            meet_deadline(deadline=deadline)
        _record_approval(access, locked)
        notify([locked.lead], "Joint assessment approved", f"The joint assessment on case {reference} was approved.")
    else:
        notify(
            [locked.lead],
            "Assessment returned",
            f"Your supervisor returned the joint assessment on case {reference}. Their note is in Tandem.",
        )
    access.log(
        "approve_assessment" if approve else "return_assessment", object_type="jointassessment", object_id=locked.pk
    )
    return locked


def _record_approval(access: CaseAccess, assessment: JointAssessment) -> None:
    agency_id = access.basis.acting_agency_id
    if agency_id is None:
        return
    entry = ChronologyEntry(
        case=assessment.case,
        author=access.user,
        author_agency_id=agency_id,
        event_date=timezone.localdate(),
        kind=EntryKind.DECISION,
        summary="Joint assessment approved",
        visibility=Visibility.TEAM,
    )
    entry.full_clean()
    entry.save()
    access.log("create_entry", object_type="chronologyentry", object_id=entry.pk)
