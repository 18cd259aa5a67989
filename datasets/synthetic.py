"""A synthetic county or nation: agencies, staff, supervision, children and families, cases
with multi-agency teams, chronologies, documents, referrals, deadlines, grants and
break-glass, written through the real tables (and their constraints) with COPY.

Everything comes from one seeded ``random.Random`` and one seeded Faker, so the same seed
on an empty database gives the same data, dated relative to the moment it is generated.
Rows are built a batch of cases at a time and handed to a thread that COPYs them while the
next batch is built, so memory stays flat at any size. Into empty tables the whole load is
one transaction that works the way a restore does (``BulkLoad``); into tables holding rows,
one transaction per batch. Either way the run is recorded in ``datasets_generation``
(``datasets.models.Generation``), complete only once every row is in.

The shape, per area (one agency of each kind: children's social care, police, health,
education): practitioners hold about 16 active team places each; a case's team spans about
four agencies; most cases are closed history (their team places ended at closure); about
22% of referrals are re-referrals to the same front door.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from faker import Faker

from access_control.policy import VIEW_CASE_PERMISSION
from agencies.models import AgencyKind, Role
from cases.models import (
    ActionState,
    AssessmentState,
    CaseStatus,
    ConcernCategory,
    ContributionState,
    EntryKind,
    LegalBasis,
    LegalStatus,
    MeetingKind,
    MeetingState,
    PlanKind,
    PlanState,
    Relationship,
    RiskLevel,
    Sex,
    Significance,
    TeamRole,
    Visibility,
)
from datasets.models import SHAPE, Generation
from deadlines.models import LIVE_STATES, REMINDERS_DONE, DeadlineKind, DeadlineState
from deadlines.reminders import next_reminder_at
from referrals.models import Consent, ReferralStatus, Source, TriageDecision, Urgency

Row = tuple[Any, ...]
# A UUID as written: 32 hex digits (see ``_uuid``).
Id = str
# The version (4) and variant bits of a random UUID.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class Weighted:
    """A weighted choice with its cumulative weights worked out once (``random.choices``
    builds them on every call)."""

    __slots__ = ("cumulative", "population", "total")

    def __init__(self, population: Sequence[Any], weights: Sequence[float]) -> None:
        self.population = tuple(population)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.population[bisect.bisect(self.cumulative, rng.random() * self.total)]


ACTIVE_PLACES_PER_PRACTITIONER = 16
SUPERVISEES_PER_SUPERVISOR = 8
RE_REFERRAL_SHARE = 0.22
# Team places an open case has, per agency kind, on average (the lead counts for social care).
TEAM_DEMAND = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: 1.2,  # the lead, and a key worker on one case in five
    AgencyKind.POLICE: 0.6,
    AgencyKind.HEALTH: 0.8,
    AgencyKind.EDUCATION: 0.85,
}
AREA_KINDS = tuple(TEAM_DEMAND)
RESTRICTED_KINDS = (AgencyKind.HEALTH, AgencyKind.POLICE)
KIND_SUFFIX: dict[str, str] = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's Social Care",
    AgencyKind.POLICE: "Police",
    AgencyKind.HEALTH: "NHS Trust",
    AgencyKind.EDUCATION: "Schools Safeguarding",
}
JOB_TITLES = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: ("Social worker", "Senior social worker", "Family support worker"),
    AgencyKind.POLICE: ("Detective constable", "Police constable", "Public protection officer"),
    AgencyKind.HEALTH: ("Health visitor", "School nurse", "Named nurse for safeguarding", "Paediatrician"),
    AgencyKind.EDUCATION: ("Designated safeguarding lead", "Head of year", "Education welfare officer"),
}
ENTRY_KINDS: dict[str, tuple[EntryKind, ...]] = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: (EntryKind.VISIT, EntryKind.CONTACT, EntryKind.DECISION, EntryKind.DISCLOSURE),
    AgencyKind.POLICE: (EntryKind.POLICE, EntryKind.INCIDENT),
    AgencyKind.HEALTH: (EntryKind.MEDICAL, EntryKind.CONTACT),
    AgencyKind.EDUCATION: (EntryKind.EDUCATION, EntryKind.CONTACT, EntryKind.MEETING),
}
ENTRY_SUMMARIES = {
    EntryKind.VISIT: ("Home visit", "Unannounced home visit", "Visit to the child at school"),
    EntryKind.CONTACT: ("Phone call with mother", "Contact with the family", "Call from a relative"),
    EntryKind.DECISION: ("Management decision", "Strategy decision recorded", "Decision to convene a conference"),
    EntryKind.DISCLOSURE: ("Disclosure to a teacher", "Child disclosed at visit"),
    EntryKind.POLICE: ("Domestic incident attended", "Police welfare check", "Information from police systems"),
    EntryKind.INCIDENT: ("Incident at the family home", "Missing episode reported"),
    EntryKind.MEDICAL: ("Health visitor contact", "A&E attendance", "Missed health appointment"),
    EntryKind.EDUCATION: ("Attendance concern", "Child arrived hungry", "Change in behaviour at school"),
    EntryKind.MEETING: ("Team around the family meeting", "School meeting with parents"),
}
AGENCY_TAIL = ("front_door_contact", "active")
JURISDICTION = "GB-ENG"
# Choices' ``values`` is built afresh on each access: read once.
CATEGORIES = tuple(ConcernCategory.values)
RISK_LEVELS = tuple(RiskLevel.values)
SIGNIFICANCES = tuple(Significance.values)
CONSENTS = tuple(Consent.values)
URGENCIES = tuple(Urgency.values)
PARENTS = (Relationship.PARENT, Relationship.STEP_PARENT, Relationship.CARER)
SHARED_LEGAL_BASES = (LegalBasis.SAFEGUARDING, LegalBasis.STATUTORY_DUTY, LegalBasis.CONSENT, LegalBasis.COURT_ORDER)
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.SECTION_47, CaseStatus.CHILD_IN_NEED, CaseStatus.CHILD_PROTECTION_PLAN)
NO_CASE_DECISIONS = (
    TriageDecision.NO_FURTHER_ACTION,
    TriageDecision.ADVICE,
    TriageDecision.EARLY_HELP,
    TriageDecision.PASSED_ON,
)
DOCUMENT_TYPES = (("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("application/msword", "doc"))
RISK = Weighted(RISK_LEVELS, (3, 5, 2))
SIBLINGS = Weighted((1, 2, 3, 4), (55, 28, 12, 5))
SEXES = Weighted((Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN), (48, 48, 4))
LANGUAGES = Weighted(("English", "Polish", "Urdu", "Romanian", "Arabic"), (85, 4, 4, 4, 3))
PARENT_LINKS = Weighted((Relationship.PARENT, Relationship.STEP_PARENT, Relationship.CARER), (85, 10, 5))
SIGNIFICANCE = Weighted(SIGNIFICANCES, (75, 20, 5))
NO_CASE_DECISION = Weighted(NO_CASE_DECISIONS, (40, 25, 30, 5))
CONSENT = Weighted(CONSENTS, (60, 25, 15))
URGENCY = Weighted(URGENCIES, (85, 15))
# Referral references: ten characters of a 32-letter alphabet, from 50 random bits at once.
DEADLINE_TITLES = {kind.value: str(kind.label) for kind in DeadlineKind}
REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Every pair of them, so a reference is five lookups of ten random bits each.
REFERENCE_PAIRS = tuple(first + second for first in REFERENCE_LETTERS for second in REFERENCE_LETTERS)
MINUTES = tuple(timedelta(minutes=minutes) for minutes in range(600))
DAYS = tuple(timedelta(days=days) for days in range(3660))


@dataclass(frozen=True)
class Scale:
    """How big: cases, people, agencies (a multiple of four: one of each kind per area)."""

    cases: int
    users: int
    agencies: int
    entries_per_case: int = 10

    @classmethod
    def for_cases(cls, cases: int) -> Scale:
        """The national proportions (1M cases, 50k users, 200 agencies) at any number of cases."""
        areas = max(1, round(cases / 20_000))
        return cls(cases=cases, users=max(60, cases // 20), agencies=4 * areas)

    @property
    def areas(self) -> int:
        return max(1, self.agencies // len(AREA_KINDS))


PRESETS = {
    "county": Scale(cases=100_000, users=5_000, agencies=20),
    "national": Scale(cases=1_000_000, users=50_000, agencies=200),
}


@dataclass
class TableTiming:
    rows: int = 0
    copy_seconds: float = 0.0


@dataclass
class Report:
    """Rows and COPY time per table (the copier thread's, overlapping the building of the
    next batch); building rows in Python timed for all tables together; then each step
    after the copying (rebuilding indexes, validating foreign keys, ANALYZE), or the
    commits' deferred foreign-key checks when the tables were not empty."""

    tables: dict[str, TableTiming] = field(default_factory=dict)
    build_seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    mode: str = ""
    seconds: float = 0.0

    def add(self, table: str, rows: int, copy: float) -> None:
        timing = self.tables.setdefault(table, TableTiming())
        timing.rows += rows
        timing.copy_seconds += copy


# --- the people: agencies, users, memberships, supervision ------------------------------


@dataclass
class Worker:
    user_id: int
    agency_id: int
    kind: str


@dataclass
class Area:
    agency_ids: dict[str, int] = field(default_factory=dict)
    practitioners: dict[str, list[Worker]] = field(default_factory=dict)
    leavers: dict[str, list[Worker]] = field(default_factory=dict)
    # Practitioners and leavers together, per kind: who may have worked on a closed case.
    everyone: dict[str, list[Worker]] = field(default_factory=dict)
    intake: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)
    signoff: bool = False
    # Round-robin cursors, so active places spread evenly over practitioners.
    cursors: dict[str, int] = field(default_factory=dict)

    def next_practitioner(self, kind: str) -> Worker:
        pool = self.practitioners[kind]
        cursor = self.cursors.get(kind, 0)
        self.cursors[kind] = cursor + 1
        return pool[cursor % len(pool)]


class Pools:
    """Names, places and words drawn once from a seeded Faker, then sampled: Faker is slow
    per call, and a few thousand of each is realistic variety."""

    def __init__(self, faker: Faker, size: int) -> None:
        self.female = [faker.first_name_female() for _ in range(size)]
        self.male = [faker.first_name_male() for _ in range(size)]
        self.family = [faker.last_name() for _ in range(size)]
        self.given = self.female + self.male
        self.streets = [faker.street_address() for _ in range(size)]
        self.postcodes = [faker.postcode() for _ in range(size)]
        self.phones = [faker.phone_number() for _ in range(size)]
        self.towns: list[str] = []
        seen: set[str] = set()
        while len(self.towns) < size // 4:
            town = faker.city()
            if town not in seen:
                seen.add(town)
                self.towns.append(town)
        self.sentences = [faker.sentence(nb_words=14) for _ in range(size)]
        self.paragraphs = [faker.paragraph(nb_sentences=4) for _ in range(size // 4)]
        self.schools = [
            f"{faker.last_name()} {kind}" for kind in ("Primary School", "Academy") for _ in range(size // 8)
        ]


def _uuid(rng: random.Random) -> Id:
    """A random (version 4) UUID, as the 32 hex digits PostgreSQL reads: a ``uuid.UUID``
    costs several times as much to make and to write, tens of millions of times."""
    bits = rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
    return f"{bits:032x}"


def _hyphenated(value: Id) -> str:
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _referral_reference(rng: random.Random) -> str:
    bits = rng.getrandbits(50)
    pairs = REFERENCE_PAIRS
    return "R-" + "".join([pairs[bits >> shift & 1023] for shift in (0, 10, 20, 30, 40)])


def _pick(rng: random.Random, population: Sequence[Any]) -> Any:
    """``rng.choice``, at a fraction of its cost (one float, no rejection sampling)."""
    return population[int(rng.random() * len(population))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randrange(low, high)``, at a fraction of its cost."""
    return low + int(rng.random() * (high - low))


def _nhs_number(rng: random.Random) -> str:
    while True:
        text = f"{_between(rng, 0, 1_000_000_000):09d}"
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(text)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            text += str(check)
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class DatasetWriter:
    """Builds and copies one dataset. ``run`` is the whole job; the rest are its steps."""

    def __init__(self, scale: Scale, *, seed: int = 1, batch_cases: int = 2_000, log: Callable[[str], None]) -> None:
        self.scale = scale
        self.rng = random.Random(seed)  # noqa: S311 - repeatable synthetic data, not secrets
        faker = Faker("en_GB")
        faker.seed_instance(seed)
        self.pools = Pools(faker, size=max(800, min(4_000, scale.users // 4)))
        self.seed = seed
        self.batch_cases = batch_cases
        self.copier: Copier | None = None
        self._mornings: dict[date, datetime] = {}
        self._bookmarks: dict[tuple[datetime, str, datetime], datetime] = {}
        self.log = log
        self.report = Report()
        self.now = datetime.now(tz=UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.areas: list[Area] = []
        self.view_case_permission_id = 0
        # Plan outcomes and actions are referred to by deadlines: written with explicit ids.
        self.next_ids: dict[str, int] = {}

    # --- copying ---------------------------------------------------------------------

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """Queue ``rows`` for ``table``: the copier thread sends them while the next batch is
        built, so the server's work overlaps Python's."""
        assert self.copier is not None, "copy() outside run()"
        self.copier.put(table, columns, list(rows))

    def _quiet(self) -> None:
        """Before this thread sends SQL of its own: everything queued copied (the connection
        is one, and what the SQL reads must include those rows)."""
        if self.copier is not None:
            self.copier.flush()

    def _next_id(self, table: str) -> int:
        """The first fresh id of ``table``: people and agencies are written with explicit ids
        (rows refer to them before they exist), and the identity sequence moved past them."""
        self._quiet()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own names
            (highest,) = cursor.fetchone()
        return int(highest) + 1

    def _move_sequences(self, tables: Iterable[str]) -> None:
        self._quiet()
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(MAX(id), 1)) FROM {table}"  # noqa: S608
                )

    # --- the whole job ----------------------------------------------------------------

    def run(self) -> Report:
        """The whole dataset. Into empty tables (a fresh database): one transaction that
        empties them (TRUNCATE, so COPY can FREEZE), sets their secondary indexes and foreign
        keys aside, copies everything, rebuilds those indexes, re-adds and so validates the
        foreign keys, analyses, and records the generation complete; a failure leaves the
        database as it was. Into tables holding rows already: a transaction per batch, with
        the indexes kept and the foreign keys checked at each commit."""
        started = time.perf_counter()
        connection.ensure_connection()
        self.view_case_permission_id = Permission.objects.get(
            codename=VIEW_CASE_PERMISSION, content_type__app_label="cases"
        ).pk
        raw = connection.connection
        assert raw is not None
        bulk = BulkLoad(TABLES)
        self.report.mode = "bulk" if bulk.possible() else "incremental"
        generation = Generation(
            cases=self.scale.cases,
            users=self.scale.users,
            agencies=self.scale.agencies,
            seed=self.seed,
            shape=SHAPE,
            mode=self.report.mode,
        )
        if self.report.mode == "bulk":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    self._timed("set indexes and foreign keys aside", lambda: bulk.set_aside(cursor))
                self._write_everything(raw, freeze=True, commit_batches=False)
                with connection.cursor() as cursor:
                    bulk.restore(cursor, self._timed)
                self._analyze()
                self._complete(generation, started)
        else:
            # Recorded at once, so a run that stops half-way is known to have.
            generation.save()
            self._write_everything(raw, freeze=False, commit_batches=True)
            self._analyze()
            with transaction.atomic():
                self._complete(generation, started)
        return self.report

    def _write_everything(self, raw: Any, *, freeze: bool, commit_batches: bool) -> None:
        self.copier = Copier(raw, self.report, freeze=freeze)
        try:
            with transaction.atomic() if commit_batches else contextlib.nullcontext():
                self.write_people()
                self.copier.flush()
            self.next_ids = {table: self._next_id(table) for table in ("cases_planoutcome", "cases_planaction")}
            areas = self.scale.areas
            per_area = [self.scale.cases // areas + (1 if i < self.scale.cases % areas else 0) for i in range(areas)]
            references = self._reserve_case_references(self.scale.cases)
            done = 0
            for number, (area, cases) in enumerate(zip(self.areas, per_area, strict=True), start=1):
                open_cases = self._open_cases_for(area, cases)
                for start in range(0, cases, self.batch_cases):
                    size = min(self.batch_cases, cases - start)
                    # Open cases first in each area: the most recent work.
                    opened = max(0, min(size, open_cases - start))
                    self.write_cases(area, references[done : done + size], opened, commit=commit_batches)
                    done += size
                self.log(f"  area {number}/{areas}: {cases:,} cases ({open_cases:,} open)")
            self.copier.flush()
        finally:
            self.copier.close()
            self.copier = None
        self._move_sequences(self.next_ids)

    def _timed(self, step: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        self.report.steps[step] = self.report.steps.get(step, 0.0) + time.perf_counter() - started

    def _analyze(self) -> None:
        def analyze() -> None:
            with connection.cursor() as cursor:
                for table in TABLES:
                    cursor.execute(f"ANALYZE {table}")

        self._timed("ANALYZE", analyze)

    def _complete(self, generation: Generation, started: float) -> None:
        self.report.seconds = time.perf_counter() - started
        generation.completed_at = datetime.now(tz=UTC)
        generation.seconds = round(self.report.seconds, 1)
        generation.rows = {table: timing.rows for table, timing in self.report.tables.items()}
        generation.save()

    def _reserve_case_references(self, count: int) -> list[str]:
        self._quiet()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('cases_case_reference_seq')")
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval('cases_case_reference_seq', %s)", [first + count - 1])
        return [f"TDM-{self.today.year}-{first + i:06d}" for i in range(count)]

    def _open_cases_for(self, area: Area, cases: int) -> int:
        """Enough open cases that practitioners hold about 16 active places each."""
        places = sum(len(area.practitioners[kind]) for kind in AREA_KINDS) * ACTIVE_PLACES_PER_PRACTITIONER
        return min(cases, round(places / sum(TEAM_DEMAND.values())))

    # --- people -------------------------------------------------------------------------

    def write_people(self) -> None:
        rng, pools, scale = self.rng, self.pools, self.scale
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM agencies_agency")
            taken = {name for (name,) in cursor.fetchall()}
        agency_id = self._next_id("agencies_agency")
        user_id = self._next_id("agencies_user")
        membership_id = self._next_id("agencies_membership")
        line_id = self._next_id("agencies_supervisionline")
        agencies: list[Row] = []
        users: list[Row] = []
        memberships: list[Row] = []
        lines: list[Row] = []
        towns = iter(town for town in pools.towns if not any(town in name for name in taken))
        users_per_area = scale.users // scale.areas
        demand = sum(TEAM_DEMAND.values())
        for _ in range(scale.areas):
            area = Area(signoff=rng.random() < 0.3)
            town = next(towns, None) or f"Area {agency_id}"
            for kind in AREA_KINDS:
                name = f"{town} {KIND_SUFFIX[kind]}"
                takes_referrals = kind == AgencyKind.CHILDRENS_SOCIAL_CARE
                contact = f"0{_between(rng, 1000, 9999)} {_between(rng, 100000, 999999)}" if takes_referrals else ""
                signoff = area.signoff and takes_referrals
                agencies.append((agency_id, name, kind, JURISDICTION, takes_referrals, signoff, contact, True))
                area.agency_ids[kind] = agency_id
                staff = max(6, round(users_per_area * TEAM_DEMAND[kind] / demand))
                domain = f"{_slug(town)}.{_slug(KIND_SUFFIX[kind])[:12]}.example.org"
                admins = 1 + staff // 250
                supervisors = max(1, math.ceil((staff - admins) / (SUPERVISEES_PER_SUPERVISOR + 1)))
                intake = max(2, staff // 12) if takes_referrals else 0
                supervisor_memberships: list[int] = []
                area.practitioners[kind] = []
                area.leavers[kind] = []
                for position in range(staff):
                    if position < admins:
                        role = Role.AGENCY_ADMIN
                    elif position < admins + supervisors:
                        role = Role.SUPERVISOR
                    elif position < admins + supervisors + intake:
                        role = Role.INTAKE
                    else:
                        role = Role.PRACTITIONER
                    female = rng.random() < 0.7
                    given = _pick(rng, pools.female if female else pools.male)
                    family = _pick(rng, pools.family)
                    # About 3% of practitioners have left: their membership ended, their account closed.
                    left = role == Role.PRACTITIONER and rng.random() < 0.03
                    started_on = self.today - timedelta(days=_between(rng, 30, 3650))
                    email = f"{_slug(given)}.{_slug(family)}.{user_id}@{domain}"
                    joined = self._at(started_on, rng)
                    users.append((user_id, "!", False, email, f"{given} {family}", not left, False, joined))
                    title = "Agency administrator" if role == Role.AGENCY_ADMIN else _pick(rng, JOB_TITLES[kind])
                    if role == Role.SUPERVISOR:
                        title = "Team manager"
                    ended_on = self.today - timedelta(days=_between(rng, 1, 300)) if left else None
                    memberships.append((membership_id, role, title, not left, started_on, ended_on, agency_id, user_id))
                    worker = Worker(user_id=user_id, agency_id=agency_id, kind=kind)
                    if role == Role.SUPERVISOR:
                        supervisor_memberships.append(membership_id)
                        area.supervisors.append(user_id)
                    elif role in (Role.PRACTITIONER, Role.INTAKE):
                        if role == Role.INTAKE:
                            area.intake.append(user_id)
                        elif left:
                            area.leavers[kind].append(worker)
                        else:
                            area.practitioners[kind].append(worker)
                        # Supervised round-robin: about eight people to each supervisor.
                        supervisor = supervisor_memberships[(position - admins - supervisors) % supervisors]
                        lines.append((line_id, not left, started_on, ended_on, membership_id, supervisor))
                        line_id += 1
                    membership_id += 1
                    user_id += 1
                rng.shuffle(area.practitioners[kind])
                area.everyone[kind] = area.practitioners[kind] + area.leavers[kind]
                agency_id += 1
            self.areas.append(area)
        self.copy(
            "agencies_agency",
            ("id", "name", "kind", "jurisdiction", "takes_referrals", "triage_signoff_required", *AGENCY_TAIL),
            agencies,
        )
        self.copy(
            "agencies_user",
            ("id", "password", "is_superuser", "email", "full_name", "is_active", "is_staff", "date_joined"),
            users,
        )
        self.copy(
            "agencies_membership",
            ("id", "role", "job_title", "active", "started_on", "ended_on", "agency_id", "user_id"),
            memberships,
        )
        self.copy(
            "agencies_supervisionline",
            ("id", "active", "started_on", "ended_on", "supervisee_id", "supervisor_id"),
            lines,
        )
        self._move_sequences(PEOPLE_TABLES)

    def bookmark(self, due_at: datetime, state: str, created_at: datetime) -> datetime:
        """A deadline's ``next_reminder_at`` as the sweep would leave it had it run when the
        data was generated: the moment its next reminder comes due (or REMINDERS_DONE). The
        reminders already due by then belong to the data's past, taken as sent (no claims are
        generated), so the first sweep reads only what comes due after generation, over the
        bookmark index, as every later sweep does; left at LOOK_NOW, the first sweep would
        read every live deadline once."""
        if state not in LIVE_STATES:
            return REMINDERS_DONE
        # Most due times are drawn from a few hundred (``CaseBatch._due``): worked out once each.
        key = (due_at, state, created_at)
        upcoming = self._bookmarks.get(key)
        if upcoming is None:
            upcoming = next_reminder_at(
                due_at=due_at, state=state, jurisdiction=JURISDICTION, now=self.now, opened_at=created_at
            )
            self._bookmarks[key] = upcoming
        return upcoming

    def _at(self, day: date, rng: random.Random) -> datetime:
        """A moment of the working day ``day`` (08:00 to 18:00 UTC)."""
        morning = self._mornings.get(day)
        if morning is None:
            morning = self._mornings[day] = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
        return morning + MINUTES[int(rng.random() * 600)]

    # --- cases and everything on them -----------------------------------------------------

    def write_cases(self, area: Area, references: list[str], open_count: int, *, commit: bool) -> None:
        """One batch: rows built in Python and queued for copying; when ``commit``, copied
        and committed at once (when the deferred foreign-key checks run), each step timed."""
        started = time.perf_counter()
        batch = CaseBatch(self, area)
        for index, reference in enumerate(references):
            batch.add_case(reference, is_open=index < open_count)
        batch.add_unlinked_referrals(round(len(references) * 0.6))
        self.report.build_seconds += time.perf_counter() - started
        assert self.copier is not None
        if not commit:
            batch.copy_all()
            return
        with transaction.atomic():
            batch.copy_all()
            self.copier.flush()
            copied = time.perf_counter()
        self.report.steps["commits (deferred foreign-key checks)"] = (
            self.report.steps.get("commits (deferred foreign-key checks)", 0.0) + time.perf_counter() - copied
        )


@dataclass
class Member:
    user_id: int
    agency_id: int
    kind: str
    role: str
    active: bool


class CaseBatch:
    """The rows of one batch of cases in one area, built in memory and copied together."""

    def __init__(self, writer: DatasetWriter, area: Area) -> None:
        self.writer = writer
        self.rng = writer.rng
        self.pools = writer.pools
        self.area = area
        self.today = writer.today
        self.now = writer.now
        self.rows: dict[str, list[Row]] = {table: [] for table in COLUMNS}

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)

    def copy_all(self) -> None:
        for table, columns in COLUMNS.items():
            self.writer.copy(table, columns, self.rows[table])

    def _when(self, start: date, end: date) -> date:
        span = max(0, (end - start).days)
        offset = _between(self.rng, 0, span + 1)
        return start + (DAYS[offset] if offset < len(DAYS) else timedelta(days=offset))

    # --- one case ---------------------------------------------------------------------

    def add_case(self, reference: str, *, is_open: bool) -> None:
        rng, area, today = self.rng, self.area, self.today
        case_id = _uuid(rng)
        if is_open:
            opened_on = today - timedelta(days=_between(rng, 1, 730))
            closed_on = None
            status = _pick(rng, OPEN_STATUSES)
        else:
            opened_on = today - timedelta(days=_between(rng, 200, 3650))
            closed_on = opened_on + timedelta(days=_between(rng, 30, 540))
            closed_on = min(closed_on, today - timedelta(days=1))
            status = CaseStatus.CLOSED
        team = self._team(is_open)
        lead = team[0]
        self.add(
            "cases_case",
            (
                case_id,
                reference,
                status,
                _pick(rng, CATEGORIES),
                RISK.pick(rng),
                opened_on,
                closed_on,
                "" if is_open else "Outcomes of the plan achieved; no further role for children's social care.",
                lead.agency_id,
                lead.user_id,
                "",
            ),
        )
        added_at = self.writer._at(opened_on, rng)
        removed_at = self.writer._at(closed_on, rng) if closed_on else None
        for member in team:
            self.add(
                "cases_caseteammember",
                (
                    case_id,
                    member.user_id,
                    member.agency_id,
                    member.role,
                    added_at,
                    lead.user_id,
                    "Lead worker for the case" if member.role == TeamRole.LEAD else "Works with the family",
                    member.active and is_open,
                    None if member.active and is_open else (removed_at or added_at + timedelta(days=20)),
                    None if member.active and is_open else lead.user_id,
                    "" if member.active and is_open else ("Case closed" if closed_on else "Moved to another team"),
                ),
            )
        children = self._children(case_id, opened_on)
        self._entries(case_id, team, opened_on, closed_on or today)
        self._referral_chain(children[0], case_id, opened_on, area)
        self._deadlines(case_id, team, opened_on, is_open, status)
        self._grants(case_id, team, opened_on, lead)

    def _team(self, is_open: bool) -> list[Member]:
        """The lead first. Open cases take places round-robin (so caseloads are even);
        closed ones pick anyone of the agency then, leavers included."""
        rng, area = self.rng, self.area

        def pick(kind: str) -> Worker:
            if is_open:
                return area.next_practitioner(kind)
            pool = area.everyone[kind]
            return _pick(rng, pool)

        lead = pick(AgencyKind.CHILDRENS_SOCIAL_CARE)
        team = [Member(lead.user_id, lead.agency_id, lead.kind, TeamRole.LEAD, True)]
        if rng.random() < 0.2:
            key = pick(AgencyKind.CHILDRENS_SOCIAL_CARE)
            if key.user_id != lead.user_id:
                team.append(Member(key.user_id, key.agency_id, key.kind, TeamRole.KEY_WORKER, True))
        for kind in (AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION):
            if rng.random() < TEAM_DEMAND[kind]:
                worker = pick(kind)
                team.append(Member(worker.user_id, worker.agency_id, kind, TeamRole.CONTRIBUTOR, True))
        if is_open and rng.random() < 0.1:
            # Someone who worked on the case before and moved on: an ended place, kept.
            kind = _pick(rng, AREA_KINDS)
            former = _pick(rng, area.everyone[kind])
            if all(former.user_id != member.user_id for member in team):
                team.append(Member(former.user_id, former.agency_id, kind, TeamRole.CONTRIBUTOR, False))
        return team

    def _children(self, case_id: Id, opened_on: date) -> list[Row]:
        """One to four siblings, their parents or carers, and their address."""
        rng, pools = self.rng, self.pools
        family = _pick(rng, pools.family)
        street, postcode = _pick(rng, pools.streets), _pick(rng, pools.postcodes)
        town = _pick(rng, pools.towns)
        count = SIBLINGS.pick(rng)
        children: list[Row] = []
        for _ in range(count):
            child_id = _uuid(rng)
            sex = SEXES.pick(rng)
            given = _pick(rng, pools.female if sex == Sex.FEMALE else pools.male)
            born = opened_on - timedelta(days=_between(rng, 0, 17 * 365))
            school = _pick(rng, pools.schools) if (opened_on - born).days > 4 * 365 else ""
            nhs = _nhs_number(rng) if rng.random() < 0.7 else ""
            language = LANGUAGES.pick(rng)
            row = (
                child_id,
                given,
                family,
                born,
                False,
                sex,
                _pick(rng, ("White British", "Mixed", "Asian British", "Black British", "White other", "Not known")),
                language,
                language != "English" and rng.random() < 0.5,
                school,
                nhs,
                self.writer._at(opened_on, rng),
                *("", "", "", "", ""),
                LegalStatus.NONE,
            )
            children.append(row)
            self.add("cases_child", row)
            self.add("cases_case_children", (case_id, child_id))
            self.add("cases_childaddress", (child_id, f"{street}\n{town}", postcode, opened_on, None))
        parents: list[tuple[Id, str]] = []
        if rng.random() < 0.95:
            parents.append((_uuid(rng), f"{_pick(rng, pools.female)} {family}"))
        if rng.random() < 0.6:
            parents.append((_uuid(rng), f"{_pick(rng, pools.male)} {_pick(rng, (family, _pick(rng, pools.family)))}"))
        for person_id, name in parents:
            born = opened_on - timedelta(days=_between(rng, 18 * 365, 50 * 365))
            self.add("cases_person", (person_id, name, born, f"{street}\n{town}", postcode, _pick(rng, pools.phones)))
            safe = rng.random() > 0.05
            for child in children:
                self.add(
                    "cases_familylink",
                    (
                        PARENT_LINKS.pick(rng),
                        True,
                        rng.random() < 0.8,
                        safe,
                        "" if safe else "Domestic abuse: contact through the social worker only",
                        child[0],
                        person_id,
                        False,
                        "",
                    ),
                )
        return children

    def _visibility(self, author: Member, team: list[Member]) -> tuple[str, str, list[int]]:
        """Health and police information stays with its agency unless shared on a legal basis."""
        rng = self.rng
        draw = rng.random()
        if author.kind in RESTRICTED_KINDS:
            visibility = Visibility.AGENCY if draw < 0.6 else (Visibility.TEAM if draw < 0.95 else Visibility.NAMED)
        else:
            visibility = Visibility.TEAM if draw < 0.85 else (Visibility.AGENCY if draw < 0.93 else Visibility.NAMED)
        restricted_and_shared = author.kind in RESTRICTED_KINDS and visibility != Visibility.AGENCY
        basis = _pick(rng, SHARED_LEGAL_BASES) if restricted_and_shared else LegalBasis.NONE
        named: list[int] = []
        if visibility == Visibility.NAMED:
            others = [member.user_id for member in team if member.user_id != author.user_id]
            named = rng.sample(others, min(len(others), _between(rng, 1, 3)))
        return visibility, basis, named

    def _entries(self, case_id: Id, team: list[Member], opened_on: date, until: date) -> None:
        rng, pools = self.rng, self.pools
        per_case = self.writer.scale.entries_per_case
        count = _between(rng, max(1, per_case // 2), per_case + per_case // 2 + 1)
        for _ in range(count):
            author = _pick(rng, team)
            kind = _pick(rng, ENTRY_KINDS[author.kind])
            visibility, basis, named = self._visibility(author, team)
            event_date = self._when(opened_on, until)
            recorded_at = self.writer._at(event_date, rng)
            entry_id = _uuid(rng)
            summary = _pick(rng, ENTRY_SUMMARIES[kind])
            detail = _pick(rng, pools.paragraphs)
            significance = SIGNIFICANCE.pick(rng)
            note = "Shared to protect the child" if basis else ""
            common = (visibility, basis, note, event_date, kind, summary, detail, significance)
            tail = (author.user_id, author.agency_id, case_id)
            if rng.random() < 0.02:
                # A corrected entry: the old version stays, superseded, for those allowed.
                old_id = entry_id
                entry_id = _uuid(rng)
                self.add("cases_chronologyentry", (old_id, *common, recorded_at, False, "", *tail, None))
                self.add(
                    "cases_chronologyentry",
                    (entry_id, *common, recorded_at + timedelta(hours=2), True, "Wrong date", *tail, old_id),
                )
            else:
                self.add("cases_chronologyentry", (entry_id, *common, recorded_at, True, "", *tail, None))
            for user_id in named:
                self.add("cases_chronologyentry_named_viewers", (entry_id, user_id))
            if rng.random() < 0.12:
                self._document(case_id, author, team, entry_id, recorded_at)

    def _document(self, case_id: Id, author: Member, team: list[Member], entry_id: Id, at: datetime) -> None:
        rng = self.rng
        visibility, basis, named = self._visibility(author, team)
        document_id = _uuid(rng)
        content_type, extension = _pick(rng, DOCUMENT_TYPES)
        title = _pick(rng, ("Signed safety plan", "Medical report", "School report", "Police notification"))
        self.add(
            "cases_document",
            (
                document_id,
                visibility,
                basis,
                "Shared to protect the child" if basis else "",
                title,
                f"case-documents/{at:%Y/%m}/{_hyphenated(document_id)}.{extension}",
                f"{_slug(title)}.{extension}",
                content_type,
                _between(rng, 20_000, 4_000_000),
                at,
                author.user_id,
                author.agency_id,
                case_id,
                entry_id if rng.random() < 0.6 else None,
            ),
        )
        for user_id in named:
            self.add("cases_document_named_viewers", (document_id, user_id))

    # --- referrals ------------------------------------------------------------------------

    def _referral_chain(self, child: Row | None, case_id: Id | None, opened_on: date, area: Area) -> None:
        """Referrals about one child to the area's front door: each one after the first is a
        re-referral (chance 22% each time, so about 22% of all referrals are re-referrals); the
        last opens the case when there is one."""
        rng = self.rng
        length = 1
        while rng.random() < RE_REFERRAL_SHARE:
            length += 1
        previous: Id | None = None
        first_day = opened_on - timedelta(days=_between(rng, 0, 90) + 180 * (length - 1))
        for position in range(length):
            last = position == length - 1
            day = opened_on if last and case_id else first_day + timedelta(days=180 * position)
            opens_case = last and case_id is not None
            previous = self._referral(child, previous, day, area, case_id if opens_case else None)

    def _referral(
        self,
        child: Row | None,
        previous: Id | None,
        day: date,
        area: Area,
        case_id: Id | None,
        status: str = ReferralStatus.DECIDED,
    ) -> Id:
        rng, pools = self.rng, self.pools
        referral_id = _uuid(rng)
        csc = area.agency_ids[AgencyKind.CHILDRENS_SOCIAL_CARE]
        professional = rng.random() < 0.75 or status == ReferralStatus.DRAFT
        referrer_id = referrer_agency = None
        name = contact = relationship = ""
        if professional:
            kind = _pick(rng, (AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION))
            referrer = _pick(rng, area.practitioners[kind])
            referrer_id, referrer_agency = referrer.user_id, referrer.agency_id
        else:
            name = f"{_pick(rng, pools.female)} {_pick(rng, pools.family)}"
            contact = _pick(rng, pools.phones)
            relationship = _pick(rng, ("Neighbour", "Grandparent", "Family friend", "Aunt"))
        if child is not None:
            given, family, born, school, nhs = child[1], child[2], child[3], child[9], child[10]
        else:
            given = _pick(rng, pools.given)
            family = _pick(rng, pools.family)
            born = day - timedelta(days=_between(rng, 0, 17 * 365))
            school, nhs = "", ""
        submitted = self.writer._at(day, rng) if status != ReferralStatus.DRAFT else None
        triage_due = submitted + timedelta(days=1) if submitted else None
        decided = status == ReferralStatus.DECIDED
        handler = _pick(rng, area.intake) if submitted else None
        decision = ""
        if decided:
            decision = (
                _pick(rng, (TriageDecision.ACCEPTED, TriageDecision.STRATEGY))
                if case_id
                else NO_CASE_DECISION.pick(rng)
            )
        decided_at = submitted + timedelta(hours=_between(rng, 1, 20)) if decided and submitted else None
        signed_off = area.signoff and decided
        consent = ""
        if professional:
            consent = CONSENT.pick(rng)
        self.add(
            "referrals_referral",
            (
                referral_id,
                _referral_reference(rng),
                Source.PROFESSIONAL if professional else Source.PUBLIC,
                name,
                contact,
                relationship,
                given,
                family,
                born,
                f"{_pick(rng, pools.streets)}",
                _pick(rng, pools.postcodes),
                school,
                nhs,
                _pick(rng, CATEGORIES),
                _pick(rng, pools.sentences),
                URGENCY.pick(rng),
                rng.random() < 0.05,
                consent,
                "Asking would put the child at risk" if consent == Consent.OVERRIDDEN else "",
                status,
                submitted or self.writer._at(day, rng),
                submitted,
                triage_due,
                decision,
                _pick(rng, pools.sentences) if decided else "",
                decided_at,
                decided_at + timedelta(hours=2) if signed_off and decided_at else None,
                handler if decided else None,
                handler,
                case_id,
                child[0] if child is not None and decided else None,
                area.agency_ids[AgencyKind.POLICE] if decision == TriageDecision.PASSED_ON else None,
                previous,
                csc,
                referrer_id,
                referrer_agency,
                _pick(rng, area.supervisors) if signed_off else None,
                *("", "", "", ""),
            ),
        )
        if submitted is not None and triage_due is not None:
            state = DeadlineState.MET if decided else DeadlineState.OPEN
            self.add(
                "deadlines_deadline",
                (
                    _uuid(rng),
                    DeadlineKind.REFERRAL_DECISION,
                    "Referral decision",
                    triage_due,
                    1,
                    state,
                    submitted,
                    decided_at,
                    None,
                    None,
                    csc,
                    referral_id,
                    *(None, None, None, None, self.writer.bookmark(triage_due, state, submitted)),
                ),
            )
        return referral_id

    def add_unlinked_referrals(self, chains: int) -> None:
        """Referrals that opened no case (advice, early help, no further action), and the front
        door's current work: some waiting for triage, a few drafts."""
        rng, today = self.rng, self.today
        for _ in range(chains):
            self._referral_chain(None, None, today - timedelta(days=_between(rng, 1, 1500)), self.area)
        for _ in range(max(1, chains // 60)):
            self._referral(None, None, today, self.area, None, status=ReferralStatus.SUBMITTED)
        for _ in range(max(1, chains // 200)):
            self._referral(None, None, today, self.area, None, status=ReferralStatus.DRAFT)

    # --- deadlines, grants, break-glass -----------------------------------------------------

    def _deadlines(self, case_id: Id, team: list[Member], opened_on: date, is_open: bool, status: str) -> None:
        """A closed case keeps the assessment deadline it met; an open one owes its casework."""
        rng = self.rng
        lead = team[0]
        if not is_open:
            due = self.writer._at(opened_on + timedelta(days=63), rng)
            self._deadline(case_id, DeadlineKind.ASSESSMENT, lead.user_id, lead.agency_id, due, DeadlineState.MET)
            return
        self._assessment(case_id, team, opened_on)
        if status in (CaseStatus.SECTION_47, CaseStatus.CHILD_PROTECTION_PLAN):
            self._meetings(case_id, team, status)
        if status in (CaseStatus.CHILD_IN_NEED, CaseStatus.CHILD_PROTECTION_PLAN):
            self._plan(case_id, team, opened_on, status)

    def _due(self) -> tuple[datetime, str]:
        """A due time from three weeks ago to two months ahead, and the state it is in by now."""
        rng, now = self.rng, self.now
        due = now + timedelta(days=_between(rng, -20, 60), hours=_between(rng, 0, 8))
        if due < now:
            return due, DeadlineState.OVERDUE if rng.random() < 0.6 else DeadlineState.MET
        return due, DeadlineState.EXTENDED if rng.random() < 0.03 else DeadlineState.OPEN

    def _assessment(self, case_id: Id, team: list[Member], opened_on: date) -> None:
        """The joint assessment, led by the lead, with a contribution owed by each other agency
        on the team (three in ten owed by the agency with no one named yet)."""
        rng, pools = self.rng, self.pools
        lead = team[0]
        assessment_id = _uuid(rng)
        due, state = self._due()
        submitted = state == DeadlineState.MET
        opened_at = self.writer._at(opened_on, rng)
        self.add(
            "cases_jointassessment",
            (
                assessment_id,
                AssessmentState.SUBMITTED if submitted else AssessmentState.OPEN,
                opened_at,
                due,
                _pick(rng, pools.paragraphs) if submitted else "",
                "Child protection plan" if submitted else "",
                due - timedelta(days=1) if submitted else None,
                None,
                "",
                case_id,
                None,
                lead.user_id,
                lead.agency_id,
            ),
        )
        self._deadline(
            case_id, DeadlineKind.ASSESSMENT, lead.user_id, lead.agency_id, due, state, assessment=assessment_id
        )
        for member in team[1:]:
            if not member.active or member.kind == AgencyKind.CHILDRENS_SOCIAL_CARE:
                continue
            contribution_id = _uuid(rng)
            due, state = self._due()
            done = state == DeadlineState.MET
            visibility, basis, named = self._visibility(member, team)
            self.add(
                "cases_contribution",
                (
                    contribution_id,
                    opened_at,
                    due,
                    ContributionState.SUBMITTED if done else ContributionState.REQUESTED,
                    due - timedelta(days=1) if done else None,
                    f"{KIND_SUFFIX[member.kind]} contribution" if done else "",
                    _pick(rng, pools.paragraphs) if done else "",
                    _pick(rng, pools.sentences) if done else "",
                    _pick(rng, pools.sentences) if done else "",
                    "",
                    "",
                    visibility,
                    basis,
                    "Shared to protect the child" if basis else "",
                    member.user_id if done else None,
                    member.agency_id,
                    lead.user_id,
                    assessment_id,
                ),
            )
            for user_id in named:
                self.add("cases_contribution_named_viewers", (contribution_id, user_id))
            owner = member.user_id if rng.random() < 0.7 else None
            self._deadline(
                case_id,
                DeadlineKind.CONTRIBUTION,
                owner,
                member.agency_id,
                due,
                state,
                assessment=assessment_id,
                contribution=contribution_id,
            )

    def _meetings(self, case_id: Id, team: list[Member], status: str) -> None:
        """A strategy discussion held with the team; on a plan, the next review conference."""
        rng, now = self.rng, self.now
        lead = team[0]
        held = now - timedelta(days=_between(rng, 10, 120))
        meetings: list[tuple[str, datetime, str]] = [(MeetingKind.STRATEGY_DISCUSSION, held, MeetingState.HELD)]
        if status == CaseStatus.CHILD_PROTECTION_PLAN:
            meetings.append(
                (MeetingKind.REVIEW_CONFERENCE, now + timedelta(days=_between(rng, 3, 90)), MeetingState.SCHEDULED)
            )
        for kind, starts_at, state in meetings:
            meeting_id = _uuid(rng)
            was_held = state == MeetingState.HELD
            self.add(
                "cases_meeting",
                (
                    meeting_id,
                    kind,
                    starts_at,
                    60,
                    "Video call",
                    "Information sharing; risk analysis; next steps",
                    state,
                    "Minutes agreed by all agencies." if was_held else "",
                    "Proceed to a child protection enquiry." if was_held else "",
                    starts_at + timedelta(hours=1) if was_held else None,
                    "",
                    1,
                    starts_at - timedelta(days=2),
                    case_id,
                    lead.user_id,
                    lead.user_id,
                    True if was_held else None,
                ),
            )
            for member in team:
                if member.active:
                    attended = (rng.random() < 0.9) if was_held else None
                    self.add(
                        "cases_meetingattendee",
                        (
                            starts_at - timedelta(days=2),
                            1,
                            attended,
                            member.agency_id,
                            meeting_id,
                            member.user_id,
                        ),
                    )
            if not was_held:
                due = starts_at
                self._deadline(
                    case_id,
                    DeadlineKind.LATER_REVIEW,
                    lead.user_id,
                    lead.agency_id,
                    due,
                    DeadlineState.OPEN,
                    meeting=meeting_id,
                )

    def _plan(self, case_id: Id, team: list[Member], opened_on: date, status: str) -> None:
        """The active plan: two outcomes, and an action owed by each agency on the team."""
        rng, pools = self.rng, self.pools
        lead = team[0]
        plan_id = _uuid(rng)
        started = min(self.today, opened_on + timedelta(days=_between(rng, 20, 60)))
        kind = PlanKind.CHILD_PROTECTION if status == CaseStatus.CHILD_PROTECTION_PLAN else PlanKind.CHILD_IN_NEED
        self.add(
            "cases_plan",
            (plan_id, kind, PlanState.ACTIVE, started, started + timedelta(days=90), None, "", case_id, lead.user_id),
        )
        outcomes = []
        for position, description in enumerate(("Home conditions are safe", "School attendance above 90%")):
            outcome_id = self.writer.next_ids["cases_planoutcome"]
            self.writer.next_ids["cases_planoutcome"] += 1
            outcomes.append(outcome_id)
            self.add("cases_planoutcome", (outcome_id, description, position, plan_id))
        for member in team:
            if not member.active:
                continue
            action_id = self.writer.next_ids["cases_planaction"]
            self.writer.next_ids["cases_planaction"] += 1
            due, state = self._due()
            owner = member.user_id if rng.random() < 0.7 else None
            action_state = ActionState.DONE if state == DeadlineState.MET else ActionState.OPEN
            self.add(
                "cases_planaction",
                (
                    action_id,
                    _pick(rng, pools.sentences)[:300],
                    due,
                    action_state,
                    due - timedelta(days=1) if action_state == ActionState.DONE else None,
                    self.writer._at(started, rng),
                    owner,
                    member.agency_id,
                    plan_id,
                    _pick(rng, outcomes),
                    "",
                ),
            )
            self._deadline(
                case_id, DeadlineKind.PLAN_ACTION, owner, member.agency_id, due, state, plan_action=action_id
            )

    def _deadline(
        self,
        case_id: Id,
        kind: str,
        owner: int | None,
        agency: int,
        due: datetime,
        state: str,
        *,
        assessment: Id | None = None,
        contribution: Id | None = None,
        meeting: Id | None = None,
        plan_action: int | None = None,
    ) -> None:
        created = due - timedelta(days=30)
        met_at = due - timedelta(days=1) if state == DeadlineState.MET else None
        version = 2 if state == DeadlineState.EXTENDED else 1
        title = DEADLINE_TITLES[kind]
        self.add(
            "deadlines_deadline",
            (
                *(_uuid(self.rng), kind, title, due, version, state, created, met_at, case_id, owner, agency, None),
                *(assessment, contribution, meeting, plan_action, self.writer.bookmark(due, state, created)),
            ),
        )

    def _grants(self, case_id: Id, team: list[Member], opened_on: date, lead: Member) -> None:
        """About 2% of cases have an explicit grant to someone off the team (an independent
        reviewing officer, a legal adviser); about 0.5% had break-glass, most long expired."""
        rng, area = self.rng, self.area
        on_team = {member.user_id for member in team}
        draw = rng.random()
        if draw < 0.02:
            worker = _pick(rng, area.practitioners[_pick(rng, AREA_KINDS)])
            if worker.user_id not in on_team:
                self.add(
                    "access_control_caseuserobjectpermission",
                    (
                        case_id,
                        self.writer.view_case_permission_id,
                        worker.user_id,
                        self.writer._at(opened_on, rng),
                        lead.user_id,
                        "Independent reviewing officer",
                    ),
                )
        elif draw < 0.025:
            worker = _pick(rng, area.practitioners[_pick(rng, AREA_KINDS)])
            if worker.user_id not in on_team:
                live = rng.random() < 0.3
                granted = self.now - timedelta(hours=_between(rng, 1, 20)) if live else self.writer._at(opened_on, rng)
                self.add(
                    "access_control_breakglassgrant",
                    (
                        _uuid(rng),
                        "Child presented at A&E out of hours; urgent safety check",
                        granted,
                        granted + timedelta(hours=24),
                        worker.agency_id,
                        case_id,
                        worker.user_id,
                    ),
                )


# Each table's columns in the order its rows are built; copied in this order (parents first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "cases_case": (
        "id",
        "reference",
        "status",
        "category",
        "risk_level",
        "opened_on",
        "closed_on",
        "closure_reason",
        "lead_agency_id",
        "lead_worker_id",
        "safety_note",
    ),
    "cases_child": (
        "id",
        "given_names",
        "family_name",
        "date_of_birth",
        "date_of_birth_estimated",
        "sex",
        "ethnicity",
        "first_language",
        "interpreter_needed",
        "school_or_setting",
        "nhs_number",
        "created_at",
        # Left empty: the free-text fields a worker fills in over time.
        *("gender_identity", "religion", "cultural_needs", "disability", "other_identifier"),
        "legal_status",
    ),
    "cases_case_children": ("case_id", "child_id"),
    "cases_childaddress": ("child_id", "address", "postcode", "moved_in", "moved_out"),
    "cases_person": ("id", "full_name", "date_of_birth", "address", "postcode", "phone"),
    "cases_familylink": (
        "relationship",
        "parental_responsibility",
        "lives_with_child",
        "safe_to_contact",
        "safe_to_contact_reason",
        "child_id",
        "person_id",
        "poses_risk",
        "risk_note",
    ),
    "cases_caseteammember": (
        "case_id",
        "user_id",
        "agency_id",
        "role",
        "added_at",
        "added_by_id",
        "added_reason",
        "active",
        "removed_at",
        "removed_by_id",
        "removed_reason",
    ),
    "cases_chronologyentry": (
        "id",
        "visibility",
        "legal_basis",
        "legal_basis_note",
        "event_date",
        "kind",
        "summary",
        "detail",
        "significance",
        "recorded_at",
        "is_current",
        "correction_reason",
        "author_id",
        "author_agency_id",
        "case_id",
        "supersedes_id",
    ),
    "cases_chronologyentry_named_viewers": ("chronologyentry_id", "user_id"),
    "cases_document": (
        "id",
        "visibility",
        "legal_basis",
        "legal_basis_note",
        "title",
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_at",
        "author_id",
        "author_agency_id",
        "case_id",
        "entry_id",
    ),
    "cases_document_named_viewers": ("document_id", "user_id"),
    "referrals_referral": (
        "id",
        "reference",
        "source",
        "referrer_name",
        "referrer_contact",
        "referrer_relationship",
        "child_given_names",
        "child_family_name",
        "child_date_of_birth",
        "child_address",
        "child_postcode",
        "child_school",
        "child_nhs_number",
        "concern_category",
        "concern_description",
        "urgency",
        "immediate_risk",
        "consent",
        "consent_reason",
        "status",
        "created_at",
        "submitted_at",
        "triage_due_at",
        "decision",
        "decision_rationale",
        "decided_at",
        "signed_off_at",
        "decided_by_id",
        "handler_id",
        "linked_case_id",
        "linked_child_id",
        "passed_to_id",
        "previous_referral_id",
        "receiving_agency_id",
        "referrer_id",
        "referrer_agency_id",
        "signed_off_by_id",
        # Left empty on synthetic referrals.
        *("child_other_names", "child_age_estimate", "family_details", "child_said"),
    ),
    "cases_jointassessment": (
        "id",
        "state",
        "opened_at",
        "due_at",
        "analysis",
        "recommendation",
        "submitted_at",
        "decided_at",
        "decision_note",
        "case_id",
        "decided_by_id",
        "lead_id",
        "lead_agency_id",
    ),
    "cases_contribution": (
        "id",
        "requested_at",
        "due_at",
        "state",
        "submitted_at",
        "summary",
        "agency_knowledge",
        "concerns",
        "strengths",
        "child_voice",
        "recommendation",
        "visibility",
        "legal_basis",
        "legal_basis_note",
        "author_id",
        "author_agency_id",
        "requested_by_id",
        "assessment_id",
    ),
    "cases_contribution_named_viewers": ("contribution_id", "user_id"),
    "cases_meeting": (
        "id",
        "kind",
        "starts_at",
        "duration_minutes",
        "location",
        "agenda",
        "state",
        "minutes",
        "decisions",
        "held_at",
        "cancelled_reason",
        "sequence",
        "created_at",
        "case_id",
        "chair_id",
        "organiser_id",
        "next_stage_agreed",
    ),
    "cases_meetingattendee": (
        "invited_at",
        "invitation_sequence",
        "attended",
        "agency_id",
        "meeting_id",
        "user_id",
    ),
    "cases_plan": (
        "id",
        "kind",
        "state",
        "started_on",
        "next_review_on",
        "ended_on",
        "end_reason",
        "case_id",
        "created_by_id",
    ),
    "cases_planoutcome": ("id", "description", "position", "plan_id"),
    "cases_planaction": (
        "id",
        "description",
        "due_at",
        "state",
        "completed_at",
        "created_at",
        "owner_id",
        "owner_agency_id",
        "plan_id",
        "outcome_id",
        "dropped_reason",
    ),
    "deadlines_deadline": (
        "id",
        "kind",
        "title",
        "due_at",
        "due_version",
        "state",
        "created_at",
        "met_at",
        "case_id",
        "owner_id",
        "owner_agency_id",
        "referral_id",
        *("assessment_id", "contribution_id", "meeting_id", "plan_action_id"),
        # Where the sweep would leave it (``DatasetWriter.bookmark``).
        "next_reminder_at",
    ),
    "access_control_caseuserobjectpermission": (
        "content_object_id",
        "permission_id",
        "user_id",
        "granted_at",
        "granted_by_id",
        "reason",
    ),
    "access_control_breakglassgrant": ("id", "reason", "granted_at", "expires_at", "agency_id", "case_id", "user_id"),
}


# Written with explicit ids before the cases (rows refer to them); then the tables of COLUMNS.
PEOPLE_TABLES = ("agencies_agency", "agencies_user", "agencies_membership", "agencies_supervisionline")
TABLES = (*PEOPLE_TABLES, *COLUMNS)


def iter_summary(report: Report) -> Iterator[str]:
    """The report as lines: rows and seconds per table, then each step, then the total."""
    for table, timing in report.tables.items():
        rate = timing.rows / (timing.copy_seconds or 1e-9)
        yield f"{table:<42} {timing.rows:>11,} rows  copy {timing.copy_seconds:7.2f} s  ({rate:>9,.0f} rows/s)"
    yield f"{'building rows (Python, all tables; overlaps the copying)':<60} {report.build_seconds:7.2f} s"
    for step, seconds in report.steps.items():
        yield f"{step:<60} {seconds:7.2f} s"
    rows = sum(timing.rows for timing in report.tables.values())
    yield f"{'total (' + report.mode + ')':<42} {rows:>11,} rows  in {report.seconds:.1f} s"


# --- loading ---------------------------------------------------------------------------------


class Copier:
    """Sends queued rows with COPY from a thread of its own, one table's rows at a time, on
    the connection the caller's transaction is open on (the caller sends nothing meanwhile:
    ``flush`` first). Python builds the next batch while PostgreSQL stores this one."""

    def __init__(self, raw: Any, report: Report, *, freeze: bool, depth: int = 40) -> None:
        self.raw = raw
        self.report = report
        self.options = " WITH (FREEZE)" if freeze else ""
        self.queue: queue.Queue[tuple[str, Sequence[str], list[Row]] | None] = queue.Queue(maxsize=depth)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="dataset-copier", daemon=True)
        self.thread.start()

    def put(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        self._raise()
        if rows:
            self.queue.put((table, columns, rows))
        else:
            self.report.add(table, 0, 0.0)

    def flush(self) -> None:
        """Wait until everything queued is copied."""
        self.queue.join()
        self._raise()

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()

    def _raise(self) -> None:
        if self.failure is not None:
            raise RuntimeError("copying the generated rows failed") from self.failure

    def _work(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.failure is None:
                    self._copy(*item)
            except BaseException as failure:  # noqa: BLE001 - handed to the building thread
                self.failure = failure
            finally:
                self.queue.task_done()

    def _copy(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        started = time.perf_counter()
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN{self.options}"
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
        self.report.add(table, len(rows), time.perf_counter() - started)


@dataclass
class SetAside:
    """What a bulk load takes off its tables and puts back: exactly as the schema has it."""

    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, definition
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # primary keys and unique constraints
    indexes: list[tuple[str, str]] = field(default_factory=list)  # name, definition


# The schema of the loaded tables as PostgreSQL describes it: compared before and after a bulk
# load, which must leave every index, constraint (validated), trigger and NOT NULL as it was.
SCHEMA_SQL = """
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid::text
FROM pg_index WHERE indrelid = ANY(%(tables)s::regclass[])
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid), convalidated::text
FROM pg_constraint WHERE conrelid = ANY(%(tables)s::regclass[]) OR confrelid = ANY(%(tables)s::regclass[])
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid), tgenabled::text
FROM pg_trigger WHERE tgrelid = ANY(%(tables)s::regclass[]) AND NOT tgisinternal
UNION ALL
SELECT 'column', attrelid::regclass::text || '.' || attname, format_type(atttypid, atttypmod), attnotnull::text
FROM pg_attribute WHERE attrelid = ANY(%(tables)s::regclass[]) AND attnum > 0 AND NOT attisdropped
ORDER BY 1, 2, 3
"""


class BulkLoad:
    """The way a restore loads: into empty tables, without the work that is cheaper done once
    at the end. Every foreign key from or to the tables, their primary keys and unique
    constraints are dropped and added again afterwards from their own definitions
    (``pg_get_constraintdef``), and their other indexes on plain columns built again from
    theirs (``pg_get_indexdef``): an index built once by sorting costs a fraction of one kept up row
    by row (random UUIDs touch a random leaf each), and a foreign key added checks every row
    in one join instead of one lookup per row. Check and NOT NULL constraints and triggers
    stay in place throughout, and the schema PostgreSQL describes afterwards (``SCHEMA_SQL``)
    must be the one it described before, every constraint validated. All of it in the
    caller's transaction: if anything fails, nothing of it happened."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = list(tables)
        self.aside = SetAside()
        self.schema: list[tuple[str, ...]] = []

    def possible(self) -> bool:
        """Every table is empty (a freshly migrated or flushed database)."""
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - our own names
                (rows,) = cursor.fetchone()
                if rows:
                    return False
        return True

    def set_aside(self, cursor: Any) -> None:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]))
            ORDER BY conrelid::regclass::text, conname
            """,
            [self.tables, self.tables],
        )
        self.aside.foreign_keys = list(cursor.fetchall())
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE contype IN ('p', 'u') AND conrelid = ANY(%s::regclass[])
            ORDER BY conrelid::regclass::text, conname
            """,
            [self.tables],
        )
        self.aside.keys = list(cursor.fetchall())
        cursor.execute(
            """
            SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid)
            FROM pg_index AS index
            WHERE index.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.indexrelid)
              -- Partial and expression indexes (small) stay: their definitions, read back and
              -- run again, come out equivalent but not the same text.
              AND index.indpred IS NULL AND index.indexprs IS NULL
            ORDER BY 1
            """,
            [self.tables],
        )
        self.aside.indexes = list(cursor.fetchall())
        cursor.execute(SCHEMA_SQL, {"tables": self.tables})
        self.schema = list(cursor.fetchall())
        for table, name, _ in self.aside.foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table, name, _ in self.aside.keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in self.aside.indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Emptied in this transaction, so COPY may write the rows already frozen and visible
        # to all (no later VACUUM needed to set hint bits and the visibility map).
        cursor.execute(f"TRUNCATE {', '.join(self.tables)}")

    def restore(self, cursor: Any, timed: Callable[[str, Callable[[], object]], None]) -> None:
        # Sorting in memory, not on disk (this session only; the server's settings stay).
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")

        def keys() -> None:
            for table, name, definition in self.aside.keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

        def indexes() -> None:
            for _, definition in self.aside.indexes:
                cursor.execute(definition)

        def foreign_keys() -> None:
            for table, name, definition in self.aside.foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

        timed(f"add and check {len(self.aside.keys)} primary keys and unique constraints", keys)
        timed(f"rebuild {len(self.aside.indexes)} other indexes", indexes)
        timed(f"add and validate {len(self.aside.foreign_keys)} foreign keys", foreign_keys)
        cursor.execute(SCHEMA_SQL, {"tables": self.tables})
        after = list(cursor.fetchall())
        if after != self.schema:
            changed = sorted(set(after) ^ set(self.schema))
            raise RuntimeError(f"the bulk load left the schema changed: {changed[:5]}")
