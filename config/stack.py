"""`make run`: the whole system on one machine.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
unset, migrates, loads demo data on the first run, then runs the web server,
a Celery worker and Celery beat until Ctrl-C, which stops every process it
started (the embedded servers last). A second run reuses the data in .local/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from config.embedded import BASE_DIR, LOCAL_DIR, ensure_services

PYTHON = sys.executable


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


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
        _manage("migrate", "--no-input", "-v", "0")
        _manage("seed_demo", "--if-empty")
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
        time.sleep(2)
        _manage("demo_signins", f"--url=http://localhost:{port}/")
        while True:
            for name, process in processes:
                if process.poll() is not None:
                    print(f"\n{name} exited with code {process.returncode}; stopping everything.")
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping web, worker and beat…")
        return 0
    finally:
        _stop_all(processes)
        services.stop()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
