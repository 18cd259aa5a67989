"""Every write to agencies and their people. Each function checks permission itself,
runs in one transaction and records what changed in MembershipEvent."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from access_control.policy import can_manage_members
from agencies import handover
from agencies import tokens as api_tokens
from agencies.models import Agency, Membership, MembershipEvent, Role, SupervisionLine, User

SUPERVISED_ROLES = (Role.PRACTITIONER, Role.INTAKE)


def _require_admin(by: User, agency: Agency) -> None:
    if not can_manage_members(by, agency):
        raise PermissionDenied("Only this agency's admins can manage its members.")


def _record(membership: Membership, action: str, by: User | None, detail: str = "") -> None:
    MembershipEvent.objects.create(membership=membership, action=action, actor=by, detail=detail)


def set_password_link(user: User) -> str:
    """An absolute, single-use link where ``user`` chooses a password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def send_set_password_email(user: User) -> None:
    """Email ``user`` a link to choose a (new) password."""
    send_mail(
        subject="Set your Tandem password",
        message=render_to_string("agencies/email/set_password.txt", {"user": user, "link": set_password_link(user)}),
        from_email=None,
        recipient_list=[user.email],
    )


def _send_invitation(*, user_id: int, agency_id: int, new_user: bool) -> None:
    user = User.objects.get(pk=user_id)
    agency = Agency.objects.get(pk=agency_id)
    context = {
        "user": user,
        "agency": agency,
        "new_user": new_user,
        "link": set_password_link(user) if new_user else settings.SITE_URL.rstrip("/") + reverse("login"),
    }
    send_mail(
        subject=f"You have been added to {agency.name} on Tandem",
        message=render_to_string("agencies/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def _last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.AGENCY_ADMIN
        and not Membership.objects.filter(agency=membership.agency, role=Role.AGENCY_ADMIN, active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def work_to_hand_over(membership: Membership) -> str:
    """Why ``membership`` cannot end (or leave its role) yet, in counts and names of the
    supervisors to ask; "" when it holds no work. Never what the work is: the admin asking is
    not on those cases."""
    held = handover.held_work(membership)
    if not held:
        return ""
    name = membership.user.full_name
    supervisors = handover.supervisors_of(membership)
    if supervisors:
        ask = "Ask " + " or ".join(s.full_name for s in supervisors) + " (their supervisor) to hand it over first."
    else:
        ask = "They have no supervisor: set one on their page, who can then hand it over."
    return f"{name} still has work to hand over: {', '.join(held.phrases())}. {ask}"


def _end_supervision_lines(lines: QuerySet[SupervisionLine]) -> None:
    lines.filter(active=True).update(active=False, ended_on=timezone.localdate())


@dataclass(frozen=True)
class Invitation:
    """A membership made by inviting an address, and whether the address was already someone's
    Tandem account (then that person was linked, not a second account made)."""

    membership: Membership
    existing_account: bool
    reactivated: bool

    def message(self) -> str:
        """What the admin is told, in words."""
        m = self.membership
        role = m.get_role_display()
        if self.existing_account:
            return (
                f"{m.user.full_name} already has a Tandem account; they have been added to {m.agency.name} as {role}. "
                "They have been told by email."
            )
        return f"{m.user.full_name} was invited as {role}."


@transaction.atomic
def add_or_invite_member(
    *, by: User, agency: Agency, email: str, full_name: str, role: str, job_title: str = ""
) -> Invitation:
    """Add a person to ``agency`` with ``role``, by their email address (any case).

    An address new to Tandem gets an account with no password and an email with a link to set
    one. An address that is already someone's account (active in another agency, or formerly in
    this one) links that person: a new membership here, never a second account, and they are
    told they were added. An address already an active member here is a form error. The email
    goes only once the membership is committed."""
    _require_admin(by, agency)
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles offered."})
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    existing = user is not None
    new_user = user is None or not user.has_usable_password()
    if user is None:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(user=user, agency=agency, active=True).exists():
        raise ValidationError({"email": f"{user.full_name} is already an active member of this agency."})
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    reactivated = existing and Membership.objects.filter(user=user, agency=agency, active=False).exists()
    membership = Membership(user=user, agency=agency, role=role, job_title=job_title.strip())
    membership.full_clean()
    membership.save()
    if not existing:
        detail = f"Invited as {membership.get_role_display()}"
    elif reactivated:
        detail = f"Rejoined (existing account) as {membership.get_role_display()}"
    else:
        detail = f"Added (existing account) as {membership.get_role_display()}"
    _record(membership, MembershipEvent.Action.INVITED, by, detail)
    transaction.on_commit(lambda: _send_invitation(user_id=user.pk, agency_id=agency.pk, new_user=new_user))
    return Invitation(membership=membership, existing_account=existing, reactivated=reactivated)


def invite_member(
    *, by: User, agency: Agency, email: str, full_name: str, role: str, job_title: str = ""
) -> Membership:
    """``add_or_invite_member``, for callers that need only the membership."""
    return add_or_invite_member(
        by=by, agency=agency, email=email, full_name=full_name, role=role, job_title=job_title
    ).membership


@transaction.atomic
def change_role(*, by: User, membership: Membership, role: str) -> Membership:
    """Give a member another role. Supervision lines that no longer fit the new role end."""
    _require_admin(by, membership.agency)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.active:
        raise ValidationError("This membership has ended; invite the person again instead.")
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles offered."})
    if role == membership.role:
        return membership
    if _last_admin(membership):
        raise ValidationError({"role": "An agency must keep at least one agency admin."})
    # A role that is not supervised ends the line a supervisor would hand the work over by.
    if role not in SUPERVISED_ROLES and (held := work_to_hand_over(membership)):
        raise ValidationError({"role": held})
    old_label = membership.get_role_display()
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    if role != Role.SUPERVISOR:
        _end_supervision_lines(SupervisionLine.objects.filter(supervisor=membership))
    if role not in SUPERVISED_ROLES:
        _end_supervision_lines(SupervisionLine.objects.filter(supervisee=membership))
    _record(membership, MembershipEvent.Action.ROLE_CHANGED, by, f"{old_label} → {membership.get_role_display()}")
    return membership


@transaction.atomic
def set_supervisor(*, by: User, membership: Membership, supervisor: Membership | None) -> SupervisionLine | None:
    """Make ``supervisor`` the one who oversees ``membership`` (or nobody), ending any earlier line."""
    _require_admin(by, membership.agency)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    current = SupervisionLine.objects.filter(supervisee=membership, active=True).select_related("supervisor").first()
    if current is not None and supervisor is not None and current.supervisor_id == supervisor.pk:
        return current
    line = None
    if supervisor is not None:
        if not supervisor.active or not membership.active:
            raise ValidationError({"supervisor": "Both people must be active members."})
        line = SupervisionLine(supervisor=supervisor, supervisee=membership)
        line.full_clean(exclude=["supervisee"])
    _end_supervision_lines(SupervisionLine.objects.filter(supervisee=membership))
    if line is not None:
        line.save()
    detail = f"Supervised by {supervisor.user.full_name}" if supervisor else "No supervisor"
    _record(membership, MembershipEvent.Action.SUPERVISOR_CHANGED, by, detail)
    return line


@transaction.atomic
def deactivate_membership(*, by: User, membership: Membership) -> Membership:
    """End a membership from today. Its supervision lines end with it, and a person left
    with no active membership can no longer sign in. Takes effect on their next request.
    Refused while they lead or owe anything for the agency (``handover.held_work``): their
    supervisor hands it over first."""
    _require_admin(by, membership.agency)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.active:
        return membership
    if _last_admin(membership):
        raise ValidationError("An agency must keep at least one agency admin.")
    if held := work_to_hand_over(membership):
        raise ValidationError(held, code="work_to_hand_over")
    membership.active = False
    membership.ended_on = timezone.localdate()
    membership.save(update_fields=["active", "ended_on"])
    _end_supervision_lines(SupervisionLine.objects.filter(supervisor=membership))
    _end_supervision_lines(SupervisionLine.objects.filter(supervisee=membership))
    user = membership.user
    if not Membership.objects.filter(user=user, active=True).exists():
        # With no agency left, their API tokens go too (knox also refuses an inactive person's).
        api_tokens.revoke_all(user, by=by, agency=membership.agency)
        if not user.is_staff:
            user.is_active = False
            user.save(update_fields=["is_active"])
    _record(membership, MembershipEvent.Action.DEACTIVATED, by)
    return membership


@transaction.atomic
def revoke_member_tokens(*, by: User, membership: Membership) -> int:
    """An agency admin revokes every API token of an active member (a lost device, a token
    seen where it should not be): each revocation is in the security log. Returns how many."""
    _require_admin(by, membership.agency)
    if not membership.active:
        raise PermissionDenied("Only an active member's API tokens can be revoked here.")
    return api_tokens.revoke_all(membership.user, by=by, agency=membership.agency)
