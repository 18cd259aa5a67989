"""Dates as a British worker writes them, whatever the browser's locale: dd/mm/yyyy.

A browser's ``<input type="date">`` shows and takes dates in the browser's own locale (a
laptop set to American English shows 12/01/2026 for 1 December), so Tandem's date inputs are
plain text inputs that show ``01/12/2026`` and accept it (and, for forms filled by scripts,
the ISO ``2026-12-01``). The hint under each field says the format.

A moment (a meeting's start, an action's due time) is a date and a time side by side:
``DateTimeField``, a day/month/year box and a 24-hour ``HH:MM`` box (``datetime-local`` would
show the browser's locale, and a 12-hour clock in American English). A form posted by a
script may still send the moment as one ISO value under the field's own name."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.forms.utils import from_current_timezone, to_current_timezone
from django.utils.datastructures import MultiValueDict

DATE_FORMAT = "%d/%m/%Y"
# What a date field accepts: dd/mm/yyyy first, then d/m/yy and ISO (what the API and scripts send).
DATE_INPUT_FORMATS = [DATE_FORMAT, "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/03/2026."
INVALID_DATE = "Enter the date as day/month/year, for example 27/03/2026."

TIME_FORMAT = "%H:%M"
# 24-hour first (14:30, 14.30, 1430, or with seconds from a script), then 2:30pm for those who write it so.
TIME_INPUT_FORMATS = [TIME_FORMAT, "%H.%M", "%H%M", "%H:%M:%S", "%I:%M%p", "%I:%M %p", "%I.%M%p", "%I%p", "%I %p"]
INVALID_TIME = "Enter the time on the 24-hour clock, for example 09:30 or 14:30."
DATETIME_HINT = "The date as day/month/year and the time on the 24-hour clock, for example 27/03/2026 at 14:30."

# Day, month and year as someone types them (any of / - . between), to say what is wrong with one.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")


def date_input(**attrs: Any) -> forms.DateInput:
    """A text input for a date shown as dd/mm/yyyy: numeric keyboard on phones, no autofill."""
    return forms.DateInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-date", "size": "10", **attrs},
        format=DATE_FORMAT,
    )


def time_input(**attrs: Any) -> forms.TimeInput:
    """A text input for a time shown as HH:MM on the 24-hour clock, whatever the browser's locale."""
    return forms.TimeInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-time", "size": "5", **attrs},
        format=TIME_FORMAT,
    )


def _what_is_wrong(text: str) -> str | None:
    """For day/month/year that is not a real date (31/02/2026, or 12/25/2026 written the American
    way), say which part is wrong; None when the text is not shaped like a date at all."""
    match = _DAY_MONTH_YEAR.match(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year = datetime.strptime(match.group(3), "%y").year
    if not 1 <= month <= 12:
        return f"There is no month {month}: enter the date as day/month/year, for example 27/03/2026."
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{calendar.month_name[month]} {year} has {days} days: check the day. {INVALID_DATE}"
    return None


class DateField(forms.DateField):
    """A date field entered as dd/mm/yyyy, with the format in its hint and a message that says it."""

    widget = forms.DateInput
    default_error_messages = {"invalid": INVALID_DATE}

    def __init__(self, *, help_text: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", date_input())
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        hint = f"{help_text} {DATE_HINT}".strip() if DATE_HINT not in help_text else help_text
        super().__init__(help_text=hint, **kwargs)

    def to_python(self, value: Any) -> date | None:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            reason = _what_is_wrong(str(value).strip())
            if reason is None:
                raise
            raise forms.ValidationError(reason, code="invalid") from None


class DateTimePairWidget(forms.MultiWidget):
    """A date box and a time box, each with its own label, inside the field's fieldset."""

    template_name = "web/widgets/datetime_pair.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__((date_input(), time_input()), attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime):
            local = to_current_timezone(value)
            return [local.date(), local.time().replace(second=0, microsecond=0)]
        return [None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if f"{name}_0" not in data and f"{name}_1" not in data and name in data:
            return _split_moment(data.get(name))
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: MultiValueDict[str, Any], name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)


def _split_moment(text: Any) -> list[str]:
    """One ISO value (``2026-12-01T14:30``, from a script) as the pair's [date, time]."""
    raw = str(text or "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return [raw, ""] if raw else ["", ""]
    if moment.tzinfo is not None:
        moment = to_current_timezone(moment)
    return [moment.strftime("%Y-%m-%d"), moment.strftime(TIME_FORMAT)]


class DateTimeField(forms.MultiValueField):
    """A moment entered as a date (dd/mm/yyyy) and a time (HH:MM, 24-hour), in Tandem's time zone.
    Every problem with either part is reported at once, in words."""

    widget = DateTimePairWidget
    default_error_messages = {
        "required": "Enter the date and the time.",
        "incomplete": "Enter the date and the time.",
    }

    def __init__(self, *, help_text: str = DATETIME_HINT, **kwargs: Any) -> None:
        fields = (
            DateField(error_messages={"incomplete": "Enter the date, for example 27/03/2026."}),
            forms.TimeField(
                input_formats=TIME_INPUT_FORMATS,
                widget=time_input(),
                error_messages={"invalid": INVALID_TIME, "incomplete": "Enter the time, for example 14:30."},
            ),
        )
        super().__init__(fields, require_all_fields=False, help_text=help_text, **kwargs)

    def compress(self, data_list: list[Any]) -> datetime | None:
        if not data_list or data_list[0] is None or data_list[1] is None:
            return None
        day: date = data_list[0]
        clock: time = data_list[1]
        return from_current_timezone(datetime.combine(day, clock))
