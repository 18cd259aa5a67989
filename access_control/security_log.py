"""The security log: every authentication event, in the access log itself.

Signing in and failing to, being locked out and let back in, a second factor enrolled, used,
failed or reset, an API token issued or revoked, a new password, signing out everywhere: each
is a row of the hash-chained, append-only access log (``object_type="account"``, the account
it is about as ``object_id``), so it is as tamper-evident as every view of a case, and kept
with it. Nothing typed is logged: not an unknown email address (it may be a mistyped
password), never a password or a code.

``user`` is who did it when that is known (the person signing in; an agency admin resetting
someone's second factor), and empty for an attempt by whoever typed a password. An agency
admin reads the events about their agency's members (``security_events``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.db.models import QuerySet

from access_control import audit
from access_control.models import AccessLogEntry
from access_control.policy.agencies import get_administered_agency
from agencies.models import Agency, Membership, User

ACCOUNT = "account"


@dataclass(frozen=True)
class _Kind:
    action: str
    allowed: bool
    rule: str


class SecurityEvent(Enum):
    """What happened to an account, as the log names it (action) and says it (rule)."""

    SIGNED_IN = _Kind("sign_in", True, "signed in with their password")
    SIGN_IN_FAILED = _Kind("sign_in_failed", False, "wrong email address or password")
    LOCKED_OUT = _Kind("locked_out", False, "too many failed sign-ins: locked for a while")
    UNLOCKED = _Kind("unlocked", True, "let back in by an agency admin")
    SIGNED_OUT = _Kind("sign_out", True, "signed out")
    SIGNED_OUT_EVERYWHERE = _Kind("sign_out_everywhere", True, "every session and token ended")
    SESSION_EXPIRED = _Kind("session_expired", True, "session ended: signed in too long ago")
    PASSWORD_CHANGED = _Kind("password_changed", True, "new password; other sessions and tokens ended")
    PASSWORD_RESET = _Kind("password_reset", True, "new password chosen from an emailed link")
    MFA_ENROLLED = _Kind("mfa_enrolled", True, "second factor set up")
    MFA_VERIFIED = _Kind("mfa_verified", True, "second factor checked at sign-in")
    MFA_FAILED = _Kind("mfa_failed", False, "wrong second-factor code")
    MFA_RECOVERY_USED = _Kind("mfa_recovery_used", True, "a recovery code used at sign-in")
    MFA_RESET = _Kind("mfa_reset", True, "second factor removed by an agency admin")
    TOKEN_ISSUED = _Kind("token_issued", True, "API token issued")
    TOKEN_REVOKED = _Kind("token_revoked", True, "API token revoked")

    @property
    def action(self) -> str:
        return self.value.action


def record(event: SecurityEvent, *, about: User | None, by: User | None = None, agency: Agency | None = None) -> None:
    """Log ``event`` about the account ``about`` (None: an account that does not exist), done
    ``by`` someone known (None: whoever typed a password). Committed with the caller's
    transaction, or at once outside one."""
    kind = event.value
    audit.record(
        user=by,
        action=kind.action,
        object_type=ACCOUNT,
        object_id=about.pk if about is not None else "",
        allowed=kind.allowed,
        rule=kind.rule,
        agency=agency,
    )


def security_events(user: User, agency_id: int) -> tuple[Agency, QuerySet[AccessLogEntry]]:
    """The security events about the members (present and past) of an agency ``user``
    administers, newest first; 404 for any other agency (``get_administered_agency``)."""
    agency = get_administered_agency(user, agency_id)
    members = Membership.objects.filter(agency=agency).values_list("user_id", flat=True)
    member_ids = [str(user_id) for user_id in members]
    events = (
        AccessLogEntry.objects.filter(object_type=ACCOUNT, object_id__in=member_ids)
        .select_related("user")
        .order_by("-id")
    )
    return agency, events


SECURITY_LOG = "security_log"


def record_reading(user: User, agency: Agency) -> None:
    """Log that ``user`` was shown ``agency``'s security log (read through ``security_events``)."""
    audit.record(
        user=user,
        action="list",
        object_type=SECURITY_LOG,
        object_id=agency.pk,
        allowed=True,
        rule="agency admin reads their members' security log",
        agency=agency,
    )
