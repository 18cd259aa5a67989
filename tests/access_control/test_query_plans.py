"""Plan guards: the policy's list reads cost what the user's own caseload costs, so their
plans never scan every case, every chronology entry or every deadline. Checked on a few
thousand generated cases (``manage.py generate_dataset``), analysed, as PostgreSQL would
plan them for a real county; and the generated data itself has the intended shape."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Window
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access_control import policy
from access_control.models import BreakGlassGrant, CaseUserObjectPermission
from agencies.models import Agency, AgencyKind, Membership, Role, SupervisionLine, User
from cases import queries as cases_queries
from cases.filters import SIGNIFICANT_ONLY
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChronologyEntry,
    Contribution,
    Document,
    JointAssessment,
    Meeting,
    MeetingAttendee,
    Plan,
    PlanAction,
    PlanOutcome,
    Visibility,
)
from cases.queries import my_cases
from datasets.plans import GUARDED_TABLES, explain, nodes, seq_scans, typical_users
from deadlines import queries as deadline_queries
from deadlines.models import LIVE_STATES, Deadline
from referrals import queries as referral_queries
from referrals.models import Referral, ReferralStatus

CASES = 3_000
# The record, and the referrals: a list read scans none of them whole.
RECORD_AND_REFERRALS = GUARDED_TABLES | {"referrals_referral"}


@dataclass(frozen=True)
class Dataset:
    output: str
    practitioner: User
    supervisor: User
    intake: User


@pytest.fixture(scope="module")
def dataset(django_db_setup: None, django_db_blocker: Any) -> Iterator[Dataset]:
    """A few thousand cases, generated once for the module inside a transaction that is
    rolled back afterwards, so no other test sees them."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("generate_dataset", "--cases", str(CASES), "--seed", "7", stdout=out)
        # The foreign keys are deferred to a commit that never comes: check them now.
        connection.check_constraints()
        users = typical_users()
        assert users.intake is not None
        yield Dataset(out.getvalue(), users.practitioner, users.supervisor, users.intake)
        transaction.set_rollback(True)


# --- the plans -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_practitioners_cases_are_read_from_their_own_team_places(dataset: Dataset) -> None:
    cases = policy.visible_cases(dataset.practitioner)
    assert 10 <= cases.count() <= 20
    assert seq_scans(cases.order_by("-opened_on", "reference")) == set()


@pytest.mark.django_db
def test_a_supervisors_cases_are_read_from_their_teams_places(dataset: Dataset) -> None:
    cases = policy.visible_cases(dataset.supervisor)
    assert cases.count() > 50
    assert seq_scans(cases.order_by("-opened_on", "reference")) == set()


@pytest.mark.django_db
def test_the_case_list_page_query_scans_no_table_of_the_record(dataset: Dataset) -> None:
    assert seq_scans(my_cases(user=dataset.practitioner)) == set()
    assert seq_scans(my_cases(user=dataset.supervisor, status="open")) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "supervisor", "intake"])
def test_my_tasks_are_read_from_what_the_user_sees(dataset: Dataset, who: str) -> None:
    user: User = getattr(dataset, who)
    assert seq_scans(deadline_queries.tasks_for(user)) == set()
    assert seq_scans(policy.my_tasks(user).filter(state__in=LIVE_STATES)) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "supervisor"])
def test_visible_deadlines_are_read_from_what_the_user_sees(dataset: Dataset, who: str) -> None:
    assert seq_scans(policy.visible_deadlines(getattr(dataset, who))) == set()


@pytest.mark.django_db
def test_the_chronology_of_a_case_is_read_from_that_case_only(dataset: Dataset) -> None:
    user = dataset.practitioner
    case = policy.visible_cases(user).first()
    assert case is not None
    assert seq_scans(policy.visible_entries(user, case).order_by("-event_date", "-recorded_at")) == set()


@pytest.mark.django_db
def test_the_chronology_tabs_search_and_filters_read_that_case_only(dataset: Dataset) -> None:
    user = dataset.practitioner
    case = policy.visible_cases(user).order_by("-opened_on").first()
    assert case is not None
    access = policy.get_case(user, case.pk)
    # As the tab reads a page of them: the rows and their count in one query (PageWithCount).
    readings = [
        cases_queries.chronology(access),
        cases_queries.chronology(access, search="visit mother"),
        cases_queries.chronology(
            access,
            significance=SIGNIFICANT_ONLY,
            date_from=case.opened_on,
            date_to=case.opened_on + timedelta(days=365),
            agency_id=case.lead_agency_id,
            kind="visit",
            search="visit",
        ),
    ]
    tables = GUARDED_TABLES | {"cases_document"}
    for entries in readings:
        assert seq_scans(entries.annotate(rows=Window(Count("pk")))[:20], tables=tables) == set()
    # What the page reads beside them: the agencies offered, the corrections, the documents.
    wrote = access.entries().filter(is_current=True).values("author_agency_id")
    assert seq_scans(Agency.objects.filter(pk__in=wrote), tables=tables) == set()
    assert seq_scans(access.entries().filter(is_current=False), tables=tables) == set()
    ids = list(readings[0].values_list("pk", flat=True)[:20])
    assert seq_scans(access.documents().filter(entry_id__in=ids), tables=tables) == set()


@pytest.mark.django_db
def test_a_supervisors_readable_entries_are_read_from_their_cases(dataset: Dataset) -> None:
    assert seq_scans(policy.readable_entries(dataset.supervisor)) == set()


@pytest.mark.django_db
def test_a_practitioners_referrals_are_read_from_their_own(dataset: Dataset) -> None:
    # At no front door, what they see is what they referred: the referrer's index alone.
    assert not policy.front_door_agencies(dataset.practitioner).exists()
    assert seq_scans(policy.visible_referrals(dataset.practitioner), tables=RECORD_AND_REFERRALS) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "supervisor", "intake"])
def test_my_referrals_are_read_from_the_referrers_index(dataset: Dataset, who: str) -> None:
    user: User = getattr(dataset, who)
    assert seq_scans(referral_queries.my_referrals(user=user), tables=RECORD_AND_REFERRALS) == set()


@pytest.mark.django_db
def test_the_front_doors_inbox_reads_only_the_referrals_waiting(dataset: Dataset) -> None:
    inbox = referral_queries.inbox(user=dataset.intake)
    doors = policy.front_door_agencies(dataset.intake)
    assert inbox.exists()
    assert Referral.objects.filter(receiving_agency__in=doors, status=ReferralStatus.DECIDED).exists()
    plan = explain(inbox, analyze=True)["Plan"]
    read = [node for node in nodes(plan) if node.get("Relation Name") == "referrals_referral"]
    assert read and all(node["Node Type"] != "Seq Scan" for node in read)
    # Not one decided (or other) referral of the front door is read to be left out.
    removed = sum(node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0) for node in read)
    assert removed == 0


def _page_queries(client: Client, user: User, path: str) -> list[str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT")]


def _scanned_whole(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return {
        node["Relation Name"]
        for node in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in RECORD_AND_REFERRALS
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("practitioner", "case list"),
        ("supervisor", "case list"),
        ("practitioner", "case page"),
        ("practitioner", "API case list"),
        ("practitioner", "API case detail"),
        ("practitioner", "my referrals"),
        ("intake", "referral inbox"),
        ("intake", "API referral inbox"),
    ],
)
def test_no_query_of_a_page_reads_a_whole_table_of_the_record(
    client: Client, dataset: Dataset, who: str, page: str
) -> None:
    user: User = getattr(dataset, who)
    case = policy.visible_cases(user).order_by("pk").first()
    paths = {
        "case list": reverse("cases:list"),
        "case page": reverse("cases:detail", kwargs={"case_id": case.pk}) if case else "",
        "API case list": reverse("api-case-list"),
        "API case detail": reverse("api-case-detail", kwargs={"case_id": case.pk}) if case else "",
        "my referrals": reverse("referrals:mine"),
        "referral inbox": reverse("referrals:inbox"),
        "API referral inbox": reverse("api-referral-inbox"),
    }
    queries = _page_queries(client, user, paths[page])
    assert queries
    assert {sql[:120]: _scanned_whole(sql) for sql in queries if _scanned_whole(sql)} == {}


# --- the generated data ------------------------------------------------------------------


@pytest.mark.django_db
def test_generate_dataset_reports_rows_and_timings_per_table(dataset: Dataset) -> None:
    for table in ("cases_case", "cases_chronologyentry", "referrals_referral", "deadlines_deadline"):
        assert any(line.startswith(table) and " rows  copy " in line for line in dataset.output.splitlines())
    assert "total" in dataset.output


@pytest.mark.django_db
def test_generated_county_has_the_intended_shape(dataset: Dataset) -> None:
    assert Case.objects.count() == CASES
    kinds = set(Agency.objects.values_list("kind", flat=True))
    assert {AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION} <= kinds
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # About 16 active places per practitioner, and teams across about four agencies.
    places = CaseTeamMember.objects.filter(active=True).values("user").annotate(n=Count("pk"))
    per_worker = sorted(row["n"] for row in places)
    assert 14 <= per_worker[len(per_worker) // 2] <= 18
    agencies_per_open_case = (
        CaseTeamMember.objects.filter(active=True).values("case").annotate(n=Count("agency", distinct=True))
    )
    mean = sum(row["n"] for row in agencies_per_open_case) / len(agencies_per_open_case)
    assert 3.0 <= mean <= 4.0
    # Siblings share cases; about ten entries per case, in every visibility.
    assert 1.4 <= Child.objects.count() / CASES <= 2.0
    assert 8 <= ChronologyEntry.objects.count() / CASES <= 12
    assert set(ChronologyEntry.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    assert set(Document.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    assert ChronologyEntry.named_viewers.through.objects.exists()
    assert ChronologyEntry.objects.filter(supersedes__isnull=False).exists()
    # Health and police information shared beyond the agency records its legal basis.
    restricted = Q(author_agency__kind__in=(AgencyKind.HEALTH, AgencyKind.POLICE))
    assert not ChronologyEntry.objects.filter(restricted, legal_basis="").exclude(visibility=Visibility.AGENCY).exists()
    # About 22% of referrals are re-referrals to the same front door.
    referrals = Referral.objects.count()
    re_referrals = Referral.objects.filter(
        previous_referral__isnull=False, previous_referral__receiving_agency=F("receiving_agency")
    ).count()
    assert 0.18 <= re_referrals / referrals <= 0.26
    # About one open deadline per case; grants and break-glass at their (small) rates.
    live = Deadline.objects.filter(state__in=LIVE_STATES).count()
    assert 0.7 <= live / CASES <= 1.4
    assert 0.005 <= CaseUserObjectPermission.objects.count() / CASES <= 0.04
    assert BreakGlassGrant.objects.exists()
    # Every open case has its joint assessment, with a contribution owed by each other agency;
    # cases in enquiry or on a plan have their meetings and plans, and deadlines point at them.
    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED).count()
    assert JointAssessment.objects.count() == open_cases
    assert Contribution.objects.count() >= open_cases
    assert Meeting.objects.exists() and MeetingAttendee.objects.exists()
    assert Plan.objects.exists() and PlanAction.objects.exists()
    for subject in ("assessment", "contribution", "meeting", "plan_action"):
        assert Deadline.objects.filter(**{f"{subject}__isnull": False}).exists()


@pytest.mark.django_db
def test_generated_rows_pass_the_models_own_validation(dataset: Dataset) -> None:
    models = (Child, Case, ChronologyEntry, Document, Referral, Deadline, Membership, SupervisionLine)
    casework = (JointAssessment, Contribution, Meeting, MeetingAttendee, Plan, PlanOutcome, PlanAction)
    for model in models + casework:
        for obj in model.objects.order_by("?")[:25]:
            obj.full_clean(validate_unique=False)


@pytest.mark.django_db
def test_explain_policy_shows_each_read_scanning_nothing_guarded(dataset: Dataset) -> None:
    out = io.StringIO()
    call_command("explain_policy", stdout=out)
    reads = [line for line in out.getvalue().splitlines() if " ms run, " in line]
    assert len(reads) >= 15
    assert all(line.endswith("scans whole: nothing guarded") for line in reads)
