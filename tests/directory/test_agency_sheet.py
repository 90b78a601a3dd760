"""Agency managers keep their own sheet and services true; nobody else can touch them."""

import pytest

from directory.models import AgencyProfile, OpeningTime, Service

pytestmark = pytest.mark.django_db

SHEET = {
    "is_listed": "on",
    "profile": "Health visitors for every family with children under five",
    "address": "Station Road",
    "postcode": "nf4 3hc",
    "phone": "01632 960 303",
    "email": "hv@northfield.example.org",
    "website": "https://hv.example.org",
    "contact_person": "Joanne Reid",
    "fax": "",
    "services_offered": [],
    "services_offered_other": "",
    "how_to_refer": "Referral form",
    "referral_information": "The concern",
    "expected_response_days": "5",
    "urgent_response_days": "1",
    "other_information": "",
}


def test_an_agency_manager_saves_their_sheet_and_it_is_confirmed_with_history(client_for, other_agency, other_manager):
    response = client_for(other_manager).post(f"/directory/agencies/{other_agency.pk}/edit/", SHEET)
    assert response.status_code == 302
    profile = AgencyProfile.objects.get(agency=other_agency)
    other_agency.refresh_from_db()
    assert other_agency.postcode == "NF4 3HC" and profile.expected_response_days == 5
    assert profile.confirmed_at is not None and not profile.is_stale
    assert profile.history.first().history_user == other_manager


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("phone", "12345", "Enter a telephone number"),
        ("website", "not a url", "Enter a web address in the correct format"),
        ("postcode", "ZZZ", "Enter a real postcode"),
        ("urgent_response_days", "9", "The urgent response time must not be longer"),
    ],
)
def test_bad_input_on_the_sheet_gives_a_field_error_and_keeps_what_was_typed(
    client_for, other_agency, other_manager, field, value, message
):
    response = client_for(other_manager).post(f"/directory/agencies/{other_agency.pk}/edit/", SHEET | {field: value})
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content and "There is a problem" in content and value in content
    assert not AgencyProfile.objects.filter(agency=other_agency).exists()


def test_opening_hours_that_end_before_they_start_are_refused(client_for, other_agency, other_manager):
    response = client_for(other_manager).post(
        f"/directory/agencies/{other_agency.pk}/times/", {"monday_opens": "17:00", "monday_closes": "09:00"}
    )
    assert "The closing time on Monday must be after the opening time" in response.content.decode()
    assert not OpeningTime.objects.exists()


def test_an_upside_down_age_range_is_refused_on_the_oldest_age(client_for, other_agency, other_manager):
    response = client_for(other_manager).post(
        f"/directory/agencies/{other_agency.pk}/services/add/",
        {"name": "Clinic", "status": "active", "minimum_age": "10", "maximum_age": "3"},
    )
    assert "The oldest age must be the same as or more than the youngest age" in response.content.decode()
    assert not Service.objects.exists()


def test_an_agency_manager_adds_a_service_with_its_times(client_for, other_agency, other_manager):
    response = client_for(other_manager).post(
        f"/directory/agencies/{other_agency.pk}/services/add/",
        {
            "name": "Clinic",
            "status": "active",
            "minimum_age": "0",
            "maximum_age": "5",
            "tuesday_opens": "09:30",
            "tuesday_closes": "11:00",
            "contact_email": "clinic@example.org",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get()
    assert [str(t) for t in service.opening_times.all()] == ["Tuesday 09:30 to 11:00"]
    assert service.history.first().history_user == other_manager


def test_a_manager_of_another_agency_and_an_outsider_get_404(
    client_for, other_agency, listed_service, manager, outsider
):
    for person in (manager, outsider):
        client = client_for(person)
        assert client.get(f"/directory/agencies/{other_agency.pk}/edit/").status_code == 404
        assert client.get(f"/directory/services/{listed_service.pk}/edit/").status_code == 404
        assert client.post(f"/directory/agencies/{other_agency.pk}/confirm/").status_code == 404


def test_entries_not_confirmed_for_six_months_are_flagged(client_for, listed_service, other_agency, other_manager):
    from datetime import timedelta

    from django.utils import timezone

    profile = other_agency.directory_profile
    profile.confirmed_at = timezone.now() - timedelta(days=200)
    profile.save()
    assert profile.is_stale
    response = client_for(other_manager).get(f"/directory/agencies/{other_agency.pk}/")
    assert "Not confirmed as accurate since" in response.content.decode()
    client_for(other_manager).post(f"/directory/agencies/{other_agency.pk}/confirm/")
    profile.refresh_from_db()
    assert not profile.is_stale


def test_a_practitioner_chooses_to_be_listed(client_for, outsider):
    response = client_for(outsider).post(
        "/directory/your-profile/",
        {
            "is_listed": "on",
            "job_title": "Youth worker",
            "phone": "01632 960 999",
            "role_outline": "Youth work",
            "availability": "Evenings",
            "contact_email": "",
            "location_on_site": "Hall",
            "available_days": ["1", "3"],
        },
    )
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.directory_profile.is_listed and outsider.directory_profile.available_days == [1, 3]
    assert outsider.job_title == "Youth worker"
