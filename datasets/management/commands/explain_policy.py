from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from access_control import policy
from agencies.models import User
from cases.queries import my_cases
from datasets.plans import summary, typical_users
from deadlines.queries import tasks_for


def _reads(user: User) -> list[tuple[str, QuerySet[Any, Any]]]:
    reads: list[tuple[str, QuerySet[Any, Any]]] = [
        ("visible cases", policy.visible_cases(user).order_by("-opened_on", "reference")),
        ("my cases page", my_cases(user=user)),
        ("my tasks page", tasks_for(user)),
        ("visible deadlines", policy.visible_deadlines(user)),
        ("readable entries", policy.readable_entries(user)),
    ]
    case = policy.visible_cases(user).first()
    if case is not None:
        reads.append(("a case's chronology", policy.visible_entries(user, case).order_by("-event_date")))
    return reads


class Command(BaseCommand):
    help = (
        "EXPLAIN ANALYZE the policy's list reads for typical users of a generated dataset (a practitioner, "
        "a team manager, a front door's intake worker): time, rows, buffers, JIT, and any whole-table scan "
        "of cases, entries or deadlines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", type=int, action="append", default=[], help="Explain for this user id too.")

    def handle(self, *args: Any, user: list[int], **options: Any) -> None:
        try:
            typical = typical_users()
        except LookupError as error:
            raise CommandError(str(error)) from error
        people = [("practitioner", typical.practitioner), ("supervisor", typical.supervisor)]
        if typical.intake is not None:
            people.append(("intake", typical.intake))
        people += [(f"user {pk}", User.objects.get(pk=pk)) for pk in user]
        for label, person in people:
            self.stdout.write(f"{label} #{person.pk}:")
            for name, queryset in _reads(person):
                self.stdout.write(f"  {name:<20} {summary(queryset)}")
