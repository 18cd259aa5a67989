"""An API token for a test, obtained the way a client obtains one: its email address and
password posted to ``POST /api/v1/auth/token/`` (a new knox token each time)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import User
from tests.factories import TEST_PASSWORD


def issue_token(user: User, *, client: str = "", **headers: Any) -> dict[str, Any]:
    """The token endpoint's whole answer (``id``, ``token``, ``client``, ``expiry``)."""
    data = {"username": user.email, "password": TEST_PASSWORD}
    if client:
        data["client"] = client
    response = APIClient().post(reverse("api-token"), data, format="json", **headers)
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


def api_token(user: User, *, client: str = "") -> str:
    """A new token for ``user``, to send as ``Authorization: Token <it>``."""
    token: str = issue_token(user, client=client)["token"]
    return token


def token_headers(user: User, *, client: str = "") -> dict[str, str]:
    """Test-client keyword arguments carrying a new token for ``user``."""
    return {"HTTP_AUTHORIZATION": f"Token {api_token(user, client=client)}"}
