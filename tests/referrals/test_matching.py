"""Is this child already known? The matching engine on a synthetic population with planted
near-duplicates, and the need-to-know redaction of its results for the front door."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from faker import Faker

from access_control.models import AccessLogEntry
from access_control.policy import get_referral
from agencies.models import AgencyKind
from cases.models import Child, ChildAddress, ChildAlias
from demo.cases import demo_nhs_number, demo_postcode
from referrals.matching import (
    LIKELY_MATCH,
    DateOfBirthMatch,
    Evidence,
    NhsNumberMatch,
    close_dates,
    edit_similarity,
    find_candidates,
    match_score,
)
from referrals.queries import KnownChild, known_child_matches
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_worker,
)

pytestmark = pytest.mark.django_db

# Formal first names and the short forms children are known by.
NICKNAMES = {
    "Elizabeth": ("Lizzie", "Lizzy"),
    "William": ("Billy", "Billie"),
    "Alexander": ("Alex", "Alec"),
    "Katherine": ("Katie", "Katy"),
    "Thomas": ("Tommy", "Tommie"),
    "Margaret": ("Maggie", "Maggi"),
    "Jennifer": ("Jenny", "Jenni"),
    "Robert": ("Bobby", "Bobbie"),
    "Victoria": ("Tori", "Tory"),
    "Nathaniel": ("Nate", "Nat"),
    "Christopher": ("Chris", "Kris"),
    "Abigail": ("Abbie", "Abby"),
}
KINDS = (
    "letter changed",
    "letter dropped",
    "letters transposed",
    "given and family swapped",
    "referred by an alias",
    "no date of birth",
    "day and month swapped",
    "nickname on record as an alias",
    "letter changed, no date of birth",
)
PLANTED_PER_KIND = 8


@dataclass(frozen=True)
class Planted:
    kind: str
    target: Child
    query: dict[str, Any]


def _population(rng: random.Random, fake: Faker, families: int = 150) -> list[Child]:
    """Families of one to three children sharing a surname and an address, so siblings are
    the near misses a real front door sees; some twins (same birthday too), and a dozen
    namesakes (same names, another family and birthday). Some children have aliases; twelve
    go by a nickname recorded as an alias."""
    today = date(2026, 11, 30)
    children: list[Child] = []
    addresses: list[ChildAddress] = []
    aliases: list[ChildAlias] = []
    formal = list(NICKNAMES)
    for index in range(families):
        family_name = fake.last_name()
        postcode = demo_postcode(rng)
        born: date | None = None
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            female = rng.random() < 0.5
            given = fake.first_name_female() if female else fake.first_name_male()
            if formal and index % 12 == 5:
                given = formal.pop()
            twins = born is not None and index % 10 == 3
            born = born if twins and born else today - timedelta(days=rng.randint(0, 17 * 365))
            child = Child(
                given_names=given, family_name=family_name, date_of_birth=born, nhs_number=demo_nhs_number(rng)
            )
            children.append(child)
            addresses.append(ChildAddress(child=child, address=fake.street_address(), postcode=postcode))
            if given in NICKNAMES:
                aliases.append(ChildAlias(child=child, name=f"{NICKNAMES[given][0]} {family_name}"))
            elif rng.random() < 0.12:
                aliases.append(ChildAlias(child=child, name=f"{given} {fake.last_name()}"))
    for original in rng.sample(children, 12):
        namesake = Child(
            given_names=original.given_names,
            family_name=original.family_name,
            date_of_birth=today - timedelta(days=rng.randint(0, 17 * 365)),
            nhs_number=demo_nhs_number(rng),
        )
        children.append(namesake)
        addresses.append(ChildAddress(child=namesake, address=fake.street_address(), postcode=demo_postcode(rng)))
    Child.objects.bulk_create(children)
    ChildAddress.objects.bulk_create(addresses)
    ChildAlias.objects.bulk_create(aliases)
    return children


def _typo(rng: random.Random, name: str, how: str) -> str:
    position = rng.randrange(1, len(name) - 1)
    if how == "changed":
        letters = [c for c in "aeioulnrstm" if c != name[position].lower()]
        return name[:position] + rng.choice(letters) + name[position + 1 :]
    if how == "dropped":
        return name[:position] + name[position + 1 :]
    while name[position] == name[position + 1] and position > 1:
        position -= 1
    return name[:position] + name[position + 1] + name[position] + name[position + 2 :]


TYPOS = {
    "letter changed": "changed",
    "letter dropped": "dropped",
    "letters transposed": "transposed",
    "letter changed, no date of birth": "changed",
}


def _plant(rng: random.Random, children: list[Child]) -> list[Planted]:
    """PLANTED_PER_KIND referrals of each kind, each about a different child."""
    aliased = {alias.child_id: alias.name for alias in ChildAlias.objects.all()}
    pools = {
        "nickname on record as an alias": [c for c in children if c.given_names in NICKNAMES],
        "referred by an alias": [c for c in children if c.pk in aliased and c.given_names not in NICKNAMES],
        "day and month swapped": [
            c for c in children if c.pk not in aliased and c.date_of_birth and c.date_of_birth.day <= 12
        ],
    }
    plain = [c for c in children if c.pk not in aliased and len(c.given_names) > 3 and len(c.family_name) > 3]
    used: set[object] = set()
    planted: list[Planted] = []
    for kind in KINDS:
        pool = pools.get(kind, plain)
        for turn in range(PLANTED_PER_KIND):
            target = rng.choice([c for c in pool if c.pk not in used])
            used.add(target.pk)
            query: dict[str, Any] = {"given_names": target.given_names, "family_name": target.family_name}
            if kind == "nickname on record as an alias":
                # The nickname as recorded, or another spelling of it.
                query["given_names"] = NICKNAMES[target.given_names][turn % 2]
            elif kind == "referred by an alias":
                query["given_names"], query["family_name"] = aliased[target.pk].rsplit(" ", 1)
            elif kind == "given and family swapped":
                query = {"given_names": target.family_name, "family_name": target.given_names}
            elif kind in TYPOS:
                field = rng.choice(["given_names", "family_name"])
                query[field] = _typo(rng, query[field], TYPOS[kind])
            dob = target.date_of_birth
            assert dob is not None
            if kind == "day and month swapped":
                query["date_of_birth"] = dob.replace(day=dob.month, month=dob.day)
            elif "no date of birth" not in kind:
                query["date_of_birth"] = dob
            # Half of the referrers know where the child lives.
            if turn % 2 == 0:
                query["postcode"] = target.addresses.get().postcode.lower().replace(" ", "")
            planted.append(Planted(kind, target, query))
    return planted


def test_matching_finds_planted_near_duplicates_among_synthetic_children():
    """Recall and precision of the top-5 candidates over planted near-duplicates.

    The population is about 250 synthetic children (Faker en_GB, seeded) in families that
    share a surname and postcode, with NHS numbers, addresses and some aliases. Each planted
    referral describes one of them with a slip: a letter changed, dropped or transposed;
    given and family names swapped; an alias; no date of birth; day and month swapped; a
    nickname that is on record as an alias; a typo and no date of birth. No referral gives an
    NHS number (that would make the match trivial); half give the postcode.

    - recall = share of planted referrals whose target is among the top 5 candidates;
    - precision = of all top-5 slots scoring at least LIKELY_MATCH (0.5, the score the front
      door treats as a likely match), the share holding the planted target: how much of what
      is flagged as likely is right.
    """
    rng = random.Random(2026)
    fake = Faker("en_GB")
    fake.seed_instance(2026)
    children = _population(rng, fake)
    planted = _plant(rng, children)
    assert len(children) >= 200
    assert len(planted) >= 40

    found = likely = likely_right = 0
    missed: Counter[str] = Counter()
    for item in planted:
        candidates = find_candidates(**item.query)
        ids = [c.child.pk for c in candidates]
        if item.target.pk in ids:
            found += 1
        else:
            missed[item.kind] += 1
        for candidate in candidates:
            if candidate.score >= LIKELY_MATCH:
                likely += 1
                likely_right += candidate.child.pk == item.target.pk
    recall = found / len(planted)
    precision = likely_right / likely if likely else 0.0
    print(
        f"\nmatching: recall={recall:.3f} precision={precision:.3f} over {len(planted)} planted "
        f"among {len(children)} children; missed by kind: {dict(missed) or 'none'}"
    )
    assert recall >= 0.95
    assert precision >= 0.8


def test_nhs_number_match_ranks_first():
    namesake = ChildFactory.create(given_names="Amara", family_name="Okafor", date_of_birth=date(2015, 3, 4))
    numbered = ChildFactory.create(
        given_names="Amarah", family_name="Okafor", date_of_birth=date(2016, 7, 9), nhs_number="943 476 5919"
    )
    candidates = find_candidates(
        given_names="Amara", family_name="Okafor", date_of_birth=date(2015, 3, 4), nhs_number="9434765919"
    )
    assert [c.child for c in candidates[:2]] == [numbered, namesake]
    assert "NHS number" in candidates[0].matched
    assert candidates[0].score >= 0.95


def test_child_with_nothing_in_common_is_not_returned():
    ChildFactory.create(given_names="Amara", family_name="Okafor", date_of_birth=date(2015, 3, 4))
    stranger = ChildFactory.create(given_names="Zebedee", family_name="Quartermaine", date_of_birth=date(2012, 1, 1))
    ChildAddress.objects.create(child=stranger, address="1 High Street", postcode="NB9 9ZZ")
    assert [c.child.given_names for c in find_candidates(given_names="Amara", family_name="Okafor")] == ["Amara"]
    assert find_candidates(given_names="Priya", family_name="Venkataraman", date_of_birth=date(2019, 5, 6)) == []


def test_a_shared_postcode_or_birthday_alone_is_not_a_match():
    child = ChildFactory.create(given_names="Zebedee", family_name="Quartermaine", date_of_birth=date(2012, 1, 1))
    ChildAddress.objects.create(child=child, address="1 High Street", postcode="NB9 9ZZ")
    assert find_candidates(given_names="Priya", family_name="Shah", postcode="nb99zz") == []
    assert find_candidates(given_names="Priya", family_name="Shah", date_of_birth=date(2012, 1, 1)) == []


def test_candidates_come_from_one_query_whatever_the_details():
    child = ChildFactory.create(given_names="Oliver", family_name="Smith", nhs_number="943 476 5919")
    ChildAddress.objects.create(child=child, address="1 High Street", postcode="NB1 2AB")
    ChildAlias.objects.create(child=child, name="Olly Jones")
    with CaptureQueriesContext(connection) as queries:
        candidates = find_candidates(
            given_names="Olivr",
            family_name="Smith",
            other_names="Olly Jones, Ollie",
            date_of_birth=child.date_of_birth,
            postcode="nb1 2ab",
            nhs_number="943 476 5919",
        )
    assert len(queries.captured_queries) == 1
    assert candidates[0].child == child
    assert set(candidates[0].matched) == {"name", "alias", "date of birth", "postcode", "NHS number"}


def test_scoring_weighs_name_date_of_birth_postcode_and_nhs_number():
    exact = Evidence(1.0, DateOfBirthMatch.EXACT, False, NhsNumberMatch.UNKNOWN)
    assert match_score(exact) == 0.9
    assert match_score(Evidence(1.0, DateOfBirthMatch.UNKNOWN, False, NhsNumberMatch.UNKNOWN)) == 0.6
    assert match_score(Evidence(1.0, DateOfBirthMatch.DIFFERENT, False, NhsNumberMatch.UNKNOWN)) == 0.4
    assert match_score(Evidence(0.0, DateOfBirthMatch.EXACT, True, NhsNumberMatch.UNKNOWN)) == 0.4
    assert match_score(Evidence(0.0, DateOfBirthMatch.DIFFERENT, False, NhsNumberMatch.EXACT)) == 0.95
    assert match_score(Evidence(1.0, DateOfBirthMatch.EXACT, True, NhsNumberMatch.EXACT)) == 1.0


def test_close_dates_and_edit_similarity_catch_slips():
    assert date(2015, 4, 3) in close_dates(date(2015, 3, 4))
    assert date(2015, 3, 14) in close_dates(date(2015, 3, 4))
    assert date(2915, 3, 4) not in close_dates(date(2015, 3, 4))
    assert edit_similarity("smith", "smiht") == pytest.approx(0.8)
    assert edit_similarity("ava", "eva") == pytest.approx(2 / 3)
    assert edit_similarity("christopher", "chirstohper") == pytest.approx(1 - 2 / 11)
    assert edit_similarity("kieran", "duncan") == 0.0
    assert edit_similarity("wood", "cook") == 0.0


# --- known_child_matches: the front door's view, through the policy ------------------------


@pytest.fixture
def front_door() -> dict[str, Any]:
    """A referral about "Kayden Marsh" to a front door; the intake worker's view of matches."""
    receiving = AgencyFactory.create(
        name="Riverside Children's Services",
        kind=AgencyKind.CHILDRENS_SOCIAL_CARE,
        takes_referrals=True,
        front_door_contact="01632 960 001 (MASH)",
    )
    referral = ReferralFactory.create(
        receiving_agency=receiving,
        child_given_names="Kayden",
        child_family_name="Marsh",
        child_date_of_birth=date(2017, 6, 2),
    )
    return {"receiving": receiving, "referral": referral, "worker": front_door_worker(receiving)}


def _child_on_case(lead_agency: Any, **child: Any) -> tuple[Child, Any]:
    case = CaseFactory.create(lead_agency=lead_agency)
    kid = case.children.get()
    for name, value in child.items():
        setattr(kid, name, value)
    kid.save()
    return kid, case


def test_child_known_elsewhere_shows_only_the_agency_and_how_to_reach_it(front_door):
    police = AgencyFactory.create(name="Hillcrest Police", kind=AgencyKind.POLICE, front_door_contact="")
    elsewhere = AgencyFactory.create(
        name="Easton Children's Services", front_door_contact="easton-mash@council.example"
    )
    kid, police_case = _child_on_case(police, given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    other_case = CaseFactory.create(lead_agency=elsewhere)
    other_case.children.add(kid)

    access = get_referral(front_door["worker"], front_door["referral"].pk)
    matches = known_child_matches(access)

    assert len(matches) == 1
    known = matches[0]
    assert known.child is None
    assert known.cases == ()
    assert known.linkable_cases == ()
    assert set(known.known_to) == {
        ("Hillcrest Police", "its safeguarding team"),
        ("Easton Children's Services", "easton-mash@council.example"),
    }
    assert known.score >= LIKELY_MATCH and "name" in known.matched
    # Nothing of the record travels with the match.
    assert "Kayden" not in repr(known) and str(police_case.pk) not in repr(known)
    assert {f.name for f in fields(KnownChild)} == {"score", "matched", "child", "cases", "linkable_cases", "known_to"}


def test_own_agency_case_out_of_sight_is_linkable_by_reference_only(front_door):
    _kid, own_case = _child_on_case(
        front_door["receiving"], given_names="Kaiden", family_name="Marsh", date_of_birth=date(2017, 6, 2)
    )
    access = get_referral(front_door["worker"], front_door["referral"].pk)
    [known] = known_child_matches(access)

    assert known.child is None
    assert known.cases == ()
    assert [case.pk for case in known.linkable_cases] == [own_case.pk]
    assert known.linkable_cases[0].reference == own_case.reference
    assert known.known_to == (("Riverside Children's Services", "01632 960 001 (MASH)"),)
    assert "Kaiden" not in repr(known)


def test_visible_match_shows_the_child_and_their_cases(front_door):
    kid, case = _child_on_case(
        front_door["receiving"], given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2)
    )
    TeamMemberFactory.create(case=case, user=front_door["worker"], agency=front_door["receiving"])
    hidden = CaseFactory.create(lead_agency=AgencyFactory.create(name="Hillcrest Police", kind=AgencyKind.POLICE))
    hidden.children.add(kid)

    access = get_referral(front_door["worker"], front_door["referral"].pk)
    [known] = known_child_matches(access)

    assert known.child == kid
    assert known.cases == (case,)
    assert known.linkable_cases == (case,)
    assert known.known_to == (("Hillcrest Police", "its safeguarding team"),)
    assert set(known.matched) >= {"name", "date of birth"}


def test_matching_is_logged_once_and_skips_children_with_no_case(front_door):
    ChildFactory.create(given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    access = get_referral(front_door["worker"], front_door["referral"].pk)
    before = AccessLogEntry.objects.filter(action="match_children").count()
    assert known_child_matches(access) == []
    rows = AccessLogEntry.objects.filter(action="match_children")
    assert rows.count() == before + 1
    row = rows.latest("id")
    assert row.user == front_door["worker"] and row.object_id == str(front_door["referral"].pk)


def test_out_of_sight_linkable_case_loads_nothing_but_its_reference(front_door):
    _kid, own_case = _child_on_case(
        front_door["receiving"], given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2)
    )
    [known] = known_child_matches(get_referral(front_door["worker"], front_door["referral"].pk))
    [linkable] = known.linkable_cases
    assert linkable.reference == own_case.reference
    assert {"status", "risk_level", "category", "lead_worker_id", "opened_on", "closure_reason"} <= (
        linkable.get_deferred_fields()
    )


def test_only_the_receiving_front_door_asks_whether_a_child_is_known(front_door):
    referral = front_door["referral"]
    with pytest.raises(PermissionDenied):
        known_child_matches(get_referral(referral.referrer, referral.pk))
    denied = AccessLogEntry.objects.get(action="match_children", user=referral.referrer)
    assert denied.outcome == AccessLogEntry.Outcome.DENIED


def test_matching_reads_a_fixed_number_of_queries_however_many_children_match(front_door):
    access = get_referral(front_door["worker"], front_door["referral"].pk)

    def another_known_child(given: str) -> None:
        _kid, case = _child_on_case(
            AgencyFactory.create(), given_names=given, family_name="Marsh", date_of_birth=date(2017, 6, 2)
        )
        TeamMemberFactory.create(case=case, user=front_door["worker"], agency=front_door["receiving"])

    _child_on_case(front_door["receiving"], given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    another_known_child("Kaiden")
    with CaptureQueriesContext(connection) as two:
        assert len(known_child_matches(access)) == 2
    another_known_child("Kayden")
    another_known_child("Caden")
    with CaptureQueriesContext(connection) as four:
        assert len(known_child_matches(access)) == 4
    assert len(four.captured_queries) == len(two.captured_queries)


# --- determinism ------------------------------------------------------------------------


def test_many_equal_matches_always_give_the_same_candidates_the_first_by_id():
    """Far more equally good matches than a look-up's pool holds: the pool is cut in a total
    order, so the candidates are the same on every call (the first by id), never whichever
    rows the server met first."""
    twins = ChildFactory.create_batch(200, given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    first = find_candidates(given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    second = find_candidates(given_names="Kayden", family_name="Marsh", date_of_birth=date(2017, 6, 2))
    assert [c.child.pk for c in first] == [c.child.pk for c in second]
    assert [c.child.pk for c in first] == sorted((child.pk for child in twins), key=str)[:5]
