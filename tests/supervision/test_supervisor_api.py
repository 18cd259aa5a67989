"""The supervisor's view API: the same answers as the pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from access_control.policy import Action
from agencies.models import Role
from cases.models import Case, ClosureRequest, LeadChange, RiskLevel, TeamRole
from deadlines.models import DeadlineState
from supervision import api, forms, views
from tests.access_control.test_no_bare_managers import bare_reads
from tests.factories import MembershipFactory, TeamMemberFactory
from tests.supervision.supervisor_helpers import case_for, make_team, owed, visit

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def team():
    return make_team(2)


def test_caseload_answers_a_row_per_supervisee(api_client, team):
    first = team.workers[0]
    case = case_for(first, risk=RiskLevel.HIGH)
    owed(first, case, DAY)
    owed(first, case, -DAY, DeadlineState.OVERDUE)
    visit(first, case, timezone.localdate() - DAY)
    api_client.force_authenticate(team.supervisor.user)
    response = api_client.get(reverse("api-supervisor-caseload"))
    assert response.status_code == 200
    rows = {row["membership_id"]: row for row in response.json()["rows"]}
    assert set(rows) == {m.pk for m in team.workers}
    row = rows[first.pk]
    assert row["worker"] == {"id": first.user.pk, "full_name": first.user.full_name}
    assert (row["open_cases"], row["leads"], row["due_this_week"], row["overdue"]) == (1, 1, 1, 1)
    assert row["by_risk"] == {"high": 1, "medium": 0, "low": 0}
    assert row["by_status"]["open"] == 1
    assert row["last_visit"] == str(timezone.localdate() - DAY)
    assert rows[team.workers[1].pk]["open_cases"] == 0
    assert "week_ends_at" in response.json()


def test_caseload_and_approvals_are_403_for_someone_who_supervises_no_one(api_client):
    worker = MembershipFactory.create(role=Role.PRACTITIONER)
    api_client.force_authenticate(worker.user)
    assert api_client.get(reverse("api-supervisor-caseload")).status_code == 403
    assert api_client.get(reverse("api-supervisor-approvals")).status_code == 403
    assert AccessLogEntry.objects.filter(user=worker.user, outcome="denied").count() == 2


def test_approvals_list_what_waits_for_me(api_client, team):
    first = team.workers[0]
    case = case_for(first)
    closure = ClosureRequest.objects.create(case=case, requested_by=first.user, reason="Safe now")
    ClosureRequest.objects.create(case=case_for(first, TeamRole.KEY_WORKER), requested_by=first.user, reason="x")
    api_client.force_authenticate(team.supervisor.user)
    body = api_client.get(reverse("api-supervisor-approvals")).json()
    assert [c["id"] for c in body["closures"]] == [closure.pk]
    assert body["closures"][0]["case"]["reference"] == case.reference
    assert body["extensions"] == [] and body["assessments"] == [] and body["triage_sign_offs"] == []


def test_reassign_lead_through_the_api(api_client, team):
    first, second = team.workers
    case = case_for(first)
    api_client.force_authenticate(team.supervisor.user)
    url = reverse("api-case-lead", kwargs={"case_id": case.pk})
    response = api_client.post(url, {"new_lead": second.user.pk, "reason": "Caseload balance"}, format="json")
    assert response.status_code == 201
    assert response.json()["new_lead"]["id"] == second.user.pk
    assert response.json()["previous_lead"]["id"] == first.user.pk
    assert Case.objects.get(pk=case.pk).lead_worker == second.user


def test_reassign_lead_api_validation_is_a_400_on_the_field(api_client, team):
    case = case_for(team.workers[0])
    api_client.force_authenticate(team.supervisor.user)
    url = reverse("api-case-lead", kwargs={"case_id": case.pk})
    admin = MembershipFactory.create(agency=team.agency, role=Role.AGENCY_ADMIN)
    response = api_client.post(url, {"new_lead": admin.user.pk, "reason": "Cover"}, format="json")
    assert response.status_code == 400 and "new_lead" in response.json()
    response = api_client.post(url, {"new_lead": team.workers[1].user.pk, "reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert not LeadChange.objects.exists()


def test_reassign_lead_api_is_404_out_of_sight_and_403_in_sight(api_client, team):
    case = case_for(team.workers[0])
    url = reverse("api-case-lead", kwargs={"case_id": case.pk})
    payload = {"new_lead": team.workers[1].user.pk, "reason": "Cover"}
    outsider = MembershipFactory.create(role=Role.SUPERVISOR).user
    api_client.force_authenticate(outsider)
    assert api_client.post(url, payload, format="json").status_code == 404
    key_worker = TeamMemberFactory.create(case=case, agency=team.agency, role=TeamRole.KEY_WORKER).user
    api_client.force_authenticate(key_worker)
    assert api_client.post(url, payload, format="json").status_code == 403
    assert AccessLogEntry.objects.filter(user=key_worker, action=Action.REASSIGN_LEAD, outcome="denied").exists()
    assert AccessLogEntry.objects.filter(user=outsider, case=case, outcome="denied").exists()
    assert not LeadChange.objects.exists()


def test_caseload_api_runs_the_same_number_of_queries_for_3_and_12_supervisees(api_client):
    counts = []
    for size in (3, 12):
        team = make_team(size)
        for worker in team.workers:
            case = case_for(worker)
            owed(worker, case, DAY)
            visit(worker, case, timezone.localdate())
        api_client.force_authenticate(team.supervisor.user)
        with CaptureQueriesContext(connection) as captured:
            assert len(api_client.get(reverse("api-supervisor-caseload")).json()["rows"]) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_openapi_schema_documents_the_supervisor_endpoints(client):
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/supervisor/caseload/"]) - {"parameters"} == {"get"}
    assert set(paths["/api/v1/supervisor/approvals/"]) - {"parameters"} == {"get"}
    assert set(paths["/api/v1/cases/{case_id}/lead/"]) - {"parameters"} == {"post"}


def test_the_supervisor_modules_reach_case_data_only_through_the_policy():
    for module in (api, views, forms):
        assert bare_reads(Path(str(module.__file__)).read_text()) == []
