"""The load run's simulated people (locust), one per generated account in the plan that
``benchmarks/load/run.py`` writes: social workers and partner-agency practitioners, team
managers and front-door intake workers, each signing in through the real sign-in page and
then working their own cases, queues and referrals with a few seconds' thought between
pages. Runs in the load run's own environment (locust, no Django); every request is named by
the page it asks for, so locust's statistics are per page.

Configured by environment: TANDEM_LOAD_PLAN (the plan's JSON file) and TANDEM_LOAD_PASSWORD
(the run's one-off password for those accounts)."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, between, constant, task

PLAN: dict[str, list[dict[str, Any]]] = json.loads(Path(os.environ["TANDEM_LOAD_PLAN"]).read_text("utf-8"))
PASSWORD = os.environ["TANDEM_LOAD_PASSWORD"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Each simulated person takes the next account of its role (round the list again when there
# are more people than accounts, as in the case-page-only run).
TURNS = {role: itertools.count() for role in PLAN}


class Person(HttpUser):
    abstract = True
    role: ClassVar[str] = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        accounts = PLAN[self.role]
        self.account = accounts[next(TURNS[self.role]) % len(accounts)]
        self.random = random.Random(self.account["email"])
        page = self.client.get("/accounts/login/", name="sign in (page)")
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name="sign in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}, not a redirect")

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name} answered {response.status_code}")

    def a_case(self) -> str | None:
        cases = self.account["cases"]
        return self.random.choice(cases) if cases else None


class Practitioner(Person):
    """A social worker or a police, health or education practitioner on their own cases."""

    role = "practitioner"
    fixed_count = len(PLAN.get("practitioner", []))

    @task(1)
    def home(self) -> None:
        self.page("/", "home")

    @task(3)
    def case_list(self) -> None:
        self.page("/cases/", "case list")

    @task(5)
    def case_page(self) -> None:
        case = self.a_case()
        if case:
            self.page(f"/cases/{case}/", "case page")

    @task(2)
    def chronology(self) -> None:
        case = self.a_case()
        if case:
            self.page(f"/api/v1/cases/{case}/entries/", "API chronology")

    @task(2)
    def my_tasks(self) -> None:
        self.page("/deadlines/tasks/", "my tasks")

    @task(1)
    def notifications(self) -> None:
        self.page("/deadlines/notifications/", "notifications")

    @task(1)
    def api_case_list(self) -> None:
        self.page("/api/v1/cases/", "API case list")


class Supervisor(Person):
    """A team manager: the team's dashboard first, then tasks and the team's cases."""

    role = "supervisor"
    fixed_count = len(PLAN.get("supervisor", []))

    @task(4)
    def dashboard(self) -> None:
        self.page("/cases/team/", "supervisor dashboard")

    @task(2)
    def my_tasks(self) -> None:
        self.page("/deadlines/tasks/", "my tasks")

    @task(2)
    def case_list(self) -> None:
        self.page("/cases/", "case list")

    @task(3)
    def case_page(self) -> None:
        case = self.a_case()
        if case:
            self.page(f"/cases/{case}/", "case page")


class IntakeWorker(Person):
    """The front door: the inbox, a referral's triage with its likely matches, tasks."""

    role = "intake"
    fixed_count = len(PLAN.get("intake", []))

    @task(5)
    def inbox(self) -> None:
        self.page("/referrals/inbox/", "referral inbox")

    @task(3)
    def triage(self) -> None:
        referrals = self.account["referrals"]
        if referrals:
            self.page(f"/referrals/{self.random.choice(referrals)}/triage/", "triage with matching")

    @task(2)
    def my_tasks(self) -> None:
        self.page("/deadlines/tasks/", "my tasks")

    @task(1)
    def api_inbox(self) -> None:
        self.page("/api/v1/referrals/inbox/", "API referral inbox")


class CasePage(Person):
    """A practitioner opening their cases with no pause between them: the case page's
    throughput alone (``run.py --case-page-only``; the other classes sit that run out)."""

    role = "practitioner"
    wait_time = constant(0)

    @task
    def case_page(self) -> None:
        case = self.a_case()
        if case:
            self.page(f"/cases/{case}/", "case page")
