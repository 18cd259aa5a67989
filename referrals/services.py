"""Every write to referrals. Each function asks the policy itself, runs in one transaction
and is logged; notifications go only after commit, and a failed one is retried."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access_control import policy
from access_control.policy import (
    Action,
    CaseAccess,
    Grounds,
    ReferralAccess,
    ReferralAction,
    ServiceReferralAccess,
    active_memberships,
    check_referral,
    enforce,
    get_case,
)
from agencies.models import Agency, Role, User
from cases import services as case_services
from cases.models import Case, Child, ChronologyEntry, Document, EntryKind, RiskLevel, Significance, Visibility
from deadlines import services as deadline_services
from deadlines.models import LIVE_STATES, Deadline, DeadlineKind, TimescaleUrgency
from referrals.models import (
    CASE_DECISIONS,
    Consent,
    Referral,
    ReferralAddition,
    ReferralStatus,
    ServiceReferral,
    Source,
    TriageDecision,
    Urgency,
)
from referrals.notifications import tell_front_door

RE_REFERRAL_WINDOW = timedelta(days=365)

# Fields a referrer may write while the referral is a draft.
DRAFT_FIELDS = (
    "child_given_names",
    "child_family_name",
    "child_other_names",
    "child_date_of_birth",
    "child_age_estimate",
    "child_address",
    "child_postcode",
    "child_school",
    "child_nhs_number",
    "family_details",
    "concern_category",
    "concern_description",
    "child_said",
    "urgency",
    "immediate_risk",
    "consent",
    "consent_reason",
    "referrer_contact",
)
PUBLIC_FIELDS = (
    "referrer_name",
    "referrer_contact",
    "referrer_relationship",
    "child_given_names",
    "child_family_name",
    "child_age_estimate",
    "child_address",
    "child_postcode",
    "child_school",
    "concern_description",
    "immediate_risk",
)


def _front_door(agency: Agency) -> None:
    if not agency.active or not agency.takes_referrals:
        raise ValidationError({"receiving_agency": "That agency does not take referrals."})


def _apply(referral: Referral, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name, value in data.items():
        if name not in fields:
            raise ValidationError({name: "This cannot be set here."})
        setattr(referral, name, value.strip() if isinstance(value, str) else value)


def save_draft(
    *, by: User, receiving_agency: Agency, referral: Referral | None = None, data: dict[str, Any]
) -> Referral:
    """Create or update a professional's draft referral. Nothing is checked for completeness yet."""
    membership = policy.check_making_referral(by)
    _front_door(receiving_agency)
    if referral is not None and (referral.referrer_id != by.pk or referral.status != ReferralStatus.DRAFT):
        raise PermissionDenied("A submitted referral cannot be edited, only added to.")
    with transaction.atomic():
        if referral is None:
            referral = Referral(
                source=Source.PROFESSIONAL, referrer=by, referrer_agency=membership.agency, referrer_name=by.full_name
            )
        referral.receiving_agency = receiving_agency
        _apply(referral, data, DRAFT_FIELDS)
        referral.full_clean()
        referral.save()
        enforce(
            Grounds.REFERRER_DRAFTING,
            user=by,
            action="save_referral_draft",
            object_type="referral",
            object_id=referral.pk,
            agency=membership.agency,
        )
    return referral


def _check_complete(referral: Referral) -> None:
    errors: dict[str, str] = {}
    if not (referral.child_given_names or referral.child_family_name or referral.child_address):
        errors["child_given_names"] = "Give the child's name, or where they can be found."
    if referral.source == Source.PROFESSIONAL and not referral.concern_category:
        errors["concern_category"] = "Choose the category of concern."
    if len(referral.concern_description) < 20:
        errors["concern_description"] = "Describe the concern (at least a sentence)."
    if referral.source == Source.PROFESSIONAL:
        if not referral.consent:
            errors["consent"] = "Say whether consent was given, not sought or overridden."
        elif referral.consent in (Consent.NOT_SOUGHT, Consent.OVERRIDDEN) and not referral.consent_reason:
            errors["consent_reason"] = (
                "Say why consent was not sought."
                if referral.consent == Consent.NOT_SOUGHT
                else "Give the legal basis for overriding the refusal."
            )
        if not referral.referrer_contact:
            errors["referrer_contact"] = "Give a phone number or email the front door can reach you on."
    if errors:
        raise ValidationError(errors)


def check_complete(referral: Referral) -> None:
    """What sending ``referral`` (saved or not) would be refused for, all at once, as a
    ValidationError: the referral page shows it with the form's own problems."""
    _check_complete(referral)


def previous_referral_for(referral: Referral) -> Referral | None:
    """The latest earlier referral about the same child to the same front door within 12 months."""
    since = timezone.now() - RE_REFERRAL_WINDOW
    same_child = Q()
    if referral.child_nhs_number:
        same_child |= Q(child_nhs_number=referral.child_nhs_number)
    if referral.child_given_names and referral.child_family_name:
        names = Q(
            child_given_names__iexact=referral.child_given_names,
            child_family_name__iexact=referral.child_family_name,
        )
        if referral.child_date_of_birth:
            names &= Q(child_date_of_birth=referral.child_date_of_birth) | Q(child_date_of_birth__isnull=True)
        same_child |= names
    if not same_child:
        return None
    return (
        Referral.objects.filter(same_child, receiving_agency=referral.receiving_agency_id, submitted_at__gte=since)
        .exclude(pk=referral.pk)
        .exclude(status=ReferralStatus.DRAFT)
        .order_by("-submitted_at")
        .first()
    )


def timescale_urgency(referral: Referral) -> str:
    """Which urgency's timescale a referral's triage decision runs to: a child at immediate
    risk is the most urgent, whatever urgency the referrer chose."""
    if referral.immediate_risk:
        return TimescaleUrgency.IMMEDIATE_RISK
    return TimescaleUrgency.URGENT if referral.urgency == Urgency.URGENT else TimescaleUrgency.ROUTINE


def _submit(referral: Referral) -> Referral:
    now = timezone.now()
    if referral.immediate_risk:
        referral.urgency = Urgency.URGENT
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = now
    referral.triage_due_at = deadline_services.due_at_for(
        DeadlineKind.REFERRAL_DECISION, now, referral.receiving_agency.jurisdiction, timescale_urgency(referral)
    )
    referral.previous_referral = referral.previous_referral or previous_referral_for(referral)
    referral.full_clean()
    referral.save()
    deadline_services.open_deadline(
        kind=DeadlineKind.REFERRAL_DECISION,
        title=f"Triage decision on referral {referral.reference}",
        owner_agency=referral.receiving_agency,
        due_at=referral.triage_due_at,
        referral=referral,
    )
    tell_front_door(referral)
    return referral


def _decision_made(referral: Referral) -> None:
    """The front door decided in time (or late): the triage deadline is met."""
    live = Deadline.objects.filter(referral=referral, kind=DeadlineKind.REFERRAL_DECISION, state__in=LIVE_STATES)
    for deadline in live:
        deadline_services.meet_deadline(deadline=deadline)


def submit_referral(*, access: ReferralAccess) -> Referral:
    """Send a draft to the front door. From now on it can only be added to."""
    check_referral(access, ReferralAction.EDIT_DRAFT)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("receiving_agency").get(pk=access.referral.pk)
        if referral.status != ReferralStatus.DRAFT:
            raise ValidationError("This referral has already been submitted.")
        _front_door(referral.receiving_agency)
        _check_complete(referral)
        return _submit(referral)


def submit_public_concern(*, receiving_agency: Agency, data: dict[str, Any]) -> Referral:
    """A member of the public's concern. It is stored (committed) before anything else
    happens; telling the front door comes after, and is retried until it succeeds."""
    _front_door(receiving_agency)
    with transaction.atomic():
        referral = Referral(source=Source.PUBLIC, receiving_agency=receiving_agency)
        _apply(referral, data, PUBLIC_FIELDS)
        _check_complete(referral)
        _submit(referral)
        enforce(
            Grounds.PUBLIC_CONCERN,
            user=None,
            action="submit_public_concern",
            object_type="referral",
            object_id=referral.pk,
            agency=receiving_agency,
        )
    return referral


@transaction.atomic
def add_to_referral(*, access: ReferralAccess, text: str) -> ReferralAddition:
    check_referral(access, ReferralAction.ADD_TO)
    if not text.strip():
        raise ValidationError({"text": "Write what you want to add."})
    return ReferralAddition.objects.create(referral=access.referral, author=access.user, text=text.strip())


@transaction.atomic
def take_referral(*, access: ReferralAccess) -> Referral:
    """The front-door worker says they are handling this referral."""
    check_referral(access, ReferralAction.TRIAGE)
    Referral.objects.filter(pk=access.referral.pk).update(handler=access.user)
    access.referral.handler = access.user
    return access.referral


def decide_referral(
    *,
    access: ReferralAccess,
    decision: str,
    rationale: str,
    link_case: Case | None = None,
    link_child: Child | None = None,
    passed_to: Agency | None = None,
) -> Referral:
    """Record the front door's decision. Where the agency requires it the decision waits for a
    supervisor's sign-off; otherwise it takes effect now (a case opened or linked, the deciding
    worker put on its team, the referral recorded on the chronology, another front door told)."""
    check_referral(access, ReferralAction.TRIAGE)
    if decision not in TriageDecision.values:
        raise ValidationError({"decision": "Choose one of the decisions offered."})
    if not rationale.strip():
        raise ValidationError({"decision_rationale": "Record the reason for the decision."})
    if decision == TriageDecision.PASSED_ON and (
        passed_to is None or not passed_to.takes_referrals or passed_to.pk == access.referral.receiving_agency_id
    ):
        raise ValidationError({"passed_to": "Choose another agency that takes referrals."})
    policy.check_linking(access.user, access.referral, case=link_case, child=link_child)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("receiving_agency").get(pk=access.referral.pk)
        if referral.status != ReferralStatus.SUBMITTED:
            raise ValidationError({"decision": "This referral has already been decided."})
        referral.decision = decision
        referral.decision_rationale = rationale.strip()
        referral.decided_by = access.user
        referral.decided_at = timezone.now()
        referral.handler = referral.handler or access.user
        referral.passed_to = passed_to if decision == TriageDecision.PASSED_ON else None
        referral.linked_case = link_case if decision in CASE_DECISIONS else None
        referral.linked_child = link_child if decision in CASE_DECISIONS else None
        _decision_made(referral)
        if referral.receiving_agency.triage_signoff_required:
            referral.status = ReferralStatus.AWAITING_SIGNOFF
            referral.save()
            return referral
        return _take_effect(referral)


def sign_off_decision(*, access: ReferralAccess, approve: bool, note: str = "") -> Referral:
    """A front-door supervisor approves the decision (it takes effect) or returns it for triage."""
    check_referral(access, ReferralAction.SIGN_OFF)
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why the decision is returned."})
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("receiving_agency").get(pk=access.referral.pk)
        if referral.status != ReferralStatus.AWAITING_SIGNOFF:
            raise ValidationError("This decision has already been signed off or returned.")
        if not approve:
            referral.status = ReferralStatus.SUBMITTED
            referral.decision_rationale += f"\n\nReturned by {access.user.full_name}: {note.strip()}"
            referral.save()
            return referral
        referral.signed_off_by = access.user
        referral.signed_off_at = timezone.now()
        return _take_effect(referral)


def _take_effect(referral: Referral) -> Referral:
    referral.status = ReferralStatus.DECIDED
    if referral.decision in CASE_DECISIONS:
        referral.linked_case = _open_or_link_case(referral)
        _strategy_discussion_due(referral, referral.linked_case)
    if referral.decision == TriageDecision.PASSED_ON and referral.passed_to is not None:
        onward = Referral(
            source=referral.source,
            receiving_agency=referral.passed_to,
            referrer=referral.referrer,
            referrer_agency=referral.referrer_agency,
            previous_referral=referral,
            **{name: getattr(referral, name) for name in (*DRAFT_FIELDS, "referrer_name", "referrer_relationship")},
        )
        _submit(onward)
    referral.full_clean()
    referral.save()
    enforce(
        Grounds.triage_decision(referral.get_decision_display()),
        user=referral.decided_by,
        action="decide_referral",
        object_type="referral",
        object_id=referral.pk,
        case_id=referral.linked_case_id,
        agency=referral.receiving_agency,
    )
    return referral


def needs_strategy_discussion(referral: Referral) -> bool:
    """Whether accepting the referral into a case puts a strategy discussion on the clock: a
    child at immediate risk (held the same working day), or a decision that one is needed
    (held within the strategy discussion's timescale for the referral's urgency)."""
    return referral.decision in CASE_DECISIONS and (
        referral.immediate_risk or referral.decision == TriageDecision.STRATEGY
    )


def _strategy_discussion_due(referral: Referral, case: Case) -> Deadline | None:
    """Open the case's statutory "hold a strategy discussion" deadline, owed by its lead, when
    the referral needs one and none is already live on the case. Holding the strategy
    discussion meets it (``cases.meetings.services.advance_statutory_clock``)."""
    if not needs_strategy_discussion(referral):
        return None
    if Deadline.objects.filter(case=case, kind=DeadlineKind.STRATEGY_DISCUSSION, state__in=LIVE_STATES).exists():
        return None
    case = Case.objects.select_related("lead_agency", "lead_worker").get(pk=case.pk)
    why = "immediate risk" if referral.immediate_risk else "decided at triage"
    return deadline_services.open_deadline(
        kind=DeadlineKind.STRATEGY_DISCUSSION,
        title=f"Strategy discussion ({why}) on referral {referral.reference}",
        owner=case.lead_worker,
        owner_agency=case.lead_agency,
        case=case,
        due_at=deadline_services.due_at_for(
            DeadlineKind.STRATEGY_DISCUSSION,
            timezone.now(),
            case.lead_agency.jurisdiction,
            timescale_urgency(referral),
        ),
    )


def _open_or_link_case(referral: Referral) -> Case:
    worker = referral.decided_by
    assert worker is not None
    agency = referral.receiving_agency
    case = referral.linked_case
    if case is None:
        child = referral.linked_child or Child(
            given_names=referral.child_given_names or "Not known",
            family_name=referral.child_family_name or "Not known",
            date_of_birth=referral.child_date_of_birth,
            school_or_setting=referral.child_school,
            nhs_number=referral.child_nhs_number,
        )
        case = case_services.open_case(
            by=worker,
            agency=agency,
            children=[child],
            category=referral.concern_category or "multiple",
            risk_level=RiskLevel.HIGH if referral.urgency == Urgency.URGENT else RiskLevel.MEDIUM,
            reason=f"Accepted referral {referral.reference}",
        )
    else:
        case_services.join_team_from_referral(
            case=case, user=worker, agency=agency, referral_reference=referral.reference
        )
        if referral.linked_child is not None and not case.children.filter(pk=referral.linked_child.pk).exists():
            case.children.add(referral.linked_child)
    access = get_case(worker, case.pk)
    who = referral.referrer_agency.name if referral.referrer_agency else "a member of the public"
    case_services.add_entry(
        access=access,
        event_date=timezone.localdate(referral.submitted_at or timezone.now()),
        kind=EntryKind.CONTACT,
        summary=f"Referral {referral.reference} from {who}"[:200],
        detail="\n\n".join(
            part
            for part in (
                referral.concern_description,
                f"What the child said: {referral.child_said}" if referral.child_said else "",
                f"Family: {referral.family_details}" if referral.family_details else "",
                f"Triage decision: {referral.get_decision_display()}. {referral.decision_rationale}",
            )
            if part
        ),
        significance=Significance.SIGNIFICANT,
        visibility=Visibility.TEAM,
    )
    return case


# --- service referrals between agencies ----------------------------------------------------


def _shareable(access: CaseAccess, entries: list[ChronologyEntry], documents: list[Document]) -> None:
    """Only what the whole team may see (or the referrer wrote) leaves the case: an agency-only
    or named item is never passed to another agency through a service referral."""
    visible_entry_ids = set(policy.visible_entries(access.user, access.case).values_list("pk", flat=True))
    visible_document_ids = set(policy.visible_documents(access.user, access.case).values_list("pk", flat=True))
    for entry in entries:
        if entry.pk not in visible_entry_ids or entry.case_id != access.case.pk:
            raise ValidationError({"shared_entries": "Choose entries of this case that you can see."})
        if entry.visibility != Visibility.TEAM and entry.author_id != access.user.pk:
            raise ValidationError({"shared_entries": "Only entries shared with the whole team can be passed on."})
    for document in documents:
        if document.pk not in visible_document_ids or document.case_id != access.case.pk:
            raise ValidationError({"shared_documents": "Choose documents of this case that you can see."})
        if document.visibility != Visibility.TEAM and document.author_id != access.user.pk:
            raise ValidationError({"shared_documents": "Only documents shared with the whole team can be passed on."})


def make_service_referral(
    *,
    access: CaseAccess,
    to_agency: Agency,
    service: str,
    reason: str,
    shared_entries: list[ChronologyEntry] | None = None,
    shared_documents: list[Document] | None = None,
) -> ServiceReferral:
    """A team member refers the family to a service at another agency, choosing what to share."""
    policy.check(access, Action.REFER_TO_SERVICE)
    entries, documents = list(shared_entries or []), list(shared_documents or [])
    errors: dict[str, str] = {}
    if not to_agency.active:
        errors["to_agency"] = "Choose an active agency."
    if not service.strip():
        errors["service"] = "Name the service (for example a parenting programme)."
    if not reason.strip():
        errors["reason"] = "Say why the family is referred."
    if errors:
        raise ValidationError(errors)
    _shareable(access, entries, documents)
    from_agency_id = access.basis.acting_agency_id
    if from_agency_id is None or from_agency_id == to_agency.pk:
        raise ValidationError({"to_agency": "Refer to another agency than your own."})
    with transaction.atomic():
        referral = ServiceReferral.objects.create(
            case=access.case,
            referred_by=access.user,
            from_agency_id=from_agency_id,
            to_agency=to_agency,
            service=service.strip()[:200],
            reason=reason.strip(),
        )
        referral.shared_entries.set(entries)
        referral.shared_documents.set(documents)
        access.log("make_service_referral", object_type="servicereferral", object_id=referral.pk)
    return referral


def answer_service_referral(
    *, access: ServiceReferralAccess, accept: bool, reason: str, named_worker: User | None = None
) -> ServiceReferral:
    """The receiving agency accepts (naming the worker who will see the shared extract) or declines."""
    access.check_answering()
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the answer."})
    if accept:
        if named_worker is None:
            raise ValidationError({"named_worker": "Name the worker who will take the family on."})
        if (
            not active_memberships(named_worker)
            .filter(agency=access.referral.to_agency_id)
            .exclude(role=Role.AGENCY_ADMIN)
            .exists()
        ):
            raise ValidationError({"named_worker": "The named worker must work in the receiving agency."})
    with transaction.atomic():
        referral = ServiceReferral.objects.select_for_update().get(pk=access.referral.pk)
        if referral.state != ServiceReferral.State.PENDING:
            raise ValidationError("This service referral has already been answered.")
        referral.state = ServiceReferral.State.ACCEPTED if accept else ServiceReferral.State.DECLINED
        referral.decided_by = access.user
        referral.decided_at = timezone.now()
        referral.decision_reason = reason.strip()
        referral.named_worker = named_worker if accept else None
        referral.save()
        access.log_answer(referral)
    return referral
