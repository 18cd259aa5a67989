from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from datasets.synthetic import PRESETS, DatasetWriter, Scale, iter_summary


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic county or nation (agencies, staff, children, cases, "
        "chronologies, referrals, deadlines, grants) at COPY speed, for measuring queries at scale. "
        "Into an empty (freshly migrated) database it is one transaction that loads the way a restore "
        "does and records the generation complete in datasets_generation; into one holding rows it "
        "commits batch by batch. Not demo data, and never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        size = parser.add_mutually_exclusive_group(required=True)
        size.add_argument("--cases", type=int, help="How many cases; people and agencies in national proportion.")
        size.add_argument("--scale", choices=sorted(PRESETS), help="county: 100k cases; national: 1M cases.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same data (default 1).")
        parser.add_argument("--batch", type=int, default=2_000, help="Cases copied per transaction.")

    def handle(self, *args: Any, cases: int | None, scale: str | None, seed: int, batch: int, **options: Any) -> None:
        if not settings.DEMO_PASSWORD_ALLOWED:
            raise CommandError("Synthetic data is never generated in production.")
        chosen = PRESETS[scale] if scale else Scale.for_cases(cases or 0)
        if chosen.cases < 1:
            raise CommandError("--cases must be at least 1.")
        self.stdout.write(
            f"Generating {chosen.cases:,} cases, {chosen.users:,} users in {chosen.agencies} agencies (seed {seed})..."
        )
        report = DatasetWriter(chosen, seed=seed, batch_cases=batch, log=self.stdout.write).run()
        for line in iter_summary(report):
            self.stdout.write(line)
