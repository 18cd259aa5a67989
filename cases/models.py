"""The case record: children, their families, cases, the case team, the multi-agency
chronology and documents. Models hold data and invariants; workflows live in services."""

from __future__ import annotations

import uuid

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone

from agencies.models import Agency, User


def validate_nhs_number(value: str) -> None:
    """An NHS number is ten digits whose last is a modulus-11 check digit."""
    digits = value.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError("An NHS number has ten digits.")
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValidationError("This is not a valid NHS number (the check digit does not match).")


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    NOT_KNOWN = "not_known", "Not known"


class Child(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_names = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_estimated = models.BooleanField(default=False)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.NOT_KNOWN)
    gender_identity = models.CharField(max_length=80, blank=True)
    ethnicity = models.CharField(max_length=120, blank=True)
    first_language = models.CharField(max_length=80, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    religion = models.CharField(max_length=80, blank=True)
    cultural_needs = models.TextField(blank=True)
    disability = models.TextField(blank=True)
    school_or_setting = models.CharField(max_length=200, blank=True)
    nhs_number = models.CharField(
        max_length=12, blank=True, validators=[validate_nhs_number], help_text="Ten digits, e.g. 943 476 5919."
    )
    other_identifier = models.CharField(
        max_length=60, blank=True, help_text="Another unique identifier, with its kind."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["family_name", "given_names"]),
            models.Index(fields=["date_of_birth"]),
            # "Is this child already known?" matches names by trigram similarity (pg_trgm).
            GinIndex(name="child_given_names_trgm", fields=["given_names"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="child_family_name_trgm", fields=["family_name"], opclasses=["gin_trgm_ops"]),
            # The same expression the matcher compares (referrals/matching.py).
            models.Index(Replace("nhs_number", Value(" "), Value("")), name="child_nhs_number_digits"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class ChildAlias(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    class Meta:
        indexes = [GinIndex(name="child_alias_name_trgm", fields=["name"], opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.name


class ChildAddress(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    address = models.TextField()
    postcode = models.CharField(max_length=10, blank=True)
    moved_in = models.DateField(null=True, blank=True)
    moved_out = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-moved_in"]
        indexes = [
            # The same expression the matcher compares (referrals/matching.py).
            models.Index(Upper(Replace("postcode", Value(" "), Value(""))), name="child_address_postcode_norm"),
        ]

    def __str__(self) -> str:
        return self.postcode or "address"


class Person(models.Model):
    """Someone in a child's family or household; one person may be linked to several children."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    CARER = "carer", "Carer"
    SIBLING = "sibling", "Sibling"
    OTHER = "other", "Other"


class FamilyLink(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="family_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="child_links")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField(default=False)
    safe_to_contact = models.BooleanField(default=True)
    safe_to_contact_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="one_link_per_child_and_person"),
            models.CheckConstraint(
                condition=Q(safe_to_contact=True) | ~Q(safe_to_contact_reason=""),
                name="unsafe_contact_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    SECTION_47 = "section_47", "Section 47 enquiry"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    CHILD_PROTECTION_PLAN = "child_protection_plan", "Child protection plan"
    CLOSED = "closed", "Closed"


class ConcernCategory(models.TextChoices):
    NEGLECT = "neglect", "Neglect"
    PHYSICAL = "physical", "Physical abuse"
    SEXUAL = "sexual", "Sexual abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    MULTIPLE = "multiple", "Multiple"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    children = models.ManyToManyField(Child, related_name="cases")
    status = models.CharField(max_length=32, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    category = models.CharField(max_length=16, choices=ConcernCategory.choices)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_cases")
    lead_worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_cases")
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_on", "reference"]
        indexes = [models.Index(fields=["status", "risk_level"]), models.Index(fields=["lead_worker"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False)
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="closed_iff_closed_on",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class TeamRole(models.TextChoices):
    LEAD = "lead", "Lead"
    KEY_WORKER = "key_worker", "Key worker"
    CONTRIBUTOR = "contributor", "Contributor"


class CaseTeamMember(models.Model):
    """A person on a case's team, for one of their agencies. Removal ends the row; it is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_teams")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=TeamRole.choices, default=TeamRole.CONTRIBUTOR)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    added_reason = models.CharField(max_length=300)
    active = models.BooleanField(default=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    removed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["role", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], condition=Q(active=True), name="one_active_team_place"),
        ]
        indexes = [
            models.Index(fields=["user", "case"], condition=Q(active=True), name="team_active_user_case"),
            models.Index(fields=["case", "agency"], condition=Q(active=True), name="team_active_case_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.case}"


class ClosureRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(state="pending"), name="one_pending_closure_per_case")
        ]

    def __str__(self) -> str:
        return f"Closure of {self.case} ({self.get_state_display()})"


class Visibility(models.TextChoices):
    TEAM = "team", "Whole case team"
    AGENCY = "agency", "Author's agency only"
    NAMED = "named", "Named people only"


class LegalBasis(models.TextChoices):
    NONE = "", "Not shared beyond the author's agency"
    SAFEGUARDING = "safeguarding", "UK GDPR / DPA 2018 safeguarding of children condition"
    CONSENT = "consent", "Consent of the person concerned"
    COURT_ORDER = "court_order", "Court order"
    STATUTORY_DUTY = "statutory_duty", "Statutory duty (Children Act 1989 s.47)"


class EntryKind(models.TextChoices):
    CONTACT = "contact", "Contact"
    VISIT = "visit", "Visit"
    INCIDENT = "incident", "Incident"
    DISCLOSURE = "disclosure", "Disclosure"
    MEDICAL = "medical", "Medical"
    POLICE = "police", "Police"
    EDUCATION = "education", "Education"
    MEETING = "meeting", "Meeting"
    DECISION = "decision", "Decision"
    OTHER = "other", "Other"


class Significance(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SIGNIFICANT = "significant", "Significant"
    CRITICAL = "critical", "Critical"


class SharedItem(models.Model):
    """What chronology entries and documents share: who wrote it, for which agency, and who may see it."""

    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM)
    named_viewers = models.ManyToManyField(User, blank=True, related_name="+")
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices, blank=True)
    legal_basis_note = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class ChronologyEntry(SharedItem):
    """One event on the multi-agency chronology. Never deleted: a correction is a new
    version (``supersedes`` the old one), and the old one stays for those allowed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    event_date = models.DateField()
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    summary = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    significance = models.CharField(max_length=16, choices=Significance.choices, default=Significance.ROUTINE)
    recorded_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    is_current = models.BooleanField(default=True)
    correction_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-event_date", "-recorded_at"]
        verbose_name_plural = "chronology entries"
        indexes = [
            models.Index(fields=["case", "is_current", "event_date"]),
            models.Index(fields=["case", "author_agency"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_date} {self.get_kind_display()}"


class Document(SharedItem):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    entry = models.ForeignKey(
        ChronologyEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="case-documents/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["case", "author_agency"])]

    def __str__(self) -> str:
        return self.title


# --- joint assessments --------------------------------------------------------------


class AssessmentState(models.TextChoices):
    OPEN = "open", "Open: gathering contributions"
    SUBMITTED = "submitted", "Submitted for approval"
    RETURNED = "returned", "Returned by the supervisor"
    APPROVED = "approved", "Approved"


class JointAssessment(models.Model):
    """A child and family assessment led by one worker, with a contribution owed by each
    participating agency. The lead's analysis is seen by the whole case team; the lead's
    supervisor approves it or returns it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    lead = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_assessments")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=AssessmentState.choices, default=AssessmentState.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    analysis = models.TextField(blank=True)
    recommendation = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~Q(state="approved"), name="one_assessment_in_progress_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"Joint assessment on {self.case}"


class ContributionState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Contribution(models.Model):
    """What one agency brings to a joint assessment. Requested with a due date (a deadline);
    once submitted, seen as its visibility says, exactly like a chronology entry: health and
    police contributions stay with their agency unless shared on a legal basis."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(JointAssessment, on_delete=models.CASCADE, related_name="contributions")
    author_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ContributionState.choices, default=ContributionState.REQUESTED)
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=200, blank=True, help_text="A one-line title of the contribution.")
    agency_knowledge = models.TextField("What our agency knows", blank=True)
    concerns = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    child_voice = models.TextField("The child's voice", blank=True)
    recommendation = models.TextField(blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM)
    named_viewers = models.ManyToManyField(User, blank=True, related_name="+")
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices, blank=True)
    legal_basis_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "author_agency"],
                condition=~Q(state="withdrawn"),
                name="one_contribution_per_agency",
            ),
            models.CheckConstraint(
                condition=~Q(state="submitted") | Q(author__isnull=False, submitted_at__isnull=False),
                name="submitted_contribution_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_agency} contribution"


# --- meetings ---------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group"


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    """A multi-agency meeting on a case. Agenda before; minutes and decisions once held.
    Minutes are seen by the whole case team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=24, choices=MeetingKind.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    location = models.CharField(max_length=200, help_text="A room, or 'Video call' with its link sent separately.")
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agenda = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    # Once held, whether it moved to the next statutory stage: a strategy discussion decided to
    # convene an initial conference; an initial conference made a child protection plan; a
    # review conference continued the plan. None for a core group or a meeting not yet held.
    next_stage_agreed = models.BooleanField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar revision, raised on each change.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case}"


class MeetingAttendee(models.Model):
    """Someone invited to a meeting for one of their agencies; the invitation is emailed once
    (with a calendar attachment) under a lease, like reminders."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    invitation_sequence = models.PositiveIntegerField(null=True, blank=True)
    invitation_claimed_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_person")]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


class MeetingAction(models.Model):
    """An action agreed at a meeting, owed by a person for their agency by a due time (a deadline)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ActionState.choices, default=ActionState.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    dropped_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.description


# --- plans ------------------------------------------------------------------------


class PlanKind(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"


class PlanState(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=24, choices=PlanKind.choices)
    state = models.CharField(max_length=16, choices=PlanState.choices, default=PlanState.ACTIVE)
    started_on = models.DateField(default=timezone.localdate)
    next_review_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(state="active"), name="one_active_plan_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.case}"


class PlanOutcome(models.Model):
    """What the plan is for, in words the family understands."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    description = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description


class PlanAction(models.Model):
    """What one agency (and, when named, one person) will do towards an outcome, by when."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    outcome = models.ForeignKey(PlanOutcome, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=300)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ActionState.choices, default=ActionState.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dropped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.description


class ProgressRating(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    NOT_STARTED = "not_started", "Not started"
    DONE = "done", "Done"


class ProgressUpdate(models.Model):
    """A note of progress on a plan action by someone on the team."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=16, choices=ProgressRating.choices)
    note = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} on {self.action}"


class PlanReview(models.Model):
    """A review of the plan (usually at a review conference), which sets the next review date."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    summary = models.TextField()
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"Review of {self.plan} on {self.reviewed_on}"


# --- lead worker changes ------------------------------------------------------------


class LeadChange(models.Model):
    """A case's lead worker reassigned by a supervisor, with the reason (kept for history)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_changes")
    previous_lead = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    new_lead = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.case}: {self.previous_lead} → {self.new_lead}"
