"""factory_boy factories: synthetic people and agencies (Faker), one line per setup."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from agencies.models import Agency, AgencyKind, Membership, Role, SupervisionLine, User

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
