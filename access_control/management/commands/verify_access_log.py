from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from access_control.audit import read_anchor_file, verify_chain


class Command(BaseCommand):
    help = (
        "Walk every chain of the access log in order and check every anchor; fail at the first row "
        "changed, removed or inserted, or at a chain cut off before an anchored row."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--anchor-file",
            default=settings.ACCESS_LOG_ANCHOR_FILE,
            help="Also check the anchors appended to this file (default: ACCESS_LOG_ANCHOR_FILE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["anchor_file"]
        try:
            extra = read_anchor_file(path) if path else []
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read the anchor file {path}: {error}") from error
        checked, broken = verify_chain(extra_anchors=extra)
        if broken is not None:
            raise CommandError(f"Access log broken at row #{broken.entry_id}: {broken.problem}")
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {checked} rows checked."))
