"""Who a case is about: children, the names and addresses they have had, and the people
in their family or household. Shared by every case a child is on, and read by the
front door's matcher (referrals/matching.py) to find a child already known."""

from __future__ import annotations

import uuid

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone


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


class LegalStatus(models.TextChoices):
    """The order or legal footing a child is under, as a worker would name it (England)."""

    NONE = "none", "No order"
    CHILD_IN_NEED = "s17", "Child in need (section 17)"
    CHILD_PROTECTION = "s47", "Child protection enquiry or plan (section 47)"
    ACCOMMODATED = "s20", "Accommodated with consent (section 20)"
    POLICE_PROTECTION = "ppo", "Police protection (section 46)"
    EMERGENCY_PROTECTION = "epo", "Emergency protection order"
    INTERIM_CARE = "ico", "Interim care order"
    CARE_ORDER = "care_order", "Care order"
    SUPERVISION_ORDER = "supervision", "Supervision order"
    PLACEMENT_ORDER = "placement", "Placement order"


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
    legal_status = models.CharField(max_length=16, choices=LegalStatus.choices, default=LegalStatus.NONE)
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
    # A warning for anyone working with the family: this person may harm the child or a worker.
    poses_risk = models.BooleanField(default=False)
    risk_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="one_link_per_child_and_person"),
            models.CheckConstraint(
                condition=Q(safe_to_contact=True) | ~Q(safe_to_contact_reason=""),
                name="unsafe_contact_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(poses_risk=False) | ~Q(risk_note=""),
                name="risk_warning_needs_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"
