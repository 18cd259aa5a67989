"""A list's filters declared once, for its page and its API (django-filter).

Each list's FilterSet (``<app>/filters.py``) names its filters, their choices and labels. The
page binds it to the query string and renders its form; when a value cannot be read the page
is shown unfiltered (``criteria``). The API reads the same filters as query parameters through
``query_serializer()``, derived from the FilterSet rather than declared again: a value it
cannot read answers 400 by field, and the OpenAPI schema describes each parameter.

Neither filters a queryset itself. The policy narrows first, and the list's query
(``cases.queries.my_cases``, ``deadlines.queries.tasks_for`` …) takes the cleaned values, so the
SQL those queries were tuned to stays theirs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django import forms
from django.http import QueryDict
from rest_framework import serializers

from web.dates import DATE_INPUT_FORMATS, DateField


class CheckboxFilter(django_filters.Filter):
    """A tick box: on or off, never "unknown" (django-filter's BooleanFilter offers three)."""

    field_class = forms.BooleanField


class DateFilter(django_filters.Filter):
    """A day, entered as dd/mm/yyyy whatever the browser's locale (``web.dates.DateField``);
    through the API, also as ISO ``yyyy-mm-dd``."""

    field_class = DateField


class ListFilters(django_filters.FilterSet):
    """The filters of one list. A subclass declares ``ChoiceFilter``, ``TypedChoiceFilter``
    (``coerce=int``: an id, its choices filled by the page from what it offers) and
    ``CheckboxFilter`` filters, and names its model in ``Meta``."""

    # What the API's parameters say that the page does not show: a help text, by filter.
    api_help_text: ClassVar[dict[str, str]] = {}
    # Filters whose choices the API describes by their codes alone.
    api_choices_by_code: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, data: QueryDict | None = None) -> None:
        # Nothing is filtered here (see the module's docstring): an empty queryset only names the model.
        super().__init__(data, queryset=self._meta.model._default_manager.none())

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        """What the filters ask of each other (a date range's ends in order), given the values
        that could be read: raise a ``ValidationError`` by field. The page's form and the API's
        parameters both ask it, so the rule is written once."""

    def get_form_class(self) -> type[forms.Form]:
        form_class = super().get_form_class()
        check = type(self).check

        def clean(form: forms.Form) -> dict[str, Any]:
            cleaned = form_class.clean(form)
            try:
                check(cleaned)
            except forms.ValidationError as error:
                form.add_error(None, error)
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})

    def criteria(self) -> dict[str, Any]:
        """The page's filters: the cleaned values, or none at all when one cannot be read."""
        return dict(self.form.cleaned_data) if self.is_valid() else {}

    @classmethod
    def query_serializer(cls) -> type[serializers.Serializer[None]]:
        """The API's query parameters: these filters as a serializer, validated by the API view
        and named in its ``extend_schema(parameters=[…])``. One class per FilterSet."""
        if cls not in _QUERY_SERIALIZERS:
            fields: dict[str, Any] = {
                name: _query_field(cls, name, declared) for name, declared in cls.base_filters.items()
            }

            def validate(serializer: serializers.Serializer[None], values: dict[str, Any]) -> dict[str, Any]:
                cls.check(values)  # DRF answers a Django ValidationError by field, as its own
                return values

            fields["validate"] = validate
            _QUERY_SERIALIZERS[cls] = type(f"{cls.__name__}Query", (serializers.Serializer,), fields)
        return _QUERY_SERIALIZERS[cls]


_QUERY_SERIALIZERS: dict[type[ListFilters], type[serializers.Serializer[None]]] = {}


def _query_field(
    filters: type[ListFilters], name: str, declared: django_filters.Filter
) -> serializers.Field[Any, Any, Any, Any]:
    """A filter as a query parameter: left out, it takes the value the page's form cleans to."""
    extra = dict(declared.extra)
    help_text: dict[str, Any] = {"help_text": filters.api_help_text[name]} if name in filters.api_help_text else {}
    if isinstance(declared, CheckboxFilter):
        return serializers.BooleanField(required=False, default=False, **help_text)
    if isinstance(declared, DateFilter):
        return serializers.DateField(
            required=False,
            default=None,
            allow_null=True,
            input_formats=DATE_INPUT_FORMATS,
            error_messages={"invalid": DateField.default_error_messages["invalid"]},
            **help_text,
        )
    if isinstance(declared, django_filters.TypedChoiceFilter) and extra.get("coerce") is int:
        return serializers.IntegerField(required=False, default=extra.get("empty_value"), **help_text)
    if isinstance(declared, django_filters.ChoiceFilter):
        choices = extra["choices"]
        if name in filters.api_choices_by_code:
            choices = [code for code, _ in choices]
        return serializers.ChoiceField(choices=choices, required=False, default=extra.get("initial", ""), **help_text)
    raise TypeError(f"{filters.__name__}.{name}: no query parameter for a {type(declared).__name__}")
