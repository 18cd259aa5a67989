"""The case's access log in words: 'Sam Patel (Riverside Police) read the chronology
entry "Home visit"'. Action codes and object types are mapped in one place (a code not
mapped yet reads as itself). The log holds no personal data, only types and ids: an item's
title is shown only when the reader may see that item through the policy, else its kind."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from access_control import policy
from access_control.models import AccessLogEntry
from agencies.models import User
from cases.models import Case

# What was done, as a past-tense phrase, by action code.
ACTIONS = {
    "view_case": "viewed",
    "view_child": "viewed",
    "view_entry": "read",
    "view_shared_extract": "viewed a shared extract of",
    "view_access_log": "viewed the access log of",
    "view_casework": "viewed",
    "view_contribution": "read",
    "edit_case": "changed",
    "edit_family_link": "changed the contact safety or risk warning of",
    "list": "listed",
    "list_entries": "listed the chronology of",
    "search_entries": "searched the chronology of",
    "list_documents": "listed the documents of",
    "list_assessments": "listed the assessments of",
    "list_contributions": "listed the contributions to",
    "list_meetings": "listed the meetings of",
    "create_entry": "added",
    "add_entry": "added",
    "correct_entry": "corrected",
    "upload_document": "uploaded",
    "download_document": "downloaded",
    "manage_team": "changed the team of",
    "add_team_member": "added to the team",
    "remove_team_member": "removed from the team",
    "grant_access": "granted access to",
    "break_glass": "used emergency access to",
    "close_case": "asked to close",
    "approve_closure": "decided on closing",
    "refer_to_service": "made a service referral from",
    "make_service_referral": "made",
    "answer_service_referral": "answered",
    "open_assessment": "opened",
    "save_analysis": "saved the analysis of",
    "submit_assessment": "submitted",
    "approve_assessment": "approved",
    "return_assessment": "returned",
    "request_contribution": "asked for",
    "save_contribution": "saved",
    "submit_contribution": "submitted",
    "withdraw_contribution": "withdrew",
    "contribute": "worked on",
    "schedule_meeting": "scheduled",
    "reschedule_meeting": "rescheduled",
    "cancel_meeting": "cancelled",
    "record_meeting_held": "recorded the outcome of",
    "add_meeting_action": "added",
    "complete_meeting_action": "completed",
    "drop_meeting_action": "dropped",
    "manage_meetings": "managed",
    "start_plan": "started",
    "review_plan": "reviewed",
    "end_plan": "ended",
    "add_plan_outcome": "added",
    "edit_plan_outcome": "changed",
    "add_plan_action": "added",
    "drop_plan_action": "dropped",
    "record_plan_progress": "recorded progress on",
    "update_action": "updated",
    "manage_plan": "changed",
    "reassign_lead": "changed the lead worker of",
    "match_children": "matched children for",
    "open_case": "opened",
    "decide_referral": "decided on",
    "link_referral": "linked a referral to",
    "open_deadline": "set",
    "meet_deadline": "marked as met",
    "cancel_deadline": "cancelled",
    "request_extension": "asked for more time on",
    "decide_extension": "decided on more time for",
    "approve_extension": "approved more time for",
}

# What kind of thing it was done to, by object type.
NOUNS = {
    "case": "the case",
    "child": "a child on the case",
    "familylink": "a family member",
    "chronologyentry": "a chronology entry",
    "document": "a document",
    "jointassessment": "a joint assessment",
    "contribution": "a contribution",
    "meeting": "a meeting",
    "meetingaction": "a meeting action",
    "plan": "a plan",
    "planaction": "a plan action",
    "planoutcome": "a plan outcome",
    "leadchange": "the lead worker",
    "servicereferral": "a service referral",
    "referral": "a referral",
    "deadline": "a deadline",
    "team_member": "a team member",
    "membership": "a membership",
    "user": "a person",
}

# Named (with their title) when the reader may see them.
TITLED = {"chronologyentry": "the chronology entry", "document": "the document"}


@dataclass(frozen=True)
class LogLine:
    entry: AccessLogEntry
    words: str


def action_phrase(code: str) -> str:
    return ACTIONS.get(code, code.replace("_", " "))


def object_noun(object_type: str) -> str:
    return NOUNS.get(object_type, object_type or "something")


def _titles(user: User, case: Case, entries: list[AccessLogEntry]) -> dict[tuple[str, str], str]:
    """Titles of the chronology entries and documents named in ``entries`` that ``user`` may
    see: one query per kind named (at most two a page), through the policy."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.object_type in TITLED and entry.object_id:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    wanted = {kind: _valid_uuids(ids) for kind, ids in wanted.items()}
    titles: dict[tuple[str, str], str] = {}
    if ids := wanted.get("chronologyentry"):
        for pk, summary in policy.visible_entries(user, case).filter(pk__in=ids).values_list("pk", "summary"):
            titles[("chronologyentry", str(pk))] = summary
    if ids := wanted.get("document"):
        for pk, title in policy.visible_documents(user, case).filter(pk__in=ids).values_list("pk", "title"):
            titles[("document", str(pk))] = title
    return titles


def _valid_uuids(ids: set[str]) -> set[str]:
    valid = set()
    for value in ids:
        with contextlib.suppress(ValueError):
            valid.add(str(uuid.UUID(value)))
    return valid


def log_lines(user: User, case: Case, entries: list[AccessLogEntry]) -> list[LogLine]:
    """Each log row said in words, for ``user`` reading the log of ``case``."""
    titles = _titles(user, case, entries)
    lines = []
    for entry in entries:
        who = entry.user.full_name if entry.user else "The system"
        if entry.agency:
            who = f"{who} ({entry.agency.name})"
        title = titles.get((entry.object_type, entry.object_id))
        what = f'{TITLED[entry.object_type]} "{title}"' if title else object_noun(entry.object_type)
        verb = action_phrase(entry.action)
        if entry.outcome == AccessLogEntry.Outcome.DENIED:
            words = f"{who} was refused access to {what}"
        else:
            words = f"{who} {verb} {what}"
        lines.append(LogLine(entry=entry, words=words))
    return lines
