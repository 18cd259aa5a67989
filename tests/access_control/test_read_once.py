"""What the policy keeps for the length of one request that only reads: the SQL of the
user's visible-case rules (built and compiled once, computed afresh by PostgreSQL in every
query) and the front doors they work. Nothing is kept for a write, a task or the next
request, and a page's answers are the ones the policy gives without it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from guardian.shortcuts import assign_perm

from access_control import policy, request_context
from access_control.models import CaseUserObjectPermission
from access_control.policy.cases import case_ids_in_sight
from access_control.request_context import RequestContextMiddleware
from agencies.models import Membership, Role, User
from tests.factories import (
    CaseFactory,
    DeadlineFactory,
    MembershipFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
    supervise,
)

pytestmark = pytest.mark.django_db


def _in_request(method: str, view: Callable[[], Any]) -> Any:
    """``view()`` run inside the middleware for a request of ``method``, its answer returned."""
    answers: list[Any] = []

    def get_response(request: HttpRequest) -> HttpResponse:
        answers.append(view())
        return HttpResponse()

    RequestContextMiddleware(get_response)(getattr(RequestFactory(), method.lower())("/cases/"))
    return answers[0]


@pytest.fixture
def read_only_request() -> Iterator[None]:
    """The place a read-only request gives the policy, for a test's whole body."""
    token = request_context.read_once.set({})
    yield
    request_context.read_once.reset(token)


def _visible(user: User) -> set[Any]:
    return set(policy.visible_cases(user).values_list("pk", flat=True))


def test_only_requests_that_read_keep_anything() -> None:
    for method in ("GET", "HEAD", "OPTIONS"):
        assert _in_request(method, request_context.read_once.get) == {}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert _in_request(method, request_context.read_once.get) is None
    assert request_context.read_once.get() is None  # and nothing outlives the request


def test_outside_a_read_only_request_the_rules_are_a_query(read_only_request: None) -> None:
    user = TeamMemberFactory.create().user
    assert isinstance(case_ids_in_sight(user), RawSQL)
    token = request_context.read_once.set(None)
    try:
        assert not isinstance(case_ids_in_sight(user), RawSQL)
    finally:
        request_context.read_once.reset(token)


def test_each_rule_gives_the_same_cases_with_the_sql_reused(read_only_request: None) -> None:
    team = TeamMemberFactory.create()
    lead = Membership.objects.get(user=team.case.lead_worker, agency=team.case.lead_agency)
    supervisor = supervise(lead).user
    granted = MembershipFactory.create().user
    other = CaseFactory.create()
    assign_perm(policy.VIEW_CASE_PERMISSION, granted, other)
    stranger = MembershipFactory.create().user
    for user, expected in (
        (team.user, {team.case.pk}),
        (supervisor, {team.case.pk}),
        (granted, {other.pk}),
        (stranger, set()),
    ):
        first, again = _visible(user), _visible(user)
        assert first == again == expected


def test_postgresql_still_reads_the_rules_in_every_query(read_only_request: None) -> None:
    """Only the SQL text is kept: access given or taken away between two queries of the same
    request shows in the second."""
    user = MembershipFactory.create(role=Role.PRACTITIONER).user
    case = CaseFactory.create()
    assert _visible(user) == set()
    assert isinstance(case_ids_in_sight(user), RawSQL)
    assign_perm(policy.VIEW_CASE_PERMISSION, user, case)
    assert _visible(user) == {case.pk}
    CaseUserObjectPermission.objects.filter(user=user).delete()
    assert _visible(user) == set()


def test_one_users_rules_are_never_anothers(read_only_request: None) -> None:
    first, second = TeamMemberFactory.create(), TeamMemberFactory.create()
    assert _visible(first.user) == {first.case.pk}
    assert _visible(second.user) == {second.case.pk}
    assert _visible(first.user) == {first.case.pk}


def test_my_tasks_and_the_supervisors_reads_agree_with_and_without_it() -> None:
    team = TeamMemberFactory.create()
    lead = Membership.objects.get(user=team.case.lead_worker, agency=team.case.lead_agency)
    supervisor = supervise(lead).user
    DeadlineFactory.create(case=team.case, owner=team.case.lead_worker, owner_agency=team.case.lead_agency)
    DeadlineFactory.create(case=CaseFactory.create(), owner=team.case.lead_worker, owner_agency=team.case.lead_agency)

    def reads() -> tuple[set[Any], ...]:
        return (
            set(policy.my_tasks(team.case.lead_worker).values_list("pk", flat=True)),
            set(policy.supervisees_deadlines(supervisor).values_list("pk", flat=True)),
            set(policy.supervisees_places(supervisor).values_list("pk", flat=True)),
            set(policy.readable_entries(supervisor).values_list("pk", flat=True)),
        )

    without = reads()
    assert _in_request("GET", reads) == without
    assert len(without[0]) == 1  # the deadline on a case the worker no longer sees is not theirs to see


def test_the_front_doors_a_user_works_are_read_once_per_request() -> None:
    door = front_door_agency()
    worker = front_door_worker(door)
    assert _in_request("GET", lambda: policy.front_door_ids(worker)) == [door.pk]
    Membership.objects.filter(user=worker).update(active=False, ended_on=timezone.localdate())
    # A new request reads them again.
    assert _in_request("GET", lambda: policy.front_door_ids(worker)) == []
