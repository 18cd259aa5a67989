"""Pages of a policy read (web/pagination.py): a page number past what the database can
offset is past the end, never a query that fails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case
from tests.factories import CaseFactory
from web.pagination import LARGEST_OFFSET, PageWithCount

pytestmark = pytest.mark.django_db

PAST_A_BIGINT = str(LARGEST_OFFSET // 25 + 2)  # found by schemathesis: ?page=351539337187899473920


def test_the_api_answers_404_for_a_page_past_what_postgresql_can_offset(api_client):
    case = CaseFactory.create()
    api_client.force_authenticate(case.lead_worker)
    for page in (PAST_A_BIGINT, "351539337187899473920"):
        response = api_client.get(reverse("api-case-list"), {"page": page})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}
    assert api_client.get(reverse("api-case-list"), {"page": "1"}).json()["count"] == 1


def test_a_page_past_what_postgresql_can_offset_shows_the_last_page():
    case = CaseFactory.create()
    page = PageWithCount(Case.objects.order_by("pk"), 25).get_page(PAST_A_BIGINT)
    assert page.number == 1 and list(page) == [case]
