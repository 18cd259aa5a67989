"""The filters of the front-door inbox, declared once for the page and the API (``web.filters``)."""

from __future__ import annotations

import django_filters
from django.http import QueryDict

from agencies.models import Agency
from referrals.models import Referral
from web.filters import CheckboxFilter, ListFilters


class InboxFilters(ListFilters):
    """The inbox: taken by ``queries.inbox``. The page offers the front doors the user works; the
    API answers 400 for any other."""

    agency = django_filters.TypedChoiceFilter(label="Front door", coerce=int, empty_value=None)
    include_decided = CheckboxFilter(label="Include decided referrals")

    api_help_text = {"agency": "One of my front doors."}

    class Meta:
        model = Referral
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *, agencies: list[Agency]) -> None:
        super().__init__(data)
        self.filters["agency"].extra["choices"] = [
            ("", "All my front doors"),
            *[(agency.pk, agency.name) for agency in agencies],
        ]
