"""The case overview and the header of every case page: who the case is about, the alerts,
what is next (under the policy), the casework at a glance, the actions menu, and editing the
safety note and each child's legal status (page and API)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from agencies.models import AgencyKind
from cases.models import (
    Case,
    EntryKind,
    FamilyLink,
    LegalStatus,
    Meeting,
    MeetingKind,
    Person,
    Plan,
    PlanKind,
    Relationship,
    Visibility,
)
from cases.overview import age_in_words, group_name
from cases.views import CASE_LINKS
from deadlines.models import DeadlineKind, DeadlineState
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    DeadlineFactory,
    EntryFactory,
    TeamMemberFactory,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case() -> Case:
    return CaseFactory.create()


@pytest.fixture
def lead(client, case):
    client.force_login(case.lead_worker)
    return case.lead_worker


def page_of(client, case: Case, name: str = "detail") -> str:
    response = client.get(reverse(f"cases:{name}", kwargs={"case_id": case.pk}))
    assert response.status_code == 200
    return response.content.decode()


def police_member(case: Case):
    return TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))


def cp_plan(case: Case, started_on: date) -> Plan:
    return Plan.objects.create(
        case=case,
        kind=PlanKind.CHILD_PROTECTION,
        started_on=started_on,
        next_review_on=started_on + timedelta(days=90),
        created_by=case.lead_worker,
    )


def meeting(case: Case, starts_at: datetime, kind: str = MeetingKind.CORE_GROUP) -> Meeting:
    return Meeting.objects.create(
        case=case, kind=kind, starts_at=starts_at, location="Room 2", chair=case.lead_worker, organiser=case.lead_worker
    )


# --- ages and names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "estimated", "words"),
    [
        (date(2018, 6, 10), False, "8 years"),
        (date(2018, 6, 11), False, "7 years"),
        (date(2025, 7, 1), False, "11 months"),
        (date(2025, 6, 10), False, "1 year"),
        (date(2025, 1, 10), True, "1 year 5 months (estimated)"),
        (date(2026, 5, 20), False, "3 weeks"),
        (date(2026, 6, 8), False, "2 days"),
        (date(2016, 1, 1), True, "10 years (estimated)"),
    ],
)
def test_age_in_words(born, estimated, words):
    assert age_in_words(born, estimated=estimated, today=date(2026, 6, 10)) == words


def test_age_of_a_child_born_on_an_unknown_date_is_not_guessed():
    assert age_in_words(None) == ""


def test_a_sibling_group_is_named_together():
    amira = ChildFactory.build(given_names="Amira", family_name="Khan")
    leo = ChildFactory.build(given_names="Leo", family_name="Khan")
    sara = ChildFactory.build(given_names="Sara", family_name="Khan")
    other = ChildFactory.build(given_names="Tom", family_name="Reed")
    assert group_name([amira]) == "Amira Khan"
    assert group_name([amira, leo]) == "Amira and Leo Khan"
    assert group_name([amira, leo, sara]) == "3 children: Amira, Leo and Sara Khan"
    assert group_name([amira, other]) == "Amira Khan and Tom Reed"


def test_header_names_the_child_with_age_reference_status_risk_and_lead(client, case, lead, clock):
    clock.at(NOW)
    child = case.children.get()
    child.given_names, child.family_name = "Amira", "Khan"
    child.date_of_birth, child.date_of_birth_estimated = date(2025, 7, 1), False
    child.save()
    page = page_of(client, case)
    assert re.search(r'<h1 class="case-header-name"[^>]*>Amira Khan</h1>', page)
    assert "11 months" in page and f"Case {case.reference}" in page
    assert (
        "Medium risk" in page and escape(case.lead_worker.full_name) in page and escape(case.lead_agency.name) in page
    )


def test_header_names_a_sibling_group_with_each_age_marking_an_estimate(client, case, lead, clock):
    clock.at(NOW)
    first = case.children.get()
    first.given_names, first.family_name, first.date_of_birth = "Amira", "Khan", date(2018, 1, 1)
    first.save()
    case.children.add(
        ChildFactory.create(
            given_names="Leo", family_name="Khan", date_of_birth=date(2024, 2, 1), date_of_birth_estimated=True
        )
    )
    page = page_of(client, case)
    assert "Amira and Leo Khan" in page
    assert "Amira: 8 years" in page and "Leo: 2 years (estimated)" in page


def test_header_is_on_every_sub_page_of_the_case(client, case, lead):
    child = case.children.get()
    for name in ("team", "documents", "chronology", "family", "assessments", "meeting_list", "plan", "access_log"):
        page = page_of(client, case, name)
        assert 'data-testid="case-header"' in page and escape(child.full_name) in page, name
        assert 'aria-current="page"' in page, name


# --- alerts ----------------------------------------------------------------------------------


def test_no_alerts_for_a_case_without_any(client, case, lead):
    assert 'data-testid="case-alerts"' not in page_of(client, case)


def test_child_protection_plan_alert_says_since_when(client, case, lead):
    cp_plan(case, date(2026, 3, 2))
    alert = "On a child protection plan</strong> since 2 Mar 2026"
    assert alert in page_of(client, case)
    assert alert in page_of(client, case, "team")


def test_a_child_in_need_plan_is_not_a_cp_plan_alert(client, case, lead):
    Plan.objects.create(
        case=case, kind=PlanKind.CHILD_IN_NEED, next_review_on=date(2026, 9, 1), created_by=case.lead_worker
    )
    assert 'data-testid="alert-cp_plan"' not in page_of(client, case)


def test_legal_status_alert_only_when_the_child_has_one(client, case, lead):
    assert 'data-testid="alert-legal_status"' not in page_of(client, case)
    case.children.update(legal_status=LegalStatus.INTERIM_CARE)
    page = page_of(client, case)
    assert 'data-testid="alert-legal_status"' in page and "Interim care order" in page


def test_safety_note_alert(client, case, lead):
    assert 'data-testid="alert-safety"' not in page_of(client, case)
    Case.objects.filter(pk=case.pk).update(safety_note="Visit in pairs; large dog at the address.")
    page = page_of(client, case)
    assert "Safety for visits:" in page and "Visit in pairs; large dog at the address." in page


def test_risky_adult_warning_names_the_person_and_the_note(client, case, lead):
    child = case.children.get()
    calm = Person.objects.create(full_name="Grace Calm")
    FamilyLink.objects.create(child=child, person=calm, relationship=Relationship.PARENT)
    assert 'data-testid="alert-risk"' not in page_of(client, case)
    risky = Person.objects.create(full_name="Darren Hale")
    FamilyLink.objects.create(
        child=child, person=risky, relationship=Relationship.STEP_PARENT, poses_risk=True, risk_note="Violent to staff"
    )
    page = page_of(client, case)
    assert escape("Risk: Darren Hale — Violent to staff") in page and "Grace Calm" not in page


def test_interpreter_alert_with_the_language(client, case, lead):
    assert 'data-testid="alert-interpreter"' not in page_of(client, case)
    case.children.update(interpreter_needed=True, first_language="Tigrinya")
    assert "Needs an interpreter (Tigrinya)" in page_of(client, case)


# --- what is next, under the policy ----------------------------------------------------------


def test_next_deadline_is_the_soonest_open_statutory_one_with_time_left(client, case, lead, clock):
    clock.at(NOW)
    DeadlineFactory.create(case=case, kind=DeadlineKind.INITIAL_CONFERENCE, due_at=NOW + timedelta(days=5))
    DeadlineFactory.create(case=case, kind=DeadlineKind.ASSESSMENT, due_at=NOW + timedelta(days=2))
    DeadlineFactory.create(
        case=case, kind=DeadlineKind.ASSESSMENT, due_at=NOW + timedelta(hours=1), state=DeadlineState.MET
    )
    DeadlineFactory.create(case=case, kind=DeadlineKind.PLAN_ACTION, due_at=NOW + timedelta(hours=2))
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    nxt = response.context["overview"].next_deadline
    assert nxt.deadline.kind == DeadlineKind.ASSESSMENT and not nxt.overdue
    assert "Complete the child and family assessment" in response.content.decode()
    assert nxt.time_left and f"Due in {nxt.time_left}" in response.content.decode()


def test_an_overdue_deadline_says_so_in_words(client, case, lead, clock):
    clock.at(NOW)
    DeadlineFactory.create(case=case, kind=DeadlineKind.STRATEGY_DISCUSSION, due_at=NOW - timedelta(hours=3))
    page = page_of(client, case)
    assert "Overdue</strong> by 3\xa0hours" in page


def test_a_deadline_of_a_case_out_of_sight_is_not_the_next_deadline(client, case, lead, clock):
    clock.at(NOW)
    DeadlineFactory.create(kind=DeadlineKind.ASSESSMENT, due_at=NOW + timedelta(hours=1))  # another case
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert response.context["overview"].next_deadline is None
    assert "None owed" in response.content.decode()


def test_next_meeting_is_the_soonest_scheduled(client, case, lead, clock):
    clock.at(NOW)
    meeting(case, NOW - timedelta(days=1))
    meeting(case, NOW + timedelta(days=9), MeetingKind.REVIEW_CONFERENCE)
    soon = meeting(case, NOW + timedelta(days=2))
    meeting(CaseFactory.create(), NOW + timedelta(hours=1))  # another case's
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert response.context["overview"].next_meeting == soon
    counts = response.context["overview"].counts
    assert (counts.meetings, counts.meetings_upcoming) == (3, 2)


def test_last_seen_is_the_latest_visit_the_user_may_see(client, case, lead):
    police = police_member(case)
    EntryFactory.create(case=case, kind=EntryKind.VISIT, event_date=date(2026, 5, 1), summary="Seen at home")
    EntryFactory.create(case=case, kind=EntryKind.CONTACT, event_date=date(2026, 5, 20), summary="Phone call")
    EntryFactory.create(
        case=case,
        kind=EntryKind.VISIT,
        event_date=date(2026, 5, 15),
        author=police.user,
        author_agency=police.agency,
        visibility=Visibility.AGENCY,
        summary="Police welfare visit",
    )
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    seen = response.context["overview"].last_seen
    assert seen.summary == "Seen at home"
    assert "Police welfare visit" not in response.content.decode()
    client.force_login(police.user)
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert response.context["overview"].last_seen.summary == "Police welfare visit"
    assert escape(police.agency.name) in response.content.decode()


def test_no_visit_says_so(client, case, lead):
    assert "No visit recorded that you can see" in page_of(client, case)


def test_casework_status_counts_and_links_to_each_tab(client, case, lead):
    cp_plan(case, date(2026, 3, 2))
    page = page_of(client, case)
    for name in ("assessments", "meeting_list", "plan", "chronology", "family"):
        assert reverse(f"cases:{name}", kwargs={"case_id": case.pk}) in page
    assert 'Plans</a> <span class="count">(1)' in page and "Child protection plan since 2 Mar 2026" in page


def test_pending_closure_notice(client, case, lead):
    client.post(reverse("cases:close", kwargs={"case_id": case.pk}), {"reason": "Plan complete"})
    assert 'data-testid="pending-closure"' in page_of(client, case)


# --- tabs and the actions menu ---------------------------------------------------------------


def test_tabs_mark_the_current_page_and_offer_access_only_when_allowed(client, case, lead):
    page = page_of(client, case, "documents")
    assert re.search(r'aria-current="page" data-tab="documents"', page)
    assert 'data-tab="access"' in page
    police = police_member(case)
    client.force_login(police.user)
    assert 'data-tab="access"' not in page_of(client, case)


def _menu_links(page: str) -> list[str]:
    menu = re.search(r'<details class="actions-menu".*?</details>', page, re.S)
    return re.findall(r'href="([^"]+)"', menu.group(0)) if menu else []


@pytest.mark.parametrize("who", ["lead", "contributor"])
def test_actions_menu_offers_exactly_what_case_links_allows(client, case, who):
    from access_control import policy
    from cases.views import _case_links

    user = case.lead_worker if who == "lead" else police_member(case).user
    client.force_login(user)
    page = page_of(client, case)
    may = _case_links(policy.get_case(user, case.pk), pending_closure=False)
    expected = {
        "add_entry": reverse("cases:entry_add", args=[case.pk]),
        "upload": reverse("cases:document_upload", args=[case.pk]),
        "edit": reverse("cases:edit", args=[case.pk]),
        "manage_team": reverse("cases:team", args=[case.pk]),
        "access_log": reverse("cases:access_log", args=[case.pk]),
        "close": reverse("cases:close", args=[case.pk]),
        "decide_closure": reverse("cases:closure_decide", args=[case.pk]),
        "refer_service": reverse("referrals:service_new", args=[case.pk]),
        "reassign_lead": reverse("supervision:reassign_lead", args=[case.pk]),
    }
    assert set(expected) == set(CASE_LINKS)
    assert sorted(_menu_links(page)) == sorted(url for name, url in expected.items() if may[name])
    assert len(_menu_links(page)) >= 2


# --- editing the safety note and legal status ------------------------------------------------


def edit_data(case: Case, **overrides: str) -> dict[str, str]:
    data = {"status": case.status, "risk_level": case.risk_level, "category": case.category, "safety_note": ""}
    for child in case.children.all():
        data[f"legal_status_{child.pk}"] = child.legal_status
    data.update(overrides)
    return data


def test_edit_page_saves_the_safety_note_and_each_childs_legal_status(client, case, lead):
    second = ChildFactory.create()
    case.children.add(second)
    first = case.children.exclude(pk=second.pk).get()
    url = reverse("cases:edit", kwargs={"case_id": case.pk})
    assert f"Legal status of {escape(second.full_name)}" in client.get(url).content.decode()
    data = edit_data(case, safety_note="  Visit in pairs.  ", **{f"legal_status_{second.pk}": LegalStatus.CARE_ORDER})
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", kwargs={"case_id": case.pk})
    case.refresh_from_db()
    second.refresh_from_db()
    first.refresh_from_db()
    assert case.safety_note == "Visit in pairs."
    assert (second.legal_status, first.legal_status) == (LegalStatus.CARE_ORDER, LegalStatus.NONE)
    assert "Care order" in response.content.decode()


def test_edit_page_shows_every_error_at_once_and_saves_nothing(client, case, lead):
    child = case.children.get()
    url = reverse("cases:edit", kwargs={"case_id": case.pk})
    data = edit_data(case, safety_note="x" * 1001, risk_level="extreme", **{f"legal_status_{child.pk}": "banished"})
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "at most 1000 characters" in page and "banished is not one of the available choices" in page
    assert "extreme is not one of the available choices" in page
    case.refresh_from_db()
    child.refresh_from_db()
    assert (case.safety_note, child.legal_status) == ("", LegalStatus.NONE)


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_returns_the_overview(case, clock):
    clock.at(NOW)
    cp_plan(case, date(2026, 3, 2))
    Case.objects.filter(pk=case.pk).update(safety_note="Visit in pairs")
    DeadlineFactory.create(case=case, kind=DeadlineKind.FIRST_CORE_GROUP, due_at=NOW + timedelta(days=1))
    soon = meeting(case, NOW + timedelta(days=2))
    visit = EntryFactory.create(case=case, kind=EntryKind.VISIT, event_date=date(2026, 6, 1))
    body = _api(case.lead_worker).get(reverse("api-case-detail", kwargs={"case_id": case.pk})).json()
    facts = body["overview"]
    assert body["safety_note"] == "Visit in pairs"
    assert facts["cp_plan_since"] == "2026-03-02"
    assert {a["kind"] for a in facts["alerts"]} == {"cp_plan", "safety"}
    assert (
        facts["next_deadline"]["kind"] == DeadlineKind.FIRST_CORE_GROUP and facts["next_deadline"]["overdue"] is False
    )
    assert facts["next_meeting"]["id"] == str(soon.pk)
    assert facts["last_seen"]["entry_id"] == str(visit.pk) and facts["last_seen"]["event_date"] == "2026-06-01"
    assert facts["counts"] == {
        "assessments": 0,
        "assessments_open": 0,
        "meetings": 1,
        "meetings_upcoming": 1,
        "plans": 1,
    }


def test_api_edits_the_safety_note_and_legal_status_through_the_service(case):
    child = case.children.get()
    url = reverse("api-case-detail", kwargs={"case_id": case.pk})
    response = _api(case.lead_worker).patch(
        url,
        {"safety_note": "Dog at address", "legal_statuses": {str(child.pk): LegalStatus.SUPERVISION_ORDER}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    child.refresh_from_db()
    case.refresh_from_db()
    assert (case.safety_note, child.legal_status) == ("Dog at address", LegalStatus.SUPERVISION_ORDER)
    assert response.json()["children"][0]["legal_status"] == LegalStatus.SUPERVISION_ORDER


def test_api_refuses_a_bad_legal_status_or_a_child_of_another_case(case):
    child = case.children.get()
    stranger = ChildFactory.create()
    url = reverse("api-case-detail", kwargs={"case_id": case.pk})
    api = _api(case.lead_worker)
    response = api.patch(url, {"legal_statuses": {str(child.pk): "banished"}}, format="json")
    assert response.status_code == 400 and "legal_statuses" in response.json()
    response = api.patch(url, {"legal_statuses": {str(stranger.pk): LegalStatus.CARE_ORDER}}, format="json")
    assert response.status_code == 400 and f"legal_status_{stranger.pk}" in response.json()
    stranger.refresh_from_db()
    assert stranger.legal_status == LegalStatus.NONE


def test_api_edit_is_refused_to_a_contributor(case):
    police = police_member(case)
    url = reverse("api-case-detail", kwargs={"case_id": case.pk})
    response = _api(police.user).patch(url, {"safety_note": "x"}, format="json")
    assert response.status_code == 403


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 6])
def test_overview_queries_do_not_grow_with_alerts_deadlines_meetings_or_visits(
    client, case, lead, django_assert_max_num_queries, size, clock
):
    from tests.cases.test_views import CASE_PAGE_QUERIES

    clock.at(NOW)
    cp_plan(case, date(2026, 3, 2))
    for n in range(size):
        child = ChildFactory.create(legal_status=LegalStatus.CARE_ORDER, interpreter_needed=True)
        case.children.add(child)
        person = Person.objects.create(full_name=f"Adult {n}")
        FamilyLink.objects.create(
            child=child, person=person, relationship=Relationship.PARENT, poses_risk=True, risk_note="Threats"
        )
        DeadlineFactory.create(case=case, due_at=NOW + timedelta(days=n + 1))
        meeting(case, NOW + timedelta(days=n + 1))
        EntryFactory.create(case=case, kind=EntryKind.VISIT)
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert len(response.context["header"].alerts) == 1 + 3 * size
