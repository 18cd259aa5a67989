"""Every write to the case record. Each function checks the policy itself (so a page,
an API call and a task get the same answer), runs in one transaction, and is logged."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from access_control.models import BreakGlassGrant, CaseUserObjectPermission
from access_control.policy import (
    VIEW_CASE_PERMISSION,
    Action,
    CaseAccess,
    Grounds,
    active_memberships,
    check,
    check_break_glass,
    check_correction,
    check_opening_case,
    enforce,
)
from access_control.policy.cases import ROLES_THAT_OPEN_CASES as ROLES_THAT_OPEN_CASES  # pages read it here
from agencies.models import Agency, AgencyKind, Membership, Role, User
from cases import break_glass as break_glass_alerts
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChronologyEntry,
    ClosureRequest,
    Document,
    LegalBasis,
    LegalStatus,
    TeamRole,
    Visibility,
)
from cases.uploads import check_upload

P = ParamSpec("P")
R = TypeVar("R")


def checked(action: Action) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Ask the policy about ``action`` first (a refusal is logged and committed on its own,
    never rolled back with the work), then run the service in one transaction."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            access = kwargs["access"]
            assert isinstance(access, CaseAccess)
            check(access, action)
            with transaction.atomic():
                return service(*args, **kwargs)

        return run

    return wrap


# Agencies whose information stays with them unless shared on a recorded legal basis.
RESTRICTED_AGENCY_KINDS = (AgencyKind.HEALTH, AgencyKind.POLICE)


def _next_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('cases_case_reference_seq')")
        (number,) = cursor.fetchone()
    return f"TDM-{timezone.localdate().year}-{number:06d}"


def open_case(
    *,
    by: User,
    agency: Agency,
    children: list[Child],
    category: str,
    risk_level: str,
    reason: str,
    status: str = CaseStatus.OPEN,
) -> Case:
    """Open a case for one child or a sibling group, led by ``by`` for ``agency``;
    ``by`` becomes the lead worker and the first member of the team."""
    decision = check_opening_case(by, agency)
    if not children:
        raise ValidationError({"children": "A case needs at least one child."})
    with transaction.atomic():
        case = _create_case(
            by=by,
            agency=agency,
            children=children,
            category=category,
            risk_level=risk_level,
            reason=reason,
            status=status,
        )
        enforce(
            decision, user=by, action="open_case", object_type="case", object_id=case.pk, case_id=case.pk, agency=agency
        )
        return case


def _create_case(
    *, by: User, agency: Agency, children: list[Child], category: str, risk_level: str, reason: str, status: str
) -> Case:
    case = Case(
        reference=_next_reference(),
        category=category,
        risk_level=risk_level,
        status=status,
        lead_agency=agency,
        lead_worker=by,
    )
    case.full_clean(exclude=["reference"])
    case.save()
    for child in children:
        if child._state.adding:
            child.full_clean()
            child.save()
    case.children.add(*children)
    CaseTeamMember.objects.create(
        case=case, user=by, agency=agency, role=TeamRole.LEAD, added_by=by, added_reason=reason or "Opened the case"
    )
    return case


SAFETY_NOTE_MAX_LENGTH = 1000


@checked(Action.EDIT_CASE)
def update_case(
    *,
    access: CaseAccess,
    status: str,
    risk_level: str,
    category: str,
    safety_note: str | None = None,
    legal_statuses: Mapping[str, str] | None = None,
) -> Case:
    """Change a case's status, risk level or category, its safety note for visits and each
    child's legal status (``legal_statuses``: child id -> a ``LegalStatus``; ``None`` leaves
    them, as it leaves the note). Every error at once, keyed ``legal_status_<child id>`` for a
    child; nothing is saved unless all is valid. Closing goes through a closure request."""
    case = Case.objects.select_for_update().get(pk=access.case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed.")
    errors: dict[str, str] = {}
    if status == CaseStatus.CLOSED:
        errors["status"] = "A case is closed by a closure request that a supervisor approves."
    if safety_note is not None and len(safety_note.strip()) > SAFETY_NOTE_MAX_LENGTH:
        errors["safety_note"] = f"Keep the safety note to {SAFETY_NOTE_MAX_LENGTH} characters."
    children = {str(child.pk): child for child in case.children.select_for_update()}
    for child_id, legal_status in (legal_statuses or {}).items():
        if str(child_id) not in children:
            errors[f"legal_status_{child_id}"] = "That child is not on this case."
        elif legal_status not in LegalStatus.values:
            errors[f"legal_status_{child_id}"] = "Choose a legal status from the list."
    if errors:
        raise ValidationError(errors)
    case.status, case.risk_level, case.category = status, risk_level, category
    fields = ["status", "risk_level", "category"]
    if safety_note is not None:
        case.safety_note = safety_note.strip()
        fields.append("safety_note")
    case.full_clean()
    case.save(update_fields=fields)
    for child_id, legal_status in (legal_statuses or {}).items():
        child = children[str(child_id)]
        if child.legal_status != legal_status:
            child.legal_status = legal_status
            child.save(update_fields=["legal_status"])
    return case


def _require_membership(user: User, agency: Agency) -> Membership:
    membership = Membership.objects.filter(user=user, agency=agency, active=True, agency__active=True).first()
    if membership is None:
        raise ValidationError({"user": "That person is not an active member of that agency."})
    return membership


@checked(Action.MANAGE_TEAM)
def add_team_member(*, access: CaseAccess, user: User, agency: Agency, role: str, reason: str) -> CaseTeamMember:
    """Put someone on the case team for one of their agencies, with a reason."""
    _require_membership(user, agency)
    if role == TeamRole.LEAD:
        raise ValidationError({"role": "A case has one lead worker; reassign the lead instead."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person joins the team."})
    if CaseTeamMember.objects.filter(case=access.case, user=user, active=True).exists():
        raise ValidationError({"user": "That person is already on the team."})
    member = CaseTeamMember(
        case=access.case, user=user, agency=agency, role=role, added_by=access.user, added_reason=reason.strip()
    )
    member.full_clean()
    member.save()
    access.log("add_team_member", object_type="team_member", object_id=member.pk)
    return member


@checked(Action.MANAGE_TEAM)
def remove_team_member(*, access: CaseAccess, member: CaseTeamMember, reason: str) -> CaseTeamMember:
    """Take someone off the team. Their access ends on their next request; the row is kept."""
    member = CaseTeamMember.objects.select_for_update().get(pk=member.pk, case=access.case)
    if not member.active:
        return member
    if member.role == TeamRole.LEAD:
        raise ValidationError("The lead worker cannot be removed; reassign the lead first.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person leaves the team."})
    member.active = False
    member.removed_at = timezone.now()
    member.removed_by = access.user
    member.removed_reason = reason.strip()
    member.save(update_fields=["active", "removed_at", "removed_by", "removed_reason"])
    access.log("remove_team_member", object_type="team_member", object_id=member.pk)
    return member


def check_sharing(*, access: CaseAccess, agency: Agency, visibility: str, legal_basis: str, named: list[User]) -> None:
    if visibility != Visibility.AGENCY and agency.kind in RESTRICTED_AGENCY_KINDS and not legal_basis:
        raise ValidationError(
            {"legal_basis": f"{agency.get_kind_display()} information shared beyond your agency needs a legal basis."}
        )
    if visibility == Visibility.NAMED:
        if not named:
            raise ValidationError({"named_viewers": "Name at least one person who may see this."})
        on_team = set(
            CaseTeamMember.objects.filter(case=access.case, active=True, user__in=named).values_list(
                "user_id", flat=True
            )
        )
        if any(user.pk not in on_team for user in named):
            raise ValidationError({"named_viewers": "Only people on the case team can be named."})
    if visibility != Visibility.NAMED and named:
        raise ValidationError({"named_viewers": "Named people are only for items shared with named people."})
    if legal_basis and legal_basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": "Choose one of the legal bases offered."})


def _author_agency(access: CaseAccess) -> Agency:
    agency_id = access.basis.acting_agency_id
    if agency_id is None:
        raise PermissionDenied("You need an active agency membership to add to the record.")
    return Agency.objects.get(pk=agency_id)


@checked(Action.ADD_ENTRY)
def add_entry(
    *,
    access: CaseAccess,
    event_date: date,
    kind: str,
    summary: str,
    detail: str = "",
    significance: str = "routine",
    visibility: str = Visibility.TEAM,
    legal_basis: str = "",
    legal_basis_note: str = "",
    named_viewers: list[User] | None = None,
) -> ChronologyEntry:
    """Record an event on the chronology, for the author's agency, with who may see it."""
    agency = _author_agency(access)
    named = list(named_viewers or [])
    check_sharing(access=access, agency=agency, visibility=visibility, legal_basis=legal_basis, named=named)
    if event_date > timezone.localdate():
        raise ValidationError({"event_date": "The event date cannot be in the future."})
    entry = ChronologyEntry(
        case=access.case,
        author=access.user,
        author_agency=agency,
        event_date=event_date,
        kind=kind,
        summary=summary.strip(),
        detail=detail.strip(),
        significance=significance,
        visibility=visibility,
        legal_basis=legal_basis if visibility != Visibility.AGENCY else "",
        legal_basis_note=legal_basis_note.strip(),
    )
    entry.full_clean()
    entry.save()
    entry.named_viewers.set(named)
    access.log("create_entry", object_type="chronologyentry", object_id=entry.pk)
    return entry


def correct_entry(*, access: CaseAccess, entry: ChronologyEntry, reason: str, **changes: Any) -> ChronologyEntry:
    """Correct an entry by writing a new version; the old one is kept, marked superseded.
    Only the author corrects their own entry, and only while they may still add to the record."""
    check(access, Action.CORRECT_ENTRY)
    check_correction(access, entry)
    with transaction.atomic():
        return _write_correction(access=access, entry=entry, reason=reason, changes=changes)


def _write_correction(
    *, access: CaseAccess, entry: ChronologyEntry, reason: str, changes: dict[str, Any]
) -> ChronologyEntry:
    old = ChronologyEntry.objects.select_for_update().get(pk=entry.pk, case=access.case, author=access.user)
    if not old.is_current:
        raise ValidationError("This version has already been corrected; correct the latest version.")
    if not reason.strip():
        raise ValidationError({"correction_reason": "Say what was wrong."})
    named = list(changes.pop("named_viewers", old.named_viewers.all()))
    values = {
        f: changes.get(f, getattr(old, f))
        for f in (
            "event_date",
            "kind",
            "summary",
            "detail",
            "significance",
            "visibility",
            "legal_basis",
            "legal_basis_note",
        )
    }
    if values["event_date"] > timezone.localdate():
        raise ValidationError({"event_date": "The event date cannot be in the future."})
    if values["visibility"] == Visibility.AGENCY:
        values["legal_basis"] = ""
    agency = old.author_agency
    check_sharing(
        access=access, agency=agency, visibility=values["visibility"], legal_basis=values["legal_basis"], named=named
    )
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = ChronologyEntry(
        case=old.case,
        author=old.author,
        author_agency=agency,
        supersedes=old,
        correction_reason=reason.strip(),
        **values,
    )
    new.full_clean()
    new.save()
    new.named_viewers.set(named)
    access.log("correct_entry", object_type="chronologyentry", object_id=new.pk)
    return new


@checked(Action.UPLOAD_DOCUMENT)
def upload_document(
    *,
    access: CaseAccess,
    upload: UploadedFile,
    title: str,
    visibility: str = Visibility.TEAM,
    legal_basis: str = "",
    legal_basis_note: str = "",
    named_viewers: list[User] | None = None,
    entry: ChronologyEntry | None = None,
) -> Document:
    """Attach a document to the case (or one of its entries), stored outside static files."""
    agency = _author_agency(access)
    named = list(named_viewers or [])
    check_sharing(access=access, agency=agency, visibility=visibility, legal_basis=legal_basis, named=named)
    content_type = check_upload(upload)
    if entry is not None and entry.case_id != access.case.pk:
        raise ValidationError({"entry": "That entry belongs to another case."})
    document = Document(
        case=access.case,
        entry=entry,
        author=access.user,
        author_agency=agency,
        visibility=visibility,
        legal_basis=legal_basis if visibility != Visibility.AGENCY else "",
        legal_basis_note=legal_basis_note.strip(),
        title=title.strip(),
        original_name=(upload.name or "document")[-200:],
        content_type=content_type,
        size=upload.size or 0,
    )
    # A stored name says nothing about the child: a random id and the type's extension.
    document.file.save(f"{document.pk}{settings.DOCUMENT_CONTENT_TYPES[content_type]}", upload, save=False)
    try:
        document.full_clean()
        document.save()
        document.named_viewers.set(named)
    except Exception:
        # The transaction rolls the row back; the stored file must go with it.
        document.file.delete(save=False)
        raise
    access.log("upload_document", object_type="document", object_id=document.pk)
    return document


def break_glass(*, user: User, case: Case, reason: str) -> BreakGlassGrant:
    """Emergency access for someone who cannot otherwise see the case: time-limited,
    logged, and told to the case lead and to the user's supervisor."""
    access, decision = check_break_glass(user, case)
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Give the emergency in a sentence (at least 10 characters)."})
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            case=case,
            user=user,
            agency_id=access.basis.acting_agency_id,
            reason=reason.strip(),
            expires_at=timezone.now() + timedelta(hours=settings.BREAK_GLASS_HOURS),
        )
        access.enforce(decision, Action.BREAK_GLASS)
        break_glass_alerts.record_alerts(grant)
    return grant


@checked(Action.GRANT_ACCESS)
def grant_access(*, access: CaseAccess, user: User, reason: str) -> None:
    """An explicit, logged grant for one person to see this case (django-guardian, direct table)."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person needs to see the case."})
    assign_perm(f"cases.{VIEW_CASE_PERMISSION}", user, access.case)
    CaseUserObjectPermission.objects.filter(user=user, content_object=access.case).update(
        granted_by=access.user, reason=reason.strip()[:300]
    )
    access.log("grant_access", object_type="user", object_id=user.pk)


@checked(Action.CLOSE_CASE)
def request_closure(*, access: CaseAccess, reason: str) -> ClosureRequest:
    """The lead worker asks to close the case; a supervisor must approve."""
    if access.case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is already closed.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for closing."})
    if ClosureRequest.objects.filter(case=access.case, state=ClosureRequest.State.PENDING).exists():
        raise ValidationError("A closure request is already waiting for approval.")
    request = ClosureRequest.objects.create(case=access.case, requested_by=access.user, reason=reason.strip())
    return request


@checked(Action.APPROVE_CLOSURE)
def decide_closure(*, access: CaseAccess, approve: bool, note: str = "") -> ClosureRequest:
    """The lead worker's supervisor approves (the case closes today) or returns the request."""
    request = (
        ClosureRequest.objects.select_for_update().filter(case=access.case, state=ClosureRequest.State.PENDING).first()
    )
    if request is None:
        raise ValidationError("There is no closure request waiting.")
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why the closure is returned."})
    request.state = ClosureRequest.State.APPROVED if approve else ClosureRequest.State.REJECTED
    request.decided_by = access.user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save()
    if approve:
        case = Case.objects.select_for_update().get(pk=access.case.pk)
        case.status = CaseStatus.CLOSED
        case.closed_on = timezone.localdate()
        case.closure_reason = request.reason
        case.save(update_fields=["status", "closed_on", "closure_reason"])
    return request


def join_team_from_referral(*, case: Case, user: User, agency: Agency, referral_reference: str) -> CaseTeamMember:
    """The front-door worker who accepts a referral joins the case team. The accepted
    referral is the authority (the triage decision was checked by the referrals service)."""
    _require_membership(user, agency)
    member = CaseTeamMember.objects.filter(case=case, user=user, active=True).first()
    if member is not None:
        return member
    member = CaseTeamMember.objects.create(
        case=case,
        user=user,
        agency=agency,
        role=TeamRole.KEY_WORKER,
        added_by=user,
        added_reason=f"Accepted referral {referral_reference}",
    )
    enforce(
        Grounds.ACCEPTED_REFERRAL,
        user=user,
        action="add_team_member",
        object_type="team_member",
        object_id=member.pk,
        case_id=case.pk,
        agency=agency,
    )
    return member


# --- reassigning the lead worker ------------------------------------------------------

from cases.models import AssessmentState, JointAssessment, LeadChange  # noqa: E402
from deadlines.models import LIVE_STATES, Deadline  # noqa: E402
from deadlines.reminders import notify  # noqa: E402

# Who may lead a case: anyone of the lead agency who works with children's records.
ROLES_THAT_LEAD = (Role.PRACTITIONER, Role.SUPERVISOR, Role.INTAKE)


@checked(Action.REASSIGN_LEAD)
def reassign_lead(*, access: CaseAccess, new_lead: User, reason: str) -> LeadChange:
    """The lead worker's supervisor hands the case to another worker of the lead agency, with
    a reason. In one transaction: the change is recorded (``LeadChange``); the case names the
    new lead; the old lead stays on the team as a key worker; the new lead holds the lead
    place (their existing place promoted, or a new one); an assessment still in progress and
    the old lead's live deadlines on the case for the lead agency move to the new lead, due
    dates kept. Both workers are told, by case reference only."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the lead worker changes."})
    case = Case.objects.select_for_update().select_related("lead_agency", "lead_worker").get(pk=access.case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed: its lead worker cannot change.")
    if case.lead_worker_id != access.case.lead_worker_id:
        raise ValidationError("The lead worker changed meanwhile. Reload the page and try again.")
    if new_lead.pk == case.lead_worker_id:
        raise ValidationError({"new_lead": "This person already leads the case."})
    if not (
        new_lead.is_active
        and active_memberships(new_lead).filter(agency=case.lead_agency, role__in=ROLES_THAT_LEAD).exists()
    ):
        raise ValidationError(
            {"new_lead": f"Choose an active practitioner, intake worker or supervisor of {case.lead_agency.name}."}
        )
    previous = case.lead_worker
    change = LeadChange(case=case, previous_lead=previous, new_lead=new_lead, changed_by=access.user, reason=reason)
    change.full_clean()
    change.save()
    case.lead_worker = new_lead
    case.save(update_fields=["lead_worker"])
    # Whoever held the lead place (normally the previous lead) stays on the team as a key worker.
    CaseTeamMember.objects.filter(case=case, active=True, role=TeamRole.LEAD).exclude(user=new_lead).update(
        role=TeamRole.KEY_WORKER
    )
    place = CaseTeamMember.objects.select_for_update().filter(case=case, user=new_lead, active=True).first()
    if place is None:
        place = CaseTeamMember(
            case=case,
            user=new_lead,
            agency=case.lead_agency,
            role=TeamRole.LEAD,
            added_by=access.user,
            added_reason=f"Made lead: {reason}"[:300],
        )
        place.full_clean()
        place.save()
    else:
        # The lead leads for the lead agency, whatever agency they were on the team for.
        place.role, place.agency = TeamRole.LEAD, case.lead_agency
        place.save(update_fields=["role", "agency"])
    JointAssessment.objects.filter(case=case, lead=previous).exclude(state=AssessmentState.APPROVED).update(
        lead=new_lead, lead_agency=case.lead_agency
    )
    # Only what the old lead owed for the lead agency: what they owe for another agency stays theirs.
    Deadline.objects.filter(case=case, owner=previous, owner_agency=case.lead_agency, state__in=LIVE_STATES).update(
        owner=new_lead
    )
    access.log("reassign_lead", object_type="leadchange", object_id=change.pk)
    # Both may see the case (the old lead is still on the team): its reference, nothing of the record.
    by = access.user.full_name
    notify(
        [new_lead],
        f"You now lead case {case.reference}",
        f"{by} made you the lead worker of case {case.reference}. Open the case in Tandem to see what is owed.",
    )
    notify(
        [previous],
        f"Case {case.reference} has a new lead",
        f"{by} made {new_lead.full_name} the lead worker of case {case.reference}. "
        "You stay on the case team as a key worker.",
    )
    return change
