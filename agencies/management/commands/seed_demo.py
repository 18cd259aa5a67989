from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies import demo


class Command(BaseCommand):
    help = "Load synthetic demo data (Faker): agencies, staff in every role, supervision lines. Never in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when demo data is already loaded.")

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if not settings.DEMO_PASSWORD_ALLOWED:
            raise CommandError("Demo data is never loaded in production.")
        if demo.demo_people_exist():
            if if_empty:
                return
            raise CommandError("Demo data is already loaded.")
        people = demo.seed_people()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded: {people} people in {len(demo.DEMO_AGENCIES)} agencies.")
        )
