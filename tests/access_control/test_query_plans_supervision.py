"""Plan guards for the supervisor's reads and for "my tasks" of supervisors and front doors:
each starts from what the user or their team owes (deadline owners, supervisees' places and
entries) and tests each row against the policy, so no plan scans every case, chronology entry
or deadline. Checked on a few thousand generated cases (the module-scoped ``dataset`` of
``test_query_plans``); and the row-by-row forms of the rules answer exactly what the
whole-list forms answer, for every kind of user the dataset holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, Q

from access_control import policy
from access_control.policy.deadlines import visible_deadlines_among
from access_control.policy.supervisors import supervisees_deadlines, supervisees_places
from agencies.models import Membership, Role, User
from cases.models import CaseStatus, CaseTeamMember, ChronologyEntry, EntryKind
from datasets.plans import explain, nodes, seq_scans
from deadlines import queries as deadline_queries
from deadlines.models import LIVE_STATES, Deadline, DeadlineState, Extension
from supervision import queries as supervision_queries
from tests.access_control.test_query_plans import Dataset
from tests.access_control.test_query_plans import dataset as dataset  # the module-scoped fixture

pytestmark = pytest.mark.django_db


def _busiest_supervisee(user: User) -> Membership:
    membership = (
        policy.supervisee_memberships(user)
        .annotate(
            owes=Exists(
                Deadline.objects.filter(
                    owner=OuterRef("user_id"), owner_agency=OuterRef("agency_id"), state__in=LIVE_STATES
                )
            )
        )
        .filter(owes=True)
        .order_by("pk")
        .first()
    )
    assert membership is not None, "the largest team owes something"
    return membership


def rows_read(queryset: Any, tables: frozenset[str]) -> dict[str, int]:
    """Rows each of ``tables`` gave up to the plan of ``queryset`` when run (kept or filtered
    out, over every loop): what the read cost, whatever the node types."""
    read = dict.fromkeys(tables, 0)
    for node in nodes(explain(queryset, analyze=True)["Plan"]):
        if node.get("Relation Name") in tables and "Scan" in node["Node Type"]:
            loops = node["Actual Loops"]
            read[node["Relation Name"]] += (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * loops
    return read


READ_GUARDED = frozenset({"cases_case", "deadlines_deadline", "referrals_referral"})


# --- the plans ---------------------------------------------------------------------------


def test_the_supervisors_dashboard_reads_scan_no_table_of_the_record(dataset: Dataset) -> None:
    user = dataset.supervisor
    reads: dict[str, Any] = {
        "caseload places": supervision_queries._open_places(user),
        "deadlines owed by the team": supervision_queries._live_owed(user),
        "the team's visits": supervision_queries._visits_on_own_cases(user),
        "closures waiting": supervision_queries.closures_awaiting(user),
        "extensions waiting": supervision_queries.extensions_awaiting(user),
        "assessments waiting": supervision_queries.assessments_awaiting(user),
    }
    assert {name: seq_scans(read) for name, read in reads.items()} == {name: set() for name in reads}


def test_a_supervisees_cases_and_deadlines_pages_scan_no_table_of_the_record(dataset: Dataset) -> None:
    user = dataset.supervisor
    membership = _busiest_supervisee(user)
    assert seq_scans(supervision_queries.worker_cases(user, membership)) == set()
    for when in ("", "overdue", "week"):
        assert seq_scans(supervision_queries.worker_deadlines(user, membership, when=when)) == set(), when


@pytest.mark.parametrize("who", ["supervisor", "intake"])
@pytest.mark.parametrize("state", ["", DeadlineState.OVERDUE, DeadlineState.MET])
def test_my_tasks_of_a_supervisor_and_a_front_door_scan_no_table_of_the_record(
    dataset: Dataset, who: str, state: str
) -> None:
    assert seq_scans(deadline_queries.tasks_for(getattr(dataset, who), state=state)) == set()


@pytest.mark.parametrize("who", ["practitioner", "supervisor", "intake"])
def test_my_tasks_read_what_the_user_owes_not_what_they_can_see(dataset: Dataset, who: str) -> None:
    user: User = getattr(dataset, who)
    agencies = policy.active_memberships(user).values("agency_id")
    owed = Deadline.objects.filter(Q(owner=user) | Q(owner__isnull=True, owner_agency__in=agencies))
    owed_now = owed.filter(state__in=LIVE_STATES).count()
    read = rows_read(deadline_queries.tasks_for(user), READ_GUARDED)
    # Each deadline owed now is read twice at most (found, then fetched by its key), and at
    # most its one referral: never a front door's inbox, nor every deadline it sees.
    assert read["deadlines_deadline"] <= 2 * owed_now, read
    assert read["referrals_referral"] <= owed_now, read
    assert read["cases_case"] <= owed_now, read


def test_the_teams_deadlines_are_read_from_what_the_team_owes(dataset: Dataset) -> None:
    user = dataset.supervisor
    supervisee = policy.supervisee_memberships(user).filter(
        user_id=OuterRef("owner_id"), agency_id=OuterRef("owner_agency_id")
    )
    ever_owed = Deadline.objects.filter(Exists(supervisee)).count()
    read = rows_read(supervision_queries._live_owed(user), READ_GUARDED)
    assert 0 < read["deadlines_deadline"] <= ever_owed, read
    assert read["cases_case"] == 0 and read["referrals_referral"] == 0, read


def test_one_deadline_is_checked_without_reading_the_front_doors_inbox(dataset: Dataset) -> None:
    deadline = Deadline.objects.filter(referral__isnull=False).order_by("pk").first()
    assert deadline is not None
    seen = visible_deadlines_among(dataset.intake, Deadline.objects.filter(pk=deadline.pk))
    assert seq_scans(seen, READ_GUARDED) == set()
    assert rows_read(seen, READ_GUARDED) == {"cases_case": 0, "deadlines_deadline": 1, "referrals_referral": 1}


# --- the row-by-row rules answer what the list rules answer -------------------------------


def _users(dataset: Dataset) -> list[User]:
    """The dataset's typical users, a supervisor of a front door, and someone with a grant."""
    front_door_supervisor = (
        Membership.objects.filter(role=Role.SUPERVISOR, active=True, agency__takes_referrals=True)
        .order_by("pk")
        .first()
    )
    assert front_door_supervisor is not None
    return [dataset.practitioner, dataset.supervisor, dataset.intake, front_door_supervisor.user]


def test_deadlines_tested_row_by_row_are_exactly_the_visible_deadlines(dataset: Dataset) -> None:
    for user in _users(dataset):
        live = Deadline.objects.filter(state__in=LIVE_STATES)
        expected = set(policy.visible_deadlines(user).filter(state__in=LIVE_STATES).values_list("pk", flat=True))
        assert expected, user
        assert set(visible_deadlines_among(user, live).values_list("pk", flat=True)) == expected, user


@pytest.mark.parametrize("state", ["", DeadlineState.OVERDUE, DeadlineState.MET])
def test_my_tasks_are_the_visible_deadlines_the_user_or_their_agency_owes(dataset: Dataset, state: str) -> None:
    for user in _users(dataset):
        agencies = policy.active_memberships(user).values("agency_id")
        owed = policy.visible_deadlines(user).filter(Q(owner=user) | Q(owner__isnull=True, owner_agency__in=agencies))
        if state == DeadlineState.OVERDUE:
            owed = owed.filter(deadline_queries.overdue_now())
        else:
            owed = owed.filter(state__in=[state] if state else LIVE_STATES)
        tasks = deadline_queries.tasks_for(user, state=state)
        assert sorted(tasks.values_list("pk", flat=True)) == sorted(owed.values_list("pk", flat=True)), user
    assert deadline_queries.tasks_for(_users(dataset)[2]).exists(), "the front door owes its triage"


def test_the_teams_deadlines_are_the_visible_ones_owed_by_a_supervisee(dataset: Dataset) -> None:
    for user in _users(dataset):
        supervisee = policy.supervisee_memberships(user).filter(
            user_id=OuterRef("owner_id"), agency_id=OuterRef("owner_agency_id")
        )
        expected = set(policy.visible_deadlines(user).filter(Exists(supervisee)).values_list("pk", flat=True))
        assert set(supervisees_deadlines(user).values_list("pk", flat=True)) == expected, user
    assert supervisees_deadlines(dataset.supervisor).exists()


def test_the_teams_places_are_the_supervisees_places_on_visible_cases(dataset: Dataset) -> None:
    for user in _users(dataset):
        supervisee = policy.supervisee_memberships(user).filter(
            user_id=OuterRef("user_id"), agency_id=OuterRef("agency_id")
        )
        expected = set(
            CaseTeamMember.objects.filter(active=True, case__in=policy.visible_cases(user))
            .filter(Exists(supervisee))
            .values_list("pk", flat=True)
        )
        assert set(supervisees_places(user).values_list("pk", flat=True)) == expected, user
    assert supervisees_places(dataset.supervisor).exclude(case__status=CaseStatus.CLOSED).exists()


def test_readable_entries_are_the_readable_entries_of_each_visible_case(dataset: Dataset) -> None:
    user = dataset.supervisor
    visits = policy.readable_entries(user).filter(kind=EntryKind.VISIT)
    expected: set[Any] = set()
    for case in policy.visible_cases(user):
        expected |= set(policy.visible_entries(user, case).filter(kind=EntryKind.VISIT).values_list("pk", flat=True))
    assert expected
    assert set(visits.values_list("pk", flat=True)) == expected


def test_extensions_waiting_are_those_on_deadlines_of_my_supervisees_i_can_see(dataset: Dataset) -> None:
    user = dataset.supervisor
    membership = _busiest_supervisee(user)
    mine = supervisees_deadlines(user).filter(owner=membership.user_id, state__in=LIVE_STATES).order_by("pk")
    hidden = (
        Deadline.objects.filter(owner=membership.user_id, state__in=LIVE_STATES)
        .exclude(pk__in=policy.visible_deadlines(user).values("pk"))
        .order_by("pk")
    )
    before = set(deadline_queries.pending_extensions_for(user).values_list("deadline_id", flat=True))
    expected = [deadline for deadline in mine if deadline.pk not in before][:2]
    assert expected
    for deadline in [*expected, *hidden[:1]]:
        Extension.objects.filter(deadline=deadline, state=Extension.State.PENDING).delete()
        Extension.objects.create(
            deadline=deadline,
            requested_by=membership.user,
            reason="More time for the visit",
            new_due_at=deadline.due_at + timedelta(days=9),
        )
    waiting = set(deadline_queries.pending_extensions_for(user).values_list("deadline_id", flat=True))
    assert waiting - before == {deadline.pk for deadline in expected}
    assert seq_scans(deadline_queries.pending_extensions_for(user)) == set()


def test_the_entries_rule_is_unchanged_for_a_supervisor(dataset: Dataset) -> None:
    # Entries of other cases never leak through the array of visible case ids.
    user = dataset.supervisor
    visible = set(policy.visible_cases(user).values_list("pk", flat=True))
    cases_read = set(policy.readable_entries(user).values_list("case_id", flat=True).distinct())
    assert cases_read and cases_read <= visible
    assert ChronologyEntry.objects.exclude(case_id__in=visible).exists()
