"""A real Celery worker, in its own process, killed while it sends a reminder's email.

The worker runs as a subprocess (prefork pool, one child, acks_late, reject on worker lost,
prefetch 1) against the test database and the test session's Redis, on a queue of its own.
Its email backend (tests/deadlines/blocking_email.py) holds the first message mid-send, after
the reminder's outbox lease is taken, so the test can SIGKILL the process that is sending;
every message delivered lands as a file, so emails are counted across processes. The lease is
a few seconds here (OUTBOX_LEASE_SECONDS) instead of 2 minutes, so the tests wait it out in
real time.

What it proves:
- a pool child killed mid-send: the worker rejects the message and the broker redelivers it
  at once; the redelivery finds the dead child's lease held and sends nothing; once the lease
  has run out, the outbox's safety net queues the unsent reminder again and it is emailed, once;
- the whole worker killed (main process and child together): the broker keeps the message
  unacked for its visibility timeout (an hour), so a fresh worker never sees it; the outbox's
  safety net is what sends the reminder, once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil  # type: ignore[import-untyped]
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app
from deadlines import reminders
from outbox import delivery
from outbox.models import Message
from outbox.tasks import deliver_message, redeliver_stale
from tests.clock import Clock, subprocess_environment
from tests.database import session_database_url
from tests.deadlines import blocking_email
from tests.deadlines.test_reminders import DUE, OPENED, PoliceDeadline, notifications_of, police_case_deadline

LONDON = ZoneInfo("Europe/London")
# The BEFORE_5 reminder of DUE (and nothing else) has come due by then: one claim, one recipient.
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=LONDON)
# The worker's email lease. The worker notices a killed pool child at once or at its next pool
# maintenance (every 5 s) and the broker redelivers the message at once, so the redelivery comes
# well inside the lease, as it does inside the production lease of 2 minutes.
LEASE_SECONDS = 15
BASE_DIR = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


@dataclass
class Worker:
    """A `celery worker` subprocess, the leader of its own process group."""

    process: subprocess.Popen[bytes]
    log: Path
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_pids(self) -> set[int]:
        try:
            return {child.pid for child in psutil.Process(self.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool children at once, as the OOM killer
        or a lost machine would; wait until every one of them is gone."""
        members = [psutil.Process(self.pid), *(psutil.Process(pid) for pid in self.pool_pids())]
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(10)
        psutil.wait_procs(members, timeout=10)


@dataclass
class Rig:
    """Workers on a queue of their own, a mail directory and the blocking backend's marker."""

    directory: Path
    queue: str = field(default_factory=lambda: f"test-worker-killed-{uuid.uuid4().hex}")
    workers: list[Worker] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.directory / "mail"

    @property
    def started(self) -> Path:
        return self.directory / "sending-started"

    def environment(self) -> dict[str, str]:
        env = subprocess_environment()
        env.update(
            DJANGO_ENV="test",
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=session_database_url(),
            REDIS_URL=settings.REDIS_URL,
            EMAIL_BACKEND="tests.deadlines.blocking_email.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
            PYTHONUNBUFFERED="1",
        )
        env[blocking_email.STARTED_ENV] = str(self.started)
        env[blocking_email.SECONDS_ENV] = "60"
        return env

    def start_worker(self) -> Worker:
        """Start a worker and wait until it consumes from the queue."""
        number = len(self.workers) + 1
        log = self.directory / f"worker-{number}.log"
        # Through tests.clocked, so the worker's clock runs by this process's (see tests/clock.py).
        command = [
            sys.executable,
            "-m",
            "tests.clocked",
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--prefetch-multiplier=1",
            f"--queues={self.queue}",
            f"--hostname=killed-{number}-{uuid.uuid4().hex[:8]}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process=process, log=log)
        self.workers.append(worker)
        self.wait_for(lambda: " ready." in worker.output(), "the worker to be ready", timeout=45)
        return worker

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name}\n{w.output()[-4000:]}" for w in self.workers)

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if condition():
                return
            if any(w.process.poll() is not None and not w.killed for w in self.workers):
                raise AssertionError(f"a worker died while waiting for {what}\n{self.logs()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    def sender_pid(self) -> int:
        """The process id of the worker process that is mid-send, once it is."""
        self.wait_for(self.started.exists, "a worker to start sending")
        return int(self.started.read_text())

    def emails(self) -> list[Path]:
        return blocking_email.delivered(self.mail_dir)

    def broker(self) -> redis.Redis:
        return redis.Redis.from_url(settings.REDIS_URL)

    def unacked(self) -> dict[bytes, dict[str, object]]:
        """Messages of this queue delivered to a worker and neither acked nor rejected:
        kombu's Redis transport parks them in the ``unacked`` hash until the visibility
        timeout, then restores them to the queue."""
        parked: dict[bytes, dict[str, object]] = {}
        for tag, value in self.broker().hgetall("unacked").items():
            message, _exchange, routing_key = json.loads(value)
            if routing_key == self.queue:
                parked[tag] = message
        return parked

    def clean_broker(self) -> None:
        """Leave nothing of this queue on the broker: its messages, its parked (unacked)
        messages and kombu's records of its bindings."""
        client = self.broker()
        tags = list(self.unacked())
        if tags:
            client.hdel("unacked", *tags)
            client.zrem("unacked_index", *tags)
        patterns = [f"{self.queue}*", f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"]
        for key in [key for pattern in patterns for key in client.scan_iter(match=pattern)]:
            client.delete(key)
        client.zrem("_kombu.binding_deadlines", self.queue)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.kill()


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    assert not app.conf.task_always_eager
    rig = Rig(directory=tmp_path)
    # Sends queued by this process (the sweep's included) go to this test's queue only, so no
    # other worker on the same Redis takes them and this worker takes nobody else's.
    task = app.tasks[deliver_message.name]
    monkeypatch.setattr(task, "queue", rig.queue, raising=False)
    monkeypatch.setattr(task, "_exec_options", None)
    try:
        yield rig
    finally:
        rig.stop()
        rig.clean_broker()


@pytest.fixture
def setup(clock: Clock) -> PoliceDeadline:
    """The deadline is opened at OPENED; the clock then stands at NOW, the sweep's moment, so
    leases and sends are stamped when the sweep runs (the worker follows the same clock)."""
    clock.at(OPENED)
    deadline = police_case_deadline(DUE)
    clock.at(NOW)
    return deadline


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def attempts(claim_id: int) -> int:
    return Message.objects.get(pk=claim_id).attempts


def claim_sent(claim_id: int) -> Callable[[], bool]:
    return lambda: Message.objects.filter(pk=claim_id, sent_at__isnull=False).exists()


def leased(claim_id: int) -> bool:
    return Message.objects.get(pk=claim_id).claimed_at is not None


def wait_out_lease(claim_id: int) -> None:
    """Sleep (in real time: the worker's clock) until the reminder's outbox lease has run out."""
    claimed_at = Message.objects.get(pk=claim_id).claimed_at
    assert claimed_at is not None
    expires = claimed_at + timedelta(seconds=LEASE_SECONDS, milliseconds=500)
    remaining = (expires - timezone.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


def sweep_after_requeue_delay() -> list[int]:
    """The outbox's safety net on beat, later than the requeue delay after the sweep: it queues
    unsent reminders again."""
    return redeliver_stale(NOW + delivery.requeue_after() + timedelta(minutes=1))


def assert_emailed_once(rig: Rig, setup: PoliceDeadline, claim_id: int) -> None:
    rig.wait_for(claim_sent(claim_id), "the reminder to be sent")
    time.sleep(1.0)  # time for a duplicate to (wrongly) land
    emails = rig.emails()
    assert len(emails) == 1, rig.logs()
    message = message_from_bytes(emails[0].read_bytes())
    assert message["To"] == setup.owner.email
    assert message["Subject"] == "Due in 5 working days: Police contribution to the assessment"
    (notification,) = notifications_of(claim_id)
    assert notification.recipient == setup.owner
    assert notification.emailed_at is not None


def test_pool_child_killed_mid_send_is_redelivered_and_the_reminder_goes_once(rig: Rig, setup: PoliceDeadline) -> None:
    assert deliver_message.acks_late and app.conf.task_reject_on_worker_lost
    (claim_id,) = reminders.sweep(NOW, enqueue=False)
    worker = rig.start_worker()
    deliver_message.delay(claim_id)

    # The pool child has taken the reminder's lease and is talking to the mail server: kill it.
    child = rig.sender_pid()
    assert child != worker.pid and child in worker.pool_pids()
    notification = notifications_of(claim_id).get()
    assert leased(claim_id) and notification.emailed_at is None
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()

    # The main process sees the child lost and rejects the message; the broker redelivers it to
    # a fresh child. The dead child's lease still holds, so the redelivery sends nothing.
    rig.wait_for(lambda: attempts(claim_id) == 2, "the message to be redelivered")
    rig.wait_for(lambda: "succeeded in" in worker.output(), "the redelivered task to finish")
    redelivered_after = time.monotonic() - killed_at
    assert "WorkerLostError" in worker.output()
    finished = [line for line in worker.output().splitlines() if "succeeded in" in line]
    assert len(finished) == 1 and finished[0].endswith(": False")  # it did not finish the claim
    assert gone(child)
    assert worker.process.poll() is None  # the worker itself lives on
    assert rig.emails() == []
    assert Message.objects.get(pk=claim_id).sent_at is None
    assert rig.unacked() == {}  # the redelivery was acked: nothing left for the broker to redeliver
    assert redelivered_after < LEASE_SECONDS, "the redelivery must come while the lease holds"

    # Once the lease has run out, the outbox's safety net queues the unsent reminder again: sent, once.
    wait_out_lease(claim_id)
    assert sweep_after_requeue_delay() == [claim_id]
    assert_emailed_once(rig, setup, claim_id)
    assert attempts(claim_id) == 3


def test_whole_worker_killed_mid_send_the_sweep_sends_the_reminder_once(rig: Rig, setup: PoliceDeadline) -> None:
    (claim_id,) = reminders.sweep(NOW, enqueue=False)
    first = rig.start_worker()
    task_id = deliver_message.delay(claim_id).id
    sender = rig.sender_pid()
    assert sender in first.pool_pids()
    first.kill()
    assert gone(first.pid) and gone(sender)  # nobody is left to finish that send

    # Nobody rejected the message: the broker keeps it unacked until its visibility timeout
    # (an hour by default), so neither a redelivery nor a fresh worker sends it.
    assert app.conf.broker_transport_options.get("visibility_timeout", 3600) >= 3600
    (message,) = rig.unacked().values()
    headers = message["headers"]
    assert isinstance(headers, dict)
    assert headers["id"] == task_id and headers["task"] == deliver_message.name
    notification = notifications_of(claim_id).get()
    assert leased(claim_id) and notification.emailed_at is None

    second = rig.start_worker()
    time.sleep(1.0)
    assert attempts(claim_id) == 1
    assert rig.emails() == []
    assert len(rig.unacked()) == 1

    # Once the dead worker's lease has run out, the outbox's safety net queues the reminder
    # again and the fresh worker sends it, once.
    wait_out_lease(claim_id)
    assert sweep_after_requeue_delay() == [claim_id]
    assert_emailed_once(rig, setup, claim_id)
    assert attempts(claim_id) == 2
    assert second.process.poll() is None
