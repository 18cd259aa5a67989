"""Dates as a British worker writes them, whatever the browser's locale: dd/mm/yyyy.

A browser's ``<input type="date">`` shows and takes dates in the browser's own locale (a
laptop set to American English shows 12/01/2026 for 1 December), so Tandem's date inputs are
plain text inputs that show ``01/12/2026`` and accept it (and, for forms filled by scripts,
the ISO ``2026-12-01``). The hint under each field says the format."""

from __future__ import annotations

from typing import Any

from django import forms

DATE_FORMAT = "%d/%m/%Y"
# What a date field accepts: dd/mm/yyyy first, then d/m/yy and ISO (what the API and scripts send).
DATE_INPUT_FORMATS = [DATE_FORMAT, "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/03/2026."


def date_input(**attrs: Any) -> forms.DateInput:
    """A text input for a date shown as dd/mm/yyyy: numeric keyboard on phones, no autofill."""
    return forms.DateInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-date", "size": "10", **attrs},
        format=DATE_FORMAT,
    )


class DateField(forms.DateField):
    """A date field entered as dd/mm/yyyy, with the format in its hint and a message that says it."""

    widget = forms.DateInput
    default_error_messages = {"invalid": "Enter the date as day/month/year, for example 27/03/2026."}

    def __init__(self, *, help_text: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", date_input())
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        hint = f"{help_text} {DATE_HINT}".strip() if DATE_HINT not in help_text else help_text
        super().__init__(help_text=hint, **kwargs)
