"""Who may see and do the handover of a worker's work: only the worker's supervisor now. Everyone
else gets 404 (a membership id cannot be probed), logged; the agency admin sees counts only."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from access_control.models import AccessLogEntry
from agencies import handover as held
from agencies.models import Role
from tests.factories import MembershipFactory, SupervisionLineFactory
from tests.supervision.handover_helpers import busy_worker

pytestmark = pytest.mark.django_db

ROLES = [
    "supervisor",
    "other_supervisor_same_agency",
    "supervisor_elsewhere",
    "agency_admin",
    "worker_themself",
    "colleague",
    "former_supervisor",
]


def _who(world, role: str):
    if role == "supervisor":
        return world.supervisor.user
    if role == "other_supervisor_same_agency":
        other = MembershipFactory.create(agency=world.agency, role=Role.SUPERVISOR)
        SupervisionLineFactory.create(supervisor=other, supervisee=MembershipFactory.create(agency=world.agency))
        return other.user
    if role == "supervisor_elsewhere":
        return SupervisionLineFactory.create().supervisor.user
    if role == "agency_admin":
        return world.admin.user
    if role == "worker_themself":
        return world.worker.user
    if role == "colleague":
        return world.colleague.user
    former = MembershipFactory.create(agency=world.agency, role=Role.SUPERVISOR)
    SupervisionLineFactory.create(supervisor=former, supervisee=world.worker, active=False, ended_on="2026-01-01")
    return former.user


@pytest.mark.parametrize("role", ROLES)
def test_handover_page_and_api(client, api_client, role):
    world = busy_worker(cases=2)
    user = _who(world, role)
    allowed = role == "supervisor"
    client.force_login(user)
    api_client.force_authenticate(user)
    page_url = reverse("supervision:handover", args=[world.worker.pk])
    api_url = reverse("api-supervisor-handover", args=[world.worker.pk])

    page = client.get(page_url)
    assert page.status_code == (200 if allowed else 404)
    listed = api_client.get(api_url)
    assert listed.status_code == (200 if allowed else 404)
    if not allowed:
        body = page.content.decode() + listed.content.decode()
        assert not any(case.reference in body for case in world.cases)
        assert AccessLogEntry.objects.filter(user=user, action="view_handover", outcome="denied").exists()

    posted = client.post(page_url, {"to": world.colleague.pk, "reason": "Leaving"})
    assert posted.status_code == (302 if allowed else 404)
    if not allowed:
        api_posted = api_client.post(api_url, {"to": world.colleague.pk, "reason": "Leaving"}, format="json")
        assert api_posted.status_code == 404
        assert AccessLogEntry.objects.filter(user=user, action="hand_over", outcome="denied").exists()
        assert held.held_work(world.worker).cases == 2
    else:
        assert held.held_work(world.worker).total == 0


def test_signed_out_gets_nothing(client, api_client):
    world = busy_worker(cases=1)
    page = client.get(reverse("supervision:handover", args=[world.worker.pk]))
    assert page.status_code == 302
    assert page["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert api_client.get(reverse("api-supervisor-handover", args=[world.worker.pk])).status_code in (401, 403)


def test_the_admins_deactivation_page_and_api_reveal_no_case_or_child(client, api_client):
    world = busy_worker(cases=3)
    secrets = [case.reference for case in world.cases]
    secrets += [child.full_name for case in world.cases for child in case.children.all()]
    secrets += [child.family_name for case in world.cases for child in case.children.all()]
    secrets += [a.description for a in world.plan_actions + world.meeting_actions]
    client.force_login(world.admin.user)
    api_client.force_authenticate(world.admin.user)
    url = reverse("agencies:member_deactivate", args=[world.agency.pk, world.worker.pk])
    seen = client.get(url).content.decode() + client.post(url).content.decode()
    seen += client.get(reverse("agencies:member_detail", args=[world.agency.pk, world.worker.pk])).content.decode()
    seen += api_client.post(reverse("api-member-deactivate", args=[world.agency.pk, world.worker.pk])).content.decode()
    assert "3 open cases they lead" in seen
    assert [secret for secret in secrets if secret in seen] == []
    # Nor a link to a page the admin cannot open.
    assert "/cases/" not in seen.split("<main", 1)[-1].split("</main>", 1)[0]
