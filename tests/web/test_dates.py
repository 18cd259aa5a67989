"""web.dates: dates typed as a British worker writes them (dd/mm/yyyy) and shown so, whatever the
browser; a moment as a date and a 24-hour time; every problem said in words; ISO still accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django import forms

from web.dates import INVALID_DATE, INVALID_TIME, DateField, DateTimeField

LONDON = ZoneInfo("Europe/London")


class OneDate(forms.Form):
    day = DateField(label="Day")


class OptionalDate(forms.Form):
    day = DateField(label="Day", required=False)


class OneMoment(forms.Form):
    starts_at = DateTimeField(label="Starts at")


def cleaned_day(text: str) -> date:
    form = OneDate({"day": text})
    assert form.is_valid(), form.errors
    return form.cleaned_data["day"]


def day_errors(text: str) -> list[str]:
    form = OneDate({"day": text})
    assert not form.is_valid()
    return [str(message) for message in form.errors["day"]]


@pytest.mark.parametrize(
    "typed",
    ["01/12/2026", "1/12/2026", " 01/12/2026 ", "01-12-2026", "01.12.2026", "1/12/26", "2026-12-01"],
)
def test_day_month_year_and_iso_all_mean_the_first_of_december(typed):
    assert cleaned_day(typed) == date(2026, 12, 1)


def test_two_digit_years_are_this_century_up_to_68_and_the_last_from_69():
    assert cleaned_day("04/05/16") == date(2016, 5, 4)
    assert cleaned_day("04/05/68") == date(2068, 5, 4)
    assert cleaned_day("04/05/69") == date(1969, 5, 4)


def test_the_first_number_is_always_the_day_never_the_month():
    assert cleaned_day("02/03/2026") == date(2026, 3, 2)


def test_a_day_that_does_not_exist_is_named_in_words():
    (message,) = day_errors("31/02/2026")
    assert message.startswith("February 2026 has 28 days: check the day.")
    assert INVALID_DATE in message
    assert cleaned_day("29/02/2028") == date(2028, 2, 29)  # a leap year
    assert day_errors("29/02/2027")[0].startswith("February 2027 has 28 days")


def test_a_date_written_month_first_says_there_is_no_such_month():
    (message,) = day_errors("12/25/2026")
    assert message.startswith("There is no month 25")
    assert "day/month/year" in message


@pytest.mark.parametrize("typed", ["next Tuesday", "2026/12/01", "1 Dec 2026", "01/12", "00/12/2026x"])
def test_anything_else_gets_the_format_and_an_example(typed):
    assert day_errors(typed) == [INVALID_DATE]


def test_an_empty_required_date_is_required_and_an_optional_one_is_none():
    assert day_errors("") == ["This field is required."]
    form = OptionalDate({"day": ""})
    assert form.is_valid() and form.cleaned_data["day"] is None


def test_a_date_is_shown_as_day_month_year_in_a_text_input_with_the_format_in_its_hint():
    html = str(OneDate(initial={"day": date(2026, 12, 1)})["day"])
    assert 'value="01/12/2026"' in html
    assert 'type="text"' in html and 'inputmode="numeric"' in html
    assert 'type="date"' not in html
    assert "For example, 27/03/2026." in OneDate().fields["day"].help_text


def test_what_was_typed_is_shown_again_when_it_is_wrong():
    form = OneDate({"day": "31/02/2026"})
    assert not form.is_valid()
    assert 'value="31/02/2026"' in str(form["day"])


# --- a moment: date and time ---------------------------------------------------------


def moment(date_text: str, time_text: str) -> OneMoment:
    return OneMoment({"starts_at_0": date_text, "starts_at_1": time_text})


@pytest.mark.parametrize("typed", ["14:30", "14.30", "1430", "2:30pm", "2:30 PM"])
def test_a_moment_is_a_date_and_a_24_hour_time_in_london(typed):
    form = moment("01/07/2026", typed)
    assert form.is_valid(), form.errors
    starts = form.cleaned_data["starts_at"]
    assert starts == datetime(2026, 7, 1, 14, 30, tzinfo=LONDON)
    assert starts.utcoffset() is not None and starts.astimezone(UTC).hour == 13  # British Summer Time


def test_a_script_may_still_post_one_iso_moment():
    form = OneMoment({"starts_at": "2026-12-01T09:05"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == datetime(2026, 12, 1, 9, 5, tzinfo=LONDON)
    aware = OneMoment({"starts_at": "2026-12-01T09:05:00+00:00"})
    assert aware.is_valid() and aware.cleaned_data["starts_at"] == datetime(2026, 12, 1, 9, 5, tzinfo=UTC)


def test_both_parts_wrong_are_reported_together():
    form = moment("31/02/2026", "25:00")
    assert not form.is_valid()
    errors = [str(message) for message in form.errors["starts_at"]]
    assert len(errors) == 2
    assert errors[0].startswith("February 2026 has 28 days") and errors[1] == INVALID_TIME


def test_a_missing_part_is_named():
    assert moment("01/12/2026", "").errors["starts_at"] == ["Enter the time, for example 14:30."]
    assert moment("", "10:00").errors["starts_at"] == ["Enter the date, for example 27/03/2026."]
    assert moment("", "").errors["starts_at"] == ["Enter the date and the time."]
    assert OneMoment({"starts_at": "tomorrow at ten"}).errors["starts_at"] == [
        INVALID_DATE,
        "Enter the time, for example 14:30.",
    ]


def test_a_moment_shows_as_day_month_year_and_24_hour_time_in_london():
    html = str(OneMoment(initial={"starts_at": datetime(2026, 12, 1, 15, 45, tzinfo=UTC)})["starts_at"])
    assert 'value="01/12/2026"' in html and 'value="15:45"' in html
    assert 'type="datetime-local"' not in html and 'type="time"' not in html
    summer = str(OneMoment(initial={"starts_at": datetime(2026, 7, 1, 13, 0, tzinfo=UTC)})["starts_at"])
    assert 'value="14:00"' in summer


def test_a_moment_typed_wrong_is_shown_again_as_typed():
    form = moment("1/12/26", "9h")
    assert not form.is_valid()
    html = str(form["starts_at"])
    assert 'value="1/12/26"' in html and 'value="9h"' in html


def test_each_box_of_a_moment_has_its_own_label():
    html = str(OneMoment()["starts_at"])
    assert '<label for="id_starts_at_0">Date' in html and '<label for="id_starts_at_1">Time' in html


def test_the_time_of_a_moment_is_hours_and_minutes():
    form = moment("01/12/2026", "09:30")
    assert form.is_valid()
    assert form.cleaned_data["starts_at"].timetz().replace(tzinfo=None) == time(9, 30)
