from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_redis(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_answers_503_when_redis_is_unreachable(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nothing-listens-here.sock"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["redis"] == "down"
    assert response.json()["database"] == "ok"


def test_pages_carry_a_self_only_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy  # no third-party origin anywhere


def test_pages_load_no_asset_from_another_origin(client):
    page = client.get(reverse("login")).content.decode()
    assert "https://" not in page and "http://" not in page
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in page


def test_static_htmx_is_served_from_this_origin(live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/static/vendor/htmx-2.0.11/htmx.min.js") as response:  # noqa: S310
        assert response.status == 200
        assert b"htmx" in response.read(2000)
