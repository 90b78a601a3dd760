"""factory_boy factories for the domain. Services are used where they keep invariants (grants, groups)."""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from agencies.models import Agency, Membership, User

TEST_PASSWORD = "a long test passphrase 2026"


@cache
def _password_hash() -> str:
    # Argon2 is deliberately slow; hash the shared test password once, with the real hasher.
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@agency.example.org")
    full_name = factory.Faker("name", locale="en_GB")
    job_title = "Practitioner"
    password = factory.LazyFunction(_password_hash)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = Agency.Kind.SCHOOL
    sector = Agency.Sector.STATUTORY
    postcode = "NF4 2RP"


class MembershipFactory(factory.django.DjangoModelFactory):
    """Saving a membership runs the receiver that keeps guardian grants and groups in step."""

    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.PRACTITIONER


def member_of(agency, role=Membership.Role.PRACTITIONER, **user_fields):
    return MembershipFactory(agency=agency, role=role, user=UserFactory(**user_fields)).user
