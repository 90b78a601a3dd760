"""The child index: searched by POST, tolerant of misspellings, and discreet with people outside the team."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import AccessEvent, Child
from tests.html_inputs import is_checked

from .form_data import child_form_data, date_data

pytestmark = pytest.mark.django_db

SEARCH = reverse("child-search")


def _search(client, **fields):
    data = {"first_name": "", "last_name": "", "postcode": "", **date_data("date_of_birth", None)}
    date_of_birth = fields.pop("date_of_birth", None)
    if date_of_birth:
        data.update(date_data("date_of_birth", date_of_birth))
    data.update(fields)
    return client.post(SEARCH, data)


def _ways_of_writing(day):
    return [
        day.strftime("%-d %B %Y"),
        day.strftime("%-d %b %Y"),
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
    ]


# --- Searching ------------------------------------------------------------------------------------


def test_the_search_page_shows_a_form_that_posts_and_no_results(client_for, child, lead_professional):
    response = client_for(lead_professional).get(SEARCH)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in body
    assert "possible match" not in body and "No matching records" not in body
    assert child.display_name not in body
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


def test_a_search_put_in_the_address_bar_is_not_run(client_for, child, lead_professional):
    response = client_for(lead_professional).get(SEARCH, {"last_name": child.last_name})
    body = response.content.decode()
    assert child.reference not in body
    assert "possible match" not in body
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


def test_no_name_or_date_of_birth_is_put_in_a_url_or_the_record_of_the_search(client_for, child, lead_professional):
    response = _search(
        client_for(lead_professional),
        first_name=child.first_name,
        last_name=child.last_name,
        date_of_birth=child.date_of_birth,
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == SEARCH
    assert response.request.get("QUERY_STRING", "") == ""
    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.path == SEARCH
    for secret in [child.first_name, child.last_name, *_ways_of_writing(child.date_of_birth)]:
        assert secret not in event.what
        assert secret not in event.path
    assert "last name" in event.what and "date of birth" in event.what


def test_a_search_with_nothing_in_it_asks_for_something_to_search_for(client_for, child, lead_professional):
    response = _search(client_for(lead_professional))
    body = response.content.decode()
    assert "Enter a name, a date of birth or a postcode to search for" in body
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


def test_a_search_for_karter_finds_carter(client_for, child, lead_professional):
    body = _search(
        client_for(lead_professional), last_name="Karter", date_of_birth=child.date_of_birth
    ).content.decode()
    assert "1 possible match" in body
    assert child.display_name in body
    assert child.get_absolute_url() in body


def test_a_search_by_last_name_alone_finds_the_child(client_for, child, lead_professional):
    body = _search(client_for(lead_professional), last_name="Karter").content.decode()
    assert child.display_name in body


def test_a_search_for_a_different_name_finds_nothing(client_for, child, lead_professional):
    body = _search(client_for(lead_professional), last_name="Okonkwo", first_name="Keziah").content.decode()
    assert "No matching records" in body
    assert child.reference not in body


def test_the_lead_professional_sees_the_matching_childs_details(client_for, child, lead_professional):
    body = _search(
        client_for(lead_professional), last_name=child.last_name, postcode=child.postcode.replace(" ", "").lower()
    ).content.decode()
    assert child.first_name in body
    assert child.postcode in body
    assert child.reference in body
    assert child.date_of_birth.strftime("%-d %B %Y") in body


def test_a_practitioner_outside_the_team_learns_only_that_a_record_exists_and_whom_to_contact(
    client_for, child, outsider, lead_professional, health_visiting
):
    # The outsider types the date of birth into three boxes; the record's own formatted date must not appear.
    body = _search(client_for(outsider), last_name="Karter", date_of_birth=child.date_of_birth).content.decode()

    assert "A matching record exists" in body
    assert lead_professional.full_name in body
    assert health_visiting.name in body
    for secret in [child.first_name, child.postcode, child.reference, *_ways_of_writing(child.date_of_birth)]:
        assert secret not in body, secret
    assert child.get_absolute_url() + '"' not in body


def test_a_platform_administrator_is_no_more_than_an_outsider_in_the_index(client_for, child, platform_admin):
    body = _search(
        client_for(platform_admin), last_name=child.last_name, date_of_birth=child.date_of_birth
    ).content.decode()
    assert "A matching record exists" in body
    assert child.first_name not in body


def test_every_search_is_recorded(client_for, child, outsider, unrelated_agency):
    client = client_for(outsider)
    _search(client, last_name="Karter", date_of_birth=child.date_of_birth)
    _search(client, postcode=child.postcode)

    events = AccessEvent.objects.filter(user=outsider, action=AccessEvent.Action.SEARCH).order_by("at", "pk")
    assert events.count() == 2
    assert all(event.agency == unrelated_agency and event.child is None for event in events)
    assert "1 match" in events[0].what
    assert "postcode" in events[1].what


# --- Opening a record: duplicates -----------------------------------------------------------------

NEW = reverse("child-create")


def test_opening_a_record_for_a_child_who_may_already_have_one_shows_the_matches_first(
    client_for, child, outsider, lead_professional
):
    data = child_form_data(first_name=child.first_name, last_name=child.last_name, date_of_birth=child.date_of_birth)

    response = client_for(outsider).post(NEW, data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "This child may already have a record" in body
    assert "A matching record exists" in body
    assert lead_professional.full_name in body
    assert 'name="confirmed_new"' in body
    assert Child.objects.count() == 1
    assert AccessEvent.objects.filter(user=outsider, action=AccessEvent.Action.SEARCH).count() == 1


def test_a_record_is_opened_once_the_practitioner_confirms_none_of_the_matches_is_this_child(
    client_for, child, outsider, unrelated_agency
):
    data = child_form_data(first_name=child.first_name, last_name=child.last_name, date_of_birth=child.date_of_birth)

    response = client_for(outsider).post(NEW, {**data, "confirmed_new": "yes"})

    assert response.status_code == 302
    assert Child.objects.count() == 2
    opened = Child.objects.exclude(pk=child.pk).get()
    assert response["Location"] == opened.get_absolute_url()
    assert opened.recording_agency == unrelated_agency
    assert opened.created_by == outsider
    assert opened.involvements.get().agency == unrelated_agency


def test_a_child_with_no_likely_match_is_opened_straight_away(client_for, child, teacher):
    born = timezone.localdate() - timedelta(days=4 * 365)
    data = child_form_data(first_name="Oluwaseun", last_name="Adeyemi", date_of_birth=born)
    response = client_for(teacher).post(NEW, data)
    assert response.status_code == 302
    assert Child.objects.filter(last_name="Adeyemi").exists()


def test_someone_in_no_agency_cannot_open_a_record(client_for, platform_admin):
    assert client_for(platform_admin).get(NEW).status_code == 404


# --- Opening a record: validation -----------------------------------------------------------------


def _assert_refused_and_kept(response, message, *typed):
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body, message
    for value in typed:
        assert f'value="{value}"' in body, value


def test_a_date_of_birth_in_the_future_is_refused(client_for, teacher):
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = child_form_data(first_name="Mia", last_name="Hughes", date_of_birth=tomorrow)

    response = client_for(teacher).post(NEW, data)

    _assert_refused_and_kept(
        response, "The date of birth must be today or in the past", "Mia", "Hughes", tomorrow.year, tomorrow.day
    )
    assert not Child.objects.exists()


def test_an_expected_date_of_delivery_for_a_child_who_is_not_unborn_is_refused(client_for, teacher):
    due = timezone.localdate() + timedelta(weeks=10)
    born = timezone.localdate() - timedelta(days=400)
    data = child_form_data(first_name="Mia", last_name="Hughes", date_of_birth=born, expected_date_of_delivery=due)

    response = client_for(teacher).post(NEW, data)

    _assert_refused_and_kept(response, "Only an unborn baby has an expected date of delivery", "Mia", due.year)
    assert not Child.objects.exists()


def test_an_unborn_baby_needs_the_mothers_name(client_for, teacher):
    due = timezone.localdate() + timedelta(weeks=10)
    data = child_form_data(last_name="Hughes", is_unborn=True, expected_date_of_delivery=due)

    response = client_for(teacher).post(NEW, data)

    _assert_refused_and_kept(response, "Enter the mother&#x27;s name", "Hughes", due.year)
    assert is_checked(response.content.decode(), "is_unborn")
    assert not Child.objects.exists()


def test_an_invalid_postcode_is_refused_and_kept_as_typed(client_for, teacher):
    born = timezone.localdate() - timedelta(days=400)
    data = child_form_data(first_name="Mia", last_name="Hughes", date_of_birth=born, postcode="NOT A CODE")

    response = client_for(teacher).post(NEW, data)

    _assert_refused_and_kept(response, "Enter a real postcode, like SW1A 1AA", "NOT A CODE", "Mia")
    assert not Child.objects.exists()


def test_a_missing_last_name_is_refused_and_the_rest_kept(client_for, teacher):
    born = timezone.localdate() - timedelta(days=400)
    data = child_form_data(first_name="Mia", date_of_birth=born, address="3 Elm Row", postcode="NF2 8QT")

    response = client_for(teacher).post(NEW, data)

    _assert_refused_and_kept(response, "Enter the child&#x27;s last name", "Mia", "NF2 8QT", born.year)
    assert "3 Elm Row" in response.content.decode()
    assert not Child.objects.exists()


def test_the_error_summary_links_to_the_field_in_error(client_for, teacher):
    data = child_form_data(first_name="Mia", date_of_birth=timezone.localdate() - timedelta(days=400))
    body = client_for(teacher).post(NEW, data).content.decode()
    assert 'href="#id_last_name"' in body


@pytest.mark.parametrize("field, label", [("first_name", "First name"), ("last_name", "Last name")])
def test_a_name_with_no_letters_is_refused_with_a_clear_error_and_kept(client_for, teacher, field, label):
    response = client_for(teacher).post(reverse("child-search"), {field: "99999999999999999999"})
    body = response.content.decode()
    assert "govuk-error-summary" in body and f"{label} must include letters" in body
    assert 'value="99999999999999999999"' in body
