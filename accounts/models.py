"""A person's API tokens: knox's token (only a digest of it is stored, never the token), with
an id to name it by, the client it was issued to, and when it was last used.

It is knox's token model (``KNOX_TOKEN_MODEL``), so knox's authentication reads and expires
these rows itself; the id, not the digest, is the key a page or the API names a token by."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from knox.models import get_digest_token, get_expiry
from knox.settings import CONSTANTS, knox_settings

from agencies.models import User


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self, now: datetime | None = None) -> ApiTokenQuerySet:
        """The tokens that still work: not expired (knox deletes an expired one when it sees it)."""
        return self.filter(expiry__gt=now or timezone.now())

    def issue(self, *, user: User, client: str) -> tuple[ApiToken, str]:
        """A new token, made as knox's own manager makes one (a random token, its digest and
        first characters stored, ``TOKEN_TTL`` to live). Returns the row and the token itself."""
        digest, key = get_digest_token()
        token = self.create(
            user=user,
            client=client,
            digest=digest,
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=get_expiry(knox_settings.TOKEN_TTL),
        )
        return token, key


class ApiToken(models.Model):
    """knox's ``AbstractAuthToken``, field for field (declared here, where the type checker
    sees them; knox reads them by these names), with an id as its key instead of the digest."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    token_key = models.CharField(
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH, db_index=True
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_token_set")
    created = models.DateTimeField(auto_now_add=True)
    expiry = models.DateTimeField(null=True, blank=True)
    client = models.CharField(max_length=100)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.client} ({self.user_id})"
