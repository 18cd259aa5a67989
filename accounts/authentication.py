"""API token authentication: knox's, sent as ``Authorization: Token <key>`` as before.

Knox finds the token by its first characters and compares the digest of the whole; it refuses
an expired token (and deletes it) and an inactive person's. What it adds here: when the token
was last used, written at most once a minute so that a busy client is not a write per request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from accounts.models import ApiToken

LAST_USED_EVERY = timedelta(minutes=1)


def note_use(token: ApiToken) -> None:
    """Stamp ``token`` as used now, unless it was stamped within the last minute."""
    now = timezone.now()
    if token.last_used is not None and now - token.last_used < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    token.last_used = now


class TokenAuthentication(KnoxTokenAuthentication):
    def validate_user(self, auth_token: ApiToken) -> tuple[Any, ApiToken]:
        user, token = super().validate_user(auth_token)
        note_use(token)
        return user, token
