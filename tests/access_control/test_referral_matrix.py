"""The access matrix for referrals: every relationship a person can have to a referral,
against every action, through the pages and through the API. One table below states the
rules; each cell asserts the outcome a user would see, that the access log recorded it, and
that a refused action changed nothing.

Outcomes: a referral the user may not see answers 404; an action on a referral the user can
see but may not do answers 403; an allowed action succeeds (and does what it says). Someone
not signed in is sent to sign in (pages) or refused (API), and nothing is logged against a user.

Service referrals between agencies (recipient before and after acceptance) are not in this
table: they are a different object with their own policy (``get_service_referral``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from access_control.policy import ReferralAction, get_referral
from agencies.models import AgencyKind, Role, SupervisionLine, User
from cases.models import Case, CaseTeamMember
from referrals import services
from referrals.models import Referral, ReferralAddition, ReferralStatus, TriageDecision
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    ReferralFactory,
    UserFactory,
    draft_referral,
    front_door_agency,
)

# --- the table ---------------------------------------------------------------------

ACTIONS = (
    "view_referral",
    "edit_draft",
    "add_information",
    "take",
    "decide",
    "sign_off",
    "view_matches",
    "view_accepted_case",
)

REFERRER = "referrer (teacher)"
INTAKE = "receiving intake worker (accepted the case)"
FRONT_DOOR_SUPERVISOR = "receiving front-door supervisor (supervises the intake worker)"
PUBLIC = "public (not signed in)"

FRONT_DOOR_WORK = {"view_referral", "add_information", "take", "decide", "view_matches", "view_accepted_case"}

# relationship -> the actions it allows (everything else is refused).
MATRIX: dict[str, set[str]] = {
    REFERRER: {"view_referral", "edit_draft", "add_information"},
    INTAKE: FRONT_DOOR_WORK,
    # Signs off a colleague's decision; sees the accepted case as the accepting worker's supervisor.
    FRONT_DOOR_SUPERVISOR: FRONT_DOOR_WORK | {"sign_off"},
    "intake worker of another front door": set(),
    "supervisor in the referrer's agency (supervises the teacher)": set(),
    "practitioner of the receiving agency (not intake)": set(),
    "agency admin of the receiving agency": set(),
    PUBLIC: set(),
    "platform superuser": set(),
}

# Who may see the referral an action is tried on, by its state: seeing it but being refused
# the action answers 403; not seeing it answers 404.
SEES: dict[str, set[str]] = {
    REFERRER: {"draft", "sent"},
    INTAKE: {"sent"},
    FRONT_DOOR_SUPERVISOR: {"sent"},
}
ACTION_REFERRAL_STATE = {action: "draft" if action == "edit_draft" else "sent" for action in ACTIONS}


@dataclass
class World:
    users: dict[str, User | None]
    draft: Referral
    submitted: Referral
    awaiting: Referral  # a decision by the intake worker, waiting for sign-off
    accepted: Referral  # accepted by the intake worker: a case was opened
    case: Case


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path
    front_door = front_door_agency()
    school = AgencyFactory.create(kind=AgencyKind.EDUCATION)
    teacher = MembershipFactory.create(agency=school)
    intake = MembershipFactory.create(agency=front_door, role=Role.INTAKE)
    front_door_supervisor = MembershipFactory.create(agency=front_door, role=Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=front_door_supervisor, supervisee=intake)
    school_supervisor = MembershipFactory.create(agency=school, role=Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=school_supervisor, supervisee=teacher)

    users: dict[str, User | None] = {
        REFERRER: teacher.user,
        INTAKE: intake.user,
        FRONT_DOOR_SUPERVISOR: front_door_supervisor.user,
        "intake worker of another front door": MembershipFactory.create(
            agency=front_door_agency(), role=Role.INTAKE
        ).user,
        "supervisor in the referrer's agency (supervises the teacher)": school_supervisor.user,
        "practitioner of the receiving agency (not intake)": MembershipFactory.create(
            agency=front_door, role=Role.PRACTITIONER
        ).user,
        "agency admin of the receiving agency": MembershipFactory.create(
            agency=front_door, role=Role.AGENCY_ADMIN
        ).user,
        PUBLIC: None,
        "platform superuser": UserFactory.create(is_superuser=True, is_staff=True),
    }
    assert set(users) == set(MATRIX)

    ours = {"receiving_agency": front_door, "referrer": teacher.user, "referrer_agency": school}
    # Distinctive names, so a page that leaks one is caught whatever else it shows.
    draft = draft_referral(**ours, child_family_name="Quennell-Draft")
    submitted = ReferralFactory.create(**ours, child_family_name="Quennell-Sent")
    awaiting = ReferralFactory.create(
        **ours,
        child_family_name="Quennell-Waiting",
        status=ReferralStatus.AWAITING_SIGNOFF,
        decision=TriageDecision.ADVICE,
        decision_rationale="Signpost to the school nurse.",
        decided_by=intake.user,
        decided_at=timezone.now(),
        handler=intake.user,
    )
    accepted = ReferralFactory.create(**ours, child_family_name="Quennell-Accepted")
    accepted = services.decide_referral(
        access=get_referral(intake.user, accepted.pk, ReferralAction.TRIAGE),
        decision=TriageDecision.ACCEPTED,
        rationale="Needs a child and family assessment.",
    )
    assert accepted.linked_case is not None
    return World(users, draft, submitted, awaiting, accepted, accepted.linked_case)


# --- how each action is attempted ------------------------------------------------------

EDIT = "Matrix edit: she said it again."
ADDITION = "Matrix addition: seen again today."


def _page(world: World, action: str, client: Client) -> Any:
    if action == "view_referral":
        return client.get(reverse("referrals:detail", kwargs={"referral_id": world.submitted.pk}))
    if action == "edit_draft":
        draft = world.draft
        form = {
            "receiving_agency": draft.receiving_agency_id,
            "child_given_names": draft.child_given_names,
            "child_family_name": draft.child_family_name,
            "concern_category": draft.concern_category,
            "concern_description": draft.concern_description,
            "child_said": EDIT,
            "urgency": draft.urgency,
            "consent": draft.consent,
            "referrer_contact": draft.referrer_contact,
            "action": "save",
        }
        return client.post(reverse("referrals:edit", kwargs={"referral_id": draft.pk}), form)
    if action == "add_information":
        return client.post(reverse("referrals:add", kwargs={"referral_id": world.submitted.pk}), {"text": ADDITION})
    if action == "take":
        return client.post(reverse("referrals:take", kwargs={"referral_id": world.submitted.pk}))
    if action == "decide":
        return client.post(
            reverse("referrals:triage", kwargs={"referral_id": world.submitted.pk}),
            {"decision": "advice", "decision_rationale": "Signpost to early help.", "link": "new"},
        )
    if action == "sign_off":
        return client.post(
            reverse("referrals:sign_off", kwargs={"referral_id": world.awaiting.pk}), {"approve": "yes", "note": ""}
        )
    if action == "view_matches":
        # The triage page is where the front door sees whether the child is already known.
        return client.get(reverse("referrals:triage", kwargs={"referral_id": world.submitted.pk}))
    if action == "view_accepted_case":
        return client.get(reverse("cases:detail", kwargs={"case_id": world.case.pk}))
    raise AssertionError(action)


def _api(world: World, action: str, client: APIClient) -> Any:
    if action == "view_referral":
        return client.get(reverse("api-referral-detail", kwargs={"referral_id": world.submitted.pk}))
    if action == "edit_draft":
        return client.patch(
            reverse("api-referral-detail", kwargs={"referral_id": world.draft.pk}), {"child_said": EDIT}, format="json"
        )
    if action == "add_information":
        return client.post(
            reverse("api-referral-add", kwargs={"referral_id": world.submitted.pk}), {"text": ADDITION}, format="json"
        )
    if action == "take":
        return client.post(reverse("api-referral-take", kwargs={"referral_id": world.submitted.pk}))
    if action == "decide":
        return client.post(
            reverse("api-referral-decision", kwargs={"referral_id": world.submitted.pk}),
            {"decision": "advice", "rationale": "Signpost to early help."},
            format="json",
        )
    if action == "sign_off":
        return client.post(
            reverse("api-referral-sign-off", kwargs={"referral_id": world.awaiting.pk}),
            {"approve": True},
            format="json",
        )
    if action == "view_matches":
        return client.get(reverse("api-referral-matches", kwargs={"referral_id": world.submitted.pk}))
    if action == "view_accepted_case":
        return client.get(reverse("api-case-detail", kwargs={"case_id": world.case.pk}))
    raise AssertionError(action)


def _state(world: World) -> tuple[object, ...]:
    """Everything an action in the table could change."""
    draft = Referral.objects.filter(pk=world.draft.pk).values("child_said", "status").get()
    submitted = Referral.objects.filter(pk=world.submitted.pk).values("status", "handler", "decision").get()
    awaiting = Referral.objects.filter(pk=world.awaiting.pk).values("status", "signed_off_by").get()
    return (
        draft,
        submitted,
        awaiting,
        ReferralAddition.objects.count(),
        Referral.objects.count(),
        Case.objects.count(),
        CaseTeamMember.objects.filter(case=world.case).count(),
    )


def _did_it(world: World, action: str, user: User) -> bool:
    """An allowed write really happened (a page that answered 200 with form errors did not)."""
    if action == "edit_draft":
        return Referral.objects.filter(pk=world.draft.pk, child_said=EDIT).exists()
    if action == "add_information":
        return ReferralAddition.objects.filter(referral=world.submitted, author=user, text=ADDITION).exists()
    if action == "take":
        return Referral.objects.filter(pk=world.submitted.pk, handler=user).exists()
    if action == "decide":
        return Referral.objects.filter(pk=world.submitted.pk, status=ReferralStatus.DECIDED, decided_by=user).exists()
    if action == "sign_off":
        return Referral.objects.filter(pk=world.awaiting.pk, status=ReferralStatus.DECIDED, signed_off_by=user).exists()
    return True


def _content(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _expected_refusal(relationship: str, action: str) -> int:
    if action == "view_accepted_case":
        return 404
    return 403 if ACTION_REFERRAL_STATE[action] in SEES.get(relationship, set()) else 404


CELLS = [(relationship, action) for relationship in MATRIX for action in ACTIONS]


@pytest.mark.parametrize("interface", ["page", "api"])
@pytest.mark.parametrize(("relationship", "action"), CELLS)
def test_referral_access_matrix(world: World, relationship: str, action: str, interface: str) -> None:
    user = world.users[relationship]
    allowed = action in MATRIX[relationship]
    before_state = _state(world)
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    if interface == "page":
        client = Client()
        if user is not None:
            client.force_login(user)
        response = _page(world, action, client)
    else:
        api_client = APIClient(REMOTE_ADDR=f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.7")
        if user is not None:
            api_client.force_authenticate(user)
        response = _api(world, action, api_client)

    if user is None:
        if interface == "page":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code in (401, 403)
        assert not AccessLogEntry.objects.filter(id__gt=before, user__isnull=False).exists()
        assert _state(world) == before_state
        return

    rows = AccessLogEntry.objects.filter(id__gt=before, user=user)
    if allowed:
        assert response.status_code in (200, 201, 302), _content(response)[:500]
        assert _did_it(world, action, user), f"{action} answered {response.status_code} but did nothing"
        assert rows.filter(outcome="allowed").exists()
        assert not rows.filter(outcome="denied").exists(), list(rows.values("action", "outcome", "rule"))
        return

    expected = _expected_refusal(relationship, action)
    assert response.status_code == expected, _content(response)[:500]
    assert rows.filter(outcome="denied").exists(), list(rows.values("action", "outcome", "rule"))
    assert _state(world) == before_state
    body = _content(response)
    assert world.case.reference not in body and str(world.case.pk) not in body
    if expected == 404:
        # Nothing about the referral leaks into a 404.
        for referral in (world.draft, world.submitted, world.awaiting):
            assert referral.reference not in body
            assert referral.child_family_name not in body


def test_matrix_covers_every_relationship_and_action() -> None:
    assert len(MATRIX) == 9
    assert len(ACTIONS) == 8
    assert len(CELLS) == 72  # x 2 interfaces = 144 cells
    assert set(SEES) <= set(MATRIX)
