"""Calendar attachments for meeting invitations: one RFC 5545 VEVENT, written by hand.

What goes in is what an invitation may carry: the kind of meeting, the case reference, when,
where, who organises it, and a link to the meeting page (its UUID only). Never the agenda,
the minutes or a child's details: calendars are synced to phones and shared with assistants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODUCT_ID = "-//Tandem//Multi-agency meetings//EN"
LINE_OCTETS = 75


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


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _param(value: str) -> str:
    """A parameter value: quoted, with characters a quoted value cannot hold dropped."""
    cleaned = "".join(ch for ch in value if ch not in '"\r\n' and (ch == "\t" or ord(ch) >= 0x20))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 3.1), never splitting
    a UTF-8 character; each continuation starts with one space."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
            limit = LINE_OCTETS - 1  # the leading space of a continuation counts
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def build_calendar(event: CalendarEvent, *, method: str, now: datetime) -> str:
    """A VCALENDAR with one VEVENT, lines folded and ended with CRLF."""
    cancelled = method == Method.CANCEL
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.starts_at + event.duration)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"ORGANIZER;CN={_param(event.organiser_name)}:mailto:{event.organiser_email}",
        f"ATTENDEE;CN={_param(event.attendee_name)};ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{event.attendee_email}",
        f"URL:{event.url}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{fold(line)}\r\n" for line in lines)
