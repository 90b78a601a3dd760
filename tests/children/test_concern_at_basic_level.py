"""At basic-level access a safeguarding concern is shown only as a fact: that it was raised, when, and
whom to contact. Its words (and social care's decision) are additional information.

The leak this guards against: housing, which the family's consent keeps to basic details, read the
text of a concern the school raised on the child's page and on the decision page.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import access
from children import services

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db

CONCERN = "Keziah had bruises on both upper arms and flinched when her father arrived"
DECISION = "Strategy discussion held; section 47 enquiry started"


@pytest.fixture
def escalation(child, teacher):
    return services.escalation_record(
        actor=teacher,
        child=child,
        concern=CONCERN,
        contacted_at=timezone.now() - timedelta(hours=2),
        contacted_whom="Duty social worker, Northfield MASH",
    )


def test_housing_with_basic_details_sees_that_a_concern_was_raised_but_not_its_words(
    client_for, child, escalation, housing_officer, teacher
):
    assert not access.child_access(housing_officer, child).may_view_additional
    body = client_for(housing_officer).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "Safeguarding concern" in body
    assert "A safeguarding concern was raised" in body
    assert timezone.localtime(escalation.contacted_at).strftime("%-d %B %Y") in body
    assert teacher.full_name in body  # whom to contact
    assert teacher.email in body
    assert CONCERN not in body
    assert "Duty social worker" not in body


def test_housing_does_not_read_the_concern_or_the_decision_on_the_decision_page(
    client_for, child, escalation, housing_officer, teacher
):
    social_care = AgencyFactory(name="Northfield Children's Social Care", kind="social_care")
    social_worker = member_of(social_care, full_name="Fatima Begum")
    escalation.social_care = social_care
    escalation.save()
    services.escalation_decide(
        actor=social_worker,
        escalation=escalation,
        outcome="strategy_s47",
        decided_by=social_worker,
        decided_at=timezone.now(),
        note=DECISION,
    )
    client = client_for(housing_officer)
    child_page = client.get(reverse("child-detail", args=[child.pk])).content.decode()
    assert DECISION not in child_page
    decision_page = client.get(reverse("escalation-decide", args=[child.pk, escalation.pk]))
    # Whether housing may open the page at all is social care's rule; whatever it answers, no words leak.
    assert decision_page.status_code in (200, 404)
    assert CONCERN not in decision_page.content.decode()
    assert DECISION not in decision_page.content.decode()


def test_the_team_covered_for_additional_information_reads_the_concern(
    client_for, child, escalation, lead_professional, teacher, hv_colleague
):
    for person in (lead_professional, teacher, hv_colleague):
        body = client_for(person).get(reverse("child-detail", args=[child.pk])).content.decode()
        assert CONCERN in body, person.full_name


def test_whoever_raised_a_concern_reads_their_own_words_at_basic_level(client_for, child, housing_officer):
    services.escalation_record(
        actor=housing_officer,
        child=child,
        concern=CONCERN,
        contacted_at=timezone.now() - timedelta(hours=1),
        contacted_whom="Duty social worker",
    )
    body = client_for(housing_officer).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert CONCERN in body


def test_the_outsider_gets_404_for_the_child_and_the_decision_page(client_for, child, escalation, outsider):
    client = client_for(outsider)
    assert client.get(reverse("child-detail", args=[child.pk])).status_code == 404
    assert client.get(reverse("escalation-decide", args=[child.pk, escalation.pk])).status_code == 404
