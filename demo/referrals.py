"""Synthetic demo referrals to the demo front door ("Northbridge Children's Services").

A day's intake to explore: professional referrals from the school, health and police demo
agencies and concerns from the public, a few urgent and one with the child at immediate
risk, one overdue; two about children the front door already knows (one with a typo in the
name), so "is this child already known?" has something to find; a re-referral; two decided
by the memorable intake worker (one accepted onto an existing case, one no further action);
and drafts still being written.

Every child, adult and address is generated (Faker en_GB and a seeded random source) or
taken from the synthetic demo cases; none describes a real person. Every write goes through
the referral services with access from the policy, as a worker's would, so the access log
reads like real use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from faker import Faker

from access_control import policy
from access_control.policy import ReferralAction
from agencies.models import Agency, Membership, Role, User
from cases.models import Case, CaseStatus, CaseTeamMember, Child, ChildAddress, ConcernCategory
from deadlines.models import Deadline, DeadlineKind, DeadlineState
from deadlines.services import due_at_for
from demo.agencies import DEMO_DOMAIN, on_day_at
from demo.cases import TOWN, demo_nhs_number, demo_phone, demo_postcode
from referrals import services
from referrals.models import Consent, Referral, TriageDecision, Urgency

FRONT_DOOR = "Northbridge Children's Services"
FRONT_DOOR_SLUG = "csc"
INTAKE_EMAIL = f"intake@{FRONT_DOOR_SLUG}.{DEMO_DOMAIN}"
# The chronology of a demo case holds at most ten current entries; linking adds one.
MAX_ENTRIES_BEFORE_LINK = 9


def demo_referrals_exist() -> bool:
    return Referral.objects.exists()


@dataclass(frozen=True)
class ReferralPlan:
    """One professional referral: who makes it and what they know."""

    referrer: Membership
    category: str
    concern: str
    child_said: str = ""
    urgency: str = Urgency.ROUTINE
    immediate_risk: bool = False
    consent: str = Consent.GIVEN
    consent_reason: str = ""
    hours_ago: float = 0.0  # when it was submitted, for an inbox that has a past


class _ReferralSeeder:
    def __init__(self, *, seed: int) -> None:
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.today = timezone.localdate()
        front_door = Agency.objects.filter(name=FRONT_DOOR).first()
        intake = User.objects.filter(email=INTAKE_EMAIL).first()
        if front_door is None or intake is None or not Case.objects.filter(lead_agency=front_door).exists():
            raise RuntimeError("Seed the demo people and cases before the demo referrals.")
        self.front_door: Agency = front_door
        self.intake: User = intake
        self.staff = {
            slug: list(
                Membership.objects.filter(
                    user__email__endswith=f"@{slug}.{DEMO_DOMAIN}", role=Role.PRACTITIONER, active=True
                )
                .select_related("user", "agency")
                .order_by("id")
            )
            for slug in ("oakfield", "health", "hospital", "police")
        }

    # --- the child, as a referrer knows them --------------------------------------------------

    def new_child(self, *, age: int | None = None, nhs_number: bool = False) -> dict[str, Any]:
        family_name = self.fake.last_name()
        age = self.rng.randint(1, 15) if age is None else age
        born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
        return {
            "child_given_names": self.rng.choice([self.fake.first_name_female, self.fake.first_name_male])(),
            "child_family_name": family_name,
            "child_date_of_birth": born,
            "child_address": f"{self.fake.building_number()} {self.fake.street_name()}, {TOWN}",
            "child_postcode": demo_postcode(self.rng),
            "child_school": "Oakfield Primary School" if 4 <= age < 11 else "",
            "child_nhs_number": demo_nhs_number(self.rng) if nhs_number else "",
            "family_details": f"Lives with mother {self.fake.first_name_female()} {family_name}.",
        }

    def known_child(self, child: Child, *, typo: bool = False) -> dict[str, Any]:
        """A demo child as a referrer would describe them: same names (or one slip) and birthday."""
        family_name = child.family_name
        if typo and len(family_name) > 3:
            position = len(family_name) // 2
            family_name = (
                family_name[:position] + family_name[position + 1] + family_name[position] + family_name[position + 2 :]
            )
        address = ChildAddress.objects.filter(child=child, moved_out__isnull=True).first()
        return {
            "child_given_names": child.given_names,
            "child_family_name": family_name,
            "child_date_of_birth": child.date_of_birth,
            "child_address": address.address.replace("\n", ", ") if address else "",
            "child_postcode": address.postcode if address else "",
            "child_school": child.school_or_setting,
        }

    # --- making, submitting and deciding referrals -------------------------------------------

    def refer(self, plan: ReferralPlan, child: dict[str, Any], *, submit: bool = True) -> Referral:
        data = {
            **child,
            "concern_category": plan.category,
            "concern_description": plan.concern,
            "child_said": plan.child_said,
            "urgency": plan.urgency,
            "immediate_risk": plan.immediate_risk,
            "consent": plan.consent,
            "consent_reason": plan.consent_reason,
            "referrer_contact": demo_phone(self.rng),
        }
        referral = services.save_draft(by=plan.referrer.user, receiving_agency=self.front_door, data=data)
        if not submit:
            return referral
        access = policy.get_referral(plan.referrer.user, referral.pk, ReferralAction.EDIT_DRAFT)
        referral = services.submit_referral(access=access)
        return self.backdate(referral, plan.hours_ago)

    def public_concern(self, data: dict[str, Any], *, hours_ago: float) -> Referral:
        referral = services.submit_public_concern(receiving_agency=self.front_door, data=data)
        return self.backdate(referral, hours_ago)

    def backdate(self, referral: Referral, hours_ago: float) -> Referral:
        """Demo history: submitted ``hours_ago``, due as its urgency's timescale runs from then
        (the services always submit now)."""
        if not hours_ago:
            return referral
        submitted_at: datetime = timezone.now() - timedelta(hours=hours_ago)
        due = due_at_for(
            DeadlineKind.REFERRAL_DECISION,
            submitted_at,
            self.front_door.jurisdiction,
            services.timescale_urgency(referral),
        )
        Referral.objects.filter(pk=referral.pk).update(
            created_at=submitted_at, submitted_at=submitted_at, triage_due_at=due
        )
        # The triage deadline moves with it, so the demo's reminders match what the inbox shows.
        Deadline.objects.filter(referral=referral, kind=DeadlineKind.REFERRAL_DECISION).update(
            due_at=due, created_at=submitted_at
        )
        referral.refresh_from_db()
        return referral

    def decide(self, referral: Referral, decision: str, rationale: str, **links: Any) -> Referral:
        """The memorable intake worker takes the referral and decides it, within hours of its
        arrival and on the day it arrived (demo history: the services always decide now): the
        triage deadline is met then, and on accepting it onto a case they join its team then."""
        services.take_referral(access=policy.get_referral(self.intake, referral.pk, ReferralAction.TRIAGE))
        access = policy.get_referral(self.intake, referral.pk, ReferralAction.TRIAGE)
        decided = services.decide_referral(access=access, decision=decision, rationale=rationale, **links)
        if decided.submitted_at is not None:
            arrived = timezone.localtime(decided.submitted_at)
            # The chronology records the referral on the day it arrived, by the worker who joined
            # the team on deciding it: decided the same day, they were on the team by then.
            before_midnight = max(arrived, on_day_at(arrived.date(), hour=23, minute=59))
            decided_at = min(timezone.now(), arrived + timedelta(hours=3), before_midnight)
            Referral.objects.filter(pk=decided.pk).update(decided_at=decided_at)
            decided.decided_at = decided_at
            # Deciding met the triage deadline, then.
            Deadline.objects.filter(
                referral=decided, kind=DeadlineKind.REFERRAL_DECISION, state=DeadlineState.MET
            ).update(met_at=decided_at)
            if decided.linked_case_id is not None:
                CaseTeamMember.objects.filter(
                    case_id=decided.linked_case_id, user=self.intake, added_at__gt=decided_at
                ).update(added_at=decided_at)
        return decided

    # --- which demo children the front door will find --------------------------------------

    def known_children(self) -> tuple[Child, Child, Case]:
        """(a child on a case the intake worker can see, a child on a case they cannot, and
        an open case they cannot see, with room on its chronology, to accept a referral onto)."""
        visible = policy.visible_cases(self.intake)
        open_cases = (
            Case.objects.filter(lead_agency=self.front_door)
            .exclude(status=CaseStatus.CLOSED)
            .annotate(
                current_entries=Count("entries", filter=Q(entries__is_current=True)),
                child_count=Count("children", distinct=True),
            )
            .order_by("reference")
        )
        seen = open_cases.filter(pk__in=visible.values("pk"), child_count=1).first()
        unseen = list(open_cases.exclude(pk__in=visible.values("pk")).filter(child_count=1))
        to_link = next(case for case in unseen if case.current_entries <= MAX_ENTRIES_BEFORE_LINK)
        typo_case = next(case for case in unseen if case.pk != to_link.pk)
        if seen is None:
            raise RuntimeError("The demo intake worker should see at least one demo case.")
        return seen.children.get(), typo_case.children.get(), to_link

    # --- the day's intake --------------------------------------------------------------------

    def seed(self) -> list[Referral]:
        oakfield, health = self.staff["oakfield"], self.staff["health"]
        hospital, police = self.staff["hospital"], self.staff["police"]
        dsl, teacher = oakfield[0], oakfield[-1]
        seen_child, unseen_child, case_to_link = self.known_children()
        made: list[Referral] = []

        # A re-referral: the same child came to the front door four months ago (no further action).
        repeat_child = self.new_child(age=8)
        first = self.refer(
            ReferralPlan(
                dsl,
                ConcernCategory.NEGLECT,
                "Often late and hungry; uniform unwashed. Mum says money is tight since her partner left.",
                hours_ago=24 * 120,
            ),
            repeat_child,
        )
        made.append(
            self.decide(
                first,
                TriageDecision.NO_FURTHER_ACTION,
                "Mum engaged well on the phone and accepted the food bank referral from school; "
                "no safeguarding threshold met. School to monitor.",
            )
        )
        made.append(
            self.refer(
                ReferralPlan(
                    dsl,
                    ConcernCategory.NEGLECT,
                    "Hungry again most mornings and has lost weight; younger brother not brought to nursery "
                    "for two weeks. Mum not answering calls.",
                    child_said="There's no dinner when Mum is sleeping.",
                    hours_ago=3,
                ),
                repeat_child,
            )
        )

        # Professional referrals of the day, most routine, some urgent, one at immediate risk.
        plans: list[tuple[ReferralPlan, dict[str, Any]]] = [
            (
                ReferralPlan(
                    teacher,
                    ConcernCategory.PHYSICAL,
                    "Bruising to both upper arms seen in PE, in the shape of finger marks. Explanation given "
                    "(fell off a bike) does not fit the injury.",
                    child_said="Dad grabbed me because I was too slow.",
                    urgency=Urgency.URGENT,
                    hours_ago=2,
                ),
                self.new_child(age=7),
            ),
            (
                ReferralPlan(
                    dsl,
                    ConcernCategory.EMOTIONAL,
                    "Has become withdrawn and tearful over the term; says she is scared to go home when her "
                    "mother's partner is there.",
                    consent=Consent.NOT_SOUGHT,
                    consent_reason="Asking the mother could put the child at greater risk from the partner.",
                    hours_ago=28,
                ),
                self.new_child(age=9),
            ),
            (
                ReferralPlan(
                    health[0],
                    ConcernCategory.NEGLECT,
                    "New birth visit: baby underweight and home very cold; mother appears low in mood and "
                    "unsure how to make up feeds.",
                    hours_ago=20,
                ),
                self.new_child(age=0, nhs_number=True),
            ),
            (
                ReferralPlan(
                    police[0],
                    ConcernCategory.EMOTIONAL,
                    "Domestic abuse incident last night at the home address; children present and awake. "
                    "DASH risk assessment: high.",
                    urgency=Urgency.URGENT,
                    consent=Consent.OVERRIDDEN,
                    consent_reason="Children Act 1989 s.47 and the DPA 2018 safeguarding of children condition: "
                    "high-risk domestic abuse with children present.",
                    hours_ago=9,
                ),
                self.new_child(age=5),
            ),
            (
                ReferralPlan(
                    police[-1],
                    ConcernCategory.PHYSICAL,
                    "Child found alone at the address at 2am by officers attending a noise complaint; "
                    "visible burns to the hand. Officers are with the child now.",
                    urgency=Urgency.URGENT,
                    immediate_risk=True,
                    consent=Consent.NOT_SOUGHT,
                    consent_reason="Parents not found; the child is in police protection.",
                    hours_ago=0.5,
                ),
                self.new_child(age=4),
            ),
            (
                ReferralPlan(
                    hospital[0],
                    ConcernCategory.PHYSICAL,
                    "Attended the emergency department with a spiral fracture of the forearm; delay of two "
                    "days in seeking treatment.",
                    hours_ago=5,
                ),
                self.known_child(seen_child),
            ),
            (
                ReferralPlan(
                    health[-1],
                    ConcernCategory.NEGLECT,
                    "School nurse: dental pain left untreated for months and head lice persistently; parent "
                    "did not attend two appointments.",
                    hours_ago=4,
                ),
                self.known_child(unseen_child, typo=True),
            ),
            (
                ReferralPlan(
                    teacher,
                    ConcernCategory.SEXUAL,
                    "Sexualised language and drawings well beyond her age; mentioned an older 'boyfriend' "
                    "who picks her up from the park.",
                    hours_ago=52,  # overdue: nobody has decided it yet
                ),
                self.new_child(age=10),
            ),
        ]
        made += [self.refer(plan, child) for plan, child in plans]

        # Accepted onto an existing case the front door's agency leads.
        linked_child = case_to_link.children.get()
        accepted = self.refer(
            ReferralPlan(
                health[0],
                ConcernCategory.NEGLECT,
                "Missed the last three health appointments and the family has moved within Northbridge "
                "without telling the surgery.",
                hours_ago=26,
            ),
            self.known_child(linked_child),
        )
        made.append(
            self.decide(
                accepted,
                TriageDecision.ACCEPTED,
                "Child already open to Children's Services: linked to the existing case; key worker to "
                "follow up missed appointments with the health visitor.",
                link_case=case_to_link,
            )
        )

        # Concerns from the public.
        made.append(
            self.public_concern(
                {
                    "referrer_name": self.fake.name(),
                    "referrer_contact": demo_phone(self.rng),
                    "referrer_relationship": "Neighbour",
                    "child_age_estimate": "About 3",
                    "child_address": f"{self.fake.building_number()} {self.fake.street_name()}, {TOWN}",
                    "child_postcode": demo_postcode(self.rng),
                    "concern_description": "I hear a little one crying for hours most nights and shouting at "
                    "him. I have not seen him outside for weeks.",
                },
                hours_ago=7,
            )
        )
        grandchild = self.new_child(age=6)
        made.append(
            self.public_concern(
                {
                    "referrer_name": f"{self.fake.first_name_female()} {grandchild['child_family_name']}",
                    "referrer_contact": self.fake.free_email(),
                    "referrer_relationship": "Grandmother",
                    "child_given_names": grandchild["child_given_names"],
                    "child_family_name": grandchild["child_family_name"],
                    "child_address": grandchild["child_address"],
                    "child_postcode": grandchild["child_postcode"],
                    "child_school": "Oakfield Primary School",
                    "concern_description": "My daughter is drinking heavily again and my grandson has been "
                    "getting himself to school. He told me he makes his own tea.",
                },
                hours_ago=30,
            )
        )
        made.append(
            self.public_concern(
                {
                    "referrer_relationship": "Member of the public",
                    "child_age_estimate": "Teenage girl, 13 or 14",
                    "child_address": f"Flats above the takeaway on {self.fake.street_name()}, {TOWN}",
                    "concern_description": "A young girl is being dropped off late at night by different older "
                    "men in cars; she looked frightened last time.",
                    "immediate_risk": False,
                },
                hours_ago=1,
            )
        )

        # Drafts still being written: the front door does not see these.
        made.append(
            self.refer(
                ReferralPlan(teacher, ConcernCategory.NEGLECT, "Persistent absence; "), self.new_child(), submit=False
            )
        )
        made.append(
            self.refer(
                ReferralPlan(police[0], ConcernCategory.EMOTIONAL, "Notification following a missing episode."),
                self.new_child(age=14),
                submit=False,
            )
        )
        return made


@transaction.atomic
def seed_referrals(*, seed: int = 2026) -> int:
    """Submit about fifteen synthetic referrals and concerns to the demo front door through the
    referral services (see the module note). Needs the demo people and cases. Returns how many."""
    return len(_ReferralSeeder(seed=seed).seed())
