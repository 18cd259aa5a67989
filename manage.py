#!/usr/bin/env python
"""Django's command-line utility for Tandem.

With DATABASE_URL or REDIS_URL unset, this starts the embedded servers first
(see config/embedded.py), so a fresh machine needs nothing running.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if os.environ.get("DJANGO_ENV") != "production":
        from config.embedded import ensure_services

        ensure_services()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
