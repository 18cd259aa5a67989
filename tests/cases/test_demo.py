"""The demo data: enough cases to explore, every visibility, and for each demo sign-in some
cases they can see and some they cannot. One seeding run checks it all (seeding is slow)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from uuid import UUID

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from access_control import policy
from access_control.models import AccessLogEntry
from agencies.models import Membership, SupervisionLine, User
from cases.meetings.invitations import meeting_summary, meeting_when
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChildAddress,
    ChronologyEntry,
    ClosureRequest,
    Contribution,
    ContributionState,
    Document,
    FamilyLink,
    JointAssessment,
    LegalBasis,
    Meeting,
    MeetingAction,
    MeetingAttendee,
    MeetingKind,
    MeetingState,
    Plan,
    PlanAction,
    PlanKind,
    Relationship,
    TeamRole,
    Visibility,
    validate_nhs_number,
)
from cases.plans.services import format_day
from deadlines.calendar import due_after_working_days
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Notification
from deadlines.services import due_at_for
from demo.agencies import demo_signins
from referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

SECOND_FRONT_DOOR = "Eastmere Children's Services"


def test_seed_demo_loads_cases_every_demo_user_partly_sees(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out_first = out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "cases." in out.getvalue()

    cases = Case.objects.all()
    assert cases.count() >= 30
    assert {c.lead_agency.name for c in cases.select_related("lead_agency")} == {"Northbridge Children's Services"}
    practitioner = User.objects.get(email="practitioner@csc.demo.tandem.example")
    assert cases.filter(lead_worker=practitioner).count() >= 3
    assert len({c.status for c in cases}) == len(CaseStatus.values)
    assert len({c.risk_level for c in cases}) == 3

    entries = ChronologyEntry.objects.all()
    assert set(entries.values_list("visibility", flat=True)) == set(Visibility.values)
    assert entries.filter(supersedes__isnull=False).exists()
    assert not entries.filter(author_agency__kind__in=["police", "health"], legal_basis="").exclude(
        visibility=Visibility.AGENCY
    )
    assert entries.filter(visibility=Visibility.NAMED, named_viewers__isnull=False).exists()
    assert entries.exclude(legal_basis="").filter(legal_basis__in=LegalBasis.values).exists()
    today = timezone.localdate()
    assert not entries.filter(event_date__gt=today).exists()
    assert not entries.filter(event_date__lt=today - timedelta(days=549)).exists()
    for case in cases:
        assert 4 <= case.entries.filter(is_current=True).count() <= 10, case.reference

    for child in Child.objects.all():
        validate_nhs_number(child.nhs_number)
    assert Child.objects.filter(aliases__isnull=False).exists()
    assert Case.objects.filter(children__isnull=False).values("pk").distinct().count() == cases.count()
    assert any(case.children.count() > 1 for case in cases)
    assert FamilyLink.objects.filter(safe_to_contact=False).exclude(safe_to_contact_reason="").exists()
    assert FamilyLink.objects.filter(parental_responsibility=True).exists()
    assert ClosureRequest.objects.filter(state=ClosureRequest.State.PENDING).count() == 1

    all_ids = set(cases.values_list("pk", flat=True))
    signins = demo_signins()
    assert len(signins) >= 10
    for email, role, agency in signins:
        user = User.objects.get(email=email)
        seen = set(policy.visible_cases(user).values_list("pk", flat=True))
        # The neighbouring authority's front door is where referrals are passed: no case of Northbridge's.
        if role == "Agency admin" or agency == SECOND_FRONT_DOOR:
            assert seen == set(), email
        else:
            assert seen, f"{email} sees no demo case"
            assert seen != all_ids, f"{email} sees every demo case"

    supervisor = User.objects.get(email="supervisor@csc.demo.tandem.example")
    pending = ClosureRequest.objects.get(state=ClosureRequest.State.PENDING)
    access = policy.get_case(supervisor, pending.case_id)
    assert access.can(policy.Action.APPROVE_CLOSURE)

    assert AccessLogEntry.objects.filter(action="create_entry").count() == entries.filter(supersedes=None).count()
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Access log intact" in out.getvalue()

    # Casework on the demo social worker's cases: a joint assessment with health's agency-only
    # contribution in and police's due at tomorrow's close of business; a strategy discussion
    # held with an action and the conference it convened; a plan made at a conference (held
    # on its case) with one action late.
    assert "Demo casework loaded on 3 cases." in out_first.getvalue()
    assessment = JointAssessment.objects.get()
    assert assessment.lead == practitioner
    by_kind = {c.author_agency.kind: c for c in assessment.contributions.select_related("author_agency")}
    health_author = by_kind["health"].author
    assert health_author is not None and health_author.email.startswith("practitioner@health.")  # memorable sign-in
    police_officer = User.objects.get(email="practitioner@police.demo.tandem.example")
    assert policy.get_contribution(police_officer, by_kind["police"].pk, policy.Action.CONTRIBUTE)
    assert by_kind["health"].state == ContributionState.SUBMITTED
    assert by_kind["health"].visibility == Visibility.AGENCY
    police_due = Deadline.objects.get(contribution=by_kind["police"])
    assert police_due.state == DeadlineState.OPEN
    # Due at the close of the next working day (after a weekend or bank holidays, later).
    assert police_due.due_at == due_after_working_days(timezone.now(), 1)
    assert "police" not in police_due.title.lower() or assessment.case.reference not in police_due.title
    assert set(Meeting.objects.values_list("kind", "state")) == {
        (MeetingKind.STRATEGY_DISCUSSION, MeetingState.HELD),
        (MeetingKind.INITIAL_CONFERENCE, MeetingState.SCHEDULED),
        (MeetingKind.INITIAL_CONFERENCE, MeetingState.HELD),
        (MeetingKind.CORE_GROUP, MeetingState.SCHEDULED),  # the plan's first core group, this week
    }
    assert Deadline.objects.filter(meeting_action__isnull=False, state=DeadlineState.OPEN).count() == 1
    assert Deadline.objects.filter(kind="initial_conference", state=DeadlineState.OPEN).count() == 1
    # The demo's supervisor sign-in supervises the demo social worker: the assessment will be theirs to approve.
    assert policy.get_case(supervisor, assessment.case_id).can(policy.Action.APPROVE_ASSESSMENT)
    late = PlanAction.objects.filter(due_at__lt=timezone.now(), state="open")
    assert late.count() == 1
    assert Deadline.objects.filter(plan_action__in=late, due_at__lt=timezone.now()).count() == 1

    # --if-empty leaves loaded demo data alone.
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert Case.objects.count() == cases.count()


# --- the demo's timeline is coherent --------------------------------------------------------
# The demo follows the real today, and what it shows happened in an order that could have
# happened: nobody acts on a case before joining its team, a meeting is held once it starts, a
# plan starts when the conference that made it was held. One seeding serves these tests.


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """The demo, seeded once for the timeline tests below (seeding is slow) and rolled back
    after them; each test still runs in its own savepoint."""
    media = str(tmp_path_factory.mktemp("demo-media"))
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _joined() -> dict[tuple[UUID, int], CaseTeamMember]:
    """Each person's first team place on each case, by (case, user)."""
    first: dict[tuple[UUID, int], CaseTeamMember] = {}
    for place in CaseTeamMember.objects.order_by("added_at"):
        first.setdefault((place.case_id, place.user_id), place)
    return first


def test_demo_meetings_are_arranged_before_they_start_and_held_once_started(demo):
    now = timezone.now()
    meetings = list(Meeting.objects.select_related("case").prefetch_related("attendees", "actions"))
    assert any(meeting.state == MeetingState.HELD for meeting in meetings)
    for meeting in meetings:
        assert meeting.created_at <= meeting.starts_at, meeting
        assert all(attendee.invited_at <= meeting.starts_at for attendee in meeting.attendees.all()), meeting
        if meeting.state == MeetingState.HELD:
            assert meeting.held_at is not None
            assert meeting.starts_at <= meeting.held_at <= now, meeting
            assert all(action.created_at >= meeting.held_at for action in meeting.actions.all()), meeting
        else:
            assert meeting.held_at is None and meeting.starts_at > now, meeting
        # Each attendee's invitation was sent when the meeting was arranged, for when it is.
        invitations = Notification.objects.filter(
            title__startswith="Invitation:", body__startswith=f"{meeting_summary(meeting)}\n"
        )
        assert invitations.count() == meeting.attendees.count(), meeting
        for invitation in invitations:
            assert meeting.created_at <= invitation.created_at <= meeting.starts_at, meeting
            assert meeting_when(meeting) in invitation.body, meeting


def test_demo_initial_conferences_fall_within_the_timescale_from_their_strategy_discussion(demo):
    conferences = list(Meeting.objects.filter(kind=MeetingKind.INITIAL_CONFERENCE).select_related("case__lead_agency"))
    assert len(conferences) >= 2
    for conference in conferences:
        discussion = (
            Meeting.objects.filter(
                case=conference.case,
                kind=MeetingKind.STRATEGY_DISCUSSION,
                state=MeetingState.HELD,
                next_stage_agreed=True,
                held_at__lte=conference.created_at,
            )
            .order_by("-held_at")
            .first()
        )
        assert discussion is not None and discussion.held_at is not None, conference
        due = due_at_for(DeadlineKind.INITIAL_CONFERENCE, discussion.held_at, conference.case.lead_agency.jurisdiction)
        assert discussion.held_at < conference.starts_at <= due, conference
        # The deadline the discussion opened runs from when it was held, and opened then.
        deadline = Deadline.objects.get(case=conference.case, kind=DeadlineKind.INITIAL_CONFERENCE)
        assert deadline.due_at == due and deadline.created_at == discussion.held_at
        if conference.state == MeetingState.HELD:
            assert deadline.state == DeadlineState.MET and deadline.met_at == conference.held_at


def test_demo_team_members_join_before_anything_they_do_on_the_case(demo):
    joined = _joined()

    def on_team(case_id: UUID, user_id: int, moment: datetime, what: object) -> None:
        place = joined.get((case_id, user_id))
        assert place is not None, f"{what}: not on the team"
        assert place.added_at <= moment, f"{what}: joined {place.added_at:%Y-%m-%d %H:%M}, after {moment}"
        assert place.removed_at is None or place.removed_at >= moment, f"{what}: after leaving"

    entries = ChronologyEntry.objects.prefetch_related("named_viewers")
    assert entries.count() > 200
    for entry in entries:
        # Written down when it happened or later, by someone already on the team, and shared
        # only with people already on it.
        for user_id in (entry.author_id, *(viewer.pk for viewer in entry.named_viewers.all())):
            on_team(entry.case_id, user_id, entry.recorded_at, entry.summary)
            place = joined[(entry.case_id, user_id)]
            assert timezone.localdate(place.added_at) <= entry.event_date, (
                f"{entry.summary} on {entry.event_date}: joined on {timezone.localdate(place.added_at)}"
            )
    for document in Document.objects.all():
        on_team(document.case_id, document.author_id, document.uploaded_at, document.title)
    for attendee in MeetingAttendee.objects.select_related("meeting"):
        on_team(attendee.meeting.case_id, attendee.user_id, attendee.meeting.created_at, attendee.meeting)
    for contribution in Contribution.objects.filter(submitted_at__isnull=False).select_related("assessment"):
        assert contribution.author_id is not None and contribution.submitted_at is not None
        on_team(contribution.assessment.case_id, contribution.author_id, contribution.submitted_at, contribution)
    for meeting_action in MeetingAction.objects.select_related("meeting"):
        on_team(meeting_action.meeting.case_id, meeting_action.owner_id, meeting_action.created_at, meeting_action)
    for plan_action in PlanAction.objects.filter(owner__isnull=False).select_related("plan"):
        assert plan_action.owner_id is not None
        on_team(plan_action.plan.case_id, plan_action.owner_id, plan_action.created_at, plan_action)
    # Nobody joined a case before it opened; the lead joined the day it opened.
    for place in CaseTeamMember.objects.select_related("case"):
        assert timezone.localdate(place.added_at) >= place.case.opened_on, place
        if place.role == TeamRole.LEAD:
            assert timezone.localdate(place.added_at) == place.case.opened_on, place


def test_demo_plans_start_on_the_day_the_conference_that_made_them_was_held(demo):
    plans = list(Plan.objects.select_related("case"))
    assert [plan.kind for plan in plans] == [PlanKind.CHILD_PROTECTION]
    for plan in plans:
        made_by = Meeting.objects.filter(
            case=plan.case, kind=MeetingKind.INITIAL_CONFERENCE, state=MeetingState.HELD, next_stage_agreed=True
        ).first()
        assert made_by is not None and made_by.held_at is not None, plan
        assert plan.started_on == timezone.localdate(made_by.held_at)
        # The first review the conference opened is the plan's next review.
        review = Deadline.objects.get(case=plan.case, kind=DeadlineKind.FIRST_REVIEW)
        assert review.created_at == made_by.held_at and timezone.localdate(review.due_at) == plan.next_review_on
        assert Deadline.objects.get(case=plan.case, kind=DeadlineKind.FIRST_CORE_GROUP).created_at == made_by.held_at
        assert all(action.created_at >= made_by.held_at for action in plan.actions.all())


def test_demo_referrals_cases_and_closures_follow_one_another(demo):
    now = timezone.now()
    for referral in Referral.objects.exclude(status=ReferralStatus.DRAFT).select_related("linked_case"):
        assert referral.submitted_at is not None and referral.triage_due_at is not None
        assert referral.created_at <= referral.submitted_at < referral.triage_due_at, referral.reference
        if referral.decided_at is not None:
            assert referral.submitted_at <= referral.decided_at <= now, referral.reference
            triage = Deadline.objects.get(referral=referral, kind=DeadlineKind.REFERRAL_DECISION)
            assert triage.met_at == referral.decided_at, referral.reference
            if referral.linked_case is not None:
                assert referral.linked_case.opened_on <= timezone.localdate(referral.decided_at)
    today = timezone.localdate()
    for case in Case.objects.prefetch_related("closure_requests"):
        # A case's reference carries the year it was opened.
        assert case.reference.startswith(f"TDM-{case.opened_on.year}-"), case.reference
        assert case.opened_on <= today
        assert case.closed_on is None or case.opened_on <= case.closed_on <= today, case.reference
        for closure in case.closure_requests.all():
            assert case.opened_on <= timezone.localdate(closure.requested_at), case.reference
            assert closure.decided_at is None or closure.requested_at <= closure.decided_at <= now


def test_demo_chronologies_and_homes_fall_within_the_childrens_lives(demo):
    today = timezone.localdate()
    entries = list(ChronologyEntry.objects.select_related("case", "supersedes").prefetch_related("case__children"))
    for entry in entries:
        assert entry.case.opened_on <= entry.event_date <= timezone.localdate(entry.recorded_at) <= today, entry
        for child in entry.case.children.all():
            assert child.date_of_birth is not None and child.date_of_birth <= entry.event_date, entry
        if entry.supersedes is not None:
            assert entry.supersedes.recorded_at <= entry.recorded_at, entry
    for address in ChildAddress.objects.select_related("child"):
        born = address.child.date_of_birth
        assert born is not None and address.moved_in is not None
        assert born <= address.moved_in <= today, address
        assert address.moved_out is None or address.moved_in < address.moved_out <= today, address
    for link in FamilyLink.objects.filter(relationship=Relationship.PARENT).select_related("child", "person"):
        born, parent_born = link.child.date_of_birth, link.person.date_of_birth
        assert born is not None and parent_born is not None
        assert born - parent_born >= timedelta(days=16 * 365), f"a parent aged {(born - parent_born).days // 365}"


def test_demo_deadlines_open_before_they_fall_due_or_are_met(demo):
    deadlines = list(Deadline.objects.all())
    assert any(deadline.due_at < timezone.now() for deadline in deadlines)  # the late plan action
    for deadline in deadlines:
        assert deadline.created_at <= deadline.due_at, deadline.title
        assert deadline.met_at is None or deadline.created_at <= deadline.met_at, deadline.title
    for plan_action in PlanAction.objects.all():
        assert plan_action.created_at <= plan_action.due_at, plan_action
    # The notice of a late action (sent when it was agreed) gives the date it is due.
    for notice in Notification.objects.filter(deadline__plan_action__isnull=False).select_related("deadline"):
        assert notice.deadline is not None
        assert notice.created_at <= notice.deadline.due_at
        assert format_day(notice.deadline.due_at) in notice.body


def test_demo_staff_were_in_post_before_they_joined_a_case_team(demo):
    for place in CaseTeamMember.objects.select_related("user"):
        membership = Membership.objects.get(user=place.user, agency=place.agency_id)
        assert membership.started_on <= timezone.localdate(place.added_at), place
        assert place.user.date_joined <= place.added_at, place
        assert membership.events.filter(at__gt=place.added_at).count() == 0, place
    for line in SupervisionLine.objects.select_related("supervisor", "supervisee"):
        assert max(line.supervisor.started_on, line.supervisee.started_on) <= line.started_on
    for referral in Referral.objects.filter(referrer__isnull=False):
        assert referral.referrer is not None
        assert referral.referrer.date_joined <= referral.created_at, referral.reference
