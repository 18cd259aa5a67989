"""How fast and how honest the child matcher is among 1,000,000 children. Run with
`make bench`; it is not part of `make test`. The database is pytest-django's throwaway test
database on the embedded PostgreSQL (or DATABASE_URL's server).

The population is written by COPY: Faker-made (en_GB, seeded) children in families of one
to three who share a surname and an address (some twins, who share a birthday too), names
drawn with a realistic skew (common surnames and first names recur thousands of times),
12% with an alias. Into it go:

- the project's matching test set (``tests/referrals/test_matching.py``: ~270 children and
  72 planted referrals about them, each with a slip);
- more planted referrals about children of the big population, made the same way;
- referrals about children who are NOT known, each with distractors planted around it:
  a child with the same first name and date of birth but another surname, a sibling-like
  child with the same surname and postcode but another first name and birthday, one with
  the same surname and postcode born on the day and month swapped, and a namesake born in
  another year elsewhere. None of them is the referred child, so none may be shown as a
  likely match (score >= LIKELY_MATCH).

Printed: p50/p95/max per query (the whole of ``find_candidates``, wall clock; with and
without a date of birth), recall on the test set and on the population's planted referrals,
the share of unknown children's referrals shown a likely match, the server's planning +
execution time of every referral's query (EXPLAIN ANALYZE, less at the mercy of a busy
machine than the wall clock) with the scan nodes of all the plans, and the plan of the
query for a few referrals. Asserted: the same referral twice gives the same candidates in
the same order, and no plan reads a whole table (no Seq Scan).

BENCH_CHILDREN (default 1,000,000), BENCH_PLANTED and BENCH_UNKNOWN (150 each) size it."""

from __future__ import annotations

import itertools
import os
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from faker import Faker

from benchmarks.figures import percentile
from cases.models import Child, ChildAddress
from demo.cases import demo_nhs_number
from referrals.matching import LIKELY_MATCH, find_candidates
from tests.referrals.near_misses import birthday, unknown_children

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "1000000"))
PLANTED_FROM_POPULATION = int(os.environ.get("BENCH_PLANTED", "150"))
UNKNOWN = int(os.environ.get("BENCH_UNKNOWN", "150"))
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
POPULATION_CREATED = datetime(2026, 1, 1, tzinfo=UTC)  # tells the big population from the planted
KINDS = (
    "letter changed",
    "letter dropped",
    "letters transposed",
    "given and family swapped",
    "no date of birth",
    "day and month swapped",
    "letter changed, no date of birth",
)


@dataclass(frozen=True)
class Names:
    """Name pools with a realistic skew: Faker en_GB's weighted surnames and its first names
    (a few hundred each, so the common ones recur thousands of times in a million), plus a
    long tail drawn from other English-speaking locales."""

    female: list[str]
    male: list[str]
    family: list[str]
    family_weights: list[float]  # cumulative
    female_weights: list[float]  # cumulative
    male_weights: list[float]  # cumulative


def _names() -> Names:
    gb = Faker("en_GB").provider("faker.providers.person")
    female, male = list(gb.first_names_female), list(gb.first_names_male)
    surnames = dict(gb.last_names)
    tail_female: set[str] = set()
    tail_male: set[str] = set()
    tail_family: set[str] = set()
    for locale in ("en_US", "en_IE", "en_IN", "en_NZ"):
        person = Faker(locale).provider("faker.providers.person")
        tail_female |= set(getattr(person, "first_names_female", ()))
        tail_male |= set(getattr(person, "first_names_male", ()))
        tail_family |= set(getattr(person, "last_names", ()))
    names = [n for n in sorted(tail_family - set(surnames)) if n.isalpha()]
    total = sum(surnames.values())
    # Faker en_GB's surnames carry 80% of the weight, the long tail 20% (evenly).
    family = [*surnames, *names]
    weights = [0.8 * w / total for w in surnames.values()] + [0.2 / max(1, len(names))] * len(names)
    female += sorted(n for n in tail_female - set(female) if n.isalpha())
    male += sorted(n for n in tail_male - set(male) if n.isalpha())

    # First names: Zipf-like within each list (the first ones are the common ones).
    def zipf(pool: list[str]) -> list[float]:
        return list(itertools.accumulate(1 / (rank + 15) for rank in range(len(pool))))

    return Names(female, male, family, list(itertools.accumulate(weights)), zipf(female), zipf(male))


def _postcode(rng: random.Random) -> str:
    # A made-up area ("NB", as the demo's) with about 250,000 postcodes: a few children each.
    letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
    return f"N{rng.choice('BGQ')}{rng.randint(1, 99)} {rng.randint(1, 9)}{letters}"


def _population_rows(
    rng: random.Random, names: Names, children: int
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...] | None]]:
    """(child, address, alias or None) rows: families of 1-3 sharing surname and address."""
    created = POPULATION_CREATED
    made = 0
    while made < children:
        family_name = rng.choices(names.family, cum_weights=names.family_weights)[0]
        postcode = _postcode(rng)
        street = f"{rng.randint(1, 250)} {rng.choice(names.family)} {rng.choice(('Road', 'Street', 'Close'))}"
        born: date | None = None
        for _ in range(min(rng.choice((1, 1, 2, 2, 3)), children - made)):
            female = rng.random() < 0.5
            pool, weights = (names.female, names.female_weights) if female else (names.male, names.male_weights)
            given = rng.choices(pool, cum_weights=weights)[0]
            twins = born is not None and rng.random() < 0.03
            born = born if twins and born else birthday(rng)
            child_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            nhs = demo_nhs_number(rng) if rng.random() < 0.85 else ""
            child = (
                child_id,
                given,
                family_name,
                born,
                False,
                "female" if female else "male",
                "",
                "",
                "",
                False,
                "",
                "",
                "",
                "",
                nhs,
                "",
                created,
            )
            address = (child_id, f"{street}\nNorbridge", postcode, born, None)
            alias = None
            if rng.random() < 0.12:
                alias = (child_id, f"{given} {rng.choices(names.family, cum_weights=names.family_weights)[0]}")
            made += 1
            yield child, address, alias


CHILD_COLUMNS = (
    "id, given_names, family_name, date_of_birth, date_of_birth_estimated, sex, gender_identity, ethnicity, "
    "first_language, interpreter_needed, religion, cultural_needs, disability, school_or_setting, nhs_number, "
    "other_identifier, created_at"
)
ADDRESS_COLUMNS = "child_id, address, postcode, moved_in, moved_out"
TABLES = ("cases_child", "cases_childaddress", "cases_childalias")


def populate(children: int, *, seed: int = 2026) -> float:
    """Write ``children`` synthetic children (with addresses and aliases) by COPY, building
    the tables' secondary indexes afterwards (as a bulk load would); seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    names = _names()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT LIKE %s",
            [list(TABLES), "%_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        raw = cursor.connection.cursor()
        rows = _population_rows(rng, names, children)
        while batch := list(itertools.islice(rows, 50_000)):
            # One COPY at a time on a connection: each table's rows of the batch in turn.
            with raw.copy(f"COPY cases_child ({CHILD_COLUMNS}) FROM STDIN") as copy:
                for child, _address, _alias in batch:
                    copy.write_row(child)
            with raw.copy(
                "COPY cases_childaddress (child_id, address, postcode, moved_in, moved_out) FROM STDIN"
            ) as copy:
                for _child, address, _alias in batch:
                    copy.write_row(address)
            with raw.copy("COPY cases_childalias (child_id, name) FROM STDIN") as copy:
                for _child, _address, alias in batch:
                    if alias is not None:
                        copy.write_row(alias)
        for _name, definition in indexes:
            cursor.execute(definition)
    return time.perf_counter() - started


# --- the referrals -----------------------------------------------------------------------


@dataclass(frozen=True)
class Referral:
    group: str  # "test set", "population" or "unknown"
    kind: str
    query: dict[str, Any]
    target: Any  # the child's pk, or None for a child who is not known


def _typo(rng: random.Random, name: str, kind: str) -> str:
    from tests.referrals.test_matching import TYPOS, _typo

    return _typo(rng, name, TYPOS[kind]) if kind in TYPOS else name


def _from_population(rng: random.Random, count: int) -> list[Referral]:
    """Referrals about children of the big population, with the test set's kinds of slip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.given_names, c.family_name, c.date_of_birth, a.postcode FROM cases_child c "
            "JOIN cases_childaddress a ON a.child_id = c.id "
            "WHERE c.created_at = %s AND length(c.given_names) > 3 AND length(c.family_name) > 3 "
            "AND extract(day FROM c.date_of_birth) <= 12 "
            "ORDER BY c.id LIMIT %s",
            [POPULATION_CREATED, count * 3],
        )
        rows = rng.sample(cursor.fetchall(), count)
    referrals: list[Referral] = []
    for turn, (pk, given, family, born, postcode) in enumerate(rows):
        kind = KINDS[turn % len(KINDS)]
        query: dict[str, Any] = {"given_names": given, "family_name": family}
        if kind == "given and family swapped":
            query = {"given_names": family, "family_name": given}
        elif kind.startswith("letter"):
            field = rng.choice(["given_names", "family_name"])
            query[field] = _typo(rng, query[field], kind)
        if kind == "day and month swapped":
            query["date_of_birth"] = born.replace(day=born.month, month=born.day)
        elif "no date of birth" not in kind:
            query["date_of_birth"] = born
        if turn % 2 == 0:
            query["postcode"] = postcode.lower()
        referrals.append(Referral("population", kind, query, pk))
    return referrals


def _unknown_with_distractors(rng: random.Random, count: int) -> list[Referral]:
    """Referrals about children nobody knows, each with four near misses planted around it
    (tests/referrals/near_misses.py), in this area's postcodes."""
    fake = Faker("en_GB")
    fake.seed_instance(7)
    unknown = unknown_children(rng, fake, count, postcode=_postcode)
    children = [
        Child(
            given_names=near.given_names,
            family_name=near.family_name,
            date_of_birth=near.date_of_birth,
            nhs_number=near.nhs_number,
        )
        for item in unknown
        for near in item.near_misses
    ]
    postcodes = [near.postcode for item in unknown for near in item.near_misses]
    Child.objects.bulk_create(children)
    ChildAddress.objects.bulk_create(
        [
            ChildAddress(child=child, address="1 Mill Lane\nNorbridge", postcode=code)
            for child, code in zip(children, postcodes, strict=True)
        ]
    )
    return [Referral("unknown", "not known", item.query, None) for item in unknown]


def _test_set() -> list[Referral]:
    from tests.referrals.test_matching import _plant, _population

    fake = Faker("en_GB")
    fake.seed_instance(2026)
    planted = _plant(random.Random(2026), _population(random.Random(2026), fake))
    return [Referral("test set", item.kind, item.query, item.target.pk) for item in planted]


def _sql(query: dict[str, Any]) -> str:
    """The one query find_candidates sends for ``query``, as sent."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        find_candidates(**query)
    [sent] = captured.captured_queries
    return sent["sql"]


def _server_milliseconds(query: dict[str, Any]) -> tuple[float, list[str]]:
    """Planning + execution time in the server (EXPLAIN ANALYZE, TIMING OFF), and the scan
    nodes of the plan: less at the mercy of a busy machine than the wall clock."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {_sql(query)}")
        [[plan]] = cursor.fetchall()
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Scan" in node["Node Type"] and "Subquery" not in node["Node Type"]:
            found.append(f"{node['Node Type']} on {node.get('Index Name') or node.get('Relation Name')}")
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan[0]["Plan"])
    return plan[0]["Planning Time"] + plan[0]["Execution Time"], found


def _plan(query: dict[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the one query find_candidates sends."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {_sql(query)}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.timeout(0)  # a benchmark runs as long as it takes: no suite timeout
@pytest.mark.django_db(transaction=True)
def test_matching_among_a_million_children() -> None:
    rng = random.Random(11)
    loaded = populate(CHILDREN)
    referrals = _test_set() + _unknown_with_distractors(rng, UNKNOWN)
    referrals += _from_population(rng, PLANTED_FROM_POPULATION)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")  # autocommit here: a transactional test
    total = Child.objects.count()
    print(f"\n{total:,} children loaded in {loaded:.0f} s; {len(referrals)} referrals")
    run(referrals)


def run(referrals: list[Referral]) -> dict[str, Any]:
    for referral in referrals[:20]:  # warm the caches, as a running server's would be
        find_candidates(**referral.query)
    timings: list[float] = []
    found: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    likely_wrong = 0
    missed_details: list[tuple[Referral, list[Any]]] = []
    for referral in referrals:
        started = time.perf_counter()
        candidates = find_candidates(**referral.query)
        timings.append((time.perf_counter() - started) * 1000)
        asked[referral.group] += 1
        if referral.target is None:
            likely_wrong += any(c.score >= LIKELY_MATCH for c in candidates)
        elif referral.target in [c.child.pk for c in candidates]:
            found[referral.group] += 1
        else:
            missed[(referral.group, referral.kind)] += 1
            missed_details.append((referral, candidates))
    # Determinism: the same referral twice gives the same candidates in the same order.
    for referral in referrals[::25]:
        first = [(c.child.pk, c.score) for c in find_candidates(**referral.query)]
        assert first == [(c.child.pk, c.score) for c in find_candidates(**referral.query)]
    by_date = {"with a date of birth": [], "without": []}  # type: dict[str, list[float]]
    for referral, took in zip(referrals, timings, strict=True):
        by_date["with a date of birth" if referral.query.get("date_of_birth") else "without"].append(took)
    figures = {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
        "recall_test_set": found["test set"] / asked["test set"],
        "recall_population": found["population"] / max(1, asked["population"]),
        "false_likely": likely_wrong / max(1, asked["unknown"]),
    }
    print(
        f"matching over {len(timings)} referrals: p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, "
        f"max {figures['max']:.0f} ms\n"
        f"recall: test set {figures['recall_test_set']:.3f} ({found['test set']}/{asked['test set']}), "
        f"population {figures['recall_population']:.3f} ({found['population']}/{asked['population']}); "
        f"missed: {dict(missed) or 'none'}\n"
        f"children not known shown a likely match: {figures['false_likely']:.3f} "
        f"({likely_wrong}/{asked['unknown']})"
    )
    for referral, candidates in missed_details:
        target = Child.objects.get(pk=referral.target)
        print(
            f"  missed {referral.query} (the child: {target.full_name}, born {target.date_of_birth}); shown: "
            + ", ".join(f"{c.child.full_name} {c.child.date_of_birth} {c.score}" for c in candidates)
        )
    for label, times in by_date.items():
        if times:
            print(
                f"  {label}: {len(times)} referrals, p50 {statistics.median(times):.0f} ms, "
                f"p95 {percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms"
            )
    server: list[float] = []
    nodes: Counter[str] = Counter()
    for referral in referrals:
        took, scans = _server_milliseconds(referral.query)
        server.append(took)
        nodes.update(scans)
    figures["server_p50"], figures["server_p95"] = statistics.median(server), percentile(server, 0.95)
    print(
        f"in the server (planning + execution): p50 {figures['server_p50']:.1f} ms, "
        f"p95 {figures['server_p95']:.1f} ms, max {max(server):.1f} ms\n"
        f"scan nodes over all {len(referrals)} plans: {dict(nodes.most_common())}"
    )
    assert not any(node.startswith("Seq Scan") for node in nodes), "a candidate look-up reads a whole table"
    for referral in (referrals[0], referrals[-1], next(r for r in referrals if "date_of_birth" not in r.query)):
        print(f"plan for {referral.query}:\n{_plan(referral.query)}")
    return figures
