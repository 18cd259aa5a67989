from typing import Any

from django.core.management.base import BaseCommand, CommandError

from access_control.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the access log's hash chain in id order; fail at the first row changed, removed or inserted."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Access log broken at row #{broken.entry_id}: {broken.problem}")
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {checked} rows checked."))
