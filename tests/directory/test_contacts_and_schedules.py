"""A service's contacts (several, each with several telephone numbers) and its times beyond one a week
(fortnightly, monthly on a weekday or a date, between dates): the pages, the public page and the feed."""

from datetime import date, time

import pytest
from django.urls import reverse

from directory import services
from directory.models import Contact, OpeningTime
from directory.services import OpeningSession
from tests.html_inputs import inputs_of

pytestmark = pytest.mark.django_db


def _pages(service, contact, row):
    return [
        reverse("directory-service-contact-add", args=[service.pk]),
        reverse("directory-service-contact-edit", args=[service.pk, contact.pk]),
        reverse("directory-service-contact-remove", args=[service.pk, contact.pk]),
        reverse("directory-service-schedule-add", args=[service.pk]),
        reverse("directory-service-schedule-edit", args=[service.pk, row.pk]),
        reverse("directory-service-schedule-remove", args=[service.pk, row.pk]),
    ]


def test_an_outsider_and_another_agencys_manager_get_404_on_every_page(client_for, listed_service, outsider, manager):
    contact = listed_service.contacts.first()
    row = listed_service.opening_times.first()
    for user in (outsider, manager):
        client = client_for(user)
        for url in _pages(listed_service, contact, row):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"name": "X"}).status_code == 404, url
    assert listed_service.contacts.count() == 2 and listed_service.opening_times.count() == 1


def test_the_services_manager_adds_changes_and_removes_a_contact_with_two_numbers(
    client_for, listed_service, other_manager
):
    client = client_for(other_manager)
    response = client.post(
        reverse("directory-service-contact-add", args=[listed_service.pk]),
        {"name": "Priya Shah", "title": "Family worker", "email": "priya@example.org", "phones": "01632 960 555\n"},
    )
    assert response.status_code == 302
    added = listed_service.contacts.get(name="Priya Shah")
    assert added.phone_list == ["01632 960 555"] and added.history.filter(history_type="+").exists()
    edit = reverse("directory-service-contact-edit", args=[listed_service.pk, added.pk])
    client.post(
        edit, {"name": "Priya Shah", "title": "Family worker", "email": "", "phones": "01632 960 555\nnot a number"}
    )
    added.refresh_from_db()
    assert added.phones == "01632 960 555"  # the bad number was refused; nothing saved
    client.post(
        edit, {"name": "Priya Shah", "title": "Family worker", "email": "", "phones": "01632 960 555\n07700 900 123"}
    )
    added.refresh_from_db()
    assert added.phone_list == ["01632 960 555", "07700 900 123"] and added.email == ""
    client.post(reverse("directory-service-contact-remove", args=[listed_service.pk, added.pk]))
    assert not Contact.objects.filter(pk=added.pk).exists()
    assert added.history.filter(history_type="-").exists()


def test_a_contact_error_keeps_everything_typed(client_for, listed_service, other_manager):
    typed = {"name": "Kit Brown", "title": "Lead", "email": "not an email", "phones": "01632 960 555\nnonsense"}
    response = client_for(other_manager).post(reverse("directory-service-contact-add", args=[listed_service.pk]), typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter an email address in the correct format" in page and "nonsense" in page
    for value in ("Kit Brown", "Lead", "not an email", "01632 960 555"):
        assert value in page
    assert not listed_service.contacts.filter(name="Kit Brown").exists()


def test_an_empty_contact_is_refused(client_for, listed_service, other_manager):
    response = client_for(other_manager).post(
        reverse("directory-service-contact-add", args=[listed_service.pk]), {"name": "", "title": "", "email": ""}
    )
    assert response.status_code == 200 and "Enter at least a name" in response.content.decode()


@pytest.mark.parametrize(
    ("posted", "stored", "words"),
    [
        (
            {"freq": "MONTHLY_DATE", "day_of_month": "15", "opens_at": "10:00", "closes_at": "12:00"},
            {"day": None, "day_of_month": 15, "week_of_month": None, "interval": 1},
            "The 15th of every month 10:00 to 12:00",
        ),
        (
            {"freq": "MONTHLY_DATE", "day_of_month": "-1", "interval": "2", "opens_at": "10:00", "closes_at": "12:00"},
            {"day": None, "day_of_month": -1, "interval": 2},
            "The last day of every 2 months 10:00 to 12:00",
        ),
        (
            {"freq": "MONTHLY_WEEKDAY", "day": "5", "week_of_month": "-1", "opens_at": "13:00", "closes_at": "14:00"},
            {"day": 5, "week_of_month": -1, "day_of_month": None},
            "Last Friday of the month 13:00 to 14:00",
        ),
        (
            {
                "freq": "WEEKLY",
                "interval": "2",
                "day": "4",
                "starts_on_0": "7",
                "starts_on_1": "1",
                "starts_on_2": "2027",
                "valid_to_0": "31",
                "valid_to_1": "7",
                "valid_to_2": "2027",
                "opens_at": "13:00",
                "closes_at": "14:00",
            },
            {"day": 4, "interval": 2, "starts_on": date(2027, 1, 7), "valid_to": date(2027, 7, 31)},
            "Every 2 weeks on Thursday, starting 7 January 2027 13:00 to 14:00, until 31 July 2027",
        ),
    ],
)
def test_times_beyond_one_a_week_are_stored_shown_and_sent_as_open_referral_says(
    client_for, client, listed_service, other_manager, posted, stored, words
):
    manager = client_for(other_manager)
    response = manager.post(reverse("directory-service-schedule-add", args=[listed_service.pk]), posted)
    assert response.status_code == 302, response.context["form"].errors
    row = listed_service.opening_times.exclude(day=2, interval=1, day_of_month=None).get()
    assert {name: getattr(row, name) for name in stored} == stored
    assert str(row) == words
    sheet = manager.get(reverse("directory-agency", args=[listed_service.agency_id])).content.decode()
    assert words in sheet
    # Saved unchanged: nothing changes, not even the confirmation date.
    confirmed = type(listed_service).objects.get(pk=listed_service.pk).confirmed_at
    rows = OpeningTime.history.count()
    edit = reverse("directory-service-schedule-edit", args=[listed_service.pk, row.pk])
    assert manager.post(edit, posted).status_code == 302
    assert OpeningTime.history.count() == rows
    assert type(listed_service).objects.get(pk=listed_service.pk).confirmed_at == confirmed
    feed = client.get(f"/openreferral/services/{listed_service.uuid}").json()
    sent = next(s for s in feed["schedules"] if s["description"] == words)
    assert sent["freq"] == row.freq and sent["interval"] == row.interval
    assert sent.get("bymonthday") == (str(row.day_of_month) if row.day_of_month else None)


def test_a_schedule_error_keeps_everything_typed(client_for, listed_service, other_manager):
    typed = {
        "freq": "MONTHLY_WEEKDAY",
        "day": "3",
        "opens_at": "18:00",
        "closes_at": "17:00",
        "description": "Evening group",
        "valid_from_0": "1",
        "valid_from_1": "2",
        "valid_from_2": "2027",
    }
    response = client_for(other_manager).post(
        reverse("directory-service-schedule-add", args=[listed_service.pk]), typed
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose which one in the month" in page and "must be after the time it starts" in page
    for value in ('value="18:00"', 'value="17:00"', "Evening group", 'value="2027"'):
        assert value in page, value
    assert any("checked" in i for i in inputs_of(page, value="MONTHLY_WEEKDAY"))


def test_the_service_form_saved_unchanged_keeps_the_other_sessions(client_for, listed_service, other_manager):
    for session in (
        OpeningSession(2, time(18), time(19)),
        OpeningSession(None, time(10), time(12), day_of_month=15),
        OpeningSession(4, time(13), time(14), interval=2, starts_on=date(2027, 1, 7)),
    ):
        services.service_schedule_add(actor=other_manager, service=listed_service, session=session)
    before = sorted(map(repr, (OpeningSession.of(r) for r in listed_service.opening_times.all())))
    client = client_for(other_manager)
    edit = reverse("directory-service-edit", args=[listed_service.pk])
    form = client.get(edit).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif value not in (None, ""):
            data[name] = value
    assert client.post(edit, data).status_code == 302
    after = sorted(map(repr, (OpeningSession.of(r) for r in listed_service.opening_times.all())))
    assert after == before


def test_the_public_page_shows_every_contact_and_the_times_in_plain_english(
    client_for, client, listed_service, other_manager, coordinator, school_directory
):
    services.service_schedule_add(
        actor=other_manager, service=listed_service, session=OpeningSession(None, time(10), time(12), day_of_month=15)
    )
    directory = school_directory
    services.entry_add(actor=coordinator, directory=directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=directory)
    page = client.get(reverse("directory-public", args=[directory.slug])).content.decode()
    assert "Duty health visitor: 01632 960 303, hv@northfield.example.org" in page
    assert "Sam Okafor, Clinic lead: 01632 960 404, 07700 900 123" in page
    assert "The 15th of every month 10:00 to 12:00" in page and "Tuesday 09:30 to 11:30" in page


def test_the_api_day_and_time_filters_answer_rightly_for_every_kind_of_session(client, listed_service, other_manager):
    """The fixture's service runs on Tuesdays 09:30 to 11:30; each added session is tried on its own."""
    services.service_update(
        actor=other_manager,
        service=listed_service,
        sessions=[OpeningSession(None, time(18), time(20), day_of_month=15)],
    )

    def found(query):
        listing = client.get(f"/openreferral/services?{query}").json()["contents"]
        return [item["id"] for item in listing] == [str(listed_service.uuid)]

    # On a date of the month: no day of the week, so no day filter finds it; its times do.
    assert not any(found(f"day={code}") for code in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"))
    assert found("start_time=17:30&end_time=20:00") and not found("start_time=18:30")
    # The last Friday of the month and every other Thursday run on those days.
    services.service_update(
        actor=other_manager,
        service=listed_service,
        sessions=[
            OpeningSession(5, time(13), time(14), week_of_month=-1),
            OpeningSession(4, time(9), time(10), interval=2, starts_on=date(2027, 1, 7)),
        ],
    )
    assert found("day=FR") and found("day=TH") and not found("day=TU")
    assert found("day=FR&start_time=13:00&end_time=14:00") and not found("day=TH&start_time=13:00")
