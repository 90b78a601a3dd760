"""A referral from a school to CAMHS about one child, built through the services, with a persona for
every kind of reader.

Riverside Primary School opened Keziah Carter's record and is the team around her. The family's
consent (basic and additional information) names CAMHS, Northfield Family Support and Northfield
Housing Options, none of which is involved yet. The school's practitioner sends the referral to
CAMHS; Family Support is where a referral could be redirected (a third agency with no part in it);
Housing Options is where the "redirected" referral of the state table went; the outsider's agency
has nothing to do with any of it.

The people and the family come from tests/personas.py; these fixtures are aliases over them.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import Referral

from ..children.form_data import consent_fields

STATES = ["sent", "accepted", "declined", "redirected", "withdrawn", "completed"]
PERSONAS = [
    "sender",
    "sender_colleague",
    "receiving_member",
    "receiving_manager",
    "third_agency_practitioner",
    "outsider",
]
REASON = "Keziah has been very anxious since the spring and is not sleeping; she has stopped eating at school"


@pytest.fixture
def school(personas):
    return personas.agency("school", email="office@school.example.org")


@pytest.fixture
def camhs(personas):
    return personas.agency("camhs")


@pytest.fixture
def family_support(personas):
    """The third agency: the consent covers it and a referral could be redirected to it, but it has no part."""
    return personas.agency("family_support")


@pytest.fixture
def housing(personas):
    """Where the state table's "redirected" referral was sent on to."""
    return personas.agency("housing_options")


@pytest.fixture
def sender(school, personas):
    return personas("sender")


@pytest.fixture
def sender_colleague(school, personas):
    return personas("sender_colleague")


@pytest.fixture
def school_manager(school, personas):
    return personas("school_manager")


@pytest.fixture
def receiving_member(camhs, personas):
    return personas("receiving_member")


@pytest.fixture
def receiving_colleague(camhs, personas):
    """A second practitioner of the receiving agency, for two people answering at once."""
    return personas("receiving_colleague")


@pytest.fixture
def receiving_manager(camhs, personas):
    return personas("receiving_manager")


@pytest.fixture
def third_agency_practitioner(family_support, personas):
    return personas("third_agency_practitioner")


@pytest.fixture
def housing_officer(housing, personas):
    return personas("housing_options_officer")


@pytest.fixture
def child(personas, school, camhs, family_support, housing, sender):
    """Keziah, recorded by the school, with consent naming CAMHS, Family Support and Housing Options."""
    return personas.family(
        recorded_by="sender",
        recording_agency="school",
        details={
            "first_name": "Keziah",
            "last_name": "Carter",
            "sex": "female",
            "date_of_birth": timezone.localdate() - timedelta(days=9 * 365),
            "address": "14 Mill Lane\nNorthfield",
            "postcode": "NF1 3AB",
            "special_requirements": "Needs a quiet space to settle",
        },
        involvements=[],  # the school alone is the team around her
        consent=consent_fields(all_involved_agencies=False),
        consent_excluded=[],
        consent_included=["camhs", "family_support", "housing_options"],
        lead=None,
    )


@pytest.fixture
def send(child, school, camhs, sender):
    """Send a referral (by default the school's to CAMHS) through the service."""

    def send_referral(actor=None, to_agency=None, **fields):
        fields.setdefault("reason", REASON)
        fields.setdefault("tried", "Time with the school's learning mentor each week")
        return services.referral_send(
            actor=actor or sender, child=child, from_agency=school, to_agency=to_agency or camhs, **fields
        )

    return send_referral


@pytest.fixture
def referral_in(send, sender, receiving_member, housing):
    """A referral brought to the named state through the services, the way people would get it there."""

    def build(state: str) -> Referral:
        referral = send()
        if state in ("accepted", "completed"):
            services.referral_accept(actor=receiving_member, referral=referral)
        if state == "completed":
            services.referral_complete(
                actor=receiving_member, referral=referral, outcome="Six sessions of CBT; sleeping better"
            )
        if state == "declined":
            services.referral_decline(
                actor=receiving_member, referral=referral, reason="Below our threshold: try the school nurse"
            )
        if state == "redirected":
            services.referral_redirect(
                actor=receiving_member, referral=referral, to_agency=housing, reason="The need is the family's housing"
            )
        if state == "withdrawn":
            services.referral_withdraw(actor=sender, referral=referral, reason="The family moved away")
        referral.refresh_from_db()
        assert referral.status == state
        return referral

    return build


@pytest.fixture
def persona(
    request, sender, sender_colleague, receiving_member, receiving_manager, third_agency_practitioner, outsider
):
    """Fetch any persona by name (all of them exist, so each is a stranger or a party as the test says)."""
    return request.getfixturevalue
