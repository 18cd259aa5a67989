"""factory_boy factories: synthetic people and agencies (Faker), one line per setup."""

from __future__ import annotations

import functools
from datetime import timedelta

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from agencies.models import Agency, AgencyKind, Membership, Role, SupervisionLine, User
from cases.models import (
    Case,
    CaseTeamMember,
    Child,
    ChronologyEntry,
    ConcernCategory,
    Document,
    EntryKind,
    RiskLevel,
    Sex,
    TeamRole,
    Visibility,
)
from referrals.models import Consent, Referral, ReferralStatus, Source

TEST_PASSWORD = "correct-horse-battery-staple"


@functools.cache
def _test_password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per session.
    return make_password(TEST_PASSWORD)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@agency.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.LazyFunction(_test_password_hash)


class AgencyFactory(DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.CHILDRENS_SOCIAL_CARE


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.PRACTITIONER


class SupervisionLineFactory(DjangoModelFactory[SupervisionLine]):
    class Meta:
        model = SupervisionLine

    supervisor = factory.SubFactory(MembershipFactory, role=Role.SUPERVISOR)
    supervisee = factory.SubFactory(
        MembershipFactory, role=Role.PRACTITIONER, agency=factory.SelfAttribute("..supervisor.agency")
    )


# --- the case record ------------------------------------------------------------------


class ChildFactory(DjangoModelFactory[Child]):
    class Meta:
        model = Child

    given_names = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=0, maximum_age=17)
    sex = Sex.NOT_KNOWN


class CaseFactory(DjangoModelFactory[Case]):
    """A case led by a practitioner of a children's social care agency, who is on its team as lead."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"TDM-TEST-{n:06d}")
    category = ConcernCategory.NEGLECT
    risk_level = RiskLevel.MEDIUM
    lead_agency = factory.SubFactory(AgencyFactory, kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    lead_worker = factory.LazyAttribute(
        lambda case: MembershipFactory.create(agency=case.lead_agency, role=Role.PRACTITIONER).user
    )

    @factory.post_generation
    def with_team_and_child(obj: Case, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        obj.children.add(ChildFactory.create())
        CaseTeamMember.objects.create(
            case=obj, user=obj.lead_worker, agency=obj.lead_agency, role=TeamRole.LEAD, added_reason="Opened the case"
        )


class TeamMemberFactory(DjangoModelFactory[CaseTeamMember]):
    """A team place for a new member of ``agency`` (a new agency of ``agency__kind`` by default)."""

    class Meta:
        model = CaseTeamMember

    case = factory.SubFactory(CaseFactory)
    agency = factory.SubFactory(AgencyFactory, kind=AgencyKind.POLICE)
    user = factory.LazyAttribute(lambda tm: MembershipFactory.create(agency=tm.agency).user)
    role = TeamRole.CONTRIBUTOR
    added_reason = "Joined for the strategy discussion"


class EntryFactory(DjangoModelFactory[ChronologyEntry]):
    class Meta:
        model = ChronologyEntry

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyAttribute(lambda e: e.case.lead_worker)
    author_agency = factory.LazyAttribute(lambda e: e.case.lead_agency)
    event_date = factory.Faker("date_between", start_date="-1y", end_date="today")
    kind = EntryKind.VISIT
    summary = "Home visit"
    detail = factory.Faker("paragraph")
    visibility = Visibility.TEAM


def supervise(supervisee: Membership) -> Membership:
    """A new supervisor in the supervisee's agency, with an active supervision line to them."""
    supervisor = MembershipFactory.create(agency=supervisee.agency, role=Role.SUPERVISOR)
    SupervisionLineFactory.create(supervisor=supervisor, supervisee=supervisee)
    return supervisor


class DocumentFactory(DjangoModelFactory[Document]):
    """A small PDF on the case, by its lead worker, stored under MEDIA_ROOT."""

    class Meta:
        model = Document

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyAttribute(lambda d: d.case.lead_worker)
    author_agency = factory.LazyAttribute(lambda d: d.case.lead_agency)
    title = "Strategy discussion notes"
    file = factory.django.FileField(filename="notes.pdf", data=b"%PDF-1.4 synthetic test document\n%%EOF\n")
    original_name = "notes.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda d: d.file.size)
    visibility = Visibility.TEAM


# --- referrals ------------------------------------------------------------------------


class ReferralFactory(DjangoModelFactory[Referral]):
    """A submitted professional referral from a teacher to a children's social care front door."""

    class Meta:
        model = Referral

    source = Source.PROFESSIONAL
    receiving_agency = factory.SubFactory(
        AgencyFactory, kind=AgencyKind.CHILDRENS_SOCIAL_CARE, takes_referrals=True, front_door_contact="01632 960 000"
    )
    referrer_agency = factory.SubFactory(AgencyFactory, kind=AgencyKind.EDUCATION)
    referrer = factory.LazyAttribute(lambda r: MembershipFactory.create(agency=r.referrer_agency).user)
    referrer_name = factory.LazyAttribute(lambda r: r.referrer.full_name)
    referrer_contact = "01632 960 123"
    child_given_names = factory.Faker("first_name", locale="en_GB")
    child_family_name = factory.Faker("last_name", locale="en_GB")
    child_date_of_birth = factory.Faker("date_of_birth", minimum_age=2, maximum_age=15)
    concern_category = ConcernCategory.NEGLECT
    concern_description = "Arrives hungry most days and wearing the same clothes all week."
    consent = Consent.GIVEN
    status = ReferralStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    triage_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


def front_door_worker(agency: Agency, role: str = Role.INTAKE) -> User:
    return MembershipFactory.create(agency=agency, role=role).user


def front_door_agency(**kwargs: object) -> Agency:
    """An active children's social care agency that runs a front door, with a contact for other agencies."""
    fields: dict[str, object] = {
        "kind": AgencyKind.CHILDRENS_SOCIAL_CARE,
        "takes_referrals": True,
        "front_door_contact": "01632 960 000",
    }
    fields.update(kwargs)
    return AgencyFactory.create(**fields)


def draft_referral(**kwargs: object) -> Referral:
    """A professional's referral still being written: not submitted, no triage deadline."""
    fields: dict[str, object] = {"status": ReferralStatus.DRAFT, "submitted_at": None, "triage_due_at": None}
    fields.update(kwargs)
    return ReferralFactory.create(**fields)


# --- deadlines and notifications ------------------------------------------------------

from deadlines.models import Deadline, DeadlineKind, Notification  # noqa: E402


class DeadlineFactory(DjangoModelFactory[Deadline]):
    """An open deadline on a case, owed by its lead worker for the lead agency, due in 3 days."""

    class Meta:
        model = Deadline

    kind = DeadlineKind.ASSESSMENT
    title = factory.Sequence(lambda n: f"Child and family assessment {n}")
    case = factory.SubFactory(CaseFactory)
    owner = factory.LazyAttribute(lambda d: d.case.lead_worker if d.case else None)
    owner_agency = factory.LazyAttribute(lambda d: d.case.lead_agency)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Reminder {n}: assessment due in 5 working days")
    body = "Open Tandem to see what is due."
