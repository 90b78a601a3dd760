"""The family's consent decides who in the team sees what; a manager may override it to safeguard a child."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies import access
from children import services
from children.models import Consent, Disclosure, SafeguardingEscalation

from .form_data import consent_fields, date_data

pytestmark = pytest.mark.django_db

OVERRIDE_REASON = "Mother disclosed that the family will be evicted on Friday and the children have nowhere to go"
LAWFUL_BASIS = "UK GDPR Article 6(1)(e) and Schedule 8 DPA 2018: safeguarding of children"


def _override_fields(agency, **changes):
    """The fields of a safeguarding override that shares additional information with `agency`."""
    fields = {
        "shared_with": agency,
        "scope": Disclosure.Scope.ADDITIONAL,
        "what": "Keziah's needs, the family's situation and the support plan",
        "purpose": "So housing can find the family emergency accommodation today",
        "basis": Disclosure.Basis.OVERRIDE,
        "lawful_basis": LAWFUL_BASIS,
        "reason": OVERRIDE_REASON,
    }
    fields.update(changes)
    return fields


def _override_post(agency, **changes):
    return {**_override_fields(agency, **changes), "shared_with": agency.pk}


def _withdraw(client, child):
    return client.post(
        reverse("consent-withdraw", args=[child.pk, child.current_consent_id]),
        {**date_data("withdrawn_on", timezone.localdate()), "reason": "Mother no longer wants the school told"},
    )


# --- Before consent ------------------------------------------------------------------------------


def test_before_the_family_consents_only_the_agency_that_opened_the_record_sees_it(
    client_for, health_visiting, lead_professional, hv_colleague, school, teacher
):
    child = services.child_create(actor=lead_professional, first_name="Rory", last_name="Walsh")
    services.involvement_add(actor=lead_professional, child=child, agency=school, role="Class teacher")

    assert client_for(hv_colleague).get(reverse("child-detail", args=[child.pk])).status_code == 200
    assert client_for(teacher).get(reverse("child-detail", args=[child.pk])).status_code == 404
    assert not access.children_visible_to(teacher).filter(pk=child.pk).exists()
    body = client_for(lead_professional).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "No consent has been recorded" in body


# --- Withdrawing consent --------------------------------------------------------------------------


def test_withdrawing_consent_removes_the_access_of_an_agency_it_covered(client_for, child, lead_professional, teacher):
    assert client_for(teacher).get(reverse("child-detail", args=[child.pk])).status_code == 200

    response = _withdraw(client_for(lead_professional), child)

    assert response.status_code == 302
    child.current_consent.refresh_from_db()
    assert child.current_consent.is_withdrawn
    assert client_for(teacher).get(reverse("child-detail", args=[child.pk])).status_code == 404
    assert not access.children_visible_to(teacher).filter(pk=child.pk).exists()


def test_withdrawing_consent_leaves_the_recording_agency_with_its_own_record(
    client_for, child, lead_professional, hv_colleague, hv_manager, housing_officer
):
    _withdraw(client_for(lead_professional), child)

    for health_visitor in (lead_professional, hv_colleague, hv_manager):
        assert access.child_access(health_visitor, child).may_edit
        assert client_for(health_visitor).get(reverse("child-detail", args=[child.pk])).status_code == 200
    assert client_for(housing_officer).get(reverse("child-detail", args=[child.pk])).status_code == 404


def test_only_those_who_may_edit_the_record_may_withdraw_consent(client_for, child, housing_officer, outsider):
    for person in (housing_officer, outsider):
        assert _withdraw(client_for(person), child).status_code == 404
    child.current_consent.refresh_from_db()
    assert not child.current_consent.is_withdrawn


def test_consent_cannot_be_withdrawn_before_it_was_given(child, lead_professional):
    with pytest.raises(ValidationError) as error:
        services.consent_withdraw(
            actor=lead_professional,
            consent=child.current_consent,
            withdrawn_on=child.current_consent.given_on - timedelta(days=1),
            reason="Typed the wrong date",
        )
    assert "withdrawn_on" in error.value.error_dict


# --- The newest consent governs -------------------------------------------------------------------


def test_a_newer_consent_governs_over_an_older_one(child, lead_professional, teacher, housing_officer):
    older = child.current_consent
    newer = services.consent_record(
        actor=lead_professional,
        child=child,
        **consent_fields(given_on=timezone.localdate(), scope=Consent.Scope.BASIC),
    )

    child.refresh_from_db()
    assert child.current_consent == newer != older
    assert access.child_access(teacher, child).may_view_basic
    assert not access.child_access(teacher, child).may_view_additional
    # The older consent excluded housing from additional information; the newer one says basic for all.
    assert access.child_access(housing_officer, child).may_view_basic


def test_an_older_consent_recorded_late_does_not_displace_the_newer_one(child, lead_professional, teacher):
    current = child.current_consent
    services.consent_record(
        actor=lead_professional,
        child=child,
        **consent_fields(given_on=current.given_on - timedelta(days=60), scope=Consent.Scope.BASIC),
    )

    child.refresh_from_db()
    assert child.current_consent == current
    assert access.child_access(teacher, child).may_view_additional


def test_a_newer_consent_recorded_through_the_page_governs_from_then_on(client_for, child, lead_professional, teacher):
    response = client_for(lead_professional).post(
        reverse("consent-new", args=[child.pk]),
        {
            "given_by": "parent",
            "given_by_name": "Jade Carter",
            **date_data("given_on", timezone.localdate()),
            "method": "verbal",
            "scope": "basic",
            "all_involved_agencies": "on",
            "purposes": "To co-ordinate support",
            **date_data("review_on", None),
        },
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.current_consent.method == "verbal"
    body = client_for(teacher).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "Additional information" not in body
    assert "basic details only" in body


# --- Sharing without consent (safeguarding override) ----------------------------------------------


@pytest.fixture
def consent_for_the_school_only(child, lead_professional, school):
    """A newer consent that names the school alone, so housing sees nothing of the child."""
    return services.consent_record(
        actor=lead_professional,
        child=child,
        agencies_included=[school],
        **consent_fields(given_on=timezone.localdate(), all_involved_agencies=False),
    )


def test_a_practitioner_cannot_record_a_safeguarding_override(child, lead_professional, housing):
    with pytest.raises(PermissionDenied):
        services.disclosure_record(
            actor=lead_professional,
            child=child,
            shared_with=housing,
            scope=Disclosure.Scope.ADDITIONAL,
            what="Everything",
            purpose="Emergency accommodation",
            basis=Disclosure.Basis.OVERRIDE,
            lawful_basis=LAWFUL_BASIS,
            reason=OVERRIDE_REASON,
        )
    assert not Disclosure.objects.exists()


def test_a_practitioner_trying_a_safeguarding_override_on_the_page_is_told_only_a_manager_may(
    client_for, child, lead_professional, housing
):
    response = client_for(lead_professional).post(reverse("disclosure-new", args=[child.pk]), _override_post(housing))

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Only an agency manager may authorise sharing without consent" in body
    assert OVERRIDE_REASON in body
    assert not Disclosure.objects.exists()


def test_a_safeguarding_override_needs_a_lawful_basis_and_a_reason(client_for, child, hv_manager, housing):
    response = client_for(hv_manager).post(
        reverse("disclosure-new", args=[child.pk]), _override_post(housing, lawful_basis=" ", reason="")
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the lawful basis for sharing without consent" in body
    assert "Enter the reason for sharing without consent" in body
    assert not Disclosure.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.disclosure_record(
            actor=hv_manager,
            child=child,
            shared_with=housing,
            scope=Disclosure.Scope.ADDITIONAL,
            what="Everything",
            purpose="Emergency accommodation",
            basis=Disclosure.Basis.OVERRIDE,
        )
    assert set(error.value.error_dict) == {"lawful_basis", "reason"}


def test_a_managers_safeguarding_override_gives_the_named_agency_access(
    client_for, child, hv_manager, housing, housing_officer, consent_for_the_school_only
):
    assert client_for(housing_officer).get(reverse("child-detail", args=[child.pk])).status_code == 404

    response = client_for(hv_manager).post(reverse("disclosure-new", args=[child.pk]), _override_post(housing))

    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.decided_by == hv_manager and disclosure.basis == Disclosure.Basis.OVERRIDE
    rights = access.child_access(housing_officer, child)
    assert rights.may_view_basic and rights.may_view_additional
    body = client_for(housing_officer).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "Additional information" in body


def test_a_basic_override_gives_the_named_agency_basic_details_only(
    child, hv_manager, housing, housing_officer, consent_for_the_school_only
):
    services.disclosure_record(
        actor=hv_manager,
        child=child,
        **_override_fields(housing, scope=Disclosure.Scope.BASIC),
    )
    rights = access.child_access(housing_officer, child)
    assert rights.may_view_basic and not rights.may_view_additional


def test_an_override_gives_nothing_to_agencies_it_does_not_name(
    child, hv_manager, housing, outsider, consent_for_the_school_only
):
    services.disclosure_record(actor=hv_manager, child=child, **_override_fields(housing))
    assert not access.child_access(outsider, child).may_view_basic


def test_a_decision_not_to_share_gives_the_agency_nothing(
    child, hv_manager, housing, housing_officer, consent_for_the_school_only
):
    services.disclosure_record(
        actor=hv_manager, child=child, **_override_fields(housing, basis=Disclosure.Basis.NOT_SHARED)
    )
    assert not access.child_access(housing_officer, child).may_view_basic


def test_the_override_is_shown_on_the_childs_page(client_for, child, hv_manager, housing, teacher, outsider):
    services.disclosure_record(actor=hv_manager, child=child, **_override_fields(housing))

    for person in (hv_manager, teacher):
        body = client_for(person).get(reverse("child-detail", args=[child.pk])).content.decode()
        assert f"Information was shared with {housing.name} without consent" in body
        assert hv_manager.full_name in body
        assert OVERRIDE_REASON in body
    assert client_for(outsider).get(reverse("child-detail", args=[child.pk])).status_code == 404


def test_only_those_who_may_edit_the_record_may_open_the_sharing_decision_page(
    client_for, child, housing_officer, outsider, hv_manager
):
    assert client_for(hv_manager).get(reverse("disclosure-new", args=[child.pk])).status_code == 200
    for person in (housing_officer, outsider):
        client = client_for(person)
        assert client.get(reverse("disclosure-new", args=[child.pk])).status_code == 404
    assert not Disclosure.objects.exists()


# --- Safeguarding escalations ---------------------------------------------------------------------

CONCERN = "Keziah had bruises on both upper arms and flinched when her father arrived"


def _escalation_data():
    contacted_at = timezone.localtime() - timedelta(hours=1)
    return {
        "concern": CONCERN,
        "contacted_at": contacted_at.strftime("%Y-%m-%dT%H:%M"),
        "contacted_whom": "Duty social worker, Northfield MASH",
    }


def test_any_practitioner_in_the_team_may_record_a_safeguarding_escalation_even_with_basic_access(
    client_for, child, housing_officer, housing
):
    assert not access.child_access(housing_officer, child).may_view_additional
    client = client_for(housing_officer)
    assert client.get(reverse("escalation-new", args=[child.pk])).status_code == 200

    response = client.post(reverse("escalation-new", args=[child.pk]), _escalation_data())

    assert response.status_code == 302
    escalation = SafeguardingEscalation.objects.get(child=child)
    assert escalation.recorded_by == housing_officer
    assert escalation.recorded_by_agency == housing
    assert escalation.outcome == SafeguardingEscalation.Outcome.PENDING


def test_an_escalation_is_shown_on_the_childs_page_to_the_whole_team(
    client_for, child, housing_officer, lead_professional, hv_colleague, hv_manager, teacher
):
    client_for(housing_officer).post(reverse("escalation-new", args=[child.pk]), _escalation_data())

    for person in (lead_professional, hv_colleague, hv_manager, teacher, housing_officer):
        body = client_for(person).get(reverse("child-detail", args=[child.pk])).content.decode()
        assert "Safeguarding concern" in body, person.full_name
        assert housing_officer.full_name in body
        assert CONCERN in body


def test_an_outsider_cannot_open_or_post_a_safeguarding_escalation(client_for, child, outsider):
    client = client_for(outsider)
    assert client.get(reverse("escalation-new", args=[child.pk])).status_code == 404
    assert client.post(reverse("escalation-new", args=[child.pk]), _escalation_data()).status_code == 404
    assert not SafeguardingEscalation.objects.exists()


def test_an_escalation_cannot_say_social_care_were_contacted_in_the_future(client_for, child, teacher):
    data = _escalation_data()
    data["contacted_at"] = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(teacher).post(reverse("escalation-new", args=[child.pk]), data)

    assert response.status_code == 200
    assert "The time you contacted social care must not be in the future" in response.content.decode()
    assert not SafeguardingEscalation.objects.exists()
