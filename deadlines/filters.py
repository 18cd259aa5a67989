"""The filter of my tasks, declared once for the page and the API (``web.filters``)."""

from __future__ import annotations

import django_filters

from deadlines.models import Deadline, DeadlineState
from web.filters import ListFilters

# No state chosen is what is still owed: a choice of its own, which the API names too.
TASK_STATE_CHOICES = [("", "Still owed"), *DeadlineState.choices]


class TaskFilters(ListFilters):
    """My tasks: taken by ``queries.tasks_for``."""

    state = django_filters.ChoiceFilter(label="State", choices=TASK_STATE_CHOICES, empty_label=None)

    api_help_text = {"state": "Empty: what is still owed."}

    class Meta:
        model = Deadline
        fields: list[str] = []
