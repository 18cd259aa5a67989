"""The OpenAPI schema documents every operation's error answers (web/schema.py) and each
download's real media types; the API answers errors in the shapes it documents."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens
from tests.api.conftest import api_schema, operations
from tests.factories import CaseFactory, MembershipFactory

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _requires_sign_in(spec: dict) -> bool:
    return {} not in spec.get("security", [{}])


@pytest.mark.parametrize("operation", operations(), ids=lambda operation: operation.label)
def test_every_operation_documents_the_errors_it_can_answer(operation):
    spec, responses = operation.spec, operation.spec["responses"]
    takes_input = "requestBody" in spec or any(p["in"] == "query" for p in spec.get("parameters", []))
    if takes_input:
        assert "400" in responses
    if _requires_sign_in(spec):
        for code, name in (("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound")):
            assert responses[code] == _ref(name), code
    assert "429" in responses  # every operation of the API is throttled
    if "requestBody" in spec:
        assert responses["415"] == _ref("UnsupportedMediaType")


def test_the_error_responses_share_two_bodies():
    components = api_schema()["components"]
    assert components["schemas"]["Error"]["required"] == ["detail"]
    assert "non_field_errors" in components["schemas"]["ValidationErrors"]["properties"]
    bad_request = components["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    assert bad_request == {"anyOf": [{"$ref": "#/components/schemas/ValidationErrors"}, ERROR_REF]}
    for name in ("Unauthorized", "Forbidden", "NotFound", "UnsupportedMediaType", "TooManyRequests"):
        assert components["responses"][name]["content"]["application/json"]["schema"] == ERROR_REF
    assert "WWW-Authenticate" in components["responses"]["Unauthorized"]["headers"]
    assert "Retry-After" in components["responses"]["TooManyRequests"]["headers"]


def test_a_view_that_explains_an_error_keeps_its_words_and_gains_the_body():
    public = api_schema()["paths"]["/api/v1/public/concerns/"]["post"]["responses"]
    assert public["429"]["description"].startswith("Too many concerns from this address")
    assert public["429"]["content"]["application/json"]["schema"] == ERROR_REF
    assert "401" not in public and "403" not in public  # nothing to authenticate, nobody to refuse


def test_the_document_download_is_documented_as_the_files_it_answers():
    download = api_schema()["paths"]["/api/v1/documents/{document_id}/download/"]["get"]["responses"]["200"]
    assert set(download["content"]) == set(settings.DOCUMENT_CONTENT_TYPES)
    assert "application/octet-stream" not in download["content"]
    for media in download["content"].values():
        assert media["schema"] == {"type": "string", "format": "binary"}


# --- the answers are what the schema says --------------------------------------------------


@pytest.mark.django_db
def test_a_missing_or_bad_credential_is_a_401_that_says_to_send_a_token(api_client):
    for client in (api_client, APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")):
        response = client.get(reverse("api-case-list"))
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert set(response.json()) == {"detail"}


@pytest.mark.django_db
def test_a_signed_in_caller_the_policy_refuses_is_still_a_403_or_404(api_client):
    case = CaseFactory.create()
    outsider = MembershipFactory.create().user
    _token, key = tokens.issue(outsider, client="test")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api-supervisor-caseload")).status_code == 403
    refused = api_client.get(reverse("api-case-detail", kwargs={"case_id": case.pk}))
    assert refused.status_code == 404
    assert set(refused.json()) == {"detail"}
    api_client.credentials()
    api_client.force_login(outsider)  # signed in to the pages: the same refusals through the session
    assert api_client.get(reverse("api-supervisor-caseload")).status_code == 403
