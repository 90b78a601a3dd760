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


def appoint_lead(child, practitioner, agreed_on=None):
    """Choose the first lead professional as the product requires: a manager of an involved agency does it
    (the practitioner's own agency's manager, made if the agency has none), with the family's agreement."""
    from django.utils import timezone

    from children import services
    from children.models import Involvement

    involvement = (
        Involvement.objects.current()
        .filter(child=child, agency__memberships__user=practitioner, agency__memberships__ended_on__isnull=True)
        .select_related("agency")
        .first()
    )
    manager = User.objects.filter(
        memberships__agency=involvement.agency,
        memberships__role=Membership.Role.MANAGER,
        memberships__ended_on__isnull=True,
    ).first() or member_of(
        involvement.agency, Membership.Role.MANAGER, full_name=f"Manager of {involvement.agency.name}"
    )
    return services.lead_professional_set(
        actor=manager,
        child=child,
        practitioner=practitioner,
        family_agreed=True,
        agreed_on=agreed_on or timezone.localdate(),
    )
