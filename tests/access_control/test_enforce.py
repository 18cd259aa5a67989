"""The policy's own vocabulary for the access log: ``enforce``, ``log_listing``, ``Grounds``,
and the decisions services ask for (who opens a case, who sees an inbox, who supervises whom,
who decides an extension). Real database, no mocks."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from access_control import policy
from access_control.models import AccessLogEntry
from agencies.models import Membership, Role, SupervisionLine
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    DeadlineFactory,
    MembershipFactory,
    front_door_agency,
    front_door_worker,
    supervise,
)

pytestmark = pytest.mark.django_db


def _rows() -> list[tuple[str, str, str, str, str, int | None]]:
    return list(
        AccessLogEntry.objects.order_by("id").values_list(
            "action", "object_type", "object_id", "outcome", "rule", "agency_id"
        )
    )


def test_enforce_logs_a_refusal_with_its_rule_and_raises_what_it_says():
    membership = MembershipFactory.create()
    refused = policy.Decision(False, "only the author corrects an entry")

    with pytest.raises(PermissionDenied) as raised:
        policy.enforce(
            refused,
            user=membership.user,
            action="correct_entry",
            object_type="chronologyentry",
            object_id="42",
            agency=membership.agency,
            says="Only the author corrects an entry.",
        )

    assert str(raised.value) == "Only the author corrects an entry."
    assert _rows() == [
        ("correct_entry", "chronologyentry", "42", "denied", "only the author corrects an entry", membership.agency_id)
    ]


def test_enforce_without_words_of_its_own_says_the_rule():
    with pytest.raises(PermissionDenied, match="no rule grants access"):
        policy.enforce(policy.Decision(False, "no rule grants access"), user=None, action="x", object_type="case")


def test_enforce_logs_an_allowed_decision_unless_told_the_write_logs_it():
    user = MembershipFactory.create().user
    allowed = policy.Decision(True, "staff member of the lead agency")

    assert policy.enforce(allowed, user=user, action="open_case", object_type="case", log_allowed=False) is allowed
    assert _rows() == []
    assert policy.enforce(allowed, user=user, action="open_case", object_type="case", object_id="7") is allowed
    assert _rows() == [("open_case", "case", "7", "allowed", "staff member of the lead agency", None)]


@pytest.mark.parametrize("listing", list(policy.Listing))
def test_log_listing_writes_what_the_listing_shows_and_the_rule_that_narrowed_it(listing):
    user = MembershipFactory.create().user
    policy.log_listing(user, listing)
    action, object_type, rule = listing.value
    assert _rows() == [(action, object_type, "", "allowed", rule, None)]
    assert AccessLogEntry.objects.get().user_id == user.pk


def test_the_listings_keep_the_rules_the_pages_logged():
    assert policy.Listing.CASES.value == ("list", "case", "need-to-know filter")
    assert policy.Listing.CASE_SEARCH.value == ("search", "case", "need-to-know filter")
    assert policy.Listing.FRONT_DOOR_INBOX.value == ("list", "referral", "front-door inbox")
    assert policy.Listing.SERVICE_INBOX.value == ("list", "servicereferral", "service referrals to my agency")


def test_grounds_name_the_system_and_the_public_writes():
    assert policy.Grounds.deadline_closed("met") == policy.Decision(True, "deadline met")
    assert policy.Grounds.triage_decision("Accepted") == policy.Decision(True, "triage decision: Accepted")
    grounds = (policy.Grounds.PUBLIC_CONCERN, policy.Grounds.DEADLINE_OPENED, policy.Grounds.ACCEPTED_REFERRAL)
    assert all(decision.allowed for decision in grounds)


def test_check_opening_case_refuses_an_agency_admin_logged_and_leaves_the_allowed_one_to_the_service():
    agency = AgencyFactory.create()
    admin = MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN).user
    worker = MembershipFactory.create(agency=agency, role=Role.PRACTITIONER).user

    with pytest.raises(PermissionDenied, match="Only practitioners, intake workers and supervisors"):
        policy.check_opening_case(admin, agency)
    decision = policy.check_opening_case(worker, agency)

    assert decision == policy.Decision(True, "staff member of the lead agency")
    assert _rows() == [
        ("open_case", "case", "", "denied", "only practitioners, intake workers and supervisors open cases", agency.pk)
    ]


def test_check_inbox_refuses_someone_at_no_front_door_and_lets_a_front_door_through_unlogged():
    door = front_door_agency()
    intake = front_door_worker(door)
    teacher = MembershipFactory.create().user

    policy.check_inbox(intake, list(policy.front_door_agencies(intake)))
    with pytest.raises(PermissionDenied, match="Only intake workers and supervisors of a front door"):
        policy.check_inbox(teacher, list(policy.front_door_agencies(teacher)))

    assert _rows() == [
        ("list", "referral", "", "denied", "only a front door's intake workers and supervisors see its inbox", None)
    ]


def _supervisors(membership, agency_id: int) -> set[int]:
    lines = policy.supervision_over(membership.user_id, agency_id)
    return set(lines.values_list("supervisor__user_id", flat=True))


def test_supervision_over_is_the_line_in_the_agency_asked_about():
    worker = MembershipFactory.create(role=Role.PRACTITIONER)
    supervisor = supervise(worker)
    assert _supervisors(worker, worker.agency_id) == {supervisor.user_id}
    assert _supervisors(worker, AgencyFactory.create().pk) == set()


def test_a_line_across_agencies_is_no_supervision():
    # The model's clean() forbids such a line; a direct insert does not. It supervises no one,
    # as a member of either agency.
    worker = MembershipFactory.create(role=Role.PRACTITIONER)
    elsewhere = MembershipFactory.create(role=Role.SUPERVISOR)
    SupervisionLine.objects.create(supervisor=elsewhere, supervisee=worker)
    assert _supervisors(worker, worker.agency_id) == set()
    assert _supervisors(worker, elsewhere.agency_id) == set()


def test_decide_on_extension_is_for_the_owners_supervisor_in_the_owning_agency():
    deadline = DeadlineFactory.create()
    owner = Membership.objects.get(user=deadline.owner, agency=deadline.owner_agency)
    supervisor = supervise(owner)
    # Supervising the owner elsewhere is not supervising this deadline's owner.
    other = supervise(MembershipFactory.create(user=owner.user))

    assert policy.decide_on_extension(supervisor.user, deadline) == policy.Decision(
        True, "supervisor of the deadline owner"
    )
    assert policy.decide_on_extension(other.user, deadline) == policy.Decision(False, "not the owner's supervisor")


def test_get_deadline_is_404_and_logged_for_someone_who_cannot_see_it():
    deadline = DeadlineFactory.create()
    outsider = MembershipFactory.create().user

    unknown = uuid.uuid4()
    with pytest.raises(Http404):
        policy.get_deadline(outsider, deadline.pk)
    with pytest.raises(Http404):
        policy.get_deadline(outsider, unknown)

    assert _rows() == [
        ("view", "deadline", str(deadline.pk), "denied", "cannot see the deadline", None),
        ("view", "deadline", str(unknown), "denied", "cannot see the deadline", None),
    ]
    assert deadline.owner is not None
    assert policy.get_deadline(deadline.owner, deadline.pk) == deadline


def test_check_break_glass_logs_a_refusal_for_someone_who_already_sees_the_case():
    case = CaseFactory.create()
    with pytest.raises(PermissionDenied, match="you can already see this case"):
        policy.check_break_glass(case.lead_worker, case)
    assert _rows()[-1][:5] == ("break_glass", "case", str(case.pk), "denied", "you can already see this case")
