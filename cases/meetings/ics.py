"""Calendar attachments for meeting invitations: one RFC 5545 VEVENT, built with ``icalendar``
so that folding, escaping and parameter quoting are the library's, not ours.

What goes in is what an invitation may carry: the kind of meeting, the case reference, when,
where, who organises it, and a link to the meeting page (its UUID only). Never the agenda,
the minutes or a child's details: calendars are synced to phones and shared with assistants.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import PARTSTAT, ROLE, STATUS, TRANSP

PRODUCT_ID = "-//Tandem//Multi-agency meetings//EN"


class Method:
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as a calendar sees it."""

    uid: str
    sequence: int
    starts_at: datetime
    duration: timedelta
    summary: str
    location: str
    organiser_name: str
    organiser_email: str
    attendee_name: str
    attendee_email: str
    url: str
    description: str = ""


def _display_name(value: str) -> str:
    """A CN parameter: icalendar quotes it and encodes quotes and newlines (RFC 6868) but passes
    other control characters through, which a parameter value may not hold (RFC 5545 3.1)."""
    return "".join(ch for ch in value if ch == "\t" or unicodedata.category(ch) != "Cc")


def build_calendar(event: CalendarEvent, *, method: str, now: datetime) -> str:
    """A VCALENDAR with one VEVENT, times in UTC, lines folded at 75 octets and ended with CRLF.
    Text, as the MIME part that carries it is built from text."""
    starts_at = event.starts_at.astimezone(UTC)
    vevent = Event.new(
        uid=event.uid,
        sequence=event.sequence,
        stamp=now.astimezone(UTC),
        start=starts_at,
        end=starts_at + event.duration,
        summary=event.summary,
        location=event.location,
        organizer=vCalAddress.new(event.organiser_email, cn=_display_name(event.organiser_name)),
        attendees=[
            vCalAddress.new(
                event.attendee_email,
                cn=_display_name(event.attendee_name),
                role=ROLE.REQ_PARTICIPANT,
                partstat=PARTSTAT.NEEDS_ACTION,
                rsvp=False,
            )
        ],
        url=event.url,
        description=event.description,
        status=STATUS.CANCELLED if method == Method.CANCEL else STATUS.CONFIRMED,
        transparency=TRANSP.OPAQUE,
    )
    # Not Calendar.new(): it gives the calendar a UID of its own, which an invitation has no use for.
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(vevent)
    return calendar.to_ical().decode("utf-8")
