"""Revoking a person's API tokens, each revocation a security event.

Here, below ``accounts``, because the agency's own writes revoke them too: an agency admin
revoking a member's tokens, and a person's last membership ending (``agencies.services``).
A person revoking their own, signing out everywhere or choosing a new password goes through
``accounts.tokens``, which builds on this."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from access_control.security_log import SecurityEvent, record
from accounts.models import ApiToken
from agencies.models import Agency, User


def revoke(tokens: QuerySet[ApiToken], *, by: User | None, agency: Agency | None = None) -> int:
    """Delete ``tokens`` (a request with one is refused from then on) and log each one's
    revocation about its owner, ``by`` whoever did it. Returns how many there were."""
    with transaction.atomic():
        revoked = list(tokens.select_for_update().select_related("user"))
        ApiToken.objects.filter(pk__in=[token.pk for token in revoked]).delete()
        for token in revoked:
            record(SecurityEvent.TOKEN_REVOKED, about=token.user, by=by, agency=agency)
    return len(revoked)


def revoke_all(user: User, *, by: User | None, agency: Agency | None = None) -> int:
    """Revoke every API token ``user`` has."""
    return revoke(ApiToken.objects.filter(user=user), by=by, agency=agency)


def in_use(user: User) -> int:
    """How many API tokens ``user`` has that still work (for their agency admin: never which)."""
    return ApiToken.objects.filter(user=user).live().count()
