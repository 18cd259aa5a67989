"""The whole API, operation by operation: its schema as drf-spectacular generates it, and the
demo's world (seeded once per module, through the services) for real ids in every path, with
the demo person each part of the API is for signed in."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from pytest_django import DjangoDbBlocker

from access_control.policy import get_case, visible_entries
from accounts import tokens
from agencies.models import Agency, Membership, User
from cases.models import (
    Case,
    CaseTeamMember,
    Contribution,
    Document,
    FamilyLink,
    JointAssessment,
    Meeting,
    MeetingAction,
    Plan,
    PlanAction,
    PlanOutcome,
    TeamRole,
    Visibility,
)
from referrals import services as referral_services
from referrals.models import Referral

DEMO_DOMAIN = "demo.tandem.example"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema names it, e.g. /api/v1/cases/{case_id}/
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@functools.cache
def api_schema() -> dict[str, Any]:
    """The OpenAPI schema, generated in-process as `manage.py spectacular` does."""
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def operations() -> list[Operation]:
    return [
        Operation(method, path, spec)
        for path, item in api_schema()["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its top-level $ref followed (components/schemas/...)."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = api_schema()["components"]["schemas"][name]
    return schema


# Who calls each part of the API: the demo person it is for.
_CALLERS = (
    (re.compile(r"^/api/v1/agencies/"), "agency-admin@csc"),
    (re.compile(r"^/api/v1/contributions/"), "practitioner@health"),
    (re.compile(r"^/api/v1/referrals/"), "intake@csc"),
    (re.compile(r"^/api/v1/service-referrals/"), "practitioner@family-support"),
    (re.compile(r"^/api/v1/supervisor/"), "supervisor@csc"),
)
PRACTITIONER = "practitioner@csc"


@dataclass(frozen=True)
class SignedIn:
    user: User
    token_id: int
    authorization: str  # the Authorization header's value


@dataclass
class DemoWorld:
    """The demo, and a real id for each path parameter of each path."""

    callers: dict[str, User]
    ids: dict[str, Any]
    meeting_action: int
    plan_action: int
    service_referral: Any

    def caller(self, path: str) -> User:
        for pattern, who in _CALLERS:
            if pattern.match(path):
                return self.callers[who]
        return self.callers[PRACTITIONER]

    def sign_in(self, path: str) -> SignedIn:
        """The person ``path`` is for, with a new API token of theirs."""
        user = self.caller(path)
        token, key = tokens.issue(user, client="API test")
        return SignedIn(user=user, token_id=token.pk, authorization=f"Token {key}")

    def path_parameters(self, path: str, signed_in: SignedIn) -> dict[str, str]:
        """A real id for each of the path's parameters: an action is a meeting's or a plan's, and a
        referral a front door's or a service's, by the path; a token is the caller's own."""
        ids = dict(self.ids, action_id=self.meeting_action if "meeting-actions" in path else self.plan_action)
        ids["token_id"] = signed_in.token_id
        if path.startswith("/api/v1/service-referrals/"):
            ids["referral_id"] = self.service_referral
        return {name: str(ids[name]) for name in re.findall(r"\{(\w+)\}", path)}

    def url(self, path: str, signed_in: SignedIn) -> str:
        return path.format(**self.path_parameters(path, signed_in))


def _first(rows: QuerySet[Any]) -> Any:
    found = rows.order_by("pk").first()
    assert found is not None, f"the demo has no {rows.model.__name__}"
    return found


def _demo_world() -> DemoWorld:
    callers = {
        user.email.removesuffix(f".{DEMO_DOMAIN}"): user
        for user in User.objects.filter(email__endswith=f".{DEMO_DOMAIN}")
    }
    lead = callers[PRACTITIONER]
    plan = Plan.objects.select_related("case").get()
    case: Case = plan.case
    agency = Agency.objects.get(memberships__user=callers["agency-admin@csc"])
    family_support = Agency.objects.get(memberships__user=callers["practitioner@family-support"])
    # An entry the lead may pass on: one the whole team sees (the demo's first entry may be an
    # agency's own, out of the lead's sight, depending on how the demo was seeded).
    entry = _first(visible_entries(lead, case).filter(visibility=Visibility.TEAM))
    service_referral = referral_services.make_service_referral(
        access=get_case(lead, case.pk),
        to_agency=family_support,
        service="Parenting programme",
        reason="The family asked for help with routines",
        shared_entries=[entry],
    )
    ids = {
        "case_id": case.pk,
        "agency_id": agency.pk,
        "membership_id": _first(Membership.objects.filter(agency=agency).exclude(user=callers["agency-admin@csc"])).pk,
        "assessment_id": JointAssessment.objects.get().pk,
        "contribution_id": _first(
            Contribution.objects.filter(author_agency__memberships__user=callers["practitioner@health"])
        ).pk,
        "meeting_id": _first(Meeting.objects.all()).pk,
        "plan_id": plan.pk,
        "outcome_id": _first(PlanOutcome.objects.filter(plan=plan)).pk,
        "entry_id": entry.pk,
        "link_id": _first(FamilyLink.objects.filter(child__cases=case)).pk,
        "document_id": _first(Document.objects.all()).pk,
        "member_id": _first(CaseTeamMember.objects.filter(case=case).exclude(role=TeamRole.LEAD)).pk,
        "referral_id": _first(Referral.objects.exclude(submitted_at=None)).pk,
    }
    return DemoWorld(
        callers=callers,
        ids=ids,
        meeting_action=_first(MeetingAction.objects.all()).pk,
        plan_action=_first(PlanAction.objects.filter(plan=plan)).pk,
        service_referral=service_referral.pk,
    )


@pytest.fixture(scope="module")
def demo_world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoWorld]:
    """The demo, seeded once for the module (seeding takes seconds) and rolled back after it;
    each test still runs in its own savepoint, so what one operation changes the next never sees."""
    media = str(tmp_path_factory.mktemp("api-media"))
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        world = _demo_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def reset_throttles(settings: Any) -> Callable[[User | None], None]:
    """Forget what the throttles have counted (for ``user`` and for this address), so that
    many requests in a row reach the views; the public form's own limit is lifted."""
    settings.PUBLIC_CONCERN_RATE_PER_HOUR = 1_000_000

    def reset(user: User | None) -> None:
        keys = ["throttle_anon_127.0.0.1", "throttle_public_concern_127.0.0.1"]
        if user is not None:
            keys.append(f"throttle_user_{user.pk}")
        cache.delete_many(keys)

    return reset
