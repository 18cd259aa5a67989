"""Setting up a second factor: an authenticator app, confirmed by a code from it, and ten
one-time recovery codes, shown once.

The new app's secret waits in the session until a code from it confirms it (so a page that
only shows the QR code writes no device); confirming replaces whatever second factor the
person had, recovery codes too. Checking codes at sign-in, and an admin's reset, are
``agencies.second_factor``'s."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from access_control.security_log import SecurityEvent, record
from agencies.models import User
from agencies.second_factor import (
    TIME_CODE_DIGITS,
    Outcome,
    check_code,
    has_second_factor,
    normalise,
    recovery_digest,
    remove_devices,
)

PENDING_SECRET = "tandem_mfa_pending_secret"  # noqa: S105 (a session key)
RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
WRONG_CODE = "That code is not right. Type the 6-digit code your app shows now."
TOKEN_NEEDS_CODE = "This account has a second factor: give a code from its authenticator app, or a recovery code."  # noqa: S105 (a message)
TOKEN_WRONG_CODE = "That code is not right."  # noqa: S105 (a message)
TOKEN_WAIT = "Too soon after a wrong code: wait a few seconds and try again."  # noqa: S105 (a message)
TOKEN_NEEDS_SETUP = "Set up a second factor on your account page before asking for an API token."  # noqa: S105 (a message)


def pending_secret(session: SessionBase) -> str:
    """The secret (hex) of the app being set up in this session: the same one until confirmed."""
    secret = session.get(PENDING_SECRET)
    if not isinstance(secret, str) or not secret:
        secret = random_hex(20)
        session[PENDING_SECRET] = secret
    return secret


def secret_text(secret: str) -> str:
    """The secret as a person types it into an app: base32, in groups of four."""
    letters = b32encode(unhexlify(secret)).decode()
    return " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def setup_link(user: User, secret: str) -> str:
    """The otpauth:// link the QR code carries (issuer ``OTP_TOTP_ISSUER``, the account's email)."""
    return TOTPDevice(user=user, key=secret).config_url


def qr_code_svg(link: str) -> str:
    """The QR code as an inline SVG (no script, no style attribute: the page's CSP allows it),
    named for assistive technology by its title."""
    svg = segno.make(link, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="QR code to scan with your authenticator app"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    # Only a keyed digest of each is kept: the codes themselves are shown once and never stored.
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_digest(code)) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def confirm(user: User, session: SessionBase, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app being set up with a ``code`` from it (this time step or one either side);
    it replaces any second factor ``user`` had, and every other session of theirs ends (signed
    in with the password alone, they would not be asked for a code: the caller keeps its own,
    ``update_session_auth_hash``). Answers the new device and its recovery codes, to be shown
    once. A wrong code is a ValidationError on ``code``."""
    secret = session.get(PENDING_SECRET)
    typed = normalise(code)
    if not isinstance(secret, str) or not (typed.isdigit() and len(typed) == TIME_CODE_DIGITS):
        raise ValidationError({"code": WRONG_CODE})
    totp = TOTP(unhexlify(secret), step=30, t0=0, digits=TIME_CODE_DIGITS)
    totp.time = time.time()
    if not totp.verify(int(typed), tolerance=1):
        raise ValidationError({"code": WRONG_CODE})
    with transaction.atomic():
        remove_devices(user)
        # The code that confirmed it is spent: the next sign-in needs a later one.
        device = TOTPDevice.objects.create(
            user=user, name=APP_NAME, key=secret, confirmed=True, last_t=totp.t(), drift=totp.drift
        )
        codes = _new_recovery_codes(user)
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        record(SecurityEvent.MFA_ENROLLED, about=user, by=user)
    user.refresh_from_db(fields=["session_generation"])
    del session[PENDING_SECRET]
    return device, codes


def require_code_for_token(request: HttpRequest, user: User, code: str) -> None:
    """The API token endpoint's second step, after the password: an account with a second
    factor gives a ``code`` too (checked, logged and counted as at sign-in); with
    ``MFA_REQUIRED``, an account without one gets no token. Refusals are a ValidationError on
    ``code``."""
    if not has_second_factor(user):
        if settings.MFA_REQUIRED:
            raise ValidationError({"code": TOKEN_NEEDS_SETUP})
        return
    if not normalise(code):
        raise ValidationError({"code": TOKEN_NEEDS_CODE})
    checked = check_code(request, user, code)
    if checked.outcome is Outcome.WAIT:
        raise ValidationError({"code": TOKEN_WAIT})
    if not checked.ok:
        raise ValidationError({"code": TOKEN_WRONG_CODE})


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for ``user``'s second factor; the old ones stop working."""
    if not has_second_factor(user):
        raise ValidationError("Set up an authenticator app first.")
    with transaction.atomic():
        return _new_recovery_codes(user)
