"""The filters of an agency's member list, declared once for the page and the API (``web.filters``)."""

from __future__ import annotations

import django_filters

from agencies.models import Membership, Role
from web.filters import ListFilters

MEMBER_STATUS_CHOICES = [("active", "Active"), ("ended", "Deactivated"), ("all", "All")]


class MemberFilters(ListFilters):
    """An agency's members: taken by ``queries.member_list``."""

    status = django_filters.ChoiceFilter(
        label="Status", choices=MEMBER_STATUS_CHOICES, initial="active", empty_label=None
    )
    role = django_filters.ChoiceFilter(label="Role", choices=Role.choices, empty_label="Any role")

    api_choices_by_code = frozenset({"status"})

    class Meta:
        model = Membership
        fields: list[str] = []
