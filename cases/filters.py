"""The filters of the case lists, declared once for the page and the API (``web.filters``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.http import QueryDict

from cases.models import Case, CaseStatus, ChronologyEntry, EntryKind, RiskLevel, Significance
from web.filters import DateFilter, ListFilters


class CaseFilters(ListFilters):
    """My cases: taken by ``queries.my_cases`` (with the child's name, which never goes in a URL)."""

    status = django_filters.ChoiceFilter(label="Status", choices=CaseStatus.choices, empty_label="Any status")
    risk_level = django_filters.ChoiceFilter(label="Risk", choices=RiskLevel.choices, empty_label="Any risk")

    class Meta:
        model = Case
        fields: list[str] = []


# "Significant only": the entries marked significant or critical (a critical event is significant).
SIGNIFICANT_ONLY = "significant_only"
SIGNIFICANCE_CHOICES = [(SIGNIFICANT_ONLY, "Significant only (and critical)"), *Significance.choices]
DATES_OUT_OF_ORDER = "The “to” date is before the “from” date: the range would hold no day."


class ChronologyFilters(ListFilters):
    """A case's chronology: taken by ``queries.chronology`` (the chronology tab, its API and its
    search). The page offers the agencies that wrote the entries the user sees
    (``queries.entry_agencies``); the API takes any agency's id. The dates are inclusive: an
    entry dated the "to" day is in the range."""

    date_from = DateFilter(label="From")
    date_to = DateFilter(label="To")
    agency = django_filters.TypedChoiceFilter(label="Agency", coerce=int, empty_value=None)
    kind = django_filters.ChoiceFilter(label="Kind", choices=EntryKind.choices, empty_label="Any kind")
    significance = django_filters.ChoiceFilter(
        label="Significance", choices=SIGNIFICANCE_CHOICES, empty_label="Any significance"
    )

    api_help_text = {
        "date_from": "Entries dated on or after this day (dd/mm/yyyy or yyyy-mm-dd).",
        "date_to": "Entries dated on or before this day (dd/mm/yyyy or yyyy-mm-dd).",
        "significance": f"One level, or {SIGNIFICANT_ONLY} for significant and critical entries.",
    }

    class Meta:
        model = ChronologyEntry
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *, agencies: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.filters["agency"].extra["choices"] = [("", "All agencies"), *agencies]

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        date_from, date_to = values.get("date_from"), values.get("date_to")
        if date_from and date_to and date_to < date_from:
            raise ValidationError({"date_to": DATES_OUT_OF_ORDER})
