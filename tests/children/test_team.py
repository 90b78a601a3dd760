"""The team around the child: who joins, who leaves, who leads, and the history of the record."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency
from children import services
from children.models import Involvement, LeadProfessional

from ..factories import AgencyFactory, member_of
from .form_data import child_form_data, date_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def camhs(db):
    return AgencyFactory(name="Northfield CAMHS", kind=Agency.Kind.CAMHS)


@pytest.fixture
def therapist(camhs):
    return member_of(camhs, full_name="Theo Therapist", email="theo@camhs.example.org")


# --- Adding an agency -----------------------------------------------------------------------------


def test_an_agency_added_after_consent_sees_the_child_only_once_the_familys_consent_is_confirmed_for_it(
    client_for, child, lead_professional, camhs, therapist
):
    assert client_for(therapist).get(reverse("child-detail", args=[child.pk])).status_code == 404

    response = client_for(lead_professional).post(
        reverse("involvement-add", args=[child.pk]),
        {"agency": camhs.pk, "role": "Clinical psychologist", "practitioner_email": therapist.email.upper()},
    )

    assert response.status_code == 302
    involvement = Involvement.objects.current().get(child=child, agency=camhs)
    assert involvement.practitioner == therapist and involvement.role == "Clinical psychologist"
    assert involvement.history.first().history_user == lead_professional
    # The family agreed to the team they were told about: a newcomer is not covered until they are asked.
    assert client_for(therapist).get(reverse("child-detail", args=[child.pk])).status_code == 404
    page = client_for(lead_professional).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "Consent not confirmed" in page

    response = client_for(lead_professional).post(
        reverse("consent-confirm", args=[child.pk]),
        {
            "agency": camhs.pk,
            "agreed_by_name": "Jess Carter",
            "method": "verbal",
            **date_data("agreed_on", timezone.localdate()),
        },
    )

    assert response.status_code == 302
    assert client_for(therapist).get(reverse("child-detail", args=[child.pk])).status_code == 200


def test_an_agency_already_in_the_team_cannot_be_added_again(client_for, child, lead_professional, school):
    response = client_for(lead_professional).post(
        reverse("involvement-add", args=[child.pk]), {"agency": school.pk, "role": "Teaching assistant"}
    )
    assert response.status_code == 200
    assert f"{school.name} is already in the team around the child" in response.content.decode()
    assert Involvement.objects.filter(child=child, agency=school).count() == 1


def test_the_named_practitioner_must_belong_to_the_agency_being_added(
    client_for, child, lead_professional, camhs, teacher
):
    response = client_for(lead_professional).post(
        reverse("involvement-add", args=[child.pk]),
        {"agency": camhs.pk, "role": "Psychologist", "practitioner_email": teacher.email},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"is not a member of {camhs.name}" in body
    assert 'value="Psychologist"' in body
    assert not Involvement.objects.filter(child=child, agency=camhs).exists()


def test_an_unknown_practitioner_email_is_refused_clearly(client_for, child, lead_professional, camhs):
    response = client_for(lead_professional).post(
        reverse("involvement-add", args=[child.pk]),
        {"agency": camhs.pk, "role": "Psychologist", "practitioner_email": "nobody@camhs.example.org"},
    )
    assert "There is no practitioner with that email address" in response.content.decode()
    assert not Involvement.objects.filter(child=child, agency=camhs).exists()


@pytest.mark.parametrize("persona", ["housing_officer", "outsider", "platform_admin"])
def test_nobody_without_edit_rights_may_add_an_agency(request, client_for, child, camhs, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("involvement-add", args=[child.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"agency": camhs.pk, "role": "Psychologist"}).status_code == 404
    assert not Involvement.objects.filter(child=child, agency=camhs).exists()


# --- Ending an involvement ------------------------------------------------------------------------


def _involvement_of(child, agency):
    return Involvement.objects.current().get(child=child, agency=agency)


def test_ending_an_involvement_ends_that_agencys_access(client_for, child, lead_professional, school, teacher):
    involvement = _involvement_of(child, school)

    response = client_for(lead_professional).post(
        reverse("involvement-end", args=[child.pk, involvement.pk]), {"reason": "Keziah has moved school"}
    )

    assert response.status_code == 302
    involvement.refresh_from_db()
    assert involvement.ended_on == timezone.localdate()
    assert involvement.end_reason == "Keziah has moved school"
    assert client_for(teacher).get(reverse("child-detail", args=[child.pk])).status_code == 404
    assert not access.children_visible_to(teacher).filter(pk=child.pk).exists()


def test_the_lead_professionals_agency_cannot_leave_the_team(client_for, child, lead_professional, health_visiting):
    involvement = _involvement_of(child, health_visiting)

    response = client_for(lead_professional).post(
        reverse("involvement-end", args=[child.pk, involvement.pk]), {"reason": "Case closed"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "This agency has the child&#x27;s lead professional" in body
    assert "Choose a new lead professional before it leaves" in body
    involvement.refresh_from_db()
    assert involvement.ended_on is None


def test_ending_an_involvement_needs_a_reason(client_for, child, lead_professional, school):
    involvement = _involvement_of(child, school)
    response = client_for(lead_professional).post(
        reverse("involvement-end", args=[child.pk, involvement.pk]), {"reason": ""}
    )
    assert "Enter why the agency is leaving the team" in response.content.decode()
    involvement.refresh_from_db()
    assert involvement.ended_on is None


@pytest.mark.parametrize("persona", ["housing_officer", "outsider"])
def test_nobody_without_edit_rights_may_end_an_involvement(request, client_for, child, school, persona):
    involvement = _involvement_of(child, school)
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("involvement-end", args=[child.pk, involvement.pk]), {"reason": "Not needed"}
    )
    assert response.status_code == 404
    involvement.refresh_from_db()
    assert involvement.ended_on is None


# --- Choosing the lead professional ---------------------------------------------------------------


def _choose(client, child, practitioner, *, agreed: bool = True, agreed_on: date | None = None):
    data = {"practitioner": practitioner.pk, **date_data("agreed_on", agreed_on)}
    if agreed:
        data["family_agreed"] = "on"
    return client.post(reverse("lead-professional-choose", args=[child.pk]), data)


def test_choosing_a_lead_professional_needs_the_familys_agreement(client_for, child, lead_professional, teacher):
    response = _choose(client_for(lead_professional), child, teacher, agreed=False, agreed_on=timezone.localdate())

    assert response.status_code == 200
    assert "The lead professional is chosen with the family: confirm they agreed" in response.content.decode()
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == lead_professional


def test_choosing_a_lead_professional_needs_the_date_the_family_agreed(client_for, child, lead_professional, teacher):
    response = _choose(client_for(lead_professional), child, teacher, agreed_on=None)

    assert response.status_code == 200
    assert "Enter the date the family agreed" in response.content.decode()
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == lead_professional


def test_the_lead_professional_service_also_insists_on_the_familys_agreement(child, lead_professional, teacher):
    with pytest.raises(ValidationError):
        services.lead_professional_set(
            actor=lead_professional, child=child, practitioner=teacher, family_agreed=False, agreed_on=None
        )


def test_changing_the_lead_professional_keeps_the_previous_one_with_an_end_date(
    client_for, child, lead_professional, teacher, school
):
    agreed_on = timezone.localdate() - timedelta(days=1)

    response = _choose(client_for(lead_professional), child, teacher, agreed_on=agreed_on)

    assert response.status_code == 302
    current = LeadProfessional.objects.get(child=child, ended_on__isnull=True)
    assert current.practitioner == teacher and current.agency == school
    assert current.family_agreed and current.agreed_on == agreed_on
    previous = LeadProfessional.objects.get(child=child, practitioner=lead_professional)
    assert previous.ended_on == timezone.localdate()
    page = client_for(teacher).get(reverse("lead-professional-choose", args=[child.pk])).content.decode()
    assert "Past lead professionals" in page and lead_professional.full_name in page
    detail = client_for(teacher).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert f"{teacher.full_name}, {school.name}" in detail


def test_the_lead_professional_must_belong_to_an_agency_in_the_team(client_for, child, lead_professional, outsider):
    response = _choose(client_for(lead_professional), child, outsider, agreed_on=timezone.localdate())
    assert response.status_code == 200
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == lead_professional


@pytest.mark.parametrize("persona", ["housing_officer", "outsider"])
def test_nobody_without_edit_rights_may_choose_the_lead_professional(
    request, client_for, child, housing_officer, persona
):
    response = _choose(
        client_for(request.getfixturevalue(persona)), child, housing_officer, agreed_on=timezone.localdate()
    )
    assert response.status_code == 404
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner != housing_officer


def test_the_lead_professional_sees_the_child_under_children_they_lead_on_their_home_page(
    client_for, child, lead_professional
):
    body = client_for(lead_professional).get(reverse("home")).content.decode()
    assert "Children you are lead professional for" in body
    assert child.display_name in body
    assert child.get_absolute_url() in body


def _lead_section(body: str) -> str:
    """The "Children you are lead professional for" part of the home page (other lists may name the child)."""
    start = body.index("Children you are lead professional for")
    return body[start : body.index("<h2", start)]


def test_a_colleague_who_is_not_the_lead_does_not_see_the_child_on_their_home_page(client_for, child, hv_colleague):
    body = client_for(hv_colleague).get(reverse("home")).content.decode()
    assert child.display_name not in _lead_section(body)


def test_a_former_lead_no_longer_sees_the_child_on_their_home_page(client_for, child, lead_professional, teacher):
    _choose(client_for(lead_professional), child, teacher, agreed_on=timezone.localdate())
    assert child.display_name not in _lead_section(client_for(lead_professional).get(reverse("home")).content.decode())
    assert child.display_name in _lead_section(client_for(teacher).get(reverse("home")).content.decode())


# --- The history of the record --------------------------------------------------------------------


@pytest.fixture
def child_without_shared_consent(health_visiting, lead_professional):
    """A record only the health visiting team holds: no consent yet, so no many-to-many history."""
    return services.child_create(
        actor=lead_professional,
        first_name="Rory",
        last_name="Walsh",
        date_of_birth=date(2022, 6, 1),
        postcode="NF2 8QT",
        first_language="English",
    )


def test_the_history_shows_field_old_and_new_after_the_childs_details_are_edited(
    client_for, child_without_shared_consent, lead_professional, hv_colleague
):
    child = child_without_shared_consent
    data = child_form_data(child, postcode="nf3 1zz", first_language="Irish")

    response = client_for(hv_colleague).post(reverse("child-edit", args=[child.pk]), data)

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.postcode == "NF3 1ZZ"
    history = client_for(lead_professional).get(reverse("child-history", args=[child.pk])).content.decode()
    assert "Postcode" in history and "NF2 8QT" in history and "NF3 1ZZ" in history
    assert "Child&#x27;s first language" in history and "English" in history and "Irish" in history
    assert hv_colleague.full_name in history


def test_an_edit_with_errors_changes_nothing_and_keeps_what_was_typed(client_for, child, lead_professional):
    data = child_form_data(child, postcode="NOT A CODE", religion="Quaker")

    response = client_for(lead_professional).post(reverse("child-edit", args=[child.pk]), data)

    assert response.status_code == 200
    assert 'value="NOT A CODE"' in response.content.decode()
    child.refresh_from_db()
    assert child.postcode == "NF1 3AB" and child.religion == "Church of England"


def test_the_history_of_a_child_whose_consent_names_agencies_can_be_read(client_for, child, lead_professional):
    response = client_for(lead_professional).get(reverse("child-history", args=[child.pk]))
    assert response.status_code == 200
    assert "Northfield Housing Services" in response.content.decode()


@pytest.mark.parametrize("persona", ["housing_officer", "outsider"])
def test_nobody_without_edit_rights_may_change_the_childs_details(request, client_for, child, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("child-edit", args=[child.pk]), child_form_data(child, religion="None")
    )
    assert response.status_code == 404
    child.refresh_from_db()
    assert child.religion == "Church of England"
