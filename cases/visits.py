"""When a person last opened a case: what "new since my last visit" on their home page counts from."""

from __future__ import annotations

from django.utils import timezone

from agencies.models import User
from cases.models import Case, CaseVisit


def record_visit(user: User, case: Case) -> None:
    """Move the user's visit of this case to now: one upsert (INSERT … ON CONFLICT DO UPDATE),
    so two tabs opening the case at once cannot collide on the one-row-per-user-and-case rule.
    Call it only once the policy has let the user see the case."""
    CaseVisit.objects.bulk_create(
        [CaseVisit(user=user, case=case, visited_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "case"],
        update_fields=["visited_at"],
    )
