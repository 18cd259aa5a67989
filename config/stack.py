"""`make run`: the whole system on one machine.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
unset, migrates, loads demo data on the first run, then runs the web server,
a Celery worker and Celery beat until Ctrl-C, which stops every process it
started (the embedded servers last). A second run reuses the data in .local/.
Each step before the servers' own logs prints one line with the time it took
(scripts/progress.py), so the first run, which loads the demo data, is never silent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from config.embedded import BASE_DIR, LOCAL_DIR, ensure_services
from scripts.progress import say, seconds, step

PYTHON = sys.executable
# The web server answers /healthz within a few seconds; past this something is wrong.
WEB_START_TIMEOUT_SECONDS = 60


def _manage(*args: str, quiet: bool = False) -> str:
    """Run a management command. Quiet, its output is returned (and shown if it fails),
    so it does not break a step's line."""
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout + result.stderr)
        raise subprocess.CalledProcessError(result.returncode, result.args)
    return result.stdout or ""


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


def _start(name: str, args: list[str]) -> tuple[str, subprocess.Popen[bytes]]:
    return name, subprocess.Popen(args, cwd=BASE_DIR)


def _stop_all(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
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


def _interrupt(signum: int, frame: object) -> None:
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
    try:
        with step("applying migrations"):
            _manage("migrate", "--no-input", "-v", "0", quiet=True)
        with step("loading demo data") as loading:
            loaded = _manage("seed_demo", "--if-empty", quiet=True).strip()
            loading.note = "" if loaded else "already loaded"
        for line in loaded.splitlines():
            print(f"  {line}", file=sys.stderr)
        # Their logs follow, so this is a line of its own rather than a timed step.
        say("starting web, worker and beat")
        started = time.monotonic()
        processes = [
            _start("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"]),
            _start("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "2"]),
            _start(
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
            ),
        ]
        health = f"http://127.0.0.1:{port}/healthz"
        if not _web_answers(health, processes[0][1]):
            print(f"\nThe web server did not answer {health}; stopping everything.")
            return 1
        say(f"web server answering after {seconds(time.monotonic() - started)}")
        _manage("demo_signins", f"--url=http://localhost:{port}/")
        while True:
            for name, process in processes:
                if process.poll() is not None:
                    print(f"\n{name} exited with code {process.returncode}; stopping everything.")
                    return 1
            time.sleep(1)
    except subprocess.CalledProcessError as error:
        print(f"\n`manage.py {error.cmd[2]}` failed (its output is above); stopping everything.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping web, worker and beat…")
        return 0
    finally:
        _stop_all(processes)
        services.stop()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
