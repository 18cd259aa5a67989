"""A list's FilterSet, declared once, read by its page (a form whose bad values are ignored)
and by its API (query parameters derived from the same filters, whose bad values are a 400)."""

from __future__ import annotations

from datetime import date

import django_filters
import pytest
from django.http import QueryDict
from rest_framework import serializers

from agencies.filters import MemberFilters
from agencies.models import Agency, Membership
from cases.filters import DATES_OUT_OF_ORDER, CaseFilters, ChronologyFilters
from deadlines.filters import TaskFilters
from referrals.filters import InboxFilters
from web.filters import ListFilters


def test_the_page_reads_the_filters_and_ignores_them_all_when_one_cannot_be_read() -> None:
    assert CaseFilters(QueryDict("status=open&risk_level=high")).criteria() == {"status": "open", "risk_level": "high"}
    assert CaseFilters(QueryDict("status=wizard&risk_level=high")).criteria() == {}
    assert CaseFilters(QueryDict("status=&risk_level=")).criteria() == {"status": "", "risk_level": ""}


def test_the_page_offers_only_what_it_was_given_to_offer() -> None:
    doors = [Agency(pk=3, name="North front door"), Agency(pk=7, name="South front door")]
    assert InboxFilters(QueryDict("agency=7&include_decided=on"), agencies=doors).criteria() == {
        "agency": 7,
        "include_decided": True,
    }
    assert InboxFilters(QueryDict("agency=9"), agencies=doors).criteria() == {}
    form = ChronologyFilters(QueryDict("kind=visit"), agencies=[(3, "Police")]).form
    assert [label for _, label in form.fields["agency"].choices] == ["All agencies", "Police"]
    assert form.fields["kind"].choices[0] == ("", "Any kind")


def test_an_unbound_page_shows_the_initial_choice() -> None:
    filters = MemberFilters(None)
    assert filters.criteria() == {}
    assert 'value="active" selected' in str(filters.form["status"])


def test_the_api_takes_the_same_filters_with_the_defaults_the_page_cleans_to() -> None:
    def read(filters: type[ListFilters], query: str) -> dict[str, object]:
        parameters = filters.query_serializer()(data=QueryDict(query))
        parameters.is_valid(raise_exception=True)
        return dict(parameters.validated_data)

    assert read(CaseFilters, "") == {"status": "", "risk_level": ""}
    assert read(ChronologyFilters, "agency=12") == {
        "agency": 12,
        "kind": "",
        "significance": "",
        "date_from": None,
        "date_to": None,
    }
    assert read(TaskFilters, "state=") == {"state": ""}
    assert read(InboxFilters, "include_decided=true") == {"agency": None, "include_decided": True}
    assert read(MemberFilters, "role=supervisor") == {"status": "active", "role": "supervisor"}
    with pytest.raises(serializers.ValidationError) as bad:
        read(CaseFilters, "status=wizard")
    assert set(bad.value.detail) == {"status"}


def test_the_api_parameters_are_one_class_per_filterset_and_say_what_the_schema_says() -> None:
    assert TaskFilters.query_serializer() is TaskFilters.query_serializer()
    state = TaskFilters.query_serializer()().fields["state"]
    assert state.help_text == "Empty: what is still owed."
    status = MemberFilters.query_serializer()().fields["status"]
    assert isinstance(status, serializers.ChoiceField)
    assert status.choices == {"active": "active", "ended": "ended", "all": "all"}


def test_a_filter_with_no_query_parameter_is_refused() -> None:
    class Named(ListFilters):
        name = django_filters.CharFilter()

        class Meta:
            model = Membership
            fields: list[str] = []

    with pytest.raises(TypeError, match=r"Named\.name"):
        Named.query_serializer()


def test_a_date_filter_reads_day_month_year_on_the_page_and_in_the_api() -> None:
    page = ChronologyFilters(QueryDict("date_from=02/03/2026&date_to=2026-03-04"), agencies=[]).criteria()
    assert (page["date_from"], page["date_to"]) == (date(2026, 3, 2), date(2026, 3, 4))
    parameters = ChronologyFilters.query_serializer()(data=QueryDict("date_from=02/03/2026&date_to=2026-03-04"))
    assert parameters.is_valid()
    assert (parameters.validated_data["date_from"], parameters.validated_data["date_to"]) == (
        page["date_from"],
        page["date_to"],
    )


def test_what_filters_ask_of_each_other_is_checked_once_for_the_page_and_the_api() -> None:
    backwards = "date_from=04/03/2026&date_to=01/03/2026"
    page = ChronologyFilters(QueryDict(backwards), agencies=[])
    assert page.criteria() == {}
    assert page.form.errors == {"date_to": [DATES_OUT_OF_ORDER]}
    parameters = ChronologyFilters.query_serializer()(data=QueryDict(backwards))
    assert not parameters.is_valid()
    assert parameters.errors == {"date_to": [DATES_OUT_OF_ORDER]}
