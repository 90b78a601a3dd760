"""Sharing the CAF with a referral: only someone who may read the CAF can share it, and the shared copy
is shown only to those the access module allows.

The leak this guards against: housing (basic details only) referred Wayne to the GP with "share the
CAF" ticked, and the referral page then showed the sending agency the whole CAF.
"""

import pytest
from django.urls import reverse

from caf import services as caf_services
from caf.sections import SECTIONS
from children import services as child_services
from children.models import Consent
from referrals import services as referral_services
from referrals.models import Referral

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db

SECRET = "Mum says the damp in the flat is making his asthma worse"


@pytest.fixture
def gp(team):
    """The GP practice, in the team around Wayne and covered for additional information."""
    practice = AgencyFactory(name="Northfield GP Practice", kind="gp_practice")
    child_services.involvement_add(actor=team["lead"], child=team["child"], agency=practice, role="GP")
    # It joined after the family's consent was given: the family is asked about it, as the product requires.
    child_services.consent_confirm_for_agency(
        actor=team["lead"],
        child=team["child"],
        agency=practice,
        agreed_by_name="Jess Carter",
        agreed_on=team["child"].current_consent.given_on,
        method="verbal",
    )
    return practice


@pytest.fixture
def gp_doctor(gp):
    return member_of(gp, full_name="Dr Gita Practice")


@pytest.fixture
def completed_caf(team):
    caf = caf_services.caf_start(actor=team["assessor"], child=team["child"])
    caf_services.section_save(
        actor=team["assessor"], assessment=caf, key=SECTIONS[1].key, data={"what_led": SECRET}, base_revision=0
    )
    for section in SECTIONS:
        caf_services.section_mark_completed(actor=team["assessor"], assessment=caf, key=section.key, completed=True)
    return caf_services.caf_complete(actor=team["assessor"], assessment=caf, consent_confirmed=True)


def _housing(team):
    # `team["housing"]` is the housing officer; his agency is the one he belongs to.
    return team["housing"].memberships.get().agency


def _refer(actor, team, from_agency, to_agency, share_caf):
    return referral_services.referral_send(
        actor=actor,
        child=team["child"],
        from_agency=from_agency,
        to_agency=to_agency,
        reason="The family needs help with the damp",
        share_caf=share_caf,
    )


def test_housing_with_basic_details_only_cannot_share_the_caf(team, gp, completed_caf):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _refer(team["housing"], team, _housing(team), gp, share_caf=True)
    assert "share_caf" in refused.value.message_dict
    assert not Referral.objects.exists()


def test_housing_can_still_refer_without_the_caf(team, gp, completed_caf):
    referral = _refer(team["housing"], team, _housing(team), gp, share_caf=False)
    assert referral.caf is None


def test_the_referral_form_does_not_offer_the_caf_to_someone_who_cannot_read_it(client, team, gp, completed_caf):
    housing = _housing(team)
    client.force_login(team["housing"])
    page = client.get(reverse("referral-new", args=[team["child"].pk]))
    assert page.status_code == 200
    assert 'name="share_caf"' not in page.content.decode()
    # Posting it anyway shares nothing: the box is not part of this form.
    posted = client.post(
        reverse("referral-new", args=[team["child"].pk]),
        {
            "from_agency": housing.pk,
            "to_agency": gp.pk,
            "reason": "Damp",
            "urgency": "routine",
            "basis": "consent",
            "share_caf": "on",
        },
    )
    assert posted.status_code == 302
    assert Referral.objects.get().caf is None
    client.force_login(team["assessor"])
    assert 'name="share_caf"' in client.get(reverse("referral-new", args=[team["child"].pk])).content.decode()


def test_the_shared_caf_is_shown_only_to_those_who_may_read_it(client, team, gp, gp_doctor, completed_caf):
    referral = _refer(team["assessor"], team, team["school"], gp, share_caf=True)
    url = referral.get_absolute_url()

    def shows_caf(user):
        client.force_login(user)
        page = client.get(url)
        if page.status_code == 404:
            return None
        assert page.status_code == 200
        return SECRET in page.content.decode()

    # The sender and the receiving agency while the referral awaits its answer.
    assert shows_caf(team["assessor"]) is True
    assert shows_caf(gp_doctor) is True
    assert shows_caf(team["outsider"]) is None

    # The family's new consent keeps the school from additional information: its copy goes with it.
    child_services.consent_record(
        actor=team["lead"],
        child=team["child"],
        given_by=Consent.GivenBy.PARENT,
        given_by_name="Jess Carter",
        given_on=completed_caf.completed_at.date(),
        method="written",
        scope="additional",
        all_involved_agencies=True,
        agencies_excluded=[team["school"], _housing(team)],
        purposes="CAF",
    )
    assert shows_caf(team["assessor"]) is False
    assert shows_caf(team["school_colleague"]) is False
    assert shows_caf(gp_doctor) is True

    # Declined: the GP's reading ends (it is not covered other than by the open referral).
    referral_services.referral_decline(actor=gp_doctor, referral=referral, reason="Not for us")
    child_services.involvement_end(
        actor=team["lead"], involvement=gp.involvements.get(ended_on__isnull=True), reason="Left"
    )
    assert shows_caf(gp_doctor) is False
    assert shows_caf(team["outsider"]) is None
