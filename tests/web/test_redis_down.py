"""With Redis down, the API keeps answering: its throttles (and the public form's limit) let
requests through with a warning, while /healthz says 503. A real redis-server of the test's
own is stopped here, not a mock: the session's Redis (and Celery's broker) stay up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AgencyKind
from config.embedded import EmbeddedRedis, start_redis
from tests.factories import TEST_PASSWORD, AgencyFactory, CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(tmp_path: Path, settings) -> Iterator[EmbeddedRedis]:
    """A redis-server of this test's own as the cache (and /healthz's Redis)."""
    server = start_redis(tmp_path / "redis" / "cache.rdb")
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url()}}
    settings.REDIS_URL = server.url()
    try:
        yield server
    finally:
        server.stop()


def sign_in_for_a_token(client: APIClient, email: str) -> str:
    response = client.post(reverse("api-token"), {"username": email, "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def _with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def work_on_the_case(client: APIClient, case_id: object) -> None:
    detail = client.get(reverse("api-case-detail", kwargs={"case_id": case_id}))
    assert detail.status_code == 200
    entry = {
        "event_date": str(timezone.localdate() - timedelta(days=1)),
        "kind": "visit",
        "summary": "Home visit",
        "detail": "Saw the child at home.",
        "visibility": "team",
    }
    added = client.post(reverse("api-case-entries", kwargs={"case_id": case_id}), entry, format="json")
    assert added.status_code == 201, added.content


def test_the_api_answers_without_redis_and_healthz_says_so(own_redis, caplog):
    case = CaseFactory.create()
    client = APIClient()
    # With Redis up, the throttles count in it.
    token = sign_in_for_a_token(client, case.lead_worker.email)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    work_on_the_case(client, case.pk)
    assert own_redis.client.keys("*throttle*")  # the counts are in this test's Redis
    assert client.get(reverse("healthz")).status_code == 200

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="tandem.throttling"):
        work_on_the_case(client, case.pk)
        # Signing in still works: a new token of its own (a token per sign-in), which works too.
        again = sign_in_for_a_token(APIClient(), case.lead_worker.email)
        assert again != token
        work_on_the_case(_with_token(again), case.pk)
    warnings = [record.getMessage() for record in caplog.records if record.name == "tandem.throttling"]
    assert any("UserRateThrottle cannot reach its cache" in warning for warning in warnings)
    assert any("AnonRateThrottle cannot reach its cache" in warning for warning in warnings)

    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["redis"] == "down"


def test_a_member_of_the_public_can_still_report_a_concern_without_redis(own_redis, caplog):
    front_door = AgencyFactory.create(kind=AgencyKind.CHILDRENS_SOCIAL_CARE, takes_referrals=True)
    own_redis.stop()
    concern = {
        "receiving_agency": front_door.pk,
        "referrer_relationship": "Neighbour",
        "child_given_names": "Leo",
        "child_address": "14 Mill Lane",
        "concern_description": "I hear a small child crying late every night and shouting.",
    }
    with caplog.at_level(logging.WARNING):
        response = APIClient(enforce_csrf_checks=True).post(reverse("api-public-concern"), concern, format="json")
    assert response.status_code == 201
    assert any("PublicConcernThrottle cannot reach its cache" in record.getMessage() for record in caplog.records)
