"""A person's second factor, as everyone who checks it sees it: whether they have one, the check
of a code (at sign-in and for an API token), and an agency admin's reset.

A second factor is an authenticator app (django-otp's ``TOTPDevice``, confirmed) with ten
one-time recovery codes beside it (a ``StaticDevice``). A six-digit code is checked against the
app, anything else against the recovery codes. Recovery codes are stored only as a keyed
digest (``recovery_digest``: HMAC-SHA256 under the SECRET_KEY, never the code itself), so a
copy of the database alone does not give them away. A time code is good for its 30 seconds
and one step either side, and once only (``last_t``); a recovery code is deleted when used. After a
wrong code the device waits 1, 2, 4, 8… seconds before it checks another (django-otp's
throttle), and every wrong code is also a failed sign-in (``user_login_failed``, which the
lockout counts). Enrolment is the account's own page (``accounts.mfa``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_control.policy import can_manage_members
from access_control.security_log import SecurityEvent, record
from agencies.models import Agency, Membership, User

TIME_CODE_DIGITS = 6


def has_second_factor(user: User) -> bool:
    """Whether ``user`` has set up an authenticator app (and so must give a code to sign in)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolled() -> Exists:
    """For annotating memberships (or anything with a ``user``): has that person a second factor."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True))


def recovery_codes_left(user: User) -> int:
    return sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user, confirmed=True))


def normalise(code: str) -> str:
    """What was typed, as it is checked: no spaces or dashes, lower case (recovery codes are
    shown grouped, ``abcd-efgh``)."""
    return "".join(code.split()).replace("-", "").lower()


RECOVERY_DIGEST_SALT = "tandem.second_factor.recovery_code"
RECOVERY_DIGEST_LENGTH = 16  # what django-otp's StaticToken.token holds: 64 bits of the digest


def recovery_digest(code: str, *, secret: str | bytes | None = None) -> str:
    """What is stored for a recovery code (normalised first): its HMAC-SHA256 under ``secret``
    (the SECRET_KEY unless given), cut to the 16 characters a StaticToken holds."""
    mac = salted_hmac(RECOVERY_DIGEST_SALT, normalise(code), secret=secret, algorithm="sha256")
    return mac.hexdigest()[:RECOVERY_DIGEST_LENGTH]


def _stored_digest(device: StaticDevice, code: str) -> str:
    """The digest to check ``code`` by on ``device``: under the SECRET_KEY, or under one of its
    fallbacks when that is the one stored (codes made before the key was rotated keep working
    until the fallback goes). One check either way, so a wrong code counts once on the throttle."""
    digests = [recovery_digest(code, secret=key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    if len(digests) > 1:
        stored = set(device.token_set.filter(token__in=digests).values_list("token", flat=True))
        return next((digest for digest in digests if digest in stored), digests[0])
    return digests[0]


class Outcome(enum.Enum):
    VERIFIED = "verified"  # the authenticator app's code
    RECOVERY_USED = "recovery_used"  # a recovery code, now spent
    WRONG = "wrong"
    WAIT = "wait"  # too soon after a wrong code: not checked


@dataclass(frozen=True)
class Checked:
    outcome: Outcome
    device: Device | None = None
    wait_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def check_code(request: HttpRequest, user: User, code: str) -> Checked:
    """Check ``code`` against ``user``'s second factor and log the outcome in the security log.
    A wrong code is also a failed sign-in: ``user_login_failed`` with the account's email, so
    the lockout counts it. The device's throttle is committed before the log is written."""
    typed = normalise(code)
    model: type[TOTPDevice] | type[StaticDevice]
    model = TOTPDevice if typed.isdigit() and len(typed) == TIME_CODE_DIGITS else StaticDevice
    checked = Checked(Outcome.WRONG)
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, why = device.verify_is_allowed()
            if not allowed:
                checked = Checked(Outcome.WAIT, wait_until=(why or {}).get("locked_until"))
                continue
            if typed and device.verify_token(typed if model is TOTPDevice else _stored_digest(device, typed)):
                outcome = Outcome.VERIFIED if model is TOTPDevice else Outcome.RECOVERY_USED
                checked = Checked(outcome, device=device)
                break
    if checked.outcome is Outcome.VERIFIED:
        record(SecurityEvent.MFA_VERIFIED, about=user, by=user)
    elif checked.outcome is Outcome.RECOVERY_USED:
        record(SecurityEvent.MFA_RECOVERY_USED, about=user, by=user)
    elif checked.outcome is Outcome.WRONG:
        record(SecurityEvent.MFA_FAILED, about=user)
        user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
    return checked


def remove_devices(user: User) -> None:
    """Delete every second-factor device of ``user``, confirmed or not (recovery codes with them)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def reset(*, by: User, agency: Agency, membership: Membership) -> None:
    """An agency admin removes a member's second factor (a lost phone): they sign in with their
    password alone until they set up a new one (straight away, where one is required)."""
    if membership.agency_id != agency.pk or not can_manage_members(by, agency):
        raise PermissionDenied("Only this agency's admins can reset its members' second factor.")
    with transaction.atomic():
        remove_devices(membership.user)
        record(SecurityEvent.MFA_RESET, about=membership.user, by=by, agency=agency)
