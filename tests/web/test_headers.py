"""Headers every response carries: nothing signed-in is kept in a cache; what the Content
Security Policy blocks is reported, and the report is logged safely."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from tests.api_tokens import api_token
from tests.factories import CaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_case_page_referral_page_and_task_list_are_never_stored(client):
    case = CaseFactory.create()
    client.force_login(case.lead_worker)
    for url in (
        reverse("cases:detail", kwargs={"case_id": case.pk}),
        reverse("cases:list"),
        reverse("deadlines:tasks"),
        reverse("home"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


def test_a_referral_seen_by_its_referrer_is_never_stored(client):
    referral = ReferralFactory.create()
    client.force_login(referral.referrer)
    response = client.get(reverse("referrals:detail", kwargs={"referral_id": referral.pk}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_answers_to_a_token_are_never_stored(client):
    case = CaseFactory.create()
    token = api_token(case.lead_worker)
    response = client.get(reverse("api-case-detail", kwargs={"case_id": case.pk}), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    # A refusal too: even a 404 tells something about the request.
    other = CaseFactory.create()
    refused = client.get(reverse("api-case-detail", kwargs={"case_id": other.pk}), HTTP_AUTHORIZATION=f"Token {token}")
    assert refused.status_code == 404
    assert refused["Cache-Control"] == "no-store"


def test_public_pages_are_not_stored_either_unless_their_view_says_so(client):
    concern = client.get(reverse("public:public_concern"))
    assert concern["Cache-Control"] == "no-store"
    # never_cache on the sign-in page and /healthz sets their own policy, which a public
    # response keeps.
    for url in (reverse("login"), reverse("healthz")):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "max-age=0" in cache_control, url


def test_the_csp_names_where_violations_are_reported(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "report-uri /csp-report/" in policy


def test_a_violation_report_is_logged_without_the_query_string_or_the_blocked_path(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://tandem.example/cases/0b6c2f4e-0000-4000-8000-000000000001/?q=Amara+Okafor",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/steal.js?child=Amara",
        }
    }
    with caplog.at_level(logging.WARNING, logger="tandem.csp"):
        response = client.post(reverse("csp_report"), json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "https://evil.example (script-src-elem) on /cases/0b6c2f4e-0000-4000-8000-000000000001/" in logged
    assert "Amara" not in logged and "steal.js" not in logged


def test_reporting_api_reports_are_read_too(client, caplog):
    reports = [
        {
            "type": "csp-violation",
            "body": {
                "effectiveDirective": "style-src",
                "blockedURL": "inline",
                "documentURL": "https://tandem.example/",
            },
        },
        {"type": "deprecation", "body": {}},
    ]
    with caplog.at_level(logging.WARNING, logger="tandem.csp"):
        response = client.post(reverse("csp_report"), json.dumps(reports), content_type="application/reports+json")
    assert response.status_code == 204
    assert [record.getMessage() for record in caplog.records] == [
        "Content Security Policy blocked inline (style-src) on /"
    ]


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[" * 5000 + b"]" * 5000, json.dumps({"csp-report": "x"}).encode(), json.dumps(7).encode()],
    ids=["empty", "not-json", "deeply-nested", "wrong-shape", "a-number"],
)
def test_a_malformed_report_is_refused_without_an_error(client, body):
    assert client.post(reverse("csp_report"), body, content_type="application/csp-report").status_code == 400


def test_an_oversized_report_is_refused(client):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})
    assert client.post(reverse("csp_report"), body, content_type="application/csp-report").status_code == 413


def test_reports_are_only_posted(client):
    assert client.get(reverse("csp_report")).status_code == 405


def test_powerful_browser_features_are_off_on_every_page(client):
    for response in (client.get(reverse("login")), client.get(reverse("healthz"))):
        policy = dict(part.split("=", 1) for part in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
            assert policy[feature] == "()", feature
