"""A referral can name one of the receiving agency's services from the multi-agency directory."""

import pytest

from directory.models import Service
from referrals.models import Referral

from .test_access import assert_refused, form_data, refer

pytestmark = pytest.mark.django_db


def test_a_referral_to_one_of_the_agencys_services_records_the_service(client_for, child, sender, school, camhs):
    service = Service.objects.create(agency=camhs, name="Primary mental health drop-in")
    response = refer(client_for, sender, child, form_data(school, camhs, to_service=service.pk))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.to_service == service and referral.to_agency == camhs
    page = client_for(sender).get(referral.get_absolute_url()).content.decode()
    assert "Primary mental health drop-in" in page


def test_a_service_run_by_another_agency_is_refused_with_a_clear_message(
    client_for, child, sender, school, camhs, family_support
):
    service = Service.objects.create(agency=family_support, name="Parenting group")
    response = refer(client_for, sender, child, form_data(school, camhs, to_service=service.pk))
    assert_refused(
        response,
        "to_service",
        f"Parenting group is run by {family_support.name}: choose that agency, or another service",
    )
