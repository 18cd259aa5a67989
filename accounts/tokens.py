"""A person's API tokens: one per client, issued at each sign-in, listed, revoked.

A token is django-rest-knox's (``accounts.models.ApiToken``): only a digest of it is stored,
it ends ``API_TOKEN_TTL_HOURS`` after it was issued however much it is used, and knox refuses
it once expired or once its person is inactive. Each sign-in issues a new one, named for the
client that asked (typed, or read from its User-Agent), so that one lost laptop is revoked
without the others. Issuing and revoking are security events (``access_control.security_log``);
revoking is ``agencies.tokens``, which the agency's own writes use too."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from access_control.security_log import SecurityEvent, record
from accounts.models import ApiToken
from accounts.signals import home_agency
from agencies import tokens as revocation
from agencies.models import User

CLIENT_MAX_LENGTH = ApiToken._meta.get_field("client").max_length or 100
UNNAMED_CLIENT = "Unnamed client"
# What a User-Agent says, in the order to look for it (Edge and Opera also say Chrome; Chrome says Safari).
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _clean(text: str) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:CLIENT_MAX_LENGTH]


def client_from_user_agent(user_agent: str) -> str:
    """A short name for the client that sent ``user_agent``: "Firefox on Windows" for a
    browser, a program's own first word ("python-requests/2.32.3", "curl/8.5.0") otherwise."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and user_agent.startswith("Mozilla/"):
        return f"{browser} on {system}" if system else browser
    words = _clean(user_agent).split(" ")
    return words[0][:CLIENT_MAX_LENGTH] if words[0] else UNNAMED_CLIENT


def issue(user: User, *, client: str = "", user_agent: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user`` (who has just given their password), named ``client`` or for
    the client's User-Agent. Returns the row and the token itself, which is shown only now."""
    name = _clean(client) or client_from_user_agent(user_agent)
    with transaction.atomic():
        # One issue at a time per person (the row lock), so two sign-ins cannot both pass the cap.
        User.objects.select_for_update().filter(pk=user.pk).first()
        limit = settings.API_TOKENS_PER_PERSON
        if ApiToken.objects.filter(user=user).live().count() >= limit:
            raise ValidationError(
                f"You already have {limit} API tokens in use, the most one person may hold. "
                "Revoke one you no longer use (your account page lists them) and sign in again."
            )
        token, key = ApiToken.objects.issue(user=user, client=name)
        record(SecurityEvent.TOKEN_ISSUED, about=user, by=user, agency=home_agency(user))
    return token, key


def mine(user: User) -> QuerySet[ApiToken]:
    """The person's tokens that still work, newest first. Nobody sees another's."""
    return ApiToken.objects.filter(user=user).live().order_by("-created", "-id")


def get_mine(user: User, token_id: int) -> ApiToken:
    """One of the person's working tokens; 404 for any other id (another's, expired, revoked)."""
    return get_object_or_404(ApiToken.objects.filter(user=user).live(), pk=token_id)


def revoke_mine(user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens (404 for any other)."""
    token = get_mine(user, token_id)
    revocation.revoke(ApiToken.objects.filter(pk=token.pk), by=user, agency=home_agency(user))


def revoke_all_mine(user: User) -> int:
    """Revoke every token the person has. Returns how many there were."""
    return revocation.revoke_all(user, by=user, agency=home_agency(user))
