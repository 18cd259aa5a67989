"""The test session's database as a URL, for processes the tests (and benchmarks) start."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection


def session_database_url() -> str:
    """DATABASE_URL with its database swapped for the one pytest-django made for this session."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))
