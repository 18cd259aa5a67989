"""The filter of a supervisee's deadlines page (``web.filters``; the page has no API twin)."""

from __future__ import annotations

import django_filters

from deadlines.models import Deadline
from supervision.queries import WORKER_DEADLINE_FILTERS
from web.filters import ListFilters


class WorkerDeadlineFilters(ListFilters):
    """A supervisee's deadlines: taken by ``queries.worker_deadlines``."""

    when = django_filters.ChoiceFilter(
        label="Show", choices=list(WORKER_DEADLINE_FILTERS.items()), empty_label="Everything still owed"
    )

    class Meta:
        model = Deadline
        fields: list[str] = []
