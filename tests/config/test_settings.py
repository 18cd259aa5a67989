"""Production settings are safe by construction, and refuse to start when they would not be."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

from config.embedded import BASE_DIR
from config.settings import celery_broker_url
from tests.clock import subprocess_environment


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tandem.example.org",
        "DATABASE_URL": "postgres://tandem@db.example.org:5432/tandem",
        "REDIS_URL": "redis://cache.example.org:6379/0",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # On the session's clock, as every subprocess of the suite is (tests/clock.py).
    return subprocess.run(
        [sys.executable, "-m", "tests.clocked", "manage.py", *args],
        cwd=BASE_DIR,
        env=subprocess_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = _manage(_production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(_production_env(SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage(_production_env(ALLOWED_HOSTS=""), "check")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_requires_a_second_factor_unless_told_otherwise():
    show = ("shell", "-c", "from django.conf import settings; print('MFA_REQUIRED', settings.MFA_REQUIRED)")
    assert "MFA_REQUIRED True" in _manage(_production_env(), *show).stdout
    assert "MFA_REQUIRED False" in _manage(_production_env(MFA_REQUIRED="false"), *show).stdout
    assert settings.MFA_REQUIRED is False  # development and tests: the demo accounts sign in with a password


def test_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_session_has_an_idle_timeout():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_celery_reaches_a_unix_socket_redis_by_its_own_scheme():
    assert celery_broker_url("unix:///tmp/x/redis.socket") == "redis+socket:///tmp/x/redis.socket"
    assert celery_broker_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
