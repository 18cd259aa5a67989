"""How PostgreSQL runs the policy's list reads: ``EXPLAIN`` of a queryset as data, the tables
a plan scans end to end, and the typical users of a generated dataset to ask for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from agencies.models import AgencyKind, Membership, Role, SupervisionLine, User
from cases.models import CaseTeamMember

# The tables a list read must never scan whole: every case, every entry, every deadline.
GUARDED_TABLES = frozenset({"cases_case", "cases_chronologyentry", "deadlines_deadline"})


def explain(queryset: QuerySet[Any, Any], *, analyze: bool = False) -> dict[str, Any]:
    """The plan of ``queryset`` (``FORMAT JSON``; run, with buffers, when ``analyze``)."""
    sql, params = queryset.query.sql_with_params()
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        (document,) = cursor.fetchone()
    document = json.loads(document) if isinstance(document, str) else document
    result: dict[str, Any] = document[0]
    return result


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def seq_scans(queryset: QuerySet[Any, Any], tables: frozenset[str] = GUARDED_TABLES) -> set[str]:
    """Which of ``tables`` the plan of ``queryset`` reads end to end."""
    plan = explain(queryset)["Plan"]
    return {
        node["Relation Name"]
        for node in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in tables
    }


def summary(queryset: QuerySet[Any, Any]) -> str:
    """One line: run time, plan time, rows, buffers, JIT and the guarded tables scanned whole."""
    result = explain(queryset, analyze=True)
    plan = result["Plan"]
    buffers = plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    jit = result.get("JIT")
    jit_text = f"JIT {jit['Timing']['Total']:.0f} ms" if jit else "no JIT"
    scanned = sorted(
        {node["Relation Name"] for node in nodes(plan) if node["Node Type"] == "Seq Scan"} & GUARDED_TABLES
    )
    return (
        f"{result['Execution Time']:8.1f} ms run, {result['Planning Time']:5.1f} ms plan, "
        f"{plan['Actual Rows']:>7.0f} rows, {buffers:>7} buffers, {jit_text}; "
        f"scans whole: {', '.join(scanned) or 'nothing guarded'}"
    )


@dataclass(frozen=True)
class TypicalUsers:
    practitioner: User
    supervisor: User
    intake: User | None


def typical_users() -> TypicalUsers:
    """A social worker with the fullest caseload, the team manager with the largest team, and
    a front door's intake worker."""
    busiest = (
        CaseTeamMember.objects.filter(active=True, agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        .values("user")
        .annotate(places=Count("pk"))
        .order_by("-places", "user")
        .first()
    )
    largest = (
        SupervisionLine.objects.filter(active=True, supervisor__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        .values("supervisor__user")
        .annotate(people=Count("pk"))
        .order_by("-people", "supervisor__user")
        .first()
    )
    if busiest is None or largest is None:
        raise LookupError("No generated caseloads here: run generate_dataset first.")
    intake = (
        Membership.objects.filter(role=Role.INTAKE, active=True, agency__takes_referrals=True).order_by("pk").first()
    )
    return TypicalUsers(
        practitioner=User.objects.get(pk=busiest["user"]),
        supervisor=User.objects.get(pk=largest["supervisor__user"]),
        intake=intake.user if intake else None,
    )
