from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.agencies import DEMO_PASSWORD, demo_signins


class Command(BaseCommand):
    help = "Print the demo sign-ins (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.SITE_URL)

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        if not settings.DEMO_PASSWORD_ALLOWED:
            raise CommandError("There are no demo sign-ins in production.")
        rows = demo_signins()
        width = max((len(email) for email, _, _ in rows), default=10)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Tandem is running at {url}"))
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, role, agency in rows:
            self.stdout.write(f"  {email:<{width}}  {role:<15} {agency}")
        self.stdout.write("Press Ctrl-C to stop.\n")
