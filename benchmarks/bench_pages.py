"""The performance report: every key page and API endpoint, per role, at two or more scales,
side by side in the same run with (a) django-guardian's ``get_objects_for_user`` holding the
same access and (b) a minimal signed-in page (the floor). Run with `make bench`; not part of
`make test`.

Which databases it measures:
- ``BENCH_DATABASES="100000=postgres://…/tandem_scale_county,1000000=postgres://…/tandem_scale_national"``:
  those, migrated to today's schema first (each must hold a complete ``generate_dataset`` run
  of that many cases: its ``datasets_generation`` row, written in the same transaction as the
  last rows, says so).
- otherwise, for each scale in ``BENCH_SCALES`` (cases, comma-separated; default
  "10000,100000"), the database ``tandem_scale_<cases>_seed<BENCH_SEED>`` on the test
  database's server (``DATABASE_URL``'s, or the embedded PostgreSQL): reused when it holds a
  complete generation of that size, seed and shape (migrated first, so the schema is
  today's); otherwise dropped, created, migrated and generated, once. ``BENCH_REGENERATE=1``
  generates afresh.

Each page is requested ``BENCH_REQUESTS`` times (after warm-up) through Django's test client,
in process, so the figures are the application's and the database's, not a network's. The
pages write what they always write (the access log; a guardian twin per measured user, kept
and refreshed on reuse). Prints one table per scale (with each page's ratio to the floor and
the policy's to guardian), then how each page grows with the scale, and writes
``.local/bench/pages.svg`` (p95 against scale, one panel per page, log scales) and
``.local/bench/pages.json``."""

from __future__ import annotations

import contextlib
import json
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from guardian.shortcuts import get_objects_for_user
from psycopg import sql

from access_control.models import CaseUserObjectPermission
from access_control.policy import VIEW_CASE_PERMISSION, visible_cases
from agencies.models import AgencyKind, Role, SupervisionLine, User
from benchmarks.figures import percentile
from cases.models import Case, CaseTeamMember
from datasets.models import Generation
from datasets.plans import typical_users
from datasets.synthetic import DatasetWriter, Scale
from referrals.models import Referral, ReferralStatus

SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "10000,100000").split(",") if n.strip()]
SEED = int(os.environ.get("BENCH_SEED", "1"))
REGENERATE = os.environ.get("BENCH_REGENERATE", "") not in ("", "0")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
WARM_UP = 3
OUT = Path(settings.BASE_DIR) / ".local" / "bench"
FLOOR_PAGE = "floor (signed-in minimal page)"
FLOOR_API = "floor API (my memberships)"
POLICY = "visible cases (policy)"
GUARDIAN = "visible cases (guardian)"
# The targets (p95 ms at national scale), drawn on the chart.
TARGETS = {
    "case list": 50.0,
    "case page": 80.0,
    "my tasks": 80.0,
    "supervisor dashboard": 150.0,
    "referral inbox": 50.0,
}


def _explicit_databases() -> dict[int, str]:
    """``BENCH_DATABASES`` as {cases: url}."""
    found: dict[int, str] = {}
    for item in os.environ.get("BENCH_DATABASES", "").split(","):
        if item.strip():
            cases, _, url = item.partition("=")
            found[int(cases.strip().replace("_", ""))] = url.strip()
    return found


@dataclass
class Timing:
    scale: int
    role: str
    page: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int


# --- which database ---------------------------------------------------------------------------


@dataclass
class Measured:
    """A database measured at one scale: where, and how it came to hold its data."""

    cases: int
    overrides: dict[str, Any]
    origin: str


def _overrides(url: str) -> dict[str, Any]:
    parsed = dj_database_url.parse(url)
    return {key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT") if key in parsed}


@contextlib.contextmanager
def _connected_to(overrides: dict[str, Any]) -> Iterator[None]:
    """Django's connection pointed at another database of the same kind, then back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(overrides)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _server() -> psycopg.Connection[Any]:
    """The test database's server, its maintenance database, for creating and dropping."""
    current = connection.settings_dict
    return psycopg.connect(
        host=current["HOST"] or None,
        port=current["PORT"] or None,
        user=current["USER"] or None,
        password=current["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _given(cases: int, url: str) -> Measured:
    """A database named in BENCH_DATABASES: once shown complete, migrated (an index added since
    it was generated is built; the data stay as generated) and measured."""
    overrides = _overrides(url)
    with _connected_to(overrides):
        recorded = Generation._meta.db_table in connection.introspection.table_names()
        generation = Generation.complete(cases=cases) if recorded else None
        if generation is not None:
            call_command("migrate", verbosity=0)
    if generation is None:
        pytest.fail(
            f"{overrides['NAME']} holds no complete generation of {cases:,} cases "
            "(run `manage.py generate_dataset` into an empty database, or leave BENCH_DATABASES unset)"
        )
    assert generation.completed_at is not None
    origin = f"given; generated {generation.completed_at:%Y-%m-%d %H:%M} in {generation.seconds or 0:.0f} s"
    return Measured(cases, overrides, origin)


def _named(cases: int) -> Measured:
    """``tandem_scale_<cases>_seed<seed>`` on the test server: reused when complete, else made."""
    name = f"tandem_scale_{cases}_seed{SEED}"
    overrides = {"NAME": name}
    with _server() as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    if exists and not REGENERATE:
        with _connected_to(overrides):
            call_command("migrate", verbosity=0)  # today's schema, whenever it was generated
            generation = Generation.complete(cases=cases, seed=SEED)
        if generation is not None and generation.completed_at is not None:
            origin = f"reused; generated {generation.completed_at:%Y-%m-%d %H:%M} in {generation.seconds or 0:.0f} s"
            return Measured(cases, overrides, origin)
    with _server() as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    started = time.perf_counter()
    with _connected_to(overrides):
        call_command("migrate", verbosity=0)
        DatasetWriter(Scale.for_cases(cases), seed=SEED, log=lambda line: None).run()
    return Measured(cases, overrides, f"generated now in {time.perf_counter() - started:.0f} s")


def _databases() -> list[Measured]:
    given = _explicit_databases()
    if given:
        return [_given(cases, url) for cases, url in sorted(given.items())]
    return [_named(cases) for cases in SCALES]


# --- measuring --------------------------------------------------------------------------------
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
    email = f"guardian-twin-{user.pk}@bench.invalid"
    # Kept from an earlier run on a reused database, its grants made afresh.
    twin = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=None)
    CaseUserObjectPermission.objects.filter(user=twin).delete()
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
        _timing(scale, role, POLICY, ours),
        _timing(scale, role, GUARDIAN, theirs),
    ]


def _timing(scale: int, role: str, page: str, measured: tuple[list[float], int]) -> Timing:
    samples, queries = measured
    return Timing(
        scale=scale,
        role=role,
        page=page,
        p50_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        max_ms=max(samples),
        queries=queries,
    )


def _pages_for(user: User) -> dict[str, str]:
    place = CaseTeamMember.objects.filter(user=user, active=True).order_by("case_id").first()
    pages = {
        # The floor: the lightest signed-in page (your account: sign-in, second factor and
        # tokens) and API call (the agencies you belong to).
        FLOOR_PAGE: "/accounts/",
        FLOOR_API: "/api/v1/memberships/",
        # "My work": every section, "new since my last visit" over all the user's cases included.
        "home (my work)": "/",
        "API my work": "/api/v1/my-work/",
        "case list": "/cases/",
        "my tasks": "/deadlines/tasks/",
        "notifications": "/deadlines/notifications/",
        "API case list": "/api/v1/cases/",
    }
    if place is not None:
        pages["case page"] = f"/cases/{place.case_id}/"
        pages["API case detail"] = f"/api/v1/cases/{place.case_id}/"
        pages["API chronology"] = f"/api/v1/cases/{place.case_id}/entries/"
        pages["chronology page"] = f"/cases/{place.case_id}/chronology/"
        pages["family page"] = f"/cases/{place.case_id}/family/"
    return pages


def _measure_role(scale: int, role: str, user: User, extra: dict[str, str] | None = None) -> list[Timing]:
    client = Client()
    client.force_login(user)
    timings = []
    for page, path in {**_pages_for(user), **(extra or {})}.items():
        timings.append(_timing(scale, role, page, _measure(_get(client, path))))
    return timings


def _measure_database(scale: int) -> list[Timing]:
    users = typical_users()
    large_team = users.supervisor  # the team manager with the most supervisees
    timings = _measure_role(scale, "practitioner", users.practitioner)
    timings += _measure_role(scale, "supervisor", _median_supervisor(), {"supervisor dashboard": "/cases/team/"})
    timings += _measure_role(scale, "supervisor of a large team", large_team, {"supervisor dashboard": "/cases/team/"})
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
    return timings


# --- the report -------------------------------------------------------------------------------


def _floor_for(row: Timing, rows: list[Timing]) -> Timing | None:
    """The floor a page is compared with: the minimal API call for API pages, the minimal
    signed-in page for the others; none for the policy's bare queries."""
    if row.page in (POLICY, GUARDIAN):
        return None
    floor = FLOOR_API if row.page.startswith("API") or row.page == FLOOR_API else FLOOR_PAGE
    return next((t for t in rows if t.role == row.role and t.page == floor), None)


def _ratio(value: float, base: float) -> str:
    return f"{value / base:7.1f}x" if base > 0 else f"{'-':>8}"


def _table(rows: list[Timing]) -> Iterator[str]:
    """One scale: every page per role, with its p95's ratio to the floor's p95 and, for the
    policy's visible-cases query, guardian's p95 over the policy's (above 1: the policy is faster)."""
    yield (
        f"{'role':<27} {'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7} "
        f"{'x floor':>8} {'guardian/policy':>15}"
    )
    for row in rows:
        floor = _floor_for(row, rows)
        versus_floor = _ratio(row.p95_ms, floor.p95_ms) if floor is not None else f"{'-':>8}"
        versus_guardian = f"{'-':>15}"
        if row.page == POLICY:
            guardian = next((t for t in rows if t.role == row.role and t.page == GUARDIAN), None)
            if guardian is not None:
                versus_guardian = f"{guardian.p95_ms / row.p95_ms:14.1f}x"
        yield (
            f"{row.role:<27} {row.page:<32} {row.p50_ms:8.1f} {row.p95_ms:8.1f} {row.max_ms:8.1f} "
            f"{row.queries:7d} {versus_floor} {versus_guardian}"
        )


def _growth(timings: list[Timing]) -> Iterator[str]:
    """Each page's p95 at every scale and how much it grew from the smallest to the largest."""
    scales = sorted({t.scale for t in timings})
    if len(scales) < 2:
        return
    by_key = {(t.role, t.page, t.scale): t for t in timings}
    header = " ".join(f"{_scale_label(scale):>9}" for scale in scales)
    yield f"\np95 ms by scale\n{'role':<27} {'page':<32} {header} {'growth':>8}"
    for role, page in dict.fromkeys((t.role, t.page) for t in timings):
        cells = [by_key.get((role, page, scale)) for scale in scales]
        text = " ".join(f"{cell.p95_ms:9.1f}" if cell else f"{'-':>9}" for cell in cells)
        first, last = cells[0], cells[-1]
        growth = _ratio(last.p95_ms, first.p95_ms) if first and last else f"{'-':>8}"
        yield f"{role:<27} {page:<32} {text} {growth}"


def _scale_label(cases: int) -> str:
    if cases >= 1_000_000 and cases % 1_000_000 == 0:
        return f"{cases // 1_000_000}M"
    if cases >= 1_000 and cases % 1_000 == 0:
        return f"{cases // 1_000}k"
    return f"{cases:,}"


# --- the chart --------------------------------------------------------------------------------

ROLE_COLOURS = {
    "practitioner": "#1f77b4",
    "supervisor": "#2ca02c",
    "supervisor of a large team": "#9467bd",
    "intake worker": "#ff7f0e",
}
FLOOR_COLOUR = "#7f7f7f"
TARGET_COLOUR = "#d62728"
# One panel per page, in this order; the policy's query against guardian's last but one.
PANELS = (
    "home (my work)",
    "case list",
    "case page",
    "my tasks",
    "notifications",
    "supervisor dashboard",
    "referral inbox",
    "triage with matching",
    "API case list",
    "API case detail",
    "API chronology",
    "API referral inbox",
    POLICY,
    FLOOR_PAGE,
)


def _log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            value = step * 10.0**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    """A point: a dot (Tandem), an open square (guardian), a diamond (the floor), a ring
    (the floor's API call)."""
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="white" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    if kind == "diamond":
        return f'<path d="M {x:.1f} {y - 5:.1f} l 5 5 l -5 5 l -5 -5 z" fill="{colour}"/>'
    if kind == "ring":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="white" stroke="{colour}" stroke-width="1.5"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def _ms_label(ms: float) -> str:
    return f"{ms:g}" if ms < 1000 else f"{ms / 1000:g} s"


def _chart(timings: list[Timing], path: Path, title: str) -> None:
    """p95 against scale, log-log, one panel per page: a line per role (solid), guardian's
    ``get_objects_for_user`` with the same access beside the policy (dashed), the floor (the
    minimal signed-in page or API call, grey dashes) and the issue's target (red dots).
    A plain SVG, no plotting library."""
    scales = sorted({t.scale for t in timings})
    pages = [page for page in PANELS if any(t.page == page for t in timings)]
    pages += sorted({t.page for t in timings} - set(PANELS) - {GUARDIAN, FLOOR_API})
    values = [t.p95_ms for t in timings if t.p95_ms > 0] + [v for k, v in TARGETS.items() if k in pages]
    low = 10 ** math.floor(math.log10(min(values)))
    high = 10 ** math.ceil(math.log10(max(values)))
    columns = 4
    rows = math.ceil(len(pages) / columns)
    panel_w, panel_h = 300, 230
    margin_left, margin_top, gap_x, gap_y = 62, 136, 28, 58
    plot_w, plot_h = panel_w - 20, panel_h - 40
    width = margin_left + columns * (panel_w + gap_x)
    height = margin_top + rows * (panel_h + gap_y) + 10

    def x_of(scale: float, left: float) -> float:
        if len(scales) == 1:
            return left + plot_w / 2
        span = math.log10(scales[-1]) - math.log10(scales[0])
        return left + 18 + (math.log10(scale) - math.log10(scales[0])) / span * (plot_w - 36)

    def y_of(ms: float, top: float) -> float:
        share = (math.log10(max(ms, low)) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return top + plot_h - share * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{margin_left}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    # The legend: roles by colour, what each line style means.
    legend_x, legend_y = margin_left, 48
    for index, (role, colour) in enumerate(ROLE_COLOURS.items()):
        lx = legend_x + index * 190
        parts.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{escape(role)}</text>')
    styles = (
        ("solid, dots: Tandem (the need-to-know policy)", "#333", "", 2.5, "dot"),
        ("dashed, open squares: guardian get_objects_for_user, same access", "#333", "7,4", 2.5, "square"),
        ("grey, diamonds: the floor (minimal signed-in page / API call)", FLOOR_COLOUR, "4,3", 2.0, "diamond"),
        ("red dots: target p95 (issue 11, national scale)", TARGET_COLOUR, "2,3", 1.5, ""),
    )
    for index, (label, colour, dash, stroke, marker) in enumerate(styles):
        lx, ly = legend_x + (index % 2) * 520, legend_y + 24 + (index // 2) * 20
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{colour}" stroke-width="{stroke}"{dashes}/>'
        )
        if marker:
            parts.append(_marker(marker, lx + 12, ly, colour))
        parts.append(f'<text x="{lx + 30}" y="{ly + 4}">{escape(label)}</text>')

    def line(
        points: Sequence[tuple[float, float]],
        colour: str,
        dash: str,
        stroke: float,
        left: float,
        top: float,
        marker: str = "dot",
    ) -> None:
        ordered = sorted(points)
        coords = " ".join(f"{x_of(s, left):.1f},{y_of(ms, top):.1f}" for s, ms in ordered)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        if len(ordered) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{stroke}"{dashes} points="{coords}"/>')
        for s, ms in ordered:
            parts.append(_marker(marker, x_of(s, left), y_of(ms, top), colour))

    for index, page in enumerate(pages):
        left = margin_left + (index % columns) * (panel_w + gap_x)
        top = margin_top + (index // columns) * (panel_h + gap_y)
        heading = "visible cases: policy vs guardian" if page == POLICY else page
        parts.append(f'<text x="{left}" y="{top - 8}" font-size="13" font-weight="bold">{escape(heading)}</text>')
        parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>')
        for tick in _log_ticks(low, high):
            ty = y_of(tick, top)
            parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#e3e3e3"/>')
            parts.append(f'<text x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end">{_ms_label(tick)}</text>')
        for scale in scales:
            tx = x_of(scale, left)
            parts.append(f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + plot_h}" stroke="#e3e3e3"/>')
            parts.append(
                f'<text x="{tx:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{_scale_label(scale)}</text>'
            )
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h + 30}" text-anchor="middle" fill="#555">'
            "cases in the database (log)</text>"
        )
        parts.append(
            f'<text transform="translate({left - 40},{top + plot_h / 2}) rotate(-90)" text-anchor="middle" '
            'fill="#555">p95 ms (log)</text>'
        )
        if page in TARGETS:
            ty = y_of(TARGETS[page], top)
            parts.append(
                f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="{TARGET_COLOUR}" '
                'stroke-width="1.5" stroke-dasharray="2,3"/>'
            )
            parts.append(
                f'<text x="{left + plot_w - 4}" y="{ty - 4:.1f}" text-anchor="end" fill="{TARGET_COLOUR}">'
                f"target {TARGETS[page]:g} ms</text>"
            )
        if page not in (POLICY, FLOOR_PAGE):
            floor_page = FLOOR_API if page.startswith("API") else FLOOR_PAGE
            floors = [
                (scale, statistics.median(t.p95_ms for t in timings if t.page == floor_page and t.scale == scale))
                for scale in scales
                if any(t.page == floor_page and t.scale == scale for t in timings)
            ]
            line(floors, FLOOR_COLOUR, "4,3", 2.0, left, top, "diamond")
        for role, colour in ROLE_COLOURS.items():
            ours = [(t.scale, t.p95_ms) for t in timings if t.role == role and t.page == page]
            if ours:
                line(ours, colour, "", 2.5, left, top)
            if page == POLICY:
                theirs = [(t.scale, t.p95_ms) for t in timings if t.role == role and t.page == GUARDIAN]
                if theirs:
                    line(theirs, colour, "7,4", 2.5, left, top, "square")
            if page == FLOOR_PAGE:
                api = [(t.scale, t.p95_ms) for t in timings if t.role == role and t.page == FLOOR_API]
                if api:
                    line(api, colour, "2,2", 1.5, left, top, "ring")
        notes = {
            FLOOR_PAGE: "dots: minimal page; rings: minimal API call",
            POLICY: "dots: the policy; open squares: guardian",
        }
        if page in notes:
            parts.append(f'<text x="{left + 6}" y="{top + 14}" fill="#555">{escape(notes[page])}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts), encoding="utf-8")


@pytest.mark.timeout(0)  # a benchmark runs as long as it takes: no suite timeout
@pytest.mark.django_db(transaction=True)
def test_pages_by_role_at_scale() -> None:
    timings: list[Timing] = []
    server = version = ""
    for database in _databases():
        print(f"\n{database.cases:,} cases: {database.overrides['NAME']} ({database.origin})")
        with _connected_to(database.overrides):
            scale_timings = _measure_database(database.cases)
            server = connection.settings_dict["HOST"] or "local socket"
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('server_version'), current_setting('jit')")
                version, jit = cursor.fetchone()
        print(f"{database.cases:,} cases on PostgreSQL {version} at {server} (jit {jit}); {REQUESTS} requests each")
        for line in _table(scale_timings):
            print(line)
        timings += scale_timings
    for line in _growth(timings):
        print(line)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps([asdict(t) for t in timings], indent=1), encoding="utf-8")
    title = f"p95 per page against scale: PostgreSQL {version} at {server}, {REQUESTS} requests each"
    _chart(timings, OUT / "pages.svg", title)
    print(f"\nwrote {OUT / 'pages.json'} and {OUT / 'pages.svg'}")
    assert timings
