"""A second factor in tests: set one up as the enrolment page does, and the code an app would
show now (on the test's clock: tests/clock.py)."""

from __future__ import annotations

from base64 import b32decode

from django.contrib.sessions.backends.db import SessionStore
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from agencies.models import User


def code_for_key(key: bytes) -> str:
    """The 6-digit code an authenticator app with ``key`` shows at this process's now."""
    return f"{totp(key):06d}"


def code_for(device: TOTPDevice) -> str:
    return code_for_key(device.bin_key)


def code_for_secret_text(secret: str) -> str:
    """The code for a key as the enrolment page shows it (base32 in groups of four)."""
    return code_for_key(b32decode("".join(secret.split()).upper()))


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up ``user``'s second factor through ``accounts.mfa``; the device and its recovery codes.
    The code that confirmed it is spent: move the clock a step on before signing in with one."""
    session = SessionStore()
    secret = mfa.pending_secret(session)
    return mfa.confirm(user, session, code_for_key(bytes.fromhex(secret)))
