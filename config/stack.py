"""`make run`: the whole system on one machine.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
unset, migrates, loads demo data on the first run, then runs the web server,
a Celery worker and Celery beat until Ctrl-C, which stops every process it
started (the embedded servers last). A second run reuses the data in .local/.
Each step before the servers' own logs prints one line with the time it took
(scripts/progress.py), so the first run, which loads the demo data, is never silent.

Django boots once here for the migrations, the demo data and the sign-ins (each
`manage.py` process would boot it again, and compile every module again where
PYTHONDONTWRITEBYTECODE is set). The web server boots beside the demo data, on the
core the database round trips leave idle; its output is held back until the
loading line is done, and it is said to answer only once the data is all in. The
worker and beat start after that, so they do not compete with the web server's boot.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from typing import IO, TYPE_CHECKING, Any

from config.embedded import BASE_DIR, LOCAL_DIR, ensure_services
from scripts.progress import say, seconds, step

if TYPE_CHECKING:
    from celery import Celery

PYTHON = sys.executable
# The web server answers /healthz within a few seconds; past this something is wrong.
WEB_START_TIMEOUT_SECONDS = 60
# The sign-ins are printed once the worker answers and is idle (so its banner and first emails do
# not bury them), or after this long regardless.
WORKER_START_TIMEOUT_SECONDS = 30
# After a Ctrl-C, how long the servers have to stop by themselves before they are told to.
CTRL_C_GRACE_SECONDS = 5


class CommandFailed(Exception):
    """A management command failed; ``output`` is what it printed, traceback included."""

    def __init__(self, name: str, output: str) -> None:
        super().__init__(name)
        self.name = name
        self.output = output


def _command(name: str, **options: Any) -> str:
    """Run a management command in this process and return what it printed, which is shown
    only if it fails (after the step's line, so that line stays whole)."""
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command(name, stdout=out, stderr=out, **options)
    except CommandError as error:
        raise CommandFailed(name, f"{out.getvalue()}CommandError: {error}\n") from error
    except Exception as error:
        raise CommandFailed(name, out.getvalue() + traceback.format_exc()) from error
    return out.getvalue()


class HeldOutput:
    """Copies a child process's output to ours line by line, holding it back until
    :meth:`release`, so a server can boot while a step's line is still being written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = False
        self._dropped = False
        self._held: list[tuple[IO[str], str]] = []

    def copy(self, source: IO[bytes], target: IO[str]) -> threading.Thread:
        """Copy ``source`` to ``target`` (our stdout or stderr: written as text, so it keeps its
        place among what we print ourselves) until it ends, in the thread returned."""

        def run() -> None:
            for raw in iter(source.readline, b""):
                line = raw.decode(errors="replace")
                with self._lock:
                    if self._dropped:
                        continue
                    if self._released:
                        target.write(line)
                        target.flush()
                    else:
                        self._held.append((target, line))
            source.close()

        copier = threading.Thread(target=run, daemon=True)
        copier.start()
        return copier

    @property
    def waiting(self) -> int:
        """How many lines are held back."""
        with self._lock:
            return len(self._held)

    def drop(self) -> None:
        """Drop what is held and all that follows (a server stopped while it boots says only
        where the stop found it: a traceback from the middle of an import)."""
        with self._lock:
            self._dropped = True
            self._held.clear()

    def release(self) -> None:
        with self._lock:
            self._released = True
            for target, line in self._held:
                target.write(line)
                target.flush()
            self._held.clear()


def _web_answers(url: str, web: subprocess.Popen[bytes]) -> bool:
    """Wait until the web server serves ``url``; False if it exits or takes too long."""
    deadline = time.monotonic() + WEB_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own http://127.0.0.1 address)
                return True
        except OSError:  # refused while it starts; URLError and HTTPError are OSErrors too
            time.sleep(0.2)
    return False


def _start(name: str, args: list[str], *, held: HeldOutput | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    if held is None:
        return name, subprocess.Popen(args, cwd=BASE_DIR)
    # Line by line through a pipe, so the held lines come out whole.
    process = subprocess.Popen(
        args, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None and process.stderr is not None
    held.copy(process.stdout, sys.stdout)
    held.copy(process.stderr, sys.stderr)
    return name, process


def _worker_settled(worker: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until this machine's Celery worker answers through the broker and has worked through
    what was waiting for it (the demo's first emails, printed by the console email backend),
    so that the sign-ins, printed next, are not lost above its output. False if it exits or
    takes longer than ``timeout``."""
    from celery.utils.nodenames import default_nodename

    from config.celery import app

    deadline = time.monotonic() + timeout
    node = [default_nodename("")]  # the name a worker started without -n takes
    # A ping sent before the worker listens is lost, so ask again until it answers.
    while not app.control.ping(destination=node, timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            return False
    inspect = app.control.inspect(destination=node, timeout=0.5)
    while time.monotonic() < deadline and worker.poll() is None:
        working = [*((inspect.active() or {}).get(node[0], [])), *((inspect.reserved() or {}).get(node[0], []))]
        if not working and not _queued(app):
            return True
        time.sleep(0.2)
    return False


def _queued(app: Celery) -> int:
    """How many tasks wait in the default queue."""
    from kombu import Queue
    from kombu.exceptions import ChannelError

    with app.connection_for_read() as connection:
        queue = Queue(app.conf.task_default_queue, channel=connection.default_channel)
        try:
            # The declare-ok tuple (queue, message_count, consumer_count); the stubs say a str.
            return int(queue.queue_declare(passive=True).message_count)  # type: ignore[union-attr]
        except ChannelError:  # Redis keeps no empty queue: nothing waits
            return 0


def _stop_all(processes: list[tuple[str, subprocess.Popen[bytes]]], *, grace: float = 0.0) -> None:
    """Stop every process we started: those still running after ``grace`` seconds get SIGTERM."""
    # A Ctrl-C at the terminal reaches every process of the group, and each stops on its own;
    # a second signal while it does only interrupts its clean-up (celery beat prints a
    # traceback), so they have a moment first.
    grace_over = time.monotonic() + grace
    try:
        while time.monotonic() < grace_over and any(process.poll() is None for _, process in processes):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass  # Ctrl-C again: no more waiting
    # From here on nothing cuts the shutdown short (an impatient second or third Ctrl-C would
    # leave the embedded servers running with nobody to stop them): it takes at most ~15 s.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _, process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for _, process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_signals_received: list[int] = []


def _interrupt(signum: int, frame: object) -> None:
    _signals_received.append(signum)
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C, SIGTERM (`kill`, a timeout) and a closed terminal all stop everything.
    # SIGINT is set explicitly: a shell that starts us in the background ignores it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    if os.environ.get("DJANGO_ENV") == "production":
        print("make run is for development; production runs web, worker and beat separately (docker-compose.yml).")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://localhost:{port}")
    LOCAL_DIR.mkdir(exist_ok=True)
    services = ensure_services()
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    web_output = HeldOutput()
    web_answering = False
    try:
        with step("applying migrations"):
            import django

            django.setup()
            _commit_without_waiting_for_the_disk()
            # With the system checks first, as `manage.py migrate` runs them.
            _command("migrate", interactive=False, verbosity=0, skip_checks=False)
        web_started = time.monotonic()
        processes.append(_start("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], held=web_output))
        try:
            with step("loading demo data") as loading:
                loaded = _command("seed_demo", if_empty=True, no_color=True).strip()
                loading.note = "" if loaded else "already loaded"
            for line in loaded.splitlines():
                print(f"  {line}", file=sys.stderr)
        except KeyboardInterrupt:
            web_output.drop()  # before the web server's own words on the Ctrl-C can come out
            raise
        finally:
            web_output.release()
        loaded_at = time.monotonic()
        health = f"http://127.0.0.1:{port}/healthz"
        if not _web_answers(health, processes[0][1]):
            print(f"\nThe web server did not answer {health}; stopping everything.")
            return 1
        answering = time.monotonic()
        web_answering = True
        say(
            f"web server answering after {seconds(answering - loaded_at)} more "
            f"(it started {seconds(answering - web_started)} ago, with the demo data)"
        )
        # Their logs follow, so this is a line of its own rather than a timed step.
        say("starting worker and beat")
        worker = _start(
            "worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "2"]
        )
        beat = _start(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(LOCAL_DIR / "celerybeat-schedule"),
            ],
        )
        processes += [worker, beat]
        workers_started = time.monotonic()
        if _worker_settled(worker[1], WORKER_START_TIMEOUT_SECONDS):
            say(f"worker answering after {seconds(time.monotonic() - workers_started)}, with the queued work done")
        else:
            say(f"the worker is not ready after {seconds(time.monotonic() - workers_started)}; its output is above")
        print(_command("demo_signins", url=f"http://localhost:{port}/"), end="", flush=True)
        while True:
            for name, process in processes:
                if process.poll() is not None:
                    print(f"\n{name} exited with code {process.returncode}; stopping everything.")
                    return 1
            time.sleep(1)
    except CommandFailed as error:
        sys.stderr.write(error.output)
        print(f"\n`manage.py {error.name}` failed (its output is above); stopping everything.")
        return 1
    except KeyboardInterrupt:
        if not web_answering:
            web_output.drop()
        print("\nStopping web, worker and beat…")
        return 0
    finally:
        _stop_all(processes, grace=CTRL_C_GRACE_SECONDS if signal.SIGINT in _signals_received else 0.0)
        _close_database_connections()
        services.stop()
        print("Stopped.")


def _commit_without_waiting_for_the_disk() -> None:
    """The migrations and the demo data, here, are some hundred commits to a development database
    that can always be made again, so this process's own commits do not each wait for the disk
    (``synchronous_commit = off``: a crash of the machine may lose the last moment's commits,
    never corrupt anything). Django would otherwise wait seconds for the disk through the
    migrations. The web server, worker and beat keep the server's setting."""
    from django.db.backends.signals import connection_created

    def no_waiting(sender: object, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")

    connection_created.connect(no_waiting, weak=False)


def _close_database_connections() -> None:
    """Ours, before the embedded server they lead to stops."""
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
