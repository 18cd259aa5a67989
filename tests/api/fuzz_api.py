"""Schemathesis over the whole API (`make fuzz`; not part of `make test`, whose files are test_*.py).

Every operation of the schema (generated in-process, as `manage.py spectacular` does) gets a
few generated requests, valid and invalid (schemathesis's examples and fuzzing phases, with
positive and negative data), sent through Django's own WSGI handler in this process with a
real API token of the demo person that part of the API is for, on the real ids of the demo's
world (tests/api/conftest.py) in the test database pytest-django creates for the run. The one
check is schemathesis's ``not_a_server_error``: whatever the input, no answer is a 5xx. At the
end: how many operations, requests and 5xx answers there were, and the answers by status.

Why in-process WSGI and not a live server: no port, no second process to start and stop, the
test database and its rollbacks come from pytest-django as in `make test` (embedded services
when DATABASE_URL/REDIS_URL are unset), and a failure is a pytest failure with schemathesis's
reproduction (a curl command) and Hypothesis's smallest failing example.

FUZZ_EXAMPLES sets the examples per operation (default 10: about a minute and a half)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from tests.api.conftest import api_schema

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))

schema = schemathesis.openapi.from_dict(
    api_schema(),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            # The coverage phase enumerates every boundary of every field: hundreds of
            # requests an operation, more than this run's time allows.
            "phases": {"coverage": {"enabled": False}},
        }
    ),
)

# Requests made, by operation and by status code, for the summary.
requests_by_operation: Counter[str] = Counter()
answers_by_status: Counter[int] = Counter()


@pytest.fixture(scope="module")
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, the one production serves through gunicorn. Each request would
    close the database connection at its end (and with it the test's transaction); the test
    client stops that the same way, for the requests of this module only."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    server_errors = sum(count for status, count in answers_by_status.items() if status >= 500)
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(answers_by_status.items()))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\nschemathesis: {len(requests_by_operation)} operations, {sum(requests_by_operation.values())} "
            f"requests ({EXAMPLES} examples an operation asked), {server_errors} answered 5xx; by status: {by_status}"
        )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # One database, world and WSGI handler serve all of an operation's examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_answers_a_server_error(
    case: Any, demo_world: Any, reset_throttles: Any, wsgi_app: WSGIHandler, db: None
) -> None:
    path = case.operation.path
    signed_in = demo_world.sign_in(path)
    reset_throttles(signed_in.user)
    if case.path_parameters:
        case.path_parameters = demo_world.path_parameters(path, signed_in)
    response = case.call(app=wsgi_app, headers={"Authorization": signed_in.authorization})
    requests_by_operation[case.operation.label] += 1
    answers_by_status[response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error])
