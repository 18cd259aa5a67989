"""The upgrade that stops storing recovery codes as they were shown: codes already stored
become their keyed digests, and each still works, once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from agencies import second_factor
from tests.factories import TEST_PASSWORD, MembershipFactory

BEFORE = [("accounts", "0001_api_tokens")]
OTP = [("otp_static", "0003_add_timestamps"), ("otp_totp", "0003_add_timestamps")]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def before_the_digests() -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def test_codes_stored_as_shown_become_digests_and_still_sign_in_once(before_the_digests):
    person = MembershipFactory.create().user
    # The models as they stood then (django-otp's own are unchanged by the upgrade).
    old = before_the_digests.loader.project_state([*BEFORE, *OTP]).apps
    device = old.get_model("otp_static", "StaticDevice").objects.create(
        user_id=person.pk, name="Recovery codes", confirmed=True
    )
    old.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=person.pk, name="Authenticator app", key="0" * 40, confirmed=True
    )
    plain = ["abcd2345", "efgh6723"]
    for code in plain:
        old.get_model("otp_static", "StaticToken").objects.create(device_id=device.pk, token=code)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django_otp.plugins.otp_static.models import StaticToken

    stored = set(StaticToken.objects.filter(device__user=person).values_list("token", flat=True))
    assert stored == {second_factor.recovery_digest(code) for code in plain}
    client = Client()
    assert client.post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD}).status_code == 302
    response = client.post(reverse("accounts:mfa_verify"), {"code": "abcd-2345"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert StaticToken.objects.filter(device__user=person).count() == 1
