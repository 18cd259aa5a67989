"""The filters of the case lists, declared once for the page and the API (``web.filters``)."""

from __future__ import annotations

import django_filters
from django.http import QueryDict

from cases.models import Case, CaseStatus, ChronologyEntry, EntryKind, RiskLevel
from web.filters import ListFilters


class CaseFilters(ListFilters):
    """My cases: taken by ``queries.my_cases`` (with the child's name, which never goes in a URL)."""

    status = django_filters.ChoiceFilter(label="Status", choices=CaseStatus.choices, empty_label="Any status")
    risk_level = django_filters.ChoiceFilter(label="Risk", choices=RiskLevel.choices, empty_label="Any risk")

    class Meta:
        model = Case
        fields: list[str] = []


class ChronologyFilters(ListFilters):
    """A case's chronology: taken by ``queries.chronology`` (the API) and ``queries.filter_chronology``
    (the page, over the entries it has read). The page offers the agencies that wrote the entries;
    the API takes any agency's id."""

    agency = django_filters.TypedChoiceFilter(label="Agency", coerce=int, empty_value=None)
    kind = django_filters.ChoiceFilter(label="Kind", choices=EntryKind.choices, empty_label="Any kind")

    class Meta:
        model = ChronologyEntry
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *, agencies: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.filters["agency"].extra["choices"] = [("", "All agencies"), *agencies]
