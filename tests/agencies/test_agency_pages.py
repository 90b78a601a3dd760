"""Agency pages and the manager-only membership rules."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies import access
from agencies.models import Membership, User

from ..factories import member_of

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_sign_in(client, agency):
    response = client.get(reverse("agency-detail", args=[agency.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_any_practitioner_sees_the_agency_list_and_page(client_for, agency, manager, outsider):
    client = client_for(outsider)
    response = client.get(reverse("agency-list"))
    assert agency.name in response.content.decode()
    response = client.get(reverse("agency-detail", args=[agency.pk]))
    assert response.status_code == 200
    assert manager.full_name in response.content.decode()
    assert "Add a member" not in response.content.decode()


def test_a_missing_agency_is_a_404(client_for, outsider):
    assert client_for(outsider).get(reverse("agency-detail", args=[999999])).status_code == 404


MANAGER_ONLY_PAGES = ["agency-edit", "member-add"]


@pytest.mark.parametrize("url_name", MANAGER_ONLY_PAGES)
@pytest.mark.parametrize(
    "persona, expected",
    [
        ("manager", 200),
        ("colleague", 404),
        ("coordinator", 404),
        ("other_manager", 404),
        ("outsider", 404),
        ("platform_admin", 404),
    ],
)
def test_only_the_agencys_own_managers_may_open_its_management_pages(
    request, client_for, agency, url_name, persona, expected
):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse(url_name, args=[agency.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona", ["colleague", "other_manager", "outsider", "platform_admin"])
def test_nobody_but_a_manager_can_change_a_members_role_or_remove_them(request, client_for, agency, manager, persona):
    colleague = member_of(agency, full_name="Target Member")
    membership = Membership.objects.get(user=colleague, agency=agency)
    client = client_for(request.getfixturevalue(persona))
    role_url = reverse("member-change-role", args=[agency.pk, membership.pk])
    end_url = reverse("member-end", args=[agency.pk, membership.pk])
    assert client.post(role_url, {"role": "manager"}).status_code == 404
    assert client.post(end_url).status_code == 404
    membership.refresh_from_db()
    assert membership.role == "practitioner" and membership.ended_on is None


def test_a_manager_of_another_agency_cannot_reach_this_agencys_membership_through_their_own(
    client_for, agency, other_agency, other_manager
):
    target = member_of(agency)
    membership = Membership.objects.get(user=target)
    response = client_for(other_manager).post(reverse("member-end", args=[other_agency.pk, membership.pk]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_a_manager_adds_an_existing_practitioner(client_for, agency, manager, outsider):
    response = client_for(manager).post(
        reverse("member-add", args=[agency.pk]), {"email": outsider.email.upper(), "role": "practitioner"}
    )
    assert response.status_code == 302
    assert Membership.objects.current().filter(agency=agency, user=outsider).exists()
    assert outsider.groups.filter(pk=agency.group_id).exists()
    assert mail.outbox == []


def test_a_manager_adds_someone_new_who_is_emailed_a_link_to_set_a_password(
    client_for, agency, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse("member-add", args=[agency.pk]),
            {"email": "new.teacher@school.example.org", "full_name": "Nia Newcomer", "role": "practitioner"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.teacher@school.example.org")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["new.teacher@school.example.org"]


def test_adding_someone_new_without_a_name_asks_for_it_and_keeps_what_was_typed(client_for, agency, manager):
    response = client_for(manager).post(
        reverse("member-add", args=[agency.pk]),
        {"email": "nobody.yet@school.example.org", "job_title": "Learning mentor", "role": "practitioner"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter the person&#x27;s full name" in body
    assert 'value="nobody.yet@school.example.org"' in body
    assert 'value="Learning mentor"' in body
    assert not User.objects.filter(email="nobody.yet@school.example.org").exists()


def test_adding_a_current_member_again_is_refused_clearly(client_for, agency, manager, colleague):
    response = client_for(manager).post(
        reverse("member-add", args=[agency.pk]), {"email": colleague.email, "role": "manager"}
    )
    assert "is already a member of" in response.content.decode()
    assert Membership.objects.current().filter(agency=agency, user=colleague).count() == 1


def test_making_a_member_a_manager_grants_management_and_taking_it_away_removes_it(
    client_for, agency, manager, colleague
):
    membership = Membership.objects.get(user=colleague, agency=agency)
    client = client_for(manager)
    client.post(reverse("member-change-role", args=[agency.pk, membership.pk]), {"role": "manager"})
    assert access.may_manage_agency(colleague, agency)
    client.post(reverse("member-change-role", args=[agency.pk, membership.pk]), {"role": "practitioner"})
    assert not access.may_manage_agency(colleague, agency)


def test_ending_a_membership_keeps_the_account_and_the_history(client_for, agency, manager, colleague):
    membership = Membership.objects.get(user=colleague, agency=agency)
    response = client_for(manager).post(reverse("member-end", args=[agency.pk, membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    colleague.refresh_from_db()
    assert membership.ended_on is not None
    assert colleague.is_active
    assert not colleague.groups.filter(pk=agency.group_id).exists()
    assert membership.history.count() == 2
    assert membership.history.first().history_user == manager


def test_the_last_manager_cannot_be_removed_or_demoted(client_for, agency, manager):
    membership = Membership.objects.get(user=manager, agency=agency)
    client = client_for(manager)
    response = client.post(reverse("member-end", args=[agency.pk, membership.pk]))
    assert "must keep at least one manager" in response.content.decode()
    response = client.post(reverse("member-change-role", args=[agency.pk, membership.pk]), {"role": "practitioner"})
    assert "must keep at least one manager" in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_on is None and membership.role == "manager"


def test_a_manager_edits_the_agency_and_the_history_shows_field_old_and_new(client_for, agency, manager, outsider):
    client = client_for(manager)
    response = client.post(
        reverse("agency-edit", args=[agency.pk]),
        {"name": agency.name, "kind": "school", "sector": "statutory", "postcode": "nf42rp", "phone": "01632 960 999"},
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.postcode == "NF4 2RP"
    history = client_for(outsider).get(reverse("agency-history", args=[agency.pk])).content.decode()
    assert "Telephone" in history and "01632 960 999" in history and "(blank)" in history
    assert manager.full_name in history


def test_bad_agency_details_get_field_errors_and_nothing_is_saved(client_for, agency, manager):
    response = client_for(manager).post(
        reverse("agency-edit", args=[agency.pk]),
        {
            "name": "",
            "kind": "school",
            "sector": "statutory",
            "postcode": "NOT A CODE",
            "email": "nope",
            "website": "x",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the agency&#x27;s name" in body
    assert "Enter a real postcode" in body
    assert "Enter an email address in the correct format" in body
    assert 'value="NOT A CODE"' in body
    agency.refresh_from_db()
    assert agency.name == "Riverside Primary School"


def test_the_agency_page_uses_the_same_number_of_queries_however_many_members(
    client_for, agency, manager, django_assert_max_num_queries
):
    client = client_for(manager)
    url = reverse("agency-detail", args=[agency.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        member_of(agency)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_practitioner_edits_their_own_profile(client_for, colleague):
    client = client_for(colleague)
    response = client.post(
        reverse("profile"),
        {
            "full_name": "Tom Barker",
            "job_title": "Reception teacher",
            "phone": "01632 960 111",
            "role_outline": "Class teacher",
            "availability": "Mon to Fri 8:30am to 4pm",
        },
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.job_title == "Reception teacher"
    assert colleague.history.first().history_user == colleague
