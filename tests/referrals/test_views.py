"""The referral pages: a professional's referral, the front door's inbox, triage and sign-off,
and the public concern form. One behaviour per test, asserting what a user would notice."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access_control.models import AccessLogEntry
from agencies.models import Agency, AgencyKind, Role, User
from cases.models import Case, CaseTeamMember, Child
from deadlines.calendar import add_working_days, end_of_working_day
from referrals.forms import TOO_FAST, form_stamp
from referrals.models import Referral, ReferralAddition, ReferralStatus, Source, TriageDecision, Urgency
from referrals.rate_limits import rate_limit_key
from referrals.views import PUBLIC_SESSION_KEY, time_left
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    MembershipFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_worker,
)

pytestmark = pytest.mark.django_db

CLIENT_ADDRESS = "127.0.0.1"  # Django's test client


def html(response) -> str:
    return response.content.decode()


def urls_in(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', page)


def url(name: str, referral: Referral | None = None) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk} if referral else {})


@pytest.fixture
def front_door() -> Agency:
    return AgencyFactory.create(
        name="Riverside Children's Services", takes_referrals=True, front_door_contact="01632 960 000"
    )


@pytest.fixture
def school() -> Agency:
    return AgencyFactory.create(name="Oak Primary School", kind=AgencyKind.EDUCATION)


@pytest.fixture
def teacher(school) -> User:
    return MembershipFactory.create(agency=school, role=Role.PRACTITIONER).user


@pytest.fixture
def intake(front_door) -> User:
    return front_door_worker(front_door)


@pytest.fixture
def supervisor(front_door) -> User:
    return front_door_worker(front_door, Role.SUPERVISOR)


def referral_data(front_door: Agency, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "receiving_agency": front_door.pk,
        "child_given_names": "Amara",
        "child_family_name": "Okafor",
        "child_date_of_birth": "2016-05-04",
        "child_address": "12 Mill Lane, Riverside",
        "child_postcode": "RV1 2AB",
        "child_school": "Oak Primary School",
        "concern_category": "neglect",
        "concern_description": "Arrives hungry most days and has worn the same clothes all week.",
        "child_said": "Mum sleeps all day.",
        "urgency": "routine",
        "consent": "given",
        "referrer_contact": "01632 960 123",
    }
    data.update(overrides)
    return data


def submitted(front_door: Agency, **fields: object) -> Referral:
    return ReferralFactory.create(receiving_agency=front_door, **fields)


# --- making a referral ------------------------------------------------------------------


def test_teacher_saves_a_draft_then_submits_it_due_at_close_of_business_next_working_day(client, teacher, front_door):
    client.force_login(teacher)
    response = client.post(url("new"), {**referral_data(front_door), "action": "save"}, follow=True)
    referral = Referral.objects.get(referrer=teacher)
    assert referral.status == ReferralStatus.DRAFT and referral.child_given_names == "Amara"
    assert referral.referrer_agency is not None and referral.referrer_agency.name == "Oak Primary School"
    assert f"Draft {referral.reference} saved." in html(response)
    assert response.redirect_chain[-1][0] == url("edit", referral)
    assert 'value="Amara"' in html(response)

    response = client.post(url("edit", referral), {**referral_data(front_door), "action": "submit"}, follow=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    submitted_on = timezone.localtime(referral.submitted_at).date()
    assert referral.triage_due_at == end_of_working_day(add_working_days(submitted_on, 1))
    due = timezone.localtime(referral.triage_due_at)
    assert (due.hour, due.minute) == (17, 0) and due.weekday() < 5 and due.date() > submitted_on
    assert response.redirect_chain[-1][0] == url("detail", referral)
    assert f"Referral {referral.reference} sent to Riverside Children" in html(response)


def test_submit_with_problems_keeps_the_draft_as_typed_and_shows_what_is_missing(client, teacher, front_door):
    client.force_login(teacher)
    data = referral_data(
        front_door, concern_category="", concern_description="Worried.", consent="not_sought", referrer_contact=""
    )
    response = client.post(url("new"), {**data, "action": "submit"})
    page = html(response)
    referral = Referral.objects.get(referrer=teacher)
    assert response.status_code == 200
    assert referral.status == ReferralStatus.DRAFT and referral.concern_description == "Worried."
    assert 'role="alert"' in page and "There is a problem" in page
    assert "Choose the category of concern." in page
    assert "Describe the concern (at least a sentence)." in page
    assert "Say why consent was not sought." in page
    assert "Give a phone number or email the front door can reach you on." in page
    assert "Your draft is saved, but it has not been sent." in page
    # Nothing typed is lost, and sending again goes to the saved draft, not a new one.
    assert 'value="Amara"' in page and "Worried." in page and "12 Mill Lane" in page
    assert f'action="{url("edit", referral)}"' in page


def test_overriding_a_refusal_needs_the_legal_basis(client, teacher, front_door):
    client.force_login(teacher)
    response = client.post(url("new"), {**referral_data(front_door, consent="overridden"), "action": "submit"})
    assert "Give the legal basis for overriding the refusal." in html(response)
    client.post(
        url("edit", Referral.objects.get()),
        {
            **referral_data(front_door, consent="overridden", consent_reason="Asking would put the child at risk."),
            "action": "submit",
        },
    )
    assert Referral.objects.get().status == ReferralStatus.SUBMITTED


def test_the_draft_is_submitted_from_its_page_or_shows_what_is_missing(client, teacher, front_door):
    client.force_login(teacher)
    client.post(url("new"), {**referral_data(front_door, referrer_contact=""), "action": "save"})
    referral = Referral.objects.get()
    response = client.post(url("submit", referral))
    assert response.status_code == 200
    assert "Give a phone number or email the front door can reach you on." in html(response)
    client.post(url("edit", referral), {**referral_data(front_door), "action": "save"})
    response = client.post(url("submit", referral))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_immediate_risk_tells_the_referrer_to_call_999_and_marks_the_referral_urgent(client, teacher, front_door):
    client.force_login(teacher)
    page = html(client.get(url("new")))
    # The warning is there for the script to reveal, hidden until the box is ticked.
    assert re.search(r'<div class="danger-warning" role="alert" data-danger-warning hidden>', page)
    assert "js/referrals.js" in page

    response = client.post(
        url("new"), {**referral_data(front_door, immediate_risk="on"), "action": "save"}, follow=True
    )
    page = html(response)
    assert re.search(r'<div class="danger-warning" role="alert" data-danger-warning>\s*<p><strong>If the child', page)
    assert "call 999 now" in page
    referral = Referral.objects.get()
    assert referral.immediate_risk and referral.urgency == Urgency.ROUTINE

    client.post(url("edit", referral), {**referral_data(front_door, immediate_risk="on"), "action": "submit"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED and referral.urgency == Urgency.URGENT
    assert "If you have not already, call 999 now." in html(client.get(url("detail", referral)))


def test_a_submitted_referral_cannot_be_edited(client, front_door):
    referral = submitted(front_door)
    client.force_login(referral.referrer)
    assert client.get(url("edit", referral)).status_code == 403
    response = client.post(url("edit", referral), {**referral_data(front_door), "action": "save"})
    assert response.status_code == 403
    assert client.post(url("submit", referral)).status_code == 403
    referral.refresh_from_db()
    assert referral.child_given_names != "Amara"
    assert AccessLogEntry.objects.filter(
        user=referral.referrer, action="edit_referral_draft", outcome=AccessLogEntry.Outcome.DENIED
    ).exists()


def test_someone_else_cannot_see_or_edit_a_draft(client, teacher, front_door, intake):
    draft = ReferralFactory.create(
        receiving_agency=front_door, referrer=teacher, status=ReferralStatus.DRAFT, submitted_at=None
    )
    client.force_login(MembershipFactory.create(agency=draft.referrer_agency).user)
    assert client.get(url("detail", draft)).status_code == 404
    assert client.get(url("edit", draft)).status_code == 404
    client.force_login(intake)  # the front door sees nothing until it is submitted
    assert client.get(url("detail", draft)).status_code == 404


def test_agency_admins_make_no_referrals(client, school):
    admin = MembershipFactory.create(agency=school, role=Role.AGENCY_ADMIN).user
    client.force_login(admin)
    assert client.get(url("new")).status_code == 403
    assert "Make a referral" not in html(client.get(reverse("home")))


def test_referrer_and_front_door_add_information_to_a_submitted_referral(client, front_door, intake):
    referral = submitted(front_door)
    client.force_login(referral.referrer)
    response = client.post(url("add", referral), {"text": "Sibling (aged 3) also seen hungry."}, follow=True)
    assert "Added to the referral." in html(response) and "Sibling (aged 3) also seen hungry." in html(response)
    client.force_login(intake)
    client.post(url("add", referral), {"text": "Spoke to the school nurse."})
    assert list(ReferralAddition.objects.values_list("author", "text")) == [
        (referral.referrer_id, "Sibling (aged 3) also seen hungry."),
        (intake.pk, "Spoke to the school nurse."),
    ]
    response = client.post(url("add", referral), {"text": "  "})
    assert response.status_code == 200 and "This field is required." in html(response)


def test_a_draft_is_edited_not_added_to(client, teacher, front_door):
    client.force_login(teacher)
    client.post(url("new"), {**referral_data(front_door), "action": "save"})
    assert client.post(url("add", Referral.objects.get()), {"text": "More"}).status_code == 403


def test_detail_shows_status_time_left_and_to_the_front_door_the_re_referral(client, front_door, intake):
    earlier = submitted(front_door, submitted_at=timezone.now() - timedelta(days=40))
    referral = submitted(
        front_door, previous_referral=earlier, triage_due_at=timezone.now() + timedelta(hours=3, minutes=5)
    )
    client.force_login(intake)
    page = html(client.get(url("detail", referral)))
    assert "Waiting for triage" in page and "due in 3 h" in page
    expected = f"previous referral {earlier.reference} on {timezone.localtime(earlier.submitted_at):%-d %b %Y}"
    assert "Re-referral" in page and expected in page
    # The referrer is not told about someone else's earlier referral.
    client.force_login(referral.referrer)
    page = html(client.get(url("detail", referral)))
    assert "due in 3 h" in page and earlier.reference not in page


# --- the front door's inbox ----------------------------------------------------------------


def test_inbox_puts_the_overdue_first_then_the_soonest_due(client, front_door, intake):
    now = timezone.now()
    routine_later = submitted(front_door, triage_due_at=now + timedelta(hours=20))
    routine_soon = submitted(front_door, triage_due_at=now + timedelta(hours=2))
    urgent = submitted(front_door, urgency=Urgency.URGENT, triage_due_at=now + timedelta(hours=34))
    at_risk = submitted(front_door, urgency=Urgency.URGENT, immediate_risk=True, triage_due_at=now + timedelta(hours=1))
    overdue = submitted(front_door, triage_due_at=now - timedelta(hours=13))
    most_overdue = submitted(front_door, triage_due_at=now - timedelta(hours=30))
    client.force_login(intake)
    response = client.get(url("inbox"))
    order = [most_overdue, overdue, at_risk, routine_soon, routine_later, urgent]
    assert [row.referral for row in response.context["rows"]] == order
    page = html(response)
    positions = [page.index(r.reference) for r in order]
    assert positions == sorted(positions)
    assert "Immediate risk" in page and "Urgent" in page


def test_inbox_shows_time_left_highlights_overdue_and_who_referred(client, front_door, intake):
    now = timezone.now()
    submitted(front_door, triage_due_at=now + timedelta(hours=3, minutes=10))
    submitted(front_door, triage_due_at=now - timedelta(hours=2, minutes=10), referrer_agency__name="Oak Primary")
    ReferralFactory.create(
        receiving_agency=front_door, source=Source.PUBLIC, referrer=None, referrer_agency=None, referrer_name=""
    )
    client.force_login(intake)
    page = html(client.get(url("inbox")))
    assert '<span class="due" data-testid="time-left">due in 3 h</span>' in page
    assert '<span class="overdue" data-testid="time-left">overdue by 2 h</span>' in page
    assert "Oak Primary" in page and "Member of the public" in page


def test_time_left_reads_naturally():
    now = timezone.now()

    def label(delta: timedelta) -> tuple[str, bool]:
        left = time_left(now + delta, now)
        assert left is not None
        return left.label, left.overdue

    assert label(timedelta(minutes=40)) == ("due in 40 min", False)
    assert label(timedelta(hours=3, minutes=59)) == ("due in 3 h", False)
    assert label(timedelta(days=3, hours=1)) == ("due in 3 days", False)
    assert label(-timedelta(hours=2, minutes=30)) == ("overdue by 2 h", True)
    assert time_left(None, now) is None


def test_inbox_shows_who_handles_what_and_take_assigns_it(client, front_door, intake):
    colleague = front_door_worker(front_door)
    mine = submitted(front_door)
    theirs = submitted(front_door, handler=colleague)
    client.force_login(intake)
    page = html(client.get(url("inbox")))
    assert "Unassigned" in page and escape(colleague.full_name) in page
    assert page.count(">Take<span") == 2  # I may take either, or take one over
    response = client.post(url("take", mine), follow=True)
    mine.refresh_from_db()
    assert mine.handler == intake
    assert response.redirect_chain[-1][0] == url("inbox")
    assert f"You are handling referral {mine.reference}." in html(response)
    assert html(response).count(">Take<span") == 1
    theirs.refresh_from_db()
    assert theirs.handler == colleague


def test_inbox_is_logged_and_shows_only_my_front_doors_referrals(client, front_door, intake):
    mine = submitted(front_door)
    elsewhere = ReferralFactory.create()
    client.force_login(intake)
    page = html(client.get(url("inbox")))
    assert mine.reference in page and elsewhere.reference not in page
    row = AccessLogEntry.objects.get(user=intake, action="list", object_type="referral")
    assert (row.outcome, row.rule) == ("allowed", "front-door inbox")


def test_inbox_shows_waiting_and_signoff_referrals_never_a_draft_even_the_intake_workers_own(
    client, front_door, intake
):
    waiting = submitted(front_door)
    signing_off = submitted(front_door, status=ReferralStatus.AWAITING_SIGNOFF, decision=TriageDecision.ADVICE)
    decided = submitted(front_door, status=ReferralStatus.DECIDED, decision=TriageDecision.ADVICE)
    own_draft = submitted(
        front_door, status=ReferralStatus.DRAFT, referrer=intake, submitted_at=None, triage_due_at=None
    )
    client.force_login(intake)
    rows = {row.referral for row in client.get(url("inbox")).context["rows"]}
    assert rows == {waiting, signing_off}
    rows = {row.referral for row in client.get(url("inbox"), {"include_decided": "on"}).context["rows"]}
    assert decided in rows and own_draft not in rows


def test_inbox_offers_a_choice_of_front_door_to_someone_in_several(client, front_door, intake):
    other = AgencyFactory.create(name="Hillside Children's Services", takes_referrals=True)
    MembershipFactory.create(user=intake, agency=other, role=Role.INTAKE)
    here, there = submitted(front_door), submitted(other)
    client.force_login(intake)
    page = html(client.get(url("inbox")))
    assert '<select name="agency"' in page and here.reference in page and there.reference in page
    page = html(client.get(url("inbox"), {"agency": other.pk}))
    assert there.reference in page and here.reference not in page


def test_inbox_is_only_for_a_front_door(client, teacher):
    client.force_login(teacher)
    assert client.get(url("inbox")).status_code == 403
    assert AccessLogEntry.objects.filter(user=teacher, action="list", outcome="denied").exists()


def test_inbox_has_an_empty_state_and_paginates_at_25(client, front_door, intake):
    client.force_login(intake)
    assert "Nothing waiting." in html(client.get(url("inbox")))
    for _ in range(27):
        submitted(front_door)
    first = client.get(url("inbox"))
    assert len(first.context["rows"]) == 25 and "Page 1 of 2" in html(first)
    assert len(client.get(url("inbox"), {"page": 2}).context["rows"]) == 2


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("inbox")).status_code == 200
    return len(queries)


# Session and user (2), the front doors (1), the front doors' ids that ``visible_referrals``
# reads first (1), supervisor roles (1), the page with its count (1), the access-log row (5:
# savepoint, chain lock, last hash, insert, release), the navigation's memberships (1), the
# session saved again (3).
INBOX_QUERIES = 15


def test_inbox_runs_the_same_number_of_queries_for_5_and_30_referrals(client, front_door, intake):
    client.force_login(intake)
    for _ in range(5):
        submitted(front_door, previous_referral=submitted(front_door), handler=intake)
    at_ten = _inbox_queries(client)
    for _ in range(25):
        submitted(front_door, previous_referral=submitted(front_door), handler=intake)
    at_sixty = _inbox_queries(client)
    assert at_ten == at_sixty <= INBOX_QUERIES, (at_ten, at_sixty)


# --- triage: is this child already known? --------------------------------------------------


@pytest.fixture
def known_children(front_door, intake) -> dict[str, object]:
    """A child on a case the intake worker is on, and one on a police case out of their sight."""
    police = AgencyFactory.create(
        name="Hillcrest Police", kind=AgencyKind.POLICE, takes_referrals=False, front_door_contact="01632 960 999"
    )
    seen = ChildFactory.create(given_names="Amara", family_name="Okafor", date_of_birth=date(2016, 5, 4))
    seen_case = CaseFactory.create(lead_agency=front_door)
    seen_case.children.set([seen])
    TeamMemberFactory.create(case=seen_case, agency=front_door, user=intake)
    hidden = ChildFactory.create(given_names="Amarah", family_name="Okafore", date_of_birth=date(2016, 5, 4))
    hidden_case = CaseFactory.create(lead_agency=police)
    hidden_case.children.set([hidden])
    referral = submitted(
        front_door, child_given_names="Amara", child_family_name="Okafor", child_date_of_birth=date(2016, 5, 4)
    )
    return {"referral": referral, "seen_case": seen_case, "hidden": hidden, "hidden_case": hidden_case}


def test_triage_shows_a_visible_match_with_its_case_and_an_unseen_one_only_as_known_to(client, intake, known_children):
    referral, seen_case = known_children["referral"], known_children["seen_case"]
    hidden, hidden_case = known_children["hidden"], known_children["hidden_case"]
    client.force_login(intake)
    response = client.get(url("triage", referral))
    page = html(response)
    assert response.status_code == 200 and f"<h1>Triage referral {referral.reference}</h1>" in page
    assert "Is this child already known?" in page
    assert f"Link to this case ({seen_case.reference})" in page
    assert re.search(r"\d+% match", page)
    assert "Known to Hillcrest Police — contact 01632 960 999" in page
    # Nothing of the child out of sight: not their name, date of birth, nor their case.
    assert hidden.given_names not in page and hidden.family_name not in page
    assert hidden_case.reference not in page
    assert reverse("cases:detail", kwargs={"case_id": hidden_case.pk}) not in page
    for decision in TriageDecision:
        assert escape(decision.label) in page


def test_accepting_opens_a_case_puts_the_worker_on_it_and_the_referrer_sees_only_the_outcome(
    client, front_door, intake
):
    referral = submitted(front_door)
    client.force_login(intake)
    response = client.post(
        url("triage", referral),
        {"decision": "accepted", "decision_rationale": "Neglect indicators; assessment needed.", "link": "new"},
        follow=True,
    )
    referral.refresh_from_db()
    case = referral.linked_case
    assert referral.status == ReferralStatus.DECIDED and case is not None
    assert case.lead_agency == front_door
    assert CaseTeamMember.objects.filter(case=case, user=intake, active=True).exists()
    assert f"Accepted: case {case.reference} opened and you are on its team." in html(response)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", kwargs={"case_id": case.pk})

    client.force_login(referral.referrer)
    for page in (html(client.get(url("mine"))), html(client.get(url("detail", referral)))):
        assert "Accepted for assessment" in page
        assert case.reference not in page
        assert reverse("cases:detail", kwargs={"case_id": case.pk}) not in page
        assert "Neglect indicators" not in page  # the rationale stays with the front door
    assert "a case is open" in html(client.get(url("mine")))


def test_accepting_links_a_visible_case_and_the_new_case_child_choice(client, intake, known_children):
    referral, seen_case = known_children["referral"], known_children["seen_case"]
    client.force_login(intake)
    response = client.post(
        url("triage", referral),
        {
            "decision": "accepted",
            "decision_rationale": "Known child; add to the open case.",
            "link": f"case:{seen_case.pk}",
        },
        follow=True,
    )
    referral.refresh_from_db()
    assert referral.linked_case == seen_case
    assert f"the referral is linked to case {seen_case.reference} and you are on its team." in html(response)
    assert Case.objects.count() == 2


def test_a_crafted_link_choice_is_refused(client, intake, known_children):
    referral, hidden_case = known_children["referral"], known_children["hidden_case"]
    client.force_login(intake)
    response = client.post(
        url("triage", referral),
        {"decision": "accepted", "decision_rationale": "Link it.", "link": f"case:{hidden_case.pk}"},
    )
    assert response.status_code == 200 and "Select a valid choice." in html(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_a_decision_without_a_rationale_is_not_recorded(client, front_door, intake):
    referral = submitted(front_door)
    client.force_login(intake)
    response = client.post(url("triage", referral), {"decision": "nfa", "decision_rationale": "", "link": "new"})
    assert response.status_code == 200 and "There is a problem" in html(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_passing_on_needs_another_front_door_and_sends_it_there(client, front_door, intake):
    other = AgencyFactory.create(name="Hillside Children's Services", takes_referrals=True)
    referral = submitted(front_door)
    client.force_login(intake)
    response = client.post(
        url("triage", referral), {"decision": "passed_on", "decision_rationale": "Lives in Hillside.", "link": "new"}
    )
    assert "Choose another agency that takes referrals." in html(response)
    response = client.post(
        url("triage", referral),
        {"decision": "passed_on", "decision_rationale": "Lives in Hillside.", "link": "new", "passed_to": other.pk},
        follow=True,
    )
    assert "Passed to Hillside Children&#x27;s Services" in html(response)
    onward = Referral.objects.get(receiving_agency=other)
    assert onward.status == ReferralStatus.SUBMITTED and onward.child_name == referral.child_name
    assert onward.previous_referral == referral


def test_triage_is_for_the_front_door_only(client, front_door):
    referral = submitted(front_door)
    client.force_login(referral.referrer)
    assert client.get(url("triage", referral)).status_code == 403
    assert client.post(url("take", referral)).status_code == 403
    client.force_login(MembershipFactory.create().user)
    assert client.get(url("triage", referral)).status_code == 404


def test_a_decided_referral_is_not_triaged_again(client, front_door, intake):
    referral = submitted(front_door, status=ReferralStatus.DECIDED, decision=TriageDecision.ADVICE)
    client.force_login(intake)
    response = client.get(url("triage", referral), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", referral)
    assert "is not waiting for triage" in html(response)


# --- sign-off ---------------------------------------------------------------------------------


def test_where_sign_off_is_required_the_decision_waits_for_a_supervisor(client, front_door, intake, supervisor):
    front_door.triage_signoff_required = True
    front_door.save()
    referral = submitted(front_door)
    client.force_login(intake)
    response = client.post(
        url("triage", referral),
        {"decision": "accepted", "decision_rationale": "Assessment needed.", "link": "new"},
        follow=True,
    )
    assert "Accepted for assessment: waiting for a supervisor&#x27;s sign-off" in html(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_SIGNOFF and referral.linked_case is None
    assert client.get(url("sign_off", referral)).status_code == 403  # not a supervisor

    client.force_login(referral.referrer)
    assert "Accepted for assessment" not in html(client.get(url("detail", referral)))

    client.force_login(supervisor)
    inbox = html(client.get(url("inbox")))
    assert url("sign_off", referral) in inbox
    page = html(client.get(url("sign_off", referral)))
    assert "Assessment needed." in page and "Accepted for assessment" in page
    response = client.post(url("sign_off", referral), {"approve": "yes", "note": ""}, follow=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECIDED and referral.signed_off_by == supervisor
    case = referral.linked_case
    assert case is not None and CaseTeamMember.objects.filter(case=case, user=intake, active=True).exists()
    assert f"Signed off. Accepted: case {case.reference} opened and {escape(intake.full_name)} is on its team." in html(
        response
    )


def test_a_returned_decision_needs_a_note_and_goes_back_to_triage(client, front_door, intake, supervisor):
    front_door.triage_signoff_required = True
    front_door.save()
    referral = submitted(front_door)
    client.force_login(intake)
    client.post(url("triage", referral), {"decision": "nfa", "decision_rationale": "No concern.", "link": "new"})
    client.force_login(supervisor)
    response = client.post(url("sign_off", referral), {"approve": "no", "note": ""})
    assert "Say why the decision is returned." in html(response)
    client.post(url("sign_off", referral), {"approve": "no", "note": "Speak to the school first."})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED and "Speak to the school first." in referral.decision_rationale


def test_a_supervisor_does_not_sign_off_their_own_decision(client, front_door, supervisor):
    front_door.triage_signoff_required = True
    front_door.save()
    referral = submitted(front_door)
    client.force_login(supervisor)
    client.post(url("triage", referral), {"decision": "advice", "decision_rationale": "Signpost.", "link": "new"})
    assert url("sign_off", referral) not in html(client.get(url("inbox")))
    assert "Sign off the decision" not in html(client.get(url("detail", referral)))
    assert client.post(url("sign_off", referral), {"approve": "yes", "note": ""}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_SIGNOFF


# --- my referrals -------------------------------------------------------------------------------


def test_my_referrals_lists_mine_with_status_and_outcome_and_has_an_empty_state(client, teacher, front_door):
    client.force_login(teacher)
    page = html(client.get(url("mine")))
    assert "You have not made a referral yet." in page
    draft = ReferralFactory.create(referrer=teacher, receiving_agency=front_door, status=ReferralStatus.DRAFT)
    decided = ReferralFactory.create(
        referrer=teacher, receiving_agency=front_door, status=ReferralStatus.DECIDED, decision=TriageDecision.EARLY_HELP
    )
    not_mine = ReferralFactory.create(receiving_agency=front_door)
    page = html(client.get(url("mine")))
    assert draft.reference in page and decided.reference in page and not_mine.reference not in page
    assert url("edit", draft) in page and url("detail", decided) in page
    assert "Early help" in page and "Riverside Children" in page


def test_my_referrals_paginates_at_25(client, teacher, front_door):
    for _ in range(26):
        ReferralFactory.create(referrer=teacher, receiving_agency=front_door)
    client.force_login(teacher)
    assert len(client.get(url("mine")).context["page"].object_list) == 25
    assert len(client.get(url("mine"), {"page": 2}).context["page"].object_list) == 1


def test_navigation_offers_referrals_to_staff_and_the_front_door_to_intake(client, teacher, intake):
    client.force_login(teacher)
    page = html(client.get(reverse("home")))
    assert "Make a referral" in page and "My referrals" in page and ">Front door<" not in page
    client.force_login(intake)
    page = html(client.get(url("inbox")))
    assert re.search(r'href="/referrals/inbox/"[^>]*aria-current="page"[^>]*>Front door<', page)
    assert page.count(">Make a referral<") == 1


# --- the public concern form ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    settings.PUBLIC_CONCERN_MIN_SECONDS = 5
    for scope in ("concern", "check"):
        cache.delete(rate_limit_key(CLIENT_ADDRESS, scope))
    yield
    for scope in ("concern", "check"):
        cache.delete(rate_limit_key(CLIENT_ADDRESS, scope))


def public_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "started": form_stamp(time.time() - 30),
        "immediate_risk": "no",
        "child_given_names": "Leo",
        "child_age_estimate": "about 6",
        "child_address": "Flat 3, Canal Court, Riverside",
        "concern_description": "I hear shouting and crying every night and he is often locked out.",
        "referrer_relationship": "Neighbour",
        "website": "",
    }
    data.update(overrides)
    return data


PUBLIC = reverse("public:public_concern")
RECEIVED = reverse("public:public_concern_received")
CHECK = reverse("public:public_reference_check")


def test_public_form_asks_only_what_the_public_can_answer_without_staff_navigation(client, front_door, teacher):
    client.force_login(teacher)  # even when someone is signed in
    page = html(client.get(PUBLIC))
    assert "<h1>Report a concern about a child</h1>" in page
    assert "If a child is in danger right now, call 999." in page
    assert "Is the child in danger right now?" in page
    assert "My cases" not in page and "Sign out" not in page and "Make a referral" not in page
    assert 'name="receiving_agency"' in page and 'type="hidden"' in page
    assert "Leave this empty" in page and 'tabindex="-1"' in page and 'autocomplete="off"' in page
    for professional_only in ("NHS number", "Category of concern", "Consent", "Family and household"):
        assert professional_only not in page


def test_public_form_offers_a_choice_when_several_front_doors_take_referrals(client, front_door):
    AgencyFactory.create(name="Hillside Children's Services", takes_referrals=True)
    page = html(client.get(PUBLIC))
    assert '<select name="receiving_agency"' in page and "Hillside" in page


def test_public_form_with_bad_input_shows_field_errors_and_stores_nothing(client, front_door):
    response = client.post(
        PUBLIC,
        public_data(
            receiving_agency=front_door.pk,
            immediate_risk="",
            child_given_names="",
            child_address="",
            concern_description="Worried",
        ),
    )
    page = html(response)
    assert response.status_code == 200 and 'role="alert"' in page
    assert "Tell us whether the child is in danger right now." in page
    assert "Give the child&#x27;s name, or where they can be found." in page
    assert "Tell us a little more: at least a sentence." in page
    assert not Referral.objects.exists()


def test_public_concern_is_stored_and_the_reference_shown_but_never_put_in_a_url(client, front_door):
    response = client.post(PUBLIC, public_data(receiving_agency=front_door.pk), follow=True)
    referral = Referral.objects.get()
    assert (referral.source, referral.status, referral.receiving_agency) == (
        Source.PUBLIC,
        ReferralStatus.SUBMITTED,
        front_door,
    )
    assert referral.child_given_names == "Leo" and referral.referrer_relationship == "Neighbour"
    assert referral.triage_due_at is not None
    assert response.redirect_chain == [(RECEIVED, 302)]
    page = html(response)
    assert referral.reference in page and "What happens next" in page
    assert referral.reference not in response.redirect_chain[0][0]
    assert client.session[PUBLIC_SESSION_KEY]["reference"] == referral.reference


def test_public_concern_in_danger_is_urgent_and_repeats_call_999(client, front_door):
    response = client.post(PUBLIC, public_data(receiving_agency=front_door.pk, immediate_risk="yes"), follow=True)
    assert Referral.objects.get().urgency == Urgency.URGENT
    assert "You said the child is in danger right now. If you have not already, call 999 now." in html(response)


def test_public_received_page_without_a_concern_goes_back_to_the_form(client, front_door):
    assert client.get(RECEIVED)["Location"] == PUBLIC


def test_honeypot_pretends_success_and_stores_nothing(client, front_door):
    response = client.post(
        PUBLIC, public_data(receiving_agency=front_door.pk, website="http://spam.example"), follow=True
    )
    assert response.redirect_chain == [(RECEIVED, 302)]
    assert "Your reference is" in html(response)
    assert not Referral.objects.exists()


def test_a_form_sent_too_fast_or_with_a_forged_stamp_is_refused(client, front_door):
    response = client.post(PUBLIC, public_data(receiving_agency=front_door.pk, started=form_stamp()))
    assert response.status_code == 200 and escape(TOO_FAST) in html(response)
    response = client.post(PUBLIC, public_data(receiving_agency=front_door.pk, started="1700000000:forged"))
    page = html(response)
    assert escape(TOO_FAST) in page
    assert 'value="Leo"' in page  # nothing typed is lost
    assert not Referral.objects.exists()


def test_too_many_public_concerns_from_one_address_get_a_readable_429(client, front_door, settings):
    settings.PUBLIC_CONCERN_RATE_PER_HOUR = 2
    for _ in range(2):
        assert client.post(PUBLIC, public_data(receiving_agency=front_door.pk)).status_code == 302
    response = client.post(PUBLIC, public_data(receiving_agency=front_door.pk))
    assert response.status_code == 429
    page = html(response)
    assert "Too many reports from this connection" in page and "call 999" in page
    assert Referral.objects.count() == 2
    # The address is kept only as a digest.
    key = rate_limit_key(CLIENT_ADDRESS, "concern")
    assert CLIENT_ADDRESS not in key and cache.get(key) == 3


def test_reference_check_shows_only_received_and_considered(client, front_door):
    referral = ReferralFactory.create(
        receiving_agency=front_door,
        source=Source.PUBLIC,
        referrer=None,
        referrer_agency=None,
        referrer_name="",
        child_given_names="Leo",
        child_family_name="Marsh",
    )
    response = client.post(CHECK, {"reference": referral.reference.lower().replace("-", " ")})
    page = html(response)
    received = timezone.localtime(referral.submitted_at)
    assert f"Received on {received:%-d %B %Y}, not yet considered." in page
    assert "Leo" not in page and "Marsh" not in page and "Riverside" not in page

    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.DECIDED, decision=TriageDecision.ACCEPTED)
    page = html(client.post(CHECK, {"reference": referral.reference}))
    assert f"Received on {received:%-d %B %Y} and considered by the team." in page
    assert "Accepted" not in page and "assessment" not in page
    assert AccessLogEntry.objects.filter(action="check_public_reference", user=None).count() == 2


def test_reference_check_does_not_find_unknown_or_professional_references(client, front_door):
    professional = submitted(front_door)
    for reference in ("R-ZZZZZZZZZZ", professional.reference):
        page = html(client.post(CHECK, {"reference": reference}))
        assert "We cannot find that reference" in page and "Received on" not in page


def test_reference_checks_are_rate_limited_too(client, front_door, settings):
    settings.PUBLIC_CONCERN_RATE_PER_HOUR = 1  # four checks an hour
    for _ in range(4):
        assert client.post(CHECK, {"reference": "R-ZZZZZZZZZZ"}).status_code == 200
    response = client.post(CHECK, {"reference": "R-ZZZZZZZZZZ"})
    assert response.status_code == 429 and "Too many reports from this connection" in html(response)


def test_no_child_name_ever_goes_into_a_url(client, front_door, intake, known_children):
    referral = known_children["referral"]
    client.force_login(intake)
    for page in (html(client.get(url("inbox"))), html(client.get(url("triage", referral)))):
        assert not [u for u in urls_in(page) if "amara" in u.lower() or "okafor" in u.lower()]


def test_pages_need_sign_in_except_the_public_ones(client, front_door):
    referral = submitted(front_door)
    for address in (url("mine"), url("new"), url("inbox"), url("detail", referral), url("triage", referral)):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(PUBLIC).status_code == 200 and client.get(CHECK).status_code == 200


def test_new_child_case_from_a_visible_match(client, intake, known_children):
    referral = known_children["referral"]
    seen: Child = known_children["seen_case"].children.get()
    client.force_login(intake)
    client.post(
        url("triage", referral),
        {"decision": "strategy", "decision_rationale": "Strategy discussion today.", "link": f"child:{seen.pk}"},
    )
    referral.refresh_from_db()
    assert referral.linked_child == seen and referral.linked_case is not None
    assert list(referral.linked_case.children.all()) == [seen]
