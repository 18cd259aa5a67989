"""The performance report: every key page and API endpoint, per role, at two or more scales,
side by side in the same run with (a) django-guardian's ``get_objects_for_user`` holding the
same access and (b) a minimal signed-in page (the floor). Run with `make bench`; not part of
`make test`.

For each scale in ``BENCH_SCALES`` (cases, comma-separated; default "10000,100000") the
throwaway test database is emptied and filled by ``generate_dataset`` (datasets/synthetic.py),
then each page is requested ``BENCH_REQUESTS`` times (after warm-up) through Django's test
client, in process, so the figures are the application's and the database's, not a network's.
Prints one table per scale and writes ``.local/bench/pages.svg`` (p95 against scale) and
``.local/bench/pages.json``. Against ``DATABASE_URL`` it measures that server (the stock
PostgreSQL, JIT on); without it, the embedded PostgreSQL."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from guardian.shortcuts import get_objects_for_user

from access_control.models import CaseUserObjectPermission
from access_control.policy import VIEW_CASE_PERMISSION, visible_cases
from agencies.models import AgencyKind, Role, SupervisionLine, User
from cases.models import Case, CaseTeamMember
from datasets.plans import typical_users
from datasets.synthetic import DatasetWriter, Scale
from referrals.models import Referral, ReferralStatus

SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "10000,100000").split(",") if n.strip()]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
WARM_UP = 3
OUT = Path(settings.BASE_DIR) / ".local" / "bench"


@dataclass
class Timing:
    scale: int
    role: str
    page: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(run: Callable[[], Any]) -> tuple[list[float], int]:
    for _ in range(WARM_UP):
        run()
    samples = []
    # Counted by an execute wrapper: Django empties connection.queries at each request start.
    executed = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run()
    for _ in range(REQUESTS):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, len(executed)


def _get(client: Client, path: str) -> Callable[[], Any]:
    def run() -> Any:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return run


def _median_supervisor() -> User:
    """A team manager whose team is of the middling size."""
    teams = list(
        SupervisionLine.objects.filter(active=True, supervisor__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        .values("supervisor__user")
        .annotate(people=Count("pk"))
        .order_by("people", "supervisor__user")
        .values_list("supervisor__user", flat=True)
    )
    return User.objects.get(pk=teams[len(teams) // 2])


def _guardian_twin(user: User) -> User:
    """A user holding, as django-guardian direct grants, exactly the cases ``user`` sees."""
    twin = User.objects.create_user(email=f"guardian-twin-{user.pk}@bench.invalid", password=None)
    permission = Permission.objects.get(content_type__app_label="cases", codename=VIEW_CASE_PERMISSION)
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(user=twin, permission=permission, content_object_id=pk)
        for pk in visible_cases(user).values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE access_control_caseuserobjectpermission")
    return twin


def _guardian_cases(twin: User) -> list[Any]:
    return list(
        get_objects_for_user(
            twin, f"cases.{VIEW_CASE_PERMISSION}", klass=Case, accept_global_perms=False, with_superuser=False
        ).values_list("pk", flat=True)
    )


def _policy_against_guardian(scale: int, role: str, user: User) -> list[Timing]:
    twin = _guardian_twin(user)
    assert sorted(_guardian_cases(twin)) == sorted(visible_cases(user).values_list("pk", flat=True)), (
        "the guardian twin must hold the same access"
    )
    ours = _measure(lambda: list(visible_cases(user).values_list("pk", flat=True)))
    theirs = _measure(lambda: _guardian_cases(twin))
    return [
        _timing(scale, role, "visible cases (policy)", ours),
        _timing(scale, role, "visible cases (guardian)", theirs),
    ]


def _timing(scale: int, role: str, page: str, measured: tuple[list[float], int]) -> Timing:
    samples, queries = measured
    return Timing(
        scale=scale,
        role=role,
        page=page,
        p50_ms=statistics.median(samples),
        p95_ms=_percentile(samples, 0.95),
        max_ms=max(samples),
        queries=queries,
    )


def _pages_for(user: User) -> dict[str, str]:
    place = CaseTeamMember.objects.filter(user=user, active=True).order_by("case_id").first()
    pages = {
        # The floor: the lightest signed-in page (the agencies you belong to) and API call.
        "floor (signed-in minimal page)": "/",
        "floor API (my memberships)": "/api/v1/memberships/",
        "case list": "/cases/",
        "my tasks": "/deadlines/tasks/",
        "notifications": "/deadlines/notifications/",
        "API case list": "/api/v1/cases/",
    }
    if place is not None:
        pages["case page"] = f"/cases/{place.case_id}/"
        pages["API case detail"] = f"/api/v1/cases/{place.case_id}/"
        pages["API chronology"] = f"/api/v1/cases/{place.case_id}/entries/"
    return pages


def _measure_role(scale: int, role: str, user: User, extra: dict[str, str] | None = None) -> list[Timing]:
    client = Client()
    client.force_login(user)
    timings = []
    for page, path in {**_pages_for(user), **(extra or {})}.items():
        timings.append(_timing(scale, role, page, _measure(_get(client, path))))
    return timings


def _fill(scale: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    DatasetWriter(Scale.for_cases(scale), seed=1, batch_cases=2_000, log=lambda line: None).run()


def _report(timings: list[Timing]) -> None:
    for scale in sorted({t.scale for t in timings}):
        rows = [t for t in timings if t.scale == scale]
        print(f"\n{scale:,} cases ({connection.settings_dict['HOST'] or 'local socket'}; {REQUESTS} requests each)")
        print(f"{'role':<26} {'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'x floor':>8}")
        for row in rows:
            floor = next((t.p95_ms for t in rows if t.role == row.role and t.page.startswith("floor (")), row.p95_ms)
            print(
                f"{row.role:<26} {row.page:<32} {row.p50_ms:8.1f} {row.p95_ms:8.1f} {row.max_ms:8.1f} "
                f"{row.queries:8d} {row.p95_ms / floor:8.1f}"
            )


def _chart(timings: list[Timing], path: Path) -> None:
    """p95 against scale, one line per (role, page): a plain SVG, no plotting library."""
    scales = sorted({t.scale for t in timings})
    series: dict[str, list[tuple[int, float]]] = {}
    for t in timings:
        series.setdefault(f"{t.role}: {t.page}", []).append((t.scale, t.p95_ms))
    width, height, left, bottom, top = 900, 520, 70, 40, 20
    worst = max(t.p95_ms for t in timings) or 1.0

    def x(scale: int) -> float:
        return left + (scales.index(scale) / max(1, len(scales) - 1)) * (width - left - 330)

    def y(ms: float) -> float:
        return height - bottom - (ms / worst) * (height - bottom - top)

    palette = ["#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#7f8c8d"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 330}" y2="{height - bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#333"/>',
        f'<text x="{left}" y="{top - 6}">p95 ms (max {worst:.0f})</text>',
    ]
    for scale in scales:
        parts.append(f'<text x="{x(scale) - 20:.0f}" y="{height - bottom + 16}">{scale:,} cases</text>')
    for index, (name, points) in enumerate(sorted(series.items())):
        colour = palette[index % len(palette)]
        coords = " ".join(f"{x(s):.1f},{y(ms):.1f}" for s, ms in sorted(points))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>')
        parts.append(f'<text x="{width - 320}" y="{top + 12 * index + 10}" fill="{colour}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts), encoding="utf-8")


@pytest.mark.timeout(0)  # a benchmark runs as long as it takes: no suite timeout
@pytest.mark.django_db(transaction=True)
def test_pages_by_role_at_scale() -> None:
    timings: list[Timing] = []
    for scale in SCALES:
        started = time.perf_counter()
        _fill(scale)
        print(f"\ngenerated {scale:,} cases in {time.perf_counter() - started:.0f} s")
        users = typical_users()
        large_team = users.supervisor  # the team manager with the most supervisees
        timings += _measure_role(scale, "practitioner", users.practitioner)
        timings += _measure_role(scale, "supervisor", _median_supervisor(), {"supervisor dashboard": "/cases/team/"})
        timings += _measure_role(
            scale, "supervisor of a large team", large_team, {"supervisor dashboard": "/cases/team/"}
        )
        if users.intake is not None:
            waiting = (
                Referral.objects.filter(
                    status=ReferralStatus.SUBMITTED,
                    receiving_agency__memberships__user=users.intake,
                    receiving_agency__memberships__role=Role.INTAKE,
                )
                .order_by("pk")
                .first()
            )
            intake_pages = {"referral inbox": "/referrals/inbox/", "API referral inbox": "/api/v1/referrals/inbox/"}
            if waiting is not None:
                intake_pages["triage with matching"] = f"/referrals/{waiting.pk}/triage/"
            timings += _measure_role(scale, "intake worker", users.intake, intake_pages)
        timings += _policy_against_guardian(scale, "practitioner", users.practitioner)
        timings += _policy_against_guardian(scale, "supervisor of a large team", large_team)
        _report([t for t in timings if t.scale == scale])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps([asdict(t) for t in timings], indent=1), encoding="utf-8")
    _chart(timings, OUT / "pages.svg")
    print(f"\nwrote {OUT / 'pages.json'} and {OUT / 'pages.svg'}")
    assert timings
