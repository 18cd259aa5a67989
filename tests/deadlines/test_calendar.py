"""Working days around weekends, Christmas, Easter and the late May bank holiday (England)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deadlines.calendar import (
    add_working_days,
    due_after_working_days,
    is_working_day,
    working_days_between,
)

LONDON = ZoneInfo("Europe/London")

# (start, working days, expected date, why)
DUE_DATES = [
    (date(2026, 11, 23), 1, date(2026, 11, 24), "Monday + 1 is Tuesday"),
    (date(2026, 11, 27), 1, date(2026, 11, 30), "Friday + 1 skips the weekend"),
    (date(2026, 11, 28), 1, date(2026, 11, 30), "Saturday + 1 is Monday"),
    (date(2026, 12, 24), 1, date(2026, 12, 29), "Christmas Eve + 1 skips Christmas, Boxing Day (observed), weekend"),
    (date(2026, 12, 23), 3, date(2026, 12, 30), "three working days across Christmas 2026"),
    (date(2027, 12, 24), 1, date(2027, 12, 29), "Christmas 2027 falls on a Saturday: both days observed"),
    (date(2026, 4, 2), 1, date(2026, 4, 7), "Maundy Thursday + 1 skips Good Friday and Easter Monday"),
    (date(2027, 3, 25), 2, date(2027, 3, 31), "Easter 2027"),
    (date(2026, 5, 22), 1, date(2026, 5, 26), "Friday before the late May bank holiday"),
    (date(2027, 5, 28), 1, date(2027, 6, 1), "late May bank holiday 2027"),
    (date(2026, 11, 2), 45, date(2027, 1, 7), "child and family assessment: 45 working days across Christmas"),
    (date(2026, 3, 2), 15, date(2026, 3, 23), "initial conference: 15 working days, no holidays"),
    (date(2026, 3, 30), 10, date(2026, 4, 15), "core group: 10 working days across Easter"),
    (date(2026, 11, 28), 0, date(2026, 11, 30), "zero days from a Saturday is the next working day"),
]


@pytest.mark.parametrize(("start", "days", "expected", "why"), DUE_DATES)
def test_add_working_days(start, days, expected, why):
    assert add_working_days(start, days) == expected, why


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day observed
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 5, 25))  # Spring bank holiday
    assert not is_working_day(date(2026, 11, 29))  # Sunday
    assert is_working_day(date(2026, 11, 30))


def test_jurisdictions_differ_scotland_has_no_easter_monday_but_has_2_january():
    assert is_working_day(date(2026, 4, 6), "GB-SCT")
    assert not is_working_day(date(2026, 4, 6), "GB-ENG")
    assert not is_working_day(date(2026, 1, 2), "GB-SCT")


def test_unknown_jurisdiction_is_refused():
    with pytest.raises(ValueError):
        is_working_day(date(2026, 1, 5), "FR")


def test_working_days_between_counts_like_add_working_days():
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 30)) == 3
    assert working_days_between(date(2026, 12, 30), date(2026, 12, 23)) == -3


def test_referral_received_friday_evening_is_due_monday_close_of_business(settings):
    settings.WORKING_DAY_ENDS = "17:00"
    received = datetime(2026, 11, 27, 18, 30, tzinfo=LONDON)
    assert due_after_working_days(received, 1) == datetime(2026, 11, 30, 17, 0, tzinfo=LONDON)


def test_due_time_uses_local_time_across_the_clock_change(settings):
    settings.WORKING_DAY_ENDS = "17:00"
    received = datetime(2026, 3, 27, 23, 30, tzinfo=ZoneInfo("UTC"))  # Friday night, still GMT
    due = due_after_working_days(received, 1)
    assert due == datetime(2026, 3, 30, 17, 0, tzinfo=LONDON)
    assert due.utcoffset() == timedelta(hours=1)  # BST began on 29 March
