"""Synthetic demo people for one fictional area. Every name comes from Faker; none is real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from agencies.models import Agency, AgencyKind, Membership, MembershipEvent, Role, SupervisionLine, User

DEMO_PASSWORD = "tandem-demo-2026"  # noqa: S105 - demo only; seed_demo refuses to run in production
DEMO_DOMAIN = "demo.tandem.example"
# Every demo person has been in post longer than any demo case has been open (the cases go back
# eighteen months, ``demo.cases.HISTORY_DAYS``), so they were in their agency before they joined
# a case team; each a few weeks longer than the one before, so the dates are not all the same.
IN_POST_AT_LEAST_DAYS = 2 * 365
IN_POST_STEP_DAYS = 47


@dataclass(frozen=True)
class DemoAgency:
    name: str
    kind: str
    slug: str
    takes_referrals: bool
    # (role, job title, how many)
    staff: tuple[tuple[str, str, int], ...]
    # How other agencies reach its front door (Ofcom's drama range: never a real number).
    front_door_contact: str = "MASH: 01632 960 100"


DEMO_AGENCIES = (
    DemoAgency(
        "Northbridge Children's Services",
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        "csc",
        True,
        (
            (Role.AGENCY_ADMIN, "Business support manager", 1),
            (Role.SUPERVISOR, "Team manager", 2),
            (Role.INTAKE, "MASH social worker", 3),
            (Role.PRACTITIONER, "Social worker", 6),
        ),
    ),
    DemoAgency(
        "Northbridge Police Public Protection Unit",
        AgencyKind.POLICE,
        "police",
        False,
        (
            (Role.AGENCY_ADMIN, "PPU administrator", 1),
            (Role.SUPERVISOR, "Detective sergeant", 1),
            (Role.PRACTITIONER, "Detective constable", 3),
        ),
    ),
    DemoAgency(
        "Northbridge Community Health NHS Trust",
        AgencyKind.HEALTH,
        "health",
        False,
        (
            (Role.AGENCY_ADMIN, "Safeguarding administrator", 1),
            (Role.SUPERVISOR, "Named nurse for safeguarding", 1),
            (Role.PRACTITIONER, "Health visitor", 2),
            (Role.PRACTITIONER, "School nurse", 1),
        ),
    ),
    DemoAgency(
        "Northbridge General Hospital Safeguarding Team",
        AgencyKind.HEALTH,
        "hospital",
        False,
        (
            (Role.AGENCY_ADMIN, "Safeguarding administrator", 1),
            (Role.PRACTITIONER, "Paediatric liaison nurse", 2),
        ),
    ),
    DemoAgency(
        "Oakfield Primary School",
        AgencyKind.EDUCATION,
        "oakfield",
        False,
        (
            (Role.AGENCY_ADMIN, "School business manager", 1),
            (Role.PRACTITIONER, "Designated safeguarding lead", 1),
            (Role.PRACTITIONER, "Class teacher", 1),
        ),
    ),
    DemoAgency(
        "Northbridge Family Support Network",
        AgencyKind.COMMUNITY,
        "family-support",
        False,
        (
            (Role.AGENCY_ADMIN, "Volunteer coordinator", 1),
            (Role.PRACTITIONER, "Family support worker", 2),
        ),
    ),
    # The neighbouring authority's front door: where Northbridge passes a referral about a child
    # who lives over the border ("Pass to"). Last, so everyone above keeps their Faker name.
    DemoAgency(
        "Eastmere Children's Services",
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        "eastmere",
        True,
        (
            (Role.SUPERVISOR, "MASH team manager", 1),
            (Role.INTAKE, "MASH social worker", 1),
        ),
        front_door_contact="Eastmere MASH: 01632 960 200",
    ),
)


def demo_people_exist() -> bool:
    return User.objects.filter(email__endswith="." + DEMO_DOMAIN).exists()


@transaction.atomic
def seed_people(*, seed: int = 2026) -> int:
    """Create the demo agencies, about thirty staff across every role, and supervision lines.
    Returns how many people were created."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    today = timezone.localdate()
    # Every demo account has the one demo password `make run` prints (development only), so a
    # salt of its own per account would hide nothing: the password is hashed once, with the
    # configured hasher at its full cost, and the hash shared. Argon2 is slow on purpose (about
    # a quarter of a second a hash, already spread over both cores of a small machine, so a
    # thread pool is no faster); once instead of thirty-one times saves seconds of a first run.
    password_hash = make_password(DEMO_PASSWORD)
    created = 0
    for spec in DEMO_AGENCIES:
        agency = Agency.objects.create(
            name=spec.name,
            kind=spec.kind,
            takes_referrals=spec.takes_referrals,
            front_door_contact=spec.front_door_contact if spec.takes_referrals else "",
        )
        supervisors: list[Membership] = []
        supervised: list[Membership] = []
        memorable_taken: set[str] = set()
        for role, job_title, count in spec.staff:
            for _ in range(count):
                first, last = fake.first_name(), fake.last_name()
                # The first of each role gets a memorable address for signing in to the demo.
                local = role.replace("_", "-")
                if local in memorable_taken:
                    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "-")
                memorable_taken.add(local)
                # Demo history: the people were in post long before the demo's cases opened.
                started_on = today - timedelta(days=IN_POST_AT_LEAST_DAYS + IN_POST_STEP_DAYS * created)
                started_at = on_day_at(started_on, hour=9)
                user = User.objects.create(
                    email=f"{local}@{spec.slug}.{DEMO_DOMAIN}",
                    password=password_hash,
                    full_name=f"{first} {last}",
                    date_joined=started_at,
                )
                membership = Membership.objects.create(
                    user=user, agency=agency, role=role, job_title=job_title, started_on=started_on
                )
                MembershipEvent.objects.create(
                    membership=membership, action=MembershipEvent.Action.ADDED, detail="Demo data", at=started_at
                )
                created += 1
                if role == Role.SUPERVISOR:
                    supervisors.append(membership)
                elif role in (Role.PRACTITIONER, Role.INTAKE):
                    supervised.append(membership)
        # Practitioners first, so the memorable practitioner is supervised by the memorable
        # supervisor (the demo's joint assessment goes to them for approval).
        supervised.sort(key=lambda m: m.role != Role.PRACTITIONER)
        for index, membership in enumerate(supervised):
            if supervisors:
                supervisor = supervisors[index % len(supervisors)]
                SupervisionLine.objects.create(
                    supervisor=supervisor,
                    supervisee=membership,
                    started_on=max(supervisor.started_on, membership.started_on),
                )
    return created


def on_day_at(day: date, *, hour: int, minute: int = 0) -> datetime:
    """A moment of the demo's history: ``day`` at that local time."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def demo_signins() -> list[tuple[str, str, str]]:
    """(email, role, agency) of the memorable demo sign-ins, one per agency and role."""
    members = (
        Membership.objects.filter(active=True, user__email__endswith="." + DEMO_DOMAIN)
        .select_related("user", "agency")
        .order_by("agency__name", "role")
    )
    return [
        (m.user.email, m.get_role_display(), m.agency.name)
        for m in members
        if m.user.email.split("@")[0] == m.role.replace("_", "-")
    ]
