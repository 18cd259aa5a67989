"""The embedded PostgreSQL and Redis helpers start, answer and stop cleanly."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psycopg
import redis

from config.embedded import start_postgres, start_redis


def _gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        time.sleep(0.1)
    return False


def test_embedded_postgres_starts_answers_and_stops(tmp_path: Path):
    tmp_path.chmod(0o755)  # the server runs as its own system user when we are root
    server = start_postgres(tmp_path / "pg")
    try:
        server.create_database("probe")
        with psycopg.connect(server.url("probe").replace("postgres://", "postgresql://")) as conn:
            assert conn.execute("SELECT 41 + 1").fetchone() == (42,)
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            assert conn.execute("SELECT similarity('Jon', 'John') > 0.2").fetchone() == (True,)
        pid = server.server.get_pid()
    finally:
        server.stop()
    assert _gone(pid)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()


def test_embedded_redis_starts_answers_and_stops(tmp_path: Path):
    server = start_redis(tmp_path / "redis" / "redis.db")
    client = redis.Redis.from_url(server.url())
    assert client.ping()
    client.set("probe", "1")
    assert client.get("probe") == b"1"
    client.close()
    pid = server.client.pid
    socket_path = server.socket_path
    server.stop()
    assert _gone(pid)
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(socket_path)
        connected = True
    except OSError:
        connected = False
    finally:
        probe.close()
    assert not connected
