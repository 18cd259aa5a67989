"""Forms for meetings. They parse input and offer the case team as choices; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from agencies.models import User
from cases.meetings.services import NEXT_STAGE_QUESTIONS, missing_strategy_agencies
from cases.models import CaseTeamMember, MeetingAttendee, MeetingKind
from web.dates import DateTimeField
from web.forms import ServiceErrorsMixin


def _duration_field() -> forms.IntegerField:
    return forms.IntegerField(label="Length in minutes", min_value=15, max_value=480, initial=60)


def _location_field() -> forms.CharField:
    return forms.CharField(
        label="Where",
        max_length=200,
        help_text="A room, or 'Video call' (send the link separately). It goes into the invitation.",
    )


def _team_label(member: CaseTeamMember) -> str:
    return f"{member.user.full_name} ({member.get_role_display().lower()})"


class MeetingScheduleForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label="Kind of meeting", choices=MeetingKind.choices)
    starts_at = DateTimeField(label="Starts at")
    duration_minutes = _duration_field()
    location = _location_field()
    attendees = forms.TypedMultipleChoiceField(
        label="Who is invited",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="People on the case team, by agency. Each gets an email invitation with a calendar file.",
    )
    chair = forms.TypedChoiceField(label="Chair", coerce=int, help_text="One of the people invited.")
    agenda = forms.CharField(
        label="Agenda (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Seen in Tandem by the case team; never sent by email.",
    )
    confirm_missing_agencies = forms.BooleanField(
        label="Schedule it anyway, without the missing agencies",
        required=False,
        help_text="Only for a strategy discussion that cannot wait for them. Record why in the agenda.",
    )

    def __init__(self, *args: Any, team: list[CaseTeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = {member.user_id: member for member in team}
        groups: dict[str, list[tuple[int, str]]] = {}
        for member in team:
            groups.setdefault(member.agency.name, []).append((member.user_id, _team_label(member)))
        attendees = self.fields["attendees"]
        assert isinstance(attendees, forms.TypedMultipleChoiceField)
        attendees.choices = list(groups.items())
        chair = self.fields["chair"]
        assert isinstance(chair, forms.TypedChoiceField)
        chair.choices = [("", "Choose…"), *[(m.user_id, f"{m.user.full_name}, {m.agency.name}") for m in team]]

    def clean_attendees(self) -> list[User]:
        return [self.team[pk].user for pk in self.cleaned_data["attendees"] if pk in self.team]

    def clean_chair(self) -> User:
        # Offered choices only: the field has already refused anyone not on the team.
        return self.team[self.cleaned_data["chair"]].user

    def missing_agencies(self) -> list[str]:
        """For a strategy discussion, the agencies the chosen attendees leave out (as posted)."""
        if not self.is_bound or self.data.get("kind") != MeetingKind.STRATEGY_DISCUSSION:
            return []
        chosen = []
        for raw in self.data.getlist("attendees") if hasattr(self.data, "getlist") else []:
            member = self.team.get(int(raw)) if str(raw).isdigit() else None
            if member is not None:
                chosen.append(member.agency)
        return missing_strategy_agencies(chosen)


class MeetingRescheduleForm(ServiceErrorsMixin, forms.Form):
    starts_at = DateTimeField(label="Starts at")
    duration_minutes = _duration_field()
    location = _location_field()


class MeetingHeldForm(ServiceErrorsMixin, forms.Form):
    held_at = DateTimeField(label="When it was held")
    attended = forms.TypedMultipleChoiceField(
        label="Who attended",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave unticked anyone invited who did not come.",
    )
    minutes = forms.CharField(label="Minutes", widget=forms.Textarea(attrs={"rows": 8}))
    decisions = forms.CharField(label="Decisions", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_stage_agreed = forms.TypedChoiceField(
        label="Outcome",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, kind: str, attendees: list[MeetingAttendee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited = {a.user_id: a.user for a in attendees}
        attended = self.fields["attended"]
        assert isinstance(attended, forms.TypedMultipleChoiceField)
        attended.choices = [(a.user_id, f"{a.user.full_name} ({a.agency.name})") for a in attendees]
        question = NEXT_STAGE_QUESTIONS.get(kind)
        if question is None:
            del self.fields["next_stage_agreed"]
        else:
            self.fields["next_stage_agreed"].label = f"Outcome: {question.lower()}?"
        if not self.is_bound:
            self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("attended", list(self.invited))

    def clean_attended(self) -> list[User]:
        return [self.invited[pk] for pk in self.cleaned_data["attended"] if pk in self.invited]


class MeetingActionForm(ServiceErrorsMixin, forms.Form):
    description = forms.CharField(
        label="What will be done",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Seen in Tandem by the case team. Reminders name only the meeting and the due date.",
    )
    owner = forms.TypedChoiceField(label="Who does it", coerce=int)
    due_at = DateTimeField(label="Due by")

    def __init__(self, *args: Any, team: list[CaseTeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = {member.user_id: member for member in team}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.TypedChoiceField)
        owner.choices = [("", "Choose…"), *[(m.user_id, f"{m.user.full_name}, {m.agency.name}") for m in team]]

    def clean_owner(self) -> User:
        return self.team[self.cleaned_data["owner"]].user
