"""Is this child already known? Candidate children for a referral, ranked.

PostgreSQL finds the candidates in one bounded query: children whose names or aliases are
trigram-similar to the referred names (the ``%`` operator of pg_trgm, served by the GIN
indexes on ``Child.given_names``, ``Child.family_name`` and ``ChildAlias.name``), or who share
a date of birth (or a near miss of it), a postcode or an NHS number. Python then scores each
candidate with :func:`match_score` and keeps the best few.

This module reads every child, whoever asks: it is the engine, not a door. Nothing here may
reach a user except through ``referrals.queries.known_child_matches``, which applies the
need-to-know policy to each candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case as Conditional
from django.db.models import Expression, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, Greatest, Replace, Upper

from cases.models import Child, ChildAddress, ChildAlias

# How many rows each way of finding a candidate (names, aliases, postcode, NHS number)
# contributes before scoring: enough for common surnames, small enough to stay fast.
POOL_PER_SOURCE = 50
# A candidate scoring below this is not shown: a shared date of birth (0.3) or postcode
# (0.1) alone is not a match; both together (0.4) are worth a look.
MIN_SCORE = 0.35
# At or above this, a candidate is a likely match: the front door should look closely.
LIKELY_MATCH = 0.5

# Labels for what matched, in the order they are shown.
NAME, ALIAS, DATE_OF_BIRTH, CLOSE_DATE_OF_BIRTH, POSTCODE, NHS_NUMBER = (
    "name",
    "alias",
    "date of birth",
    "date of birth (close)",
    "postcode",
    "NHS number",
)
# A name or alias at least this similar is reported as matched.
NAME_MATCHED = 0.5


class DateOfBirthMatch(Enum):
    EXACT = "exact"
    CLOSE = "close"  # day and month swapped, or one digit different
    UNKNOWN = "unknown"  # missing on either side: neither for nor against
    DIFFERENT = "different"


class NhsNumberMatch(Enum):
    EXACT = "exact"
    UNKNOWN = "unknown"
    DIFFERENT = "different"


@dataclass(frozen=True)
class Candidate:
    child: Child
    score: float  # 0..1
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """What one candidate has in common with the referral."""

    name: float  # best name similarity, 0..1
    date_of_birth: DateOfBirthMatch
    postcode: bool
    nhs_number: NhsNumberMatch


_DATE_OF_BIRTH_WEIGHT = {
    DateOfBirthMatch.EXACT: 0.3,
    DateOfBirthMatch.CLOSE: 0.1,
    DateOfBirthMatch.UNKNOWN: 0.0,
    DateOfBirthMatch.DIFFERENT: -0.2,
}


def match_score(evidence: Evidence) -> float:
    """How likely the candidate is the referred child, 0..1.

    The name carries most of the weight (0.6 times its similarity); an exact date of birth adds
    0.3, a close one (day and month swapped, one digit off) 0.1, a different one takes 0.2
    away, and an unknown one is neutral; a shared postcode adds 0.1. Without an identifier
    the score stays at or below 0.9. The same NHS number is near-certain: 0.95 or more, so it
    ranks above any match on names and dates alone; a different one takes 0.2 away.

    So a perfect name with the same date of birth scores 0.9; one letter wrong in a name with
    the same date of birth about 0.75; the same name without a date of birth 0.6; a sibling
    (same surname and postcode, another first name and birthday) 0.1 or less.
    """
    score = 0.6 * evidence.name + _DATE_OF_BIRTH_WEIGHT[evidence.date_of_birth]
    score += 0.1 if evidence.postcode else 0.0
    if evidence.nhs_number == NhsNumberMatch.DIFFERENT:
        score -= 0.2
    score = min(max(score, 0.0), 0.9)
    if evidence.nhs_number == NhsNumberMatch.EXACT:
        score = 0.95 + 0.05 * score / 0.9
    return round(score, 3)


# --- comparing the details ---------------------------------------------------------------


def normalised_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def nhs_digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _words(name: str) -> list[str]:
    # As pg_trgm does: case-insensitive, split on anything that is not a letter or digit.
    return [word for word in re.split(r"[^\w]+|_", name.lower()) if word]


def edit_similarity(a: str, b: str) -> float:
    """For a slip of the pen, 1 - (edits to turn one word into the other) / (length of the
    longer), where an edit is a letter changed, dropped, added, or two neighbours swapped
    (optimal string alignment); for words further apart than a slip (more than one edit,
    or one per four letters), 0. Trigrams are harsh with short names ("Ava"/"Eva"); this
    catches a one-letter slip in a name of any length, and says nothing of unrelated names."""
    if not a or not b:
        return 0.0
    longer = max(len(a), len(b))
    if abs(len(a) - len(b)) > max(1, longer // 4):
        return 0.0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    edits = previous[len(b)]
    return 1 - edits / longer if edits <= max(1, longer // 4) else 0.0


def _name_parts_similarity(given: str, family: str, known_given: str, known_family: str) -> float:
    """Both parts must agree: the weaker of (best first-name word) and (family name)."""
    given_words, known_given_words = _words(given), _words(known_given)
    family_text, known_family_text = "".join(_words(family)), "".join(_words(known_family))
    if not given_words or not known_given_words or not family_text or not known_family_text:
        return 0.0
    first = max(edit_similarity(a, b) for a in given_words for b in known_given_words)
    return min(first, edit_similarity(family_text, known_family_text))


def _split_full_name(name: str) -> tuple[str, str]:
    words = _words(name)
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", "")


@dataclass(frozen=True)
class ReferredChild:
    """The child as the referral describes them, normalised for matching."""

    given_names: str
    family_name: str
    other_names: tuple[str, ...]
    date_of_birth: date | None
    postcode: str
    nhs_number: str

    @property
    def full_names(self) -> list[str]:
        """Every full name the child may go by: as referred, swapped, and the other names
        (a lone other name is taken as a first name with the referred family name)."""
        names = [f"{self.given_names} {self.family_name}".strip(), f"{self.family_name} {self.given_names}".strip()]
        for other in self.other_names:
            names.append(other if len(_words(other)) > 1 or not self.family_name else f"{other} {self.family_name}")
        return list(dict.fromkeys(name for name in names if name))

    @property
    def name_pairs(self) -> list[tuple[str, str]]:
        """(first names, family name) readings of the referred names, for part-by-part comparison."""
        given, family = " ".join(_words(self.given_names)), " ".join(_words(self.family_name))
        pairs = [(given, family), (family, given)] + [_split_full_name(name) for name in self.full_names]
        return [(given, family) for given, family in dict.fromkeys(pairs) if given and family]

    def name_similarity(self, trigram: float, child: Child, aliases: Sequence[str]) -> tuple[float, float]:
        """(best similarity to the child's own name, best to an alias): the larger of pg_trgm's
        trigram similarity (``trigram`` came from the database) and the part-by-part edit similarity."""
        own = max(
            (_name_parts_similarity(g, f, child.given_names, child.family_name) for g, f in self.name_pairs),
            default=0.0,
        )
        alias = max(
            (_name_parts_similarity(g, f, *_split_full_name(known)) for known in aliases for g, f in self.name_pairs),
            default=0.0,
        )
        return max(own, trigram), alias

    def date_of_birth_match(self, known: date | None) -> DateOfBirthMatch:
        if self.date_of_birth is None or known is None:
            return DateOfBirthMatch.UNKNOWN
        if known == self.date_of_birth:
            return DateOfBirthMatch.EXACT
        if known in close_dates(self.date_of_birth):
            return DateOfBirthMatch.CLOSE
        return DateOfBirthMatch.DIFFERENT

    def nhs_number_match(self, known: str) -> NhsNumberMatch:
        known_digits = nhs_digits(known)
        if not self.nhs_number or not known_digits:
            return NhsNumberMatch.UNKNOWN
        return NhsNumberMatch.EXACT if known_digits == self.nhs_number else NhsNumberMatch.DIFFERENT


def close_dates(day: date) -> set[date]:
    """Dates a slip of the pen away: day and month swapped, or any one digit of YYYYMMDD changed."""
    found: set[date] = set()
    if day.day <= 12 and day.day != day.month:
        found.add(day.replace(month=day.day, day=day.month))
    digits = day.strftime("%Y%m%d")
    for position in range(len(digits)):
        for digit in "0123456789":
            if digit == digits[position]:
                continue
            text = digits[:position] + digit + digits[position + 1 :]
            try:
                found.add(date(int(text[:4]), int(text[4:6]), int(text[6:])))
            except ValueError:
                continue
    # A slip in the century is not a near miss for a child.
    return {near for near in found if abs(near.year - day.year) <= 10}


# --- finding candidates in PostgreSQL -----------------------------------------------------


def _best(expressions: Sequence[Expression]) -> Expression:
    return expressions[0] if len(expressions) == 1 else Greatest(*expressions)


def _similar(field: str, values: Iterable[str]) -> Q:
    """``field % value`` (pg_trgm, GIN-indexed) for any of the values."""
    condition = Q()
    for value in values:
        condition |= Q(**{f"{field}__trigram_similar": value})
    return condition


def _candidate_ids(referred: ReferredChild) -> QuerySet[Any, Any] | None:
    """Ids of children worth scoring: the union of a few bounded, indexed look-ups."""
    # Either name may have been written in either box, so each is looked for in both fields.
    name_parts = {part for pair in referred.name_pairs for part in pair}
    name_parts |= {" ".join(_words(name)) for name in (referred.given_names, referred.family_name)}
    name_parts.discard("")
    sources: list[QuerySet[Any, Any]] = []
    name_rank: Expression | None = None
    if name_parts:
        name_rank = _best(
            [
                TrigramSimilarity("given_names", given) + TrigramSimilarity("family_name", family)
                for given, family in referred.name_pairs
            ]
            or [TrigramSimilarity(field, part) for field in ("given_names", "family_name") for part in name_parts]
        )
    by_name = _similar("given_names", name_parts) | _similar("family_name", name_parts)
    dates = {referred.date_of_birth, *close_dates(referred.date_of_birth)} if referred.date_of_birth else set()
    by_date = Q(date_of_birth__in=dates) if dates else Q()
    if by_name or by_date:
        # Each pool is cut at POOL_PER_SOURCE in a total order (ties broken by id), so the same
        # question always gets the same candidates, however the rows lie on disk.
        children = Child.objects.filter(by_name | by_date).order_by("pk")
        if name_rank is not None:
            on_the_day = Conditional(When(date_of_birth=referred.date_of_birth, then=Value(1.0)), default=Value(0.0))
            children = children.annotate(rank=name_rank + on_the_day).order_by("-rank", "pk")
        sources.append(children.values_list("pk", flat=True)[:POOL_PER_SOURCE])
    if referred.full_names:
        aliases = (
            ChildAlias.objects.filter(_similar("name", referred.full_names))
            .annotate(rank=_best([TrigramSimilarity("name", name) for name in referred.full_names]))
            .order_by("-rank", "child_id", "pk")
        )
        sources.append(aliases.values_list("child_id", flat=True)[:POOL_PER_SOURCE])
    if referred.postcode:
        addresses = (
            ChildAddress.objects.annotate(normalised=Upper(Replace("postcode", Value(" "), Value(""))))
            .filter(normalised=referred.postcode)
            .order_by("child_id")
        )
        sources.append(addresses.values_list("child_id", flat=True)[:POOL_PER_SOURCE])
    if referred.nhs_number:
        numbered = (
            Child.objects.annotate(digits=Replace("nhs_number", Value(" "), Value("")))
            .filter(digits=referred.nhs_number)
            .order_by("pk")
        )
        sources.append(numbered.values_list("pk", flat=True)[:POOL_PER_SOURCE])
    if not sources:
        return None
    return sources[0].union(*sources[1:]) if len(sources) > 1 else sources[0]


def find_candidates(
    *,
    given_names: str,
    family_name: str,
    other_names: str = "",
    date_of_birth: date | None = None,
    postcode: str = "",
    nhs_number: str = "",
    limit: int = 5,
) -> list[Candidate]:
    """Children who may be the one referred, best first, each with a score (0..1) and what
    matched. One SQL query; every child is considered, whoever asks (see the module note)."""
    referred = ReferredChild(
        given_names=" ".join(given_names.split()),
        family_name=" ".join(family_name.split()),
        other_names=tuple(name.strip() for name in re.split(r"[,;/\n]+", other_names) if name.strip()),
        date_of_birth=date_of_birth,
        postcode=normalised_postcode(postcode),
        nhs_number=nhs_digits(nhs_number),
    )
    ids = _candidate_ids(referred)
    if ids is None:
        return []
    full_name = Concat("given_names", Value(" "), "family_name")
    names = referred.full_names
    children = Child.objects.filter(pk__in=ids).annotate(
        alias_names=ArraySubquery(ChildAlias.objects.filter(child=OuterRef("pk")).values("name")),
        postcodes=ArraySubquery(
            ChildAddress.objects.filter(child=OuterRef("pk")).values(
                normalised=Upper(Replace("postcode", Value(" "), Value("")))
            )
        ),
    )
    if names:
        children = children.annotate(
            name_trigram=_best([TrigramSimilarity(full_name, name) for name in names]),
            alias_trigram=Coalesce(
                Subquery(
                    ChildAlias.objects.filter(child=OuterRef("pk"))
                    .annotate(similarity=_best([TrigramSimilarity("name", name) for name in names]))
                    .order_by("-similarity")
                    .values("similarity")[:1]
                ),
                Value(0.0),
                output_field=FloatField(),
            ),
        )
    candidates = [_candidate(referred, child) for child in children]
    ranked = sorted(
        (c for c in candidates if c.score >= MIN_SCORE), key=lambda c: (-c.score, c.child.family_name, str(c.child.pk))
    )
    return ranked[:limit]


def _candidate(referred: ReferredChild, child: Child) -> Candidate:
    aliases: list[str] = getattr(child, "alias_names", [])
    own, alias = referred.name_similarity(getattr(child, "name_trigram", 0.0), child, aliases)
    alias = max(alias, getattr(child, "alias_trigram", 0.0))
    evidence = Evidence(
        name=max(own, alias),
        date_of_birth=referred.date_of_birth_match(child.date_of_birth),
        postcode=bool(referred.postcode) and referred.postcode in getattr(child, "postcodes", []),
        nhs_number=referred.nhs_number_match(child.nhs_number),
    )
    matched: list[str] = []
    if own >= NAME_MATCHED:
        matched.append(NAME)
    if alias >= NAME_MATCHED and alias > own:
        matched.append(ALIAS)
    if evidence.date_of_birth == DateOfBirthMatch.EXACT:
        matched.append(DATE_OF_BIRTH)
    elif evidence.date_of_birth == DateOfBirthMatch.CLOSE:
        matched.append(CLOSE_DATE_OF_BIRTH)
    if evidence.postcode:
        matched.append(POSTCODE)
    if evidence.nhs_number == NhsNumberMatch.EXACT:
        matched.append(NHS_NUMBER)
    return Candidate(child=child, score=match_score(evidence), matched=tuple(matched))
