"""Who may authorise sharing without consent (a safeguarding override): one rule, `access.may_authorise_override`
(a current manager of the sharing agency), asked by every service that shares on that basis. Each persona
against each place the rule applies, one cell per test: the rule's answer and the service's agree."""

import pytest
from django.core.exceptions import PermissionDenied

from agencies import access
from agencies.models import Membership
from children import services
from children.models import Disclosure

from .test_consent_and_sharing import _override_fields

pytestmark = pytest.mark.django_db

# fmt: off
#                    may authorise an override for their own agency
OVERRIDE_TABLE = {
    "hv_manager":        True,
    "lead_professional": False,
    "hv_colleague":      False,
    "teacher":           False,
    "housing_officer":   False,
    "outsider":          False,
    "platform_admin":    False,
}
# fmt: on


def _own_agency(user):
    membership = Membership.objects.current().filter(user=user).first()
    return membership.agency if membership else None


@pytest.mark.parametrize("persona, allowed", OVERRIDE_TABLE.items(), ids=list(OVERRIDE_TABLE))
def test_who_may_record_a_safeguarding_override(request, child, housing, persona, allowed):
    user = request.getfixturevalue(persona)
    agency = _own_agency(user)
    assert access.may_authorise_override(user, agency.pk if agency else None) is allowed
    before = Disclosure.objects.filter(child=child).count()
    if allowed:
        services.disclosure_record(actor=user, child=child, decided_by_agency=agency, **_override_fields(housing))
        assert Disclosure.objects.filter(child=child).count() == before + 1
    else:
        with pytest.raises(PermissionDenied):
            services.disclosure_record(actor=user, child=child, decided_by_agency=agency, **_override_fields(housing))
        assert Disclosure.objects.filter(child=child).count() == before


def test_a_manager_of_another_agency_may_not_authorise_one_for_this(hv_manager, school):
    assert not access.may_authorise_override(hv_manager, school.pk)


def test_a_manager_whose_membership_ended_may_not(hv_manager, health_visiting):
    from django.utils import timezone

    Membership.objects.filter(user=hv_manager, agency=health_visiting).update(ended_on=timezone.localdate())
    assert not access.may_authorise_override(hv_manager, health_visiting.pk)
