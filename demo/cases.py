"""Synthetic demo cases for the demo agencies of ``demo.agencies``.

Every child, family member, address and event is generated (Faker en_GB and a seeded random
source); none describes a real person. Postcodes use a fictional "NB" (Northbridge) area,
NHS numbers the 999 range the NHS keeps for test data, and phone numbers Ofcom's drama range.

Every write to a case goes through the case services with a ``CaseAccess`` from the policy,
as a worker's would, so the demo's access log reads like real use and verifies end to end.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone
from faker import Faker

from access_control import policy
from access_control.policy import CaseAccess
from agencies.models import Agency, Membership, Role, SupervisionLine, User
from cases import services
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    Child,
    ChildAddress,
    ChildAlias,
    ChronologyEntry,
    ConcernCategory,
    EntryKind,
    FamilyLink,
    LegalBasis,
    Person,
    Relationship,
    RiskLevel,
    Sex,
    Significance,
    TeamRole,
    Visibility,
)
from demo.agencies import DEMO_AGENCIES, DEMO_DOMAIN, on_day_at

CASE_COUNT = 36
# The case whose family is drawn in full on its Family tab: both parents (one a risk, one not
# to be contacted), a step-parent, and the children's half-brother and step-sister.
FULL_FAMILY_INDEX = 1
HISTORY_DAYS = 540  # every case opened within the last eighteen months
LEAD_SLUG = "csc"
TOWN = "Northbridge"
# Inward-code letters the Royal Mail uses (no C, I, K, M, O, V).
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

SAFEGUARDING_NOTE = "Shared with the case team under the safeguarding of children condition (DPA 2018 Sch. 1 para 18)."


def demo_cases_exist() -> bool:
    return Case.objects.exists()


def demo_nhs_number(rng: random.Random) -> str:
    """A ten-digit number that passes the modulus-11 check, from the 999 range the NHS
    never issues to patients."""
    while True:
        digits = [9, 9, 9, *(rng.randint(0, 9) for _ in range(6))]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 10:
            continue  # no valid number has this stem
        number = "".join(map(str, digits)) + str(0 if check == 11 else check)
        return f"{number[:3]} {number[3:6]} {number[6:]}"


def demo_postcode(rng: random.Random) -> str:
    return f"NB{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"


def demo_phone(rng: random.Random) -> str:
    return f"07700 900{rng.randint(0, 999):03d}"


@dataclass(frozen=True)
class DemoStaff:
    """The demo agencies' practitioners, in the order ``seed_people`` created them (so the
    memorable sign-in of each agency comes first in its pool)."""

    agencies: dict[str, Agency]
    practitioners: dict[str, list[Membership]]
    intake: list[Membership]
    supervisor_of: dict[int, User]  # supervisee membership id -> their supervisor

    @classmethod
    def load(cls) -> DemoStaff:
        agencies: dict[str, Agency] = {}
        practitioners: dict[str, list[Membership]] = {}
        for spec in DEMO_AGENCIES:
            agency = Agency.objects.filter(name=spec.name).first()
            if agency is None:
                raise RuntimeError("Seed the demo people (demo.agencies.seed_people) before the demo cases.")
            agencies[spec.slug] = agency
            practitioners[spec.slug] = list(
                Membership.objects.filter(agency=agency, role=Role.PRACTITIONER, active=True)
                .select_related("user", "agency")
                .order_by("id")
            )
        intake = list(
            Membership.objects.filter(agency=agencies[LEAD_SLUG], role=Role.INTAKE, active=True)
            .select_related("user", "agency")
            .order_by("id")
        )
        lines = SupervisionLine.objects.filter(active=True, supervisee__agency__in=agencies.values()).select_related(
            "supervisor__user"
        )
        return cls(
            agencies=agencies,
            practitioners=practitioners,
            intake=intake,
            supervisor_of={line.supervisee_id: line.supervisor.user for line in lines},
        )


@dataclass(frozen=True)
class EntryPlan:
    author: Membership
    kind: str
    summary: str
    detail: str
    significance: str = Significance.ROUTINE
    visibility: str = Visibility.TEAM
    legal_basis: str = ""
    legal_basis_note: str = ""
    named: tuple[User, ...] = ()


@dataclass
class SeededCase:
    case: Case
    lead: Membership
    opened_on: date
    children: list[Child]
    team: dict[str, Membership] = field(default_factory=dict)  # agency slug (or "key_worker") -> member
    entries: list[ChronologyEntry] = field(default_factory=list)


class _CaseSeeder:
    def __init__(self, *, seed: int) -> None:
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.today = timezone.localdate()
        self.staff = DemoStaff.load()
        self.turns: dict[str, int] = {}
        self.accesses: dict[tuple[int, object], CaseAccess] = {}

    # --- people and access -------------------------------------------------------------

    def next_in(self, pool_name: str, pool: Sequence[Membership]) -> Membership:
        """Take turns through a pool, so every member (the memorable one first) gets cases."""
        turn = self.turns.get(pool_name, 0)
        self.turns[pool_name] = turn + 1
        return pool[turn % len(pool)]

    def access(self, member: Membership, case: Case) -> CaseAccess:
        key = (member.user_id, case.pk)
        if key not in self.accesses:
            self.accesses[key] = policy.get_case(member.user, case.pk)
        return self.accesses[key]

    # --- one case ------------------------------------------------------------------------

    def seed_case(self, index: int) -> SeededCase:
        leads = self.staff.practitioners[LEAD_SLUG]
        lead = leads[index % len(leads)]
        opened_on = self.today - timedelta(days=self.rng.randint(21, HISTORY_DAYS))
        size = 3 if index % 9 == 4 else 2 if index % 6 == 1 else 1
        children = self.children(size)
        # The chronology is about the youngest child: the case cannot open before they were born.
        opened_on = max([opened_on, *(child.date_of_birth for child in children if child.date_of_birth)])
        category = self.rng.choice(ConcernCategory.values)
        case = services.open_case(
            by=lead.user,
            agency=self.staff.agencies[LEAD_SLUG],
            children=children,
            category=category,
            risk_level=RiskLevel.MEDIUM,
            reason="Referral accepted at the front door",
        )
        # Demo history: the case opened on the referral's date (open_case always opens today),
        # and its reference carries the year it opened, as it would have been given then.
        prefix, _year, number = case.reference.split("-")
        reference = f"{prefix}-{opened_on.year}-{number}"
        Case.objects.filter(pk=case.pk).update(opened_on=opened_on, reference=reference)
        case.opened_on, case.reference = opened_on, reference
        self.family(children, index)
        seeded = SeededCase(case=case, lead=lead, opened_on=opened_on, children=children)
        self.team(seeded, index)
        self.progress(seeded, index)
        self.chronology(seeded, index)
        self.joined_when_first_on_record(seeded)
        return seeded

    def children(self, size: int) -> list[Child]:
        family_name = self.fake.last_name()
        ages = sorted(self.rng.sample(range(1, 17), size))
        children = []
        for age in ages:
            sex = self.rng.choice([Sex.FEMALE, Sex.MALE])
            given = self.fake.first_name_female() if sex == Sex.FEMALE else self.fake.first_name_male()
            language = self.rng.choice(["English"] * 5 + ["Polish", "Urdu", "Romanian", "Somali"])
            born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
            children.append(
                Child(
                    given_names=given,
                    family_name=family_name,
                    date_of_birth=born,
                    sex=sex,
                    ethnicity=self.rng.choice(
                        [
                            "White British",
                            "White British",
                            "White: any other White background",
                            "Mixed: White and Black Caribbean",
                            "Asian or Asian British: Pakistani",
                            "Black or Black British: African",
                            "Not stated",
                        ]
                    ),
                    first_language=language,
                    interpreter_needed=language != "English" and self.rng.random() < 0.5,
                    school_or_setting=(
                        "Little Acorns Nursery"
                        if age < 4
                        else "Oakfield Primary School"
                        if age < 11
                        else "Northbridge Academy"
                    ),
                    nhs_number=demo_nhs_number(self.rng),
                )
            )
        return children

    def family(self, children: list[Child], index: int) -> None:
        """Parents (with parental responsibility) and the household, linked to every child;
        some aliases, and a previous address for a few."""
        family_name = children[0].family_name
        address = f"{self.fake.building_number()} {self.fake.street_name()}\n{TOWN}"
        postcode = demo_postcode(self.rng)
        for child in children:
            born = child.date_of_birth or self.today
            # Nobody moves in before they are born: a younger child has lived here since birth.
            moved_in = max(born, self.today - timedelta(days=self.rng.randint(200, 2000)))
            _save(ChildAddress(child=child, address=address, postcode=postcode, moved_in=moved_in))
            if index % 4 == 2:
                previous_address = f"{self.fake.building_number()} {self.fake.street_name()}\n{TOWN}"
                previous_postcode = demo_postcode(self.rng)
                lived_there_from = moved_in - timedelta(days=self.rng.randint(300, 900))
                # A previous home only for a child who lived somewhere before this one.
                if moved_in > born:
                    _save(
                        ChildAddress(
                            child=child,
                            address=previous_address,
                            postcode=previous_postcode,
                            moved_in=max(born, lived_there_from),
                            moved_out=moved_in,
                        )
                    )
        if index % 5 == 1:
            eldest = children[-1]
            _save(ChildAlias(child=eldest, name=f"{eldest.given_names} {self.fake.last_name()}"))
        if index % 7 == 3:
            _save(ChildAlias(child=children[0], name=f"{self.fake.first_name()} {family_name}"))

        # The parents were adults when the eldest child was born.
        eldest_born = children[-1].date_of_birth or self.today
        mother = _saved(
            Person(
                full_name=f"{self.fake.first_name_female()} {family_name}",
                date_of_birth=eldest_born - timedelta(days=self.rng.randint(18 * 365, 38 * 365)),
                address=address,
                postcode=postcode,
                phone=demo_phone(self.rng),
            )
        )
        father = _saved(
            Person(
                full_name=f"{self.fake.first_name_male()} {self.fake.last_name()}",
                date_of_birth=eldest_born - timedelta(days=self.rng.randint(19 * 365, 42 * 365)),
                address=f"{self.fake.building_number()} {self.fake.street_name()}\n{TOWN}",
                postcode=demo_postcode(self.rng),
                phone=demo_phone(self.rng),
            )
        )
        father_unsafe = index % 4 == 1
        household: list[tuple[Person, str, bool, bool, str]] = [
            (mother, Relationship.PARENT, True, True, ""),
            (
                father,
                Relationship.PARENT,
                True,
                False,
                "Non-molestation order protects the mother; contact only through the police" if father_unsafe else "",
            ),
        ]
        if index % 3 == 2:
            partner = _saved(
                Person(
                    full_name=f"{self.fake.first_name_male()} {self.fake.last_name()}",
                    address=address,
                    postcode=postcode,
                )
            )
            household.append((partner, Relationship.STEP_PARENT, False, True, ""))
        if index % 6 == 5:
            grandmother = _saved(
                Person(
                    full_name=f"{self.fake.first_name_female()} {family_name}",
                    address=f"{self.fake.building_number()} {self.fake.street_name()}\n{TOWN}",
                    postcode=demo_postcode(self.rng),
                    phone=demo_phone(self.rng),
                )
            )
            household.append((grandmother, Relationship.CARER, False, False, ""))
        for child in children:
            for person, relationship, responsibility, lives_with, unsafe_reason in household:
                _save(
                    FamilyLink(
                        child=child,
                        person=person,
                        relationship=relationship,
                        parental_responsibility=responsibility,
                        lives_with_child=lives_with,
                        safe_to_contact=not unsafe_reason,
                        safe_to_contact_reason=unsafe_reason,
                    )
                )
        if index == FULL_FAMILY_INDEX:
            self.full_family(children, mother, address, postcode)

    def full_family(self, children: list[Child], mother: Person, address: str, postcode: str) -> None:
        """The family the Family tab's diagram shows in full (fixed names: the generator's
        random streams, and so every other case, stay as they were)."""
        family_name = children[0].family_name
        FamilyLink.objects.filter(person=mother, child__in=children).update(
            poses_risk=True,
            risk_note="Drinks heavily and has been aggressive to visiting workers: visit in pairs.",
        )
        partner = _saved(Person(full_name="Ryan Mercer", address=address, postcode=postcode))
        half_brother = _saved(
            Person(full_name=f"Tyler {family_name}", address=address, postcode=postcode, phone="07700 900461")
        )
        step_sister = _saved(
            Person(full_name="Chloe Mercer", address="12 Wharf Street\nNorthbridge", phone="07700 900462")
        )
        relatives = [
            (partner, Relationship.STEP_PARENT, True),
            (half_brother, Relationship.SIBLING, True),
            (step_sister, Relationship.SIBLING, False),
        ]
        for child in children:
            for person, relationship, lives_with in relatives:
                _save(FamilyLink(child=child, person=person, relationship=relationship, lives_with_child=lives_with))

    def team(self, seeded: SeededCase, index: int) -> None:
        """A multi-agency team that differs from case to case, so each demo user sees some
        cases and not others."""
        practitioners = self.staff.practitioners
        wanted: list[tuple[str, Sequence[Membership], str, str]] = []
        if index % 4 == 0:
            colleagues = [*self.staff.intake, *(m for m in practitioners[LEAD_SLUG] if m.pk != seeded.lead.pk)]
            wanted.append(("key_worker", colleagues, TeamRole.KEY_WORKER, "Direct work with the children"))
        if index % 3 != 0:
            wanted.append(("police", practitioners["police"], TeamRole.CONTRIBUTOR, "Joint section 47 enquiry"))
        if index % 4 != 1:
            wanted.append(("health", practitioners["health"], TeamRole.CONTRIBUTOR, "Health lead for the family"))
        if index % 5 in (0, 2):
            wanted.append(("hospital", practitioners["hospital"], TeamRole.CONTRIBUTOR, "Hospital attendance"))
        if index % 2 == 0:
            wanted.append(("oakfield", practitioners["oakfield"], TeamRole.CONTRIBUTOR, "The child's school"))
        if index % 3 == 1:
            wanted.append(
                (
                    "family-support",
                    practitioners["family-support"],
                    TeamRole.CONTRIBUTOR,
                    "Family support under the plan",
                )
            )
        lead_access = self.access(seeded.lead, seeded.case)
        for slot, pool, role, purpose in wanted:
            member = self.next_in(slot, pool)
            reason = f"{purpose} ({member.job_title.lower()})"
            services.add_team_member(
                access=lead_access, user=member.user, agency=member.agency, role=role, reason=reason
            )
            seeded.team[slot] = member

    def progress(self, seeded: SeededCase, index: int) -> None:
        status = self.rng.choice(
            [CaseStatus.OPEN, CaseStatus.SECTION_47, CaseStatus.CHILD_IN_NEED, CaseStatus.CHILD_IN_NEED]
            + [CaseStatus.CHILD_PROTECTION_PLAN] * 2
        )
        risk = RiskLevel.HIGH if status == CaseStatus.CHILD_PROTECTION_PLAN else self.rng.choice(RiskLevel.values)
        if status != CaseStatus.OPEN or risk != RiskLevel.MEDIUM:
            services.update_case(
                access=self.access(seeded.lead, seeded.case),
                status=status,
                risk_level=risk,
                category=seeded.case.category,
            )

    # --- the chronology ----------------------------------------------------------------

    def chronology(self, seeded: SeededCase, index: int) -> None:
        child = seeded.children[0].given_names
        carer = self.fake.first_name_female()
        lead = seeded.lead
        referrer = self.rng.choice(
            ["Oakfield Primary School", "the police", "the health visitor", "a neighbour (anonymous)", "A&E"]
        )
        opening = EntryPlan(
            lead,
            EntryKind.CONTACT,
            f"Referral received from {referrer}",
            f"{referrer.capitalize()} reported concerns about {child}'s care. Checks completed; "
            "decision to assess under the Children Act 1989.",
            Significance.SIGNIFICANT,
        )
        plans = self.contributions(seeded, index, child, carer)
        target = self.rng.randint(4, 10)
        fillers = self.lead_entries(lead, child, carer)
        self.rng.shuffle(fillers)
        while len(plans) + 1 < target and fillers:
            plans.append(fillers.pop())
        plans = plans[:9]
        self.rng.shuffle(plans)
        days = (self.today - seeded.opened_on).days
        dates = sorted(seeded.opened_on + timedelta(days=self.rng.randint(1, days)) for _ in plans)
        for plan, event_date in zip([opening, *plans], [seeded.opened_on, *dates], strict=True):
            seeded.entries.append(self.write(seeded, plan, event_date))
        if index % 6 == 3:
            self.correct(seeded)

    def contributions(self, seeded: SeededCase, index: int, child: str, carer: str) -> list[EntryPlan]:
        team = seeded.team
        plans: list[EntryPlan] = []
        if "key_worker" in team:
            plans.append(
                EntryPlan(
                    team["key_worker"],
                    EntryKind.VISIT,
                    "Direct work session",
                    f"Worked with {child} on a three houses tool; {child} named school as a safe place.",
                )
            )
        if police := team.get("police"):
            plans.append(
                EntryPlan(
                    police,
                    EntryKind.POLICE,
                    "Domestic abuse incident notification",
                    f"Officers attended a reported argument at the address; children present. {carer} declined "
                    f"to make a statement. DASH risk assessment: {self.rng.choice(['standard', 'medium', 'high'])}.",
                    Significance.SIGNIFICANT,
                    Visibility.TEAM,
                    LegalBasis.SAFEGUARDING,
                    SAFEGUARDING_NOTE,
                )
            )
            if index % 5 == 3:
                plans.append(
                    EntryPlan(
                        police,
                        EntryKind.POLICE,
                        "Information from an ongoing investigation",
                        "An adult linked to the household is under investigation; details shared with the lead "
                        "social worker only to protect the investigation.",
                        Significance.CRITICAL,
                        Visibility.NAMED,
                        LegalBasis.SAFEGUARDING,
                        "Shared with the lead social worker only; disclosure wider could prejudice the investigation.",
                        named=(seeded.lead.user,),
                    )
                )
            else:
                plans.append(
                    EntryPlan(
                        police,
                        EntryKind.POLICE,
                        "Intelligence checks on adults at the address",
                        "Police systems checked for all adults in the household; results held by the unit.",
                        Significance.SIGNIFICANT,
                        Visibility.AGENCY,
                    )
                )
        if health := team.get("health"):
            plans.append(
                EntryPlan(
                    health,
                    EntryKind.MEDICAL,
                    f"{child} not brought to health appointments",
                    f"{child} was not brought to two appointments (development review and immunisations).",
                    Significance.SIGNIFICANT,
                    Visibility.TEAM,
                    self.rng.choice([LegalBasis.SAFEGUARDING, LegalBasis.CONSENT]),
                    "Shared for the child protection enquiry.",
                )
            )
            plans.append(
                EntryPlan(
                    health,
                    EntryKind.MEDICAL,
                    "Parental health: contact with the GP",
                    f"{carer} spoke of low mood and poor sleep; GP informed with consent.",
                    Significance.ROUTINE,
                    Visibility.AGENCY,
                )
            )
        if hospital := team.get("hospital"):
            plans.append(
                EntryPlan(
                    hospital,
                    EntryKind.MEDICAL,
                    "Attended the emergency department",
                    f"{child} brought in with {self.rng.choice(['bruising to the upper arm', 'a burn to the hand'])}; "
                    "paediatric review completed; explanation given was not consistent with the injury.",
                    Significance.CRITICAL,
                    Visibility.TEAM,
                    LegalBasis.STATUTORY_DUTY,
                    "Shared for the section 47 enquiry.",
                )
            )
        if school := team.get("oakfield"):
            plans.append(
                EntryPlan(
                    school,
                    EntryKind.EDUCATION,
                    "Concern logged by school",
                    f"{child} arrived hungry and in the same clothes as yesterday; breakfast club offered.",
                )
            )
        if family_support := team.get("family-support"):
            plans.append(
                EntryPlan(
                    family_support,
                    EntryKind.VISIT,
                    "Family support session",
                    f"Worked with {carer} on morning routines and school attendance.",
                )
            )
        others = [m.user for slot, m in team.items() if slot in ("police", "health", "hospital")]
        if others:
            plans.append(
                EntryPlan(
                    seeded.lead,
                    EntryKind.DISCLOSURE,
                    "Third-party information about an adult in the household",
                    "Shared only with the workers named: information given in confidence by a relative.",
                    Significance.SIGNIFICANT,
                    Visibility.NAMED,
                    named=tuple(others[:2]),
                )
            )
        return plans

    def lead_entries(self, lead: Membership, child: str, carer: str) -> list[EntryPlan]:
        return [
            EntryPlan(
                lead,
                EntryKind.VISIT,
                "Home visit",
                f"Announced visit. {child} seen and spoken to alone; home warm and adequately stocked.",
            ),
            EntryPlan(
                lead,
                EntryKind.VISIT,
                "Unannounced home visit",
                f"No answer at first. {carer} said the children were asleep; {child} seen later, tired but well.",
                Significance.SIGNIFICANT,
            ),
            EntryPlan(
                lead,
                EntryKind.MEETING,
                "Strategy discussion",
                "Strategy discussion with police and health; agreed to proceed under section 47.",
                Significance.SIGNIFICANT,
            ),
            EntryPlan(
                lead,
                EntryKind.MEETING,
                "Core group meeting",
                "Core group reviewed the plan; actions updated and dates agreed.",
            ),
            EntryPlan(
                lead,
                EntryKind.DECISION,
                "Management oversight",
                "Team manager agreed next steps: continue the assessment and review in four weeks.",
            ),
            EntryPlan(
                lead,
                EntryKind.CONTACT,
                f"Telephone call with {carer}",
                f"{carer} agreed to a visit next week and to attend the parenting group.",
            ),
        ]

    def write(self, seeded: SeededCase, plan: EntryPlan, event_date: date) -> ChronologyEntry:
        return services.add_entry(
            access=self.access(plan.author, seeded.case),
            event_date=event_date,
            kind=plan.kind,
            summary=plan.summary,
            detail=plan.detail,
            significance=plan.significance,
            visibility=plan.visibility,
            legal_basis=plan.legal_basis,
            legal_basis_note=plan.legal_basis_note,
            named_viewers=list(plan.named),
        )

    def correct(self, seeded: SeededCase) -> None:
        """The lead corrects their latest entry: a new version, the old one kept."""
        own = [e for e in seeded.entries if e.author_id == seeded.lead.user_id]
        entry = max(own, key=lambda e: e.event_date)
        access = self.access(seeded.lead, seeded.case)
        if entry.event_date > seeded.opened_on:
            new = services.correct_entry(
                access=access,
                entry=entry,
                reason="Recorded against the wrong date",
                event_date=entry.event_date - timedelta(days=1),
            )
        else:
            new = services.correct_entry(
                access=access,
                entry=entry,
                reason="The referrer was named wrongly",
                detail=f"{entry.detail} (Corrected: the referral came by telephone, not email.)",
            )
        seeded.entries[seeded.entries.index(entry)] = new

    def joined_when_first_on_record(self, seeded: SeededCase) -> None:
        """Demo history: ``add_team_member`` always adds today, but each person joined the team
        by nine in the morning of the day they are first on the case's record (writing an entry,
        or named to see one), and everyone else (the lead among them) on the day it opened."""
        first_on_record: dict[int, date] = {}
        for entry in ChronologyEntry.objects.filter(case=seeded.case).prefetch_related("named_viewers"):
            for user_id in (entry.author_id, *(viewer.pk for viewer in entry.named_viewers.all())):
                first_on_record[user_id] = min(entry.event_date, first_on_record.get(user_id, entry.event_date))
        places = list(CaseTeamMember.objects.filter(case=seeded.case))
        for place in places:
            joined = on_day_at(first_on_record.get(place.user_id, seeded.opened_on), hour=9)
            place.added_at = min(place.added_at, joined)
        CaseTeamMember.objects.bulk_update(places, ["added_at"])

    # --- across cases: closures, grants, leaving the team, documents --------------------------

    def finish(self, seeded: list[SeededCase]) -> None:
        demo_supervisor = f"supervisor@{LEAD_SLUG}.{DEMO_DOMAIN}"
        for position in (8, 13):
            self.close(seeded[position], approve=True)
        self.close(seeded[20], approve=False)
        # One closure left waiting for the memorable supervisor to decide in the demo.
        waiting = next(
            s
            for s in reversed(seeded)
            if self.staff.supervisor_of[s.lead.pk].email == demo_supervisor and not s.case.closure_requests.exists()
        )
        services.request_closure(
            access=self.access(waiting.lead, waiting.case), reason="Plan outcomes met; family agree to early help"
        )

        reviewer = self.staff.practitioners["hospital"][-1]
        granted = seeded[4]
        services.grant_access(
            access=self.access(granted.lead, granted.case),
            user=reviewer.user,
            reason="Paediatrician preparing the child protection medical report",
        )

        leaving = next(
            s
            for s in seeded
            if "family-support" in s.team and not s.team["family-support"].user.email.startswith("practitioner@")
        )
        team_place = leaving.case.team.get(user=leaving.team["family-support"].user, active=True)
        services.remove_team_member(
            access=self.access(leaving.lead, leaving.case),
            member=team_place,
            reason="Family support work completed; family now supported through early help",
        )

        first = seeded[0]
        services.upload_document(
            access=self.access(first.lead, first.case),
            upload=SimpleUploadedFile(
                "plan-summary.txt",
                b"Child protection plan summary (synthetic demo document).\n"
                b"1. School to monitor attendance weekly.\n2. Health visitor to complete the development review.\n",
                content_type="text/plain",
            ),
            title="Child protection plan summary",
        )
        with_police = next(s for s in seeded if "police" in s.team)
        services.upload_document(
            access=self.access(with_police.team["police"], with_police.case),
            upload=SimpleUploadedFile(
                "incident-log.pdf", _tiny_pdf("Incident log extract - synthetic demo"), content_type="application/pdf"
            ),
            title="Incident log extract",
            visibility=Visibility.AGENCY,
        )

    def close(self, seeded: SeededCase, *, approve: bool) -> None:
        services.request_closure(
            access=self.access(seeded.lead, seeded.case), reason="Plan outcomes met; no further role for the team"
        )
        supervisor = self.staff.supervisor_of[seeded.lead.pk]
        services.decide_closure(
            access=policy.get_case(supervisor, seeded.case.pk),
            approve=approve,
            note="Agreed" if approve else "The health actions are not yet complete; review again in a month",
        )


def _save(instance: models.Model) -> None:
    """Validate the record's own fields in Python, then insert it. What only the database can
    tell (that the child or person linked exists, unique and check constraints) it enforces on
    the insert itself, rather than being asked first with a query each (a thousand of them)."""
    relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
    instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    instance.save()


def _saved(person: Person) -> Person:
    _save(person)
    return person


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing one line of text (plain ASCII, no parentheses)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(pdf)


@transaction.atomic
def seed_cases(*, seed: int = 2026) -> int:
    """Open about three dozen synthetic cases for the demo agencies, with families, teams
    across agencies, chronologies at every visibility, corrections, closures (one waiting
    for approval), an explicit grant and two small documents. Returns how many cases."""
    seeder = _CaseSeeder(seed=seed)
    seeded = [seeder.seed_case(index) for index in range(CASE_COUNT)]
    seeder.finish(seeded)
    return len(seeded)
