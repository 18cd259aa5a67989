"""A JSON body nested too deeply is a 400, never a 500 (ASVS: bad input never fails the server)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CaseFactory, MembershipFactory
from web.parsers import MAX_DEPTH, TOO_DEEP

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return '{"reason": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.fixture
def signed_in(api_client):
    api_client.force_authenticate(MembershipFactory.create().user)
    return api_client


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_a_body_nested_too_deep_is_refused_with_a_400(signed_in, depth):
    case = CaseFactory.create()
    response = signed_in.generic(
        "POST",
        reverse("api-break-glass"),
        nested(depth).replace('{"reason"', f'{{"reference": "{case.reference}", "reason"'),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": TOO_DEEP}


def test_a_body_within_the_bound_reaches_the_view(signed_in):
    # Nested as deep as allowed, the body is parsed and the view answers about its content.
    response = signed_in.generic("POST", reverse("api-break-glass"), nested(MAX_DEPTH), content_type="application/json")
    assert response.status_code == 400
    assert "reference" in response.json()


def test_a_deep_body_to_another_endpoint_is_refused_too(signed_in):
    response = signed_in.generic(
        "PUT", reverse("api-notification-preference"), "[" * 5_000 + "]" * 5_000, content_type="application/json"
    )
    assert response.status_code == 400
