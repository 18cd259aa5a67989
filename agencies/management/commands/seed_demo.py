from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies import demo
from cases import demo as case_demo
from cases import demo_casework
from referrals import demo as referral_demo


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
        if demo.demo_people_exist():
            if not if_empty:
                raise CommandError("Demo data is already loaded.")
        else:
            people = demo.seed_people()
        # Cases come after people, and only into a database that has none.
        cases = 0 if case_demo.demo_cases_exist() else case_demo.seed_cases()
        if people or cases:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {people} people in {len(demo.DEMO_AGENCIES)} agencies, {cases} cases."
                )
            )
        # Referrals come after cases (some are about children already known), and only once.
        if not referral_demo.demo_referrals_exist():
            referrals = referral_demo.seed_referrals()
            self.stdout.write(self.style.SUCCESS(f"Demo referrals loaded: {referrals} referrals and concerns."))
        # Casework (assessments, meetings, a plan) comes last, on the demo cases, and only once.
        if case_demo.demo_cases_exist() and not demo_casework.demo_casework_exists():
            worked = demo_casework.seed_casework()
            self.stdout.write(self.style.SUCCESS(f"Demo casework loaded on {worked} cases."))
