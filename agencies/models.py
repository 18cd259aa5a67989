"""People and organisations: users, agencies, memberships, supervision lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    Being a user grants nothing by itself: what a person may do comes from
    their agency memberships and, for children's records, the access policy.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the platform admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every session the person has (accounts.services.sign_out_everywhere).
    session_generation = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_session_auth_hash(self) -> str:
        """What a session keeps of its user at sign-in, and must still match on every request:
        Django's hash of the password and, once the person has signed out everywhere, the
        generation of their sessions (a session of an earlier generation is signed out)."""
        if not self.session_generation:
            return super().get_session_auth_hash()
        return self._generation_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        """The same, under each of ``SECRET_KEY_FALLBACKS`` (while the secret key is rotated)."""
        if not self.session_generation:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._generation_hash(secret)

    def _generation_hash(self, secret: str | bytes) -> str:
        key = f"{self.password}:{self.session_generation}"
        return salted_hmac("tandem.session-auth-hash", key, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AgencyKind(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    COMMUNITY = "community", "Community or voluntary"
    OTHER = "other", "Other"


class Jurisdiction(models.TextChoices):
    ENGLAND = "GB-ENG", "England"
    WALES = "GB-WLS", "Wales"
    SCOTLAND = "GB-SCT", "Scotland"
    NORTHERN_IRELAND = "GB-NIR", "Northern Ireland"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    jurisdiction = models.CharField(max_length=8, choices=Jurisdiction.choices, default=Jurisdiction.ENGLAND)
    takes_referrals = models.BooleanField(
        default=False, help_text="Runs a front door that receives referrals about children."
    )
    triage_signoff_required = models.BooleanField(
        default=False, help_text="A supervisor signs off each triage decision before it takes effect."
    )
    front_door_contact = models.CharField(
        max_length=200, blank=True, help_text="How other agencies reach the team (phone or shared inbox)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    INTAKE = "intake", "Intake worker"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENCY_ADMIN = "agency_admin", "Agency admin"


class Membership(models.Model):
    """A person's place in one agency, with one role. Ended memberships are kept, not deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    job_title = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency"], condition=Q(active=True), name="one_active_membership_per_agency"
            ),
            models.CheckConstraint(
                condition=Q(active=True, ended_on__isnull=True) | Q(active=False, ended_on__isnull=False),
                name="membership_ended_iff_inactive",
            ),
        ]
        indexes = [models.Index(fields=["agency", "active"]), models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.agency}"


class SupervisionLine(models.Model):
    """A supervisor membership oversees another membership of the same agency."""

    supervisor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="supervisees")
    supervisee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="supervisors")
    active = models.BooleanField(default=True)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supervisee"], condition=Q(active=True), name="one_active_supervisor_per_membership"
            ),
            models.CheckConstraint(condition=~Q(supervisor=models.F("supervisee")), name="no_self_supervision"),
        ]
        indexes = [models.Index(fields=["supervisor", "active"])]

    def __str__(self) -> str:
        return f"{self.supervisor.user} supervises {self.supervisee.user}"

    def clean(self) -> None:
        if self.supervisor.agency_id != self.supervisee.agency_id:
            raise ValidationError("A supervisor and the person they supervise must be in the same agency.")
        if self.supervisor.role != Role.SUPERVISOR:
            raise ValidationError({"supervisor": "Only a supervisor can oversee other members."})
        if self.supervisee.role not in (Role.PRACTITIONER, Role.INTAKE):
            raise ValidationError({"supervisee": "Only practitioners and intake workers are supervised."})


class MembershipEvent(models.Model):
    """What changed in a membership, who changed it and when. Rows are only ever added."""

    class Action(models.TextChoices):
        INVITED = "invited", "Invited"
        ADDED = "added", "Added"
        ROLE_CHANGED = "role_changed", "Role changed"
        SUPERVISOR_CHANGED = "supervisor_changed", "Supervisor changed"
        DEACTIVATED = "deactivated", "Deactivated"

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
