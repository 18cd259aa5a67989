"""The benchmarks' transactional tests end, as the suite's do, by emptying every table in one
TRUNCATE, which the access log refuses (access_control 0006): the same session fixture lets
that flush past the guard (``tests/conftest.py`` says how)."""

from tests.conftest import flush_past_the_access_logs_guard

__all__ = ["flush_past_the_access_logs_guard"]
