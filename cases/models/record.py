"""The case record: cases, the case team, closures, lead changes, and the multi-agency
chronology and documents with who may see each. Models hold data and invariants; workflows
live in services."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, User
from cases.models.children import Child


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
    # What a worker must know before visiting (a dog, a hostile adult, visit in pairs):
    # shown as an alert at the top of every page of the case.
    safety_note = models.TextField(blank=True)

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


class CaseVisit(models.Model):
    """When a person last opened a case's page: what "new since my last visit" is measured
    from on their home page. One row per person and case, moved forward on each visit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="one_visit_row_per_user_and_case")]

    def __str__(self) -> str:
        return f"{self.user_id} visited {self.case_id}"


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
