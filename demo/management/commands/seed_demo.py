from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.agencies import DEMO_AGENCIES, demo_people_exist, seed_people
from demo.cases import demo_cases_exist, seed_cases
from demo.casework import demo_casework_exists, seed_casework
from demo.referrals import demo_referrals_exist, seed_referrals


class Command(BaseCommand):
    help = (
        "Load synthetic demo data (Faker): agencies, staff in every role, supervision lines, then cases with "
        "families, teams and chronologies, then referrals to the front door. Never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Load only what is not there yet.")

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if not settings.DEMO_PASSWORD_ALLOWED:
            raise CommandError("Demo data is never loaded in production.")
        people = 0
        if demo_people_exist():
            if not if_empty:
                raise CommandError("Demo data is already loaded.")
        else:
            people = seed_people()
        # Cases come after people, and only into a database that has none.
        cases = 0 if demo_cases_exist() else seed_cases()
        if people or cases:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {people} people in {len(DEMO_AGENCIES)} agencies, {cases} cases."
                )
            )
        # Referrals come after cases (some are about children already known), and only once.
        if not demo_referrals_exist():
            referrals = seed_referrals()
            self.stdout.write(self.style.SUCCESS(f"Demo referrals loaded: {referrals} referrals and concerns."))
        # Casework (assessments, meetings, a plan) comes last, on the demo cases, and only once.
        if demo_cases_exist() and not demo_casework_exists():
            worked = seed_casework()
            self.stdout.write(self.style.SUCCESS(f"Demo casework loaded on {worked} cases."))
