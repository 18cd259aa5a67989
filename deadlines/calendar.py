"""Working days: weekends and the jurisdiction's bank holidays (the `holidays` package) are skipped."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

# Agency.jurisdiction codes are ISO 3166-2; `holidays` names the UK's parts by subdivision.
_SUBDIVISIONS = {"GB-ENG": "ENG", "GB-WLS": "WLS", "GB-SCT": "SCT", "GB-NIR": "NIR"}


@functools.lru_cache(maxsize=16)
def _bank_holidays(jurisdiction: str) -> holidays.HolidayBase:
    subdivision = _SUBDIVISIONS.get(jurisdiction)
    if subdivision is None:
        raise ValueError(f"No working-day calendar for jurisdiction {jurisdiction!r}")
    return holidays.country_holidays("GB", subdiv=subdivision)


def is_working_day(day: date, jurisdiction: str = "GB-ENG") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(jurisdiction)


def add_working_days(start: date, days: int, jurisdiction: str = "GB-ENG") -> date:
    """The date ``days`` working days after ``start`` (which need not be a working day).
    Zero days gives ``start`` itself if it is a working day, else the next one."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_working_day(day, jurisdiction):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, jurisdiction):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, jurisdiction: str = "GB-ENG") -> int:
    """How many working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start, jurisdiction)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, jurisdiction):
            count += 1
    return count


def end_of_working_day(day: date) -> datetime:
    """The moment a working day's deadline falls due: the close of business, local time."""
    hour, minute = (int(part) for part in settings.WORKING_DAY_ENDS.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def due_after_working_days(received: datetime, days: int, jurisdiction: str = "GB-ENG") -> datetime:
    """When something received at ``received`` is due, ``days`` working days later, at close of
    business. Zero days is the same working day's close, or the next working day's when it
    arrives after close (never a due time already past)."""
    local = received.astimezone(ZoneInfo(settings.TIME_ZONE))
    due = end_of_working_day(add_working_days(local.date(), days, jurisdiction))
    if due < received:
        due = end_of_working_day(add_working_days(local.date(), 1, jurisdiction))
    return due
