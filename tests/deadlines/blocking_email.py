"""A test email backend for a worker in another process: each delivered message lands as a
file of its own in EMAIL_FILE_PATH (so a test counts emails across processes), and, when
BLOCKING_EMAIL_STARTED names a file, the first message any process is given is not
delivered at once: the sender writes its process id to that file and sleeps
(BLOCKING_EMAIL_SECONDS), so the test can kill it mid-send. Later messages (the file
exists) are delivered at once."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends import filebased

STARTED_ENV = "BLOCKING_EMAIL_STARTED"
SECONDS_ENV = "BLOCKING_EMAIL_SECONDS"
SUFFIX = ".eml"


def _first_sender(started: Path) -> bool:
    """Whether this process is the first to send: it publishes its pid in ``started``, whole
    (written aside, then linked into place, which fails if the file already exists)."""
    aside = started.with_name(f".{started.name}.{os.getpid()}.{uuid.uuid4().hex}")
    aside.write_text(str(os.getpid()))
    try:
        os.link(aside, started)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
    return True


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        started = os.environ.get(STARTED_ENV)
        directory = Path(self.file_path)
        sent = 0
        for message in email_messages:
            if started and _first_sender(Path(started)):
                # Mid-send: the lease is taken, nothing delivered yet.
                time.sleep(float(os.environ.get(SECONDS_ENV, "30")))
            name = f"{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex}"
            aside = directory / f".{name}.tmp"
            aside.write_bytes(message.message().as_bytes())
            os.replace(aside, directory / f"{name}{SUFFIX}")
            sent += 1
        return sent


def delivered(directory: Path) -> list[Path]:
    """The messages delivered to ``directory``, oldest first."""
    return sorted(directory.glob(f"*{SUFFIX}"))
