"""Is this child already known? Candidate children for a referral, ranked.

PostgreSQL finds the candidates in one query, a union of bounded look-ups each served by an
index and reading only the rows of its own key, so its cost does not grow with the number of
children (see :func:`_candidate_ids`): exact keys first (born on the day, or on a near-miss
day with a name exact; the names exact, or one slip away in a short name; the postcode; the
NHS number), and, when there is no date of birth to go on, names and aliases trigram-similar
(the ``%`` operator of pg_trgm, on the GIN indexes of ``Child.given_names``,
``Child.family_name`` and ``ChildAlias.name``). Python then scores each candidate with
:func:`match_score`, comparing first names and family name each on its own, and keeps the
best few.

This module reads every child, whoever asks: it is the engine, not a door. Nothing here may
reach a user except through ``referrals.queries.known_child_matches``, which applies the
need-to-know policy to each candidate.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Expression, FloatField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest, Lower, Replace, Upper

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


@functools.lru_cache(maxsize=65_536)
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


@functools.lru_cache(maxsize=65_536)
def trigrams(text: str) -> frozenset[str]:
    """The trigrams pg_trgm takes from a text: each word (letters and digits), lower-cased,
    with two spaces before it and one after."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over all trigrams of either."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)


def _part_similarity(a: str, b: str) -> float:
    return max(edit_similarity(a, b), trigram_similarity(a, b))


def _given_words(names: str) -> list[str]:
    # An initial ("J", or the "O" of "O'Connor" read as a first name) is not a first name to
    # agree on: "o" is in too many names.
    words = _words(names)
    return [word for word in words if len(word) > 1] or words


@functools.lru_cache(maxsize=65_536)
def _name_parts_similarity(given: str, family: str, known_given: str, known_family: str) -> float:
    """Both parts must agree: the weaker of (first names) and (family name), each the better
    of a slip of the pen (:func:`edit_similarity`, word by word for first names) and pg_trgm's
    trigram similarity. A shared first name says nothing of another family's child: "Oliver
    Jones" is not "Oliver Smith", however many letters the two full names share."""
    given_words, known_given_words = _given_words(given), _given_words(known_given)
    family_text, known_family_text = "".join(_words(family)), "".join(_words(known_family))
    if not given_words or not known_given_words or not family_text or not known_family_text:
        return 0.0
    first = max(
        max(edit_similarity(a, b) for a in given_words for b in known_given_words),
        trigram_similarity(given, known_given),
    )
    return min(first, _part_similarity(family_text, known_family_text))


def _single_similarity(name: str, known: str) -> float:
    words, known_words = _given_words(name), _given_words(known)
    if not words or not known_words:
        return 0.0
    return max(
        max(edit_similarity(a, b) for a in words for b in known_words),
        trigram_similarity(name, known),
    )


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

    @property
    def single_name(self) -> str:
        """The one name given, when the referral has no reading in two parts ("" otherwise)."""
        if self.name_pairs:
            return ""
        return " ".join(_words(self.given_names or self.family_name))

    def name_similarity(self, child: Child, aliases: Sequence[str]) -> tuple[float, float]:
        """(best similarity to the child's own name, best to an alias), part by part. With one
        name only, half its likeness to either of the child's names (the other half is not
        known: neither for nor against)."""
        if single := self.single_name:
            own = max(_single_similarity(single, child.given_names), _single_similarity(single, child.family_name))
            alias = max(
                (_single_similarity(single, part) for known in aliases for part in _split_full_name(known) if part),
                default=0.0,
            )
            return own / 2, alias / 2
        own = max(
            (_name_parts_similarity(g, f, child.given_names, child.family_name) for g, f in self.name_pairs),
            default=0.0,
        )
        alias = max(
            (_name_parts_similarity(g, f, *_split_full_name(known)) for known in aliases for g, f in self.name_pairs),
            default=0.0,
        )
        return own, alias

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
    """Dates a slip of the pen away: day and month swapped, or any one digit of YYYYMMDD changed
    (the year by one at most)."""
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
    # A child's age is rarely mistaken by more than a year (a slip in the tens of the year
    # says "another child"): at a million children, the same name born on this day and month
    # in another year is far more often a namesake than a slip of the pen.
    return {near for near in found if abs(near.year - day.year) <= 1}


# --- finding candidates in PostgreSQL -----------------------------------------------------


def _best(expressions: Sequence[Expression]) -> Expression:
    return expressions[0] if len(expressions) == 1 else Greatest(*expressions)


def _similar(field: str, values: Iterable[str]) -> Q:
    """``field % value`` (pg_trgm, GIN-indexed) for any of the values."""
    condition = Q()
    for value in values:
        condition |= Q(**{f"{field}__trigram_similar": value})
    return condition


# The least name likeness (trigram similarity of first names plus family name's, 0..2) for a
# child born on the referred day to be scored: below it neither name is near the other.
SOME_LIKENESS = 0.3
# Names this short lose most of their trigrams to one slip: they are also looked up by
# every spelling one slip away.
SHORT_NAME = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _forms(name: str) -> list[str]:
    """A referred name as it may be stored, lower-cased (the look-ups compare ``lower()``):
    as written, and as its words alone ("o'connor", "o connor")."""
    return sorted({" ".join(name.lower().split()), " ".join(_words(name))} - {""})


def _one_slip_away(name: str) -> list[str]:
    """Every spelling one slip (a letter changed, dropped, added, or two swapped) from ``name``,
    lower-cased (a few hundred: a B-tree finds them all at once)."""
    word = name.lower()
    found = {word}
    for i in range(len(word) + 1):
        found.update(word[:i] + letter + word[i:] for letter in _LETTERS)
        if i < len(word):
            found.add(word[:i] + word[i + 1 :])
            found.update(word[:i] + letter + word[i + 1 :] for letter in _LETTERS)
        if i < len(word) - 1:
            found.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return sorted(slip for slip in found if slip.strip())


def _name_rank(referred: ReferredChild, prefix: str = "") -> Expression:
    """How alike the names are, part by part, for ordering a pool in SQL (0..2): the best over
    the readings of the referred names of (first names' similarity + family name's)."""
    if single := referred.single_name:
        return Greatest(
            TrigramSimilarity(f"{prefix}given_names", single), TrigramSimilarity(f"{prefix}family_name", single)
        )
    return _best(
        [
            TrigramSimilarity(f"{prefix}given_names", given) + TrigramSimilarity(f"{prefix}family_name", family)
            for given, family in referred.name_pairs
        ]
        or [Value(0.0, output_field=FloatField())]
    )


def _pool(rows: QuerySet[Any, Any], rank: Expression, key: str = "pk") -> QuerySet[Any, Any]:
    """The first POOL_PER_SOURCE of ``rows`` by rank, ties broken by ``key``: a total order, so
    the same question always gets the same candidates, however the rows lie on disk."""
    return rows.annotate(rank=rank).order_by("-rank", key).values_list(key, flat=True)[:POOL_PER_SOURCE]


def _candidate_ids(referred: ReferredChild) -> QuerySet[Any, Any] | None:
    """Ids of children worth scoring: the union of a few bounded look-ups, each served by an
    index and reading only the rows of its own key, so the cost stays flat as the number of
    children grows. Exact keys first:

    - born on the day (B-tree on date of birth), best names first;
    - born on a near-miss day (day and month swapped, a digit off) with the family name or
      the first names exact, ignoring case (B-trees on date of birth and each lower-cased name);
    - the names exact, ignoring case, in either order, whenever born (B-tree on the lower-cased
      family and first names);
    - for a short name (trigrams cannot see a slip in it: "Nash" written "Nanh" shares two of
      eight), every spelling one slip away with the other name exact (the same B-tree);
    - living at the postcode (expression B-tree), best names first;
    - the NHS number (expression B-tree).

    Without a date of birth the names are all there is, so fuzzy look-ups join in:

    - both names trigram-similar (pg_trgm's ``%``; the two names' GIN indexes ANDed, since a
      common surname alone matches tens of thousands);
    - an alias trigram-similar to the full name, with a word like the first name (GIN).

    With a date of birth these are not needed: a child whose names are only similar is a
    candidate (a score of MIN_SCORE or more) only if born on or near that day, and those
    children are all in the first two look-ups.
    """
    sources: list[QuerySet[Any, Any]] = []
    pairs = referred.name_pairs
    rank = _name_rank(referred)
    born = referred.date_of_birth
    # Exact look-ups compare lower-cased names (B-tree expression indexes of migration 0008).
    lowered = Child.objects.alias(given=Lower("given_names"), family=Lower("family_name"))
    readings = [(referred.given_names, referred.family_name), (referred.family_name, referred.given_names), *pairs]
    exact_pairs = list(dict.fromkeys((tuple(_forms(g)), tuple(_forms(f))) for g, f in readings if g and f))
    if born is not None:
        # Only those whose names have something in common (a child born on the day whose
        # names share nothing scores 0.3: not a candidate).
        on_the_day = Child.objects.filter(date_of_birth=born).alias(likeness=rank).filter(likeness__gte=SOME_LIKENESS)
        sources.append(_pool(on_the_day, rank))
        one_exact = Q()
        for given_forms, family_forms in exact_pairs:
            one_exact |= Q(family__in=family_forms) | Q(given__in=given_forms)
        if single := referred.single_name:
            one_exact |= Q(family__in=_forms(single)) | Q(given__in=_forms(single))
        if one_exact:
            sources.append(_pool(lowered.filter(one_exact, date_of_birth__in=sorted(close_dates(born))), rank))
    exact = Q()
    for given_forms, family_forms in exact_pairs:
        exact |= Q(family__in=family_forms, given__in=given_forms)
    if pairs:
        # Trigrams miss a slip in a short name: every spelling one slip away, the other exact
        # (the names as written only: a slip in swapped names would be two mistakes).
        given, family = pairs[0]
        if len(given) <= SHORT_NAME:
            exact |= Q(family__in=_forms(family), given__in=_one_slip_away(given))
        if len(family) <= SHORT_NAME:
            exact |= Q(given__in=_forms(given), family__in=_one_slip_away(family))
    if exact:
        sources.append(_pool(lowered.filter(exact), rank))
    if born is None and pairs:
        # The swapped reading has the same trigrams: one look-up per distinct set of words.
        by_words: dict[frozenset[str], tuple[str, str]] = {}
        for given, family in pairs:
            by_words.setdefault(frozenset(_words(f"{given} {family}")), (given, family))
        both = Q()
        for given, family in by_words.values():
            both |= Q(given_names__trigram_similar=given, family_name__trigram_similar=family)
        sources.append(_pool(Child.objects.filter(both), rank))
    if born is None and referred.full_names:
        distinct: dict[frozenset[str], str] = {}
        for name in referred.full_names:
            distinct.setdefault(frozenset(_words(name)), name)
        names = list(distinct.values())
        # The full name similar, and a word of it like the first name (pg_trgm's word
        # similarity): a common surname's aliases alone would be thousands.
        alike = Q()
        for name in names:
            alike |= Q(name__trigram_similar=name, name__trigram_word_similar=_words(name)[0])
        aliases = ChildAlias.objects.filter(alike)
        sources.append(_pool(aliases, _best([TrigramSimilarity("name", name) for name in names]), "child_id"))
    if referred.postcode:
        addresses = ChildAddress.objects.annotate(normalised=Upper(Replace("postcode", Value(" "), Value("")))).filter(
            normalised=referred.postcode
        )
        sources.append(_pool(addresses, _name_rank(referred, "child__"), "child_id"))
    if referred.nhs_number:
        numbered = Child.objects.annotate(digits=Replace("nhs_number", Value(" "), Value(""))).filter(
            digits=referred.nhs_number
        )
        sources.append(numbered.order_by("pk").values_list("pk", flat=True)[:POOL_PER_SOURCE])
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
    children = Child.objects.filter(pk__in=ids).annotate(
        alias_names=ArraySubquery(ChildAlias.objects.filter(child=OuterRef("pk")).values("name")),
        postcodes=ArraySubquery(
            ChildAddress.objects.filter(child=OuterRef("pk")).values(
                normalised=Upper(Replace("postcode", Value(" "), Value("")))
            )
        ),
    )
    candidates = [_candidate(referred, child) for child in children]
    ranked = sorted(
        (c for c in candidates if c.score >= MIN_SCORE), key=lambda c: (-c.score, c.child.family_name, str(c.child.pk))
    )
    return ranked[:limit]


def _candidate(referred: ReferredChild, child: Child) -> Candidate:
    aliases: list[str] = getattr(child, "alias_names", [])
    own, alias = referred.name_similarity(child, aliases)
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
