"""Referrals about children nobody knows, each with four near misses planted around it: one
recipe for the distractor test (tests/referrals/test_matching_distractors.py) and the
matching benchmark (benchmarks/bench_matching.py), which write the children each their own
way (one by one; in bulk among a million)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from faker import Faker

from demo.cases import demo_nhs_number, demo_postcode
from referrals.matching import close_dates, edit_similarity, trigram_similarity

# Birth dates are drawn back from this fixed day; nothing compares it with the clock.
BIRTHS_UP_TO = date(2026, 11, 30)


@dataclass(frozen=True)
class NearMiss:
    """A child who is not the one referred, close to them on purpose."""

    given_names: str
    family_name: str
    date_of_birth: date
    postcode: str
    nhs_number: str = ""


@dataclass(frozen=True)
class Unknown:
    """A referral (``find_candidates``' keywords) about a child who is not known, and the
    near misses planted around that child."""

    query: dict[str, object]
    near_misses: list[NearMiss]


def birthday(rng: random.Random) -> date:
    """A child's birthday: up to 17 years back."""
    return BIRTHS_UP_TO - timedelta(days=rng.randint(0, 17 * 365))


def _alike(a: str, b: str) -> bool:
    """Names a slip of the pen or a few shared trigrams apart: not "another" name."""
    return edit_similarity(a.lower(), b.lower()) > 0 or trigram_similarity(a, b) >= 0.3


def unknown_children(
    rng: random.Random, fake: Faker, count: int, *, postcode: Callable[[random.Random], str] = demo_postcode
) -> list[Unknown]:
    """``count`` referrals about children nobody knows (every other one with a postcode), each
    with: another family's child of the same first name and birthday; a sibling (same surname
    and postcode, another first name and birthday); a sibling born on the day and month
    swapped; and a namesake born on another day, not a slip of the pen away, elsewhere."""
    unknown: list[Unknown] = []
    for turn in range(count):
        female = turn % 2 == 0
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name()
        born = birthday(rng)
        while born.day > 12 or born.day == born.month:  # the swapped date must be another date
            born = birthday(rng)
        home = postcode(rng)
        other = fake.first_name_male() if female else fake.first_name_female()
        while _alike(other, given):
            other = fake.first_name_male() if female else fake.first_name_female()
        another_family = fake.last_name()
        while _alike(another_family, family):
            another_family = fake.last_name()
        another_day = birthday(rng)
        while another_day == born or another_day in close_dates(born):
            another_day = birthday(rng)
        near = [
            NearMiss(given, another_family, born, postcode(rng)),
            NearMiss(other, family, birthday(rng), home),
            NearMiss(other, family, born.replace(day=born.month, month=born.day), home),
            NearMiss(given, family, another_day, postcode(rng)),
        ]
        near = [replace(child, nhs_number=demo_nhs_number(rng)) for child in near]
        query: dict[str, object] = {"given_names": given, "family_name": family, "date_of_birth": born}
        if turn % 2 == 0:
            query["postcode"] = home.lower().replace(" ", "")
        unknown.append(Unknown(query, near))
    return unknown
