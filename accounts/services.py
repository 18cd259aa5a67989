"""A person's own account: ending their sessions, and what a new password ends.

Ending sessions uses Django's own check: every request compares the hash its session stored
at sign-in with ``User.get_session_auth_hash()``, which covers the password's hash and the
user's ``session_generation``. Raising the generation, or changing the password, makes every
session signed in before fail that check, in whichever browser it is, with nothing to find."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from access_control import security_log
from access_control.security_log import SecurityEvent
from accounts import tokens
from accounts.signals import home_agency
from agencies.models import User


def sign_out_everywhere(user: User) -> None:
    """End every session the person has, this one included, and revoke their API tokens."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        tokens.revoke_all_mine(user)
        security_log.record(SecurityEvent.SIGNED_OUT_EVERYWHERE, about=user, by=user, agency=home_agency(user))
    user.refresh_from_db(fields=["session_generation"])


def password_changed(user: User) -> None:
    """After a new password the person's other sessions have ended (its hash is in theirs);
    API tokens issued before are revoked too (a new password from an emailed link, too)."""
    tokens.revoke_all_mine(user)
