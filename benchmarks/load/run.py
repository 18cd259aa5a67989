"""The load run: gunicorn with several workers serving a generated dataset on loopback, and
locust's simulated people (benchmarks/load/locustfile.py) working it for a few minutes.
Prints requests, failures, throughput and p50/p95/max per page, and fails when any request
failed. Not part of `make test`; run it with `make load` against a database that
``generate_dataset`` filled:

    DATABASE_URL=postgres://…/tandem_scale_national REDIS_URL=redis://127.0.0.1:6379/9 \\
        make load LOAD_ARGS="--people 50 --minutes 3 --workers 4"

Bounded on every side: the server listens on 127.0.0.1 only, locust stops after
``--minutes``, and both are stopped when the run ends or fails. The accounts that sign in are
generated ones (the run refuses a database holding any other account), given a one-off
password for this run; locust runs from its own pinned environment (.local/load-venv,
benchmarks/load/requirements.txt), made with uv or pip the first time.

``--case-page-only`` measures one page instead, the case page, as fast as locust can ask for
it (no thinking time), to compare throughput at 2 and at 8 server processes.

Load generator and server share the machine, so two things keep the comparison about the
server: each run starts with ``--warm-up`` seconds of the same load whose figures are
dropped (every process has read its templates, URL patterns and connections by then, and 8
processes have four times as much of that to do as 2), and gunicorn runs at a lower CPU
priority than locust (``--server-nice``, default 5), so that more server processes do not
starve locust's one process of the CPU it needs to ask: without it, 8 processes measure
the load generator's share of the cores as much as the server's."""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".local" / "bench"
LOAD_VENV = ROOT / ".local" / "load-venv"
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Of every 50 people: social workers and partners on their cases, managers, the front door.
MIX = {"practitioner": 0.6, "supervisor": 0.2, "intake": 0.2}
CASES_EACH = 20
REFERRALS_EACH = 10
# A generated dataset's accounts, and nothing else (datasets/synthetic.py, bench_pages.py).
GENERATED_DOMAINS = (".example.org", "@bench.invalid")


def say(line: str) -> None:
    print(f"[load] {line}", flush=True)


def load_environment() -> Path:
    """The load run's locust, installed once into .local/load-venv from its pins."""
    locust = LOAD_VENV / "bin" / "locust"
    stamp = LOAD_VENV / ".installed"
    if locust.exists() and stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return locust
    from scripts.setup_env import find_uv

    say(f"installing locust into {LOAD_VENV} (once)")
    uv = find_uv()
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(LOAD_VENV)], check=True)
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", str(LOAD_VENV / "bin" / "python"), "-r", str(REQUIREMENTS)],
            check=True,
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run(
            [str(LOAD_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True
        )
    stamp.write_text(REQUIREMENTS.read_text())
    return locust


def plan(people: int, password: str, *, seed: int = 1) -> dict[str, list[dict[str, Any]]]:
    """The accounts that will sign in, by role, each with what it will open: up to 20 of the
    cases the policy lets it see and, at the front door, up to 10 referrals waiting in its
    inbox. Sets this run's password on those accounts only."""
    from django.contrib.auth.hashers import make_password

    from access_control.policy import visible_cases
    from agencies.models import AgencyKind, Membership, Role, User
    from referrals.queries import inbox

    if (
        User.objects.exclude(email__endswith=GENERATED_DOMAINS[0])
        .exclude(email__endswith=GENERATED_DOMAINS[1])
        .exists()
    ):
        raise SystemExit("This database holds accounts that generate_dataset did not make: no load run here.")
    chooser = random.Random(seed)
    wanted = {role: round(people * share) for role, share in MIX.items()}
    wanted["practitioner"] = people - wanted["supervisor"] - wanted["intake"]
    pools = {
        "practitioner": Membership.objects.filter(
            role=Role.PRACTITIONER, active=True, user__is_active=True, user__case_teams__active=True
        ),
        "supervisor": Membership.objects.filter(
            role=Role.SUPERVISOR,
            active=True,
            user__is_active=True,
            agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE,
            supervisees__active=True,
        ),
        "intake": Membership.objects.filter(
            role=Role.INTAKE, active=True, user__is_active=True, agency__takes_referrals=True
        ),
    }
    accounts: dict[str, list[dict[str, Any]]] = {}
    chosen: list[int] = []
    for role, memberships in pools.items():
        user_ids = sorted(set(memberships.values_list("user_id", flat=True)))
        picked = chooser.sample(user_ids, min(wanted[role], len(user_ids)))
        accounts[role] = []
        for user in User.objects.filter(pk__in=picked).order_by("pk"):
            cases = [str(pk) for pk in visible_cases(user).order_by("pk").values_list("pk", flat=True)[:CASES_EACH]]
            referrals = (
                [str(pk) for pk in inbox(user=user).values_list("pk", flat=True)[:REFERRALS_EACH]]
                if role == "intake"
                else []
            )
            accounts[role].append({"email": user.email, "cases": cases, "referrals": referrals})
            chosen.append(user.pk)
    User.objects.filter(pk__in=chosen).update(password=make_password(password))
    return accounts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(workers: int, port: int, *, nice: int = 0) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "DJANGO_ENV": "development", "DEBUG": "false"}
    server = subprocess.Popen(
        [
            # nice execs gunicorn: the process (and group) is gunicorn's own.
            *(["nice", "-n", str(nice)] if nice else []),
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--timeout",
            "60",
            # As deployed (Dockerfile): idle connections kept longer than a person's pause
            # between pages (1 to 3 s), or the server closes one just as the next request
            # goes out on it, and that request fails with no answer at all.
            "--keep-alive",
            "5",
            "--error-logfile",
            str(OUT / "load-gunicorn.log"),
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError as error:
            if server.poll() is not None:
                log = OUT / "load-gunicorn.log"
                raise SystemExit(f"gunicorn exited with code {server.returncode}; see {log}") from error
            time.sleep(0.5)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def run_locust(
    locust: Path,
    *,
    port: int,
    people: int,
    minutes: float,
    plan_file: Path,
    password: str,
    prefix: Path,
    people_classes: list[str],
) -> int:
    command = [
        str(locust),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(people),
        "--spawn-rate",
        "10",
        "--run-time",
        f"{round(minutes * 60)}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *people_classes,
    ]
    environment = {**os.environ, "TANDEM_LOAD_PLAN": str(plan_file), "TANDEM_LOAD_PASSWORD": password}
    log = Path(f"{prefix}-locust.log")
    with log.open("w", encoding="utf-8") as output:
        code = subprocess.run(command, env=environment, stdout=output, stderr=subprocess.STDOUT, check=False).returncode
    if code != 0:
        say(f"locust exited with code {code}; the end of {log}:")
        print("\n".join(log.read_text(encoding="utf-8").splitlines()[-20:]))
    return code


def report(prefix: Path, *, title: str) -> tuple[int, int]:
    """The per-page table from locust's statistics; (requests, failures) in all."""
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\n{title}")
    print(f"{'page':<26} {'requests':>9} {'failed':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    total = (0, 0)
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all pages"
        requests, failures = int(row["Request Count"]), int(row["Failure Count"])
        print(
            f"{name:<26} {requests:9d} {failures:7d} {float(row['Requests/s']):7.1f} "
            f"{float(row['50%']):8.0f} {float(row['95%']):8.0f} {float(row['Max Response Time']):8.0f}"
        )
        if row["Name"] == "Aggregated":
            total = (requests, failures)
    return total


# The simulated people of each kind of run (classes of the locustfile).
EVERYONE = ["Practitioner", "Supervisor", "IntakeWorker"]
CASE_PAGE_ONLY = ["CasePage"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--minutes", type=float, default=3.0, help="how long locust works (default 3)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[4], help="gunicorn processes; several values: one run each"
    )
    parser.add_argument("--case-page-only", action="store_true", help="only the case page, no thinking time")
    parser.add_argument(
        "--warm-up", type=float, default=30.0, help="seconds of load before each measured run, not counted (default 30)"
    )
    parser.add_argument(
        "--server-nice", type=int, default=5, help="gunicorn's niceness, above locust's (default 5; 0: the same)"
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (a database generate_dataset filled) and REDIS_URL for the load run.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    OUT.mkdir(parents=True, exist_ok=True)
    locust = load_environment()
    password = secrets.token_urlsafe(18)
    plan_file = OUT / "load-plan.json"
    plan_file.write_text(json.dumps(plan(options.people, password)), encoding="utf-8")
    failed = False
    for workers in options.workers:
        port = free_port()
        say(
            f"gunicorn with {workers} processes on 127.0.0.1:{port}; "
            f"{options.people} people for {options.minutes:g} min"
        )
        server = start_server(workers, port, nice=options.server_nice)
        prefix = OUT / f"load-{workers}w{'-case-page' if options.case_page_only else ''}"
        load = functools.partial(
            run_locust,
            locust,
            port=port,
            people=options.people,
            plan_file=plan_file,
            password=password,
            people_classes=CASE_PAGE_ONLY if options.case_page_only else EVERYONE,
        )
        try:
            code = 0
            if options.warm_up > 0:
                say(f"warming up for {options.warm_up:g} s (not counted)")
                code = load(minutes=options.warm_up / 60, prefix=Path(f"{prefix}-warm-up"))
            if code == 0:
                code = load(minutes=options.minutes, prefix=prefix)
        finally:
            stop(server)
        requests, failures = report(
            prefix, title=f"{workers} gunicorn processes, {options.people} people, {options.minutes:g} min"
        )
        failed = failed or code != 0 or failures > 0 or requests == 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
