"""What a referral lets the receiving agency see, and when that ends; the sharing decision each
referral records; the refusals of a referral that should not be sent; and the working-day calendar.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies import access
from agencies.access import Level
from children import services as child_services
from children.models import Consent, Disclosure, Involvement
from referrals import services
from referrals.models import Referral

from ..children.form_data import consent_fields
from .conftest import REASON

pytestmark = pytest.mark.django_db


def child_page(client_for, user, child):
    return client_for(user).get(reverse("child-detail", args=[child.pk]))


# --- Access around each transition ------------------------------------------------------------------


def test_the_receiving_agency_cannot_see_the_child_before_a_referral_and_sees_basic_details_once_sent(
    client_for, child, send, receiving_member
):
    assert child_page(client_for, receiving_member, child).status_code == 404
    assert access.child_access(receiving_member, child).level == Level.NONE

    send()

    response = child_page(client_for, receiving_member, child)
    assert response.status_code == 200
    assert access.child_access(receiving_member, child).level == Level.BASIC
    body = response.content.decode()
    assert child.reference in body
    assert "Additional information" not in body
    assert child.special_requirements not in body
    assert access.children_visible_to(receiving_member).filter(pk=child.pk).exists()
    assert not access.children_visible_to(receiving_member, Level.ADDITIONAL).filter(pk=child.pk).exists()


@pytest.mark.parametrize(
    "scope, level", [(Consent.Scope.ADDITIONAL, Level.ADDITIONAL), (Consent.Scope.BASIC, Level.BASIC)]
)
def test_accepting_brings_the_agency_into_the_team_and_it_sees_what_the_consent_covers(
    client_for, child, send, sender, camhs, family_support, housing, receiving_member, scope, level
):
    if scope == Consent.Scope.BASIC:
        child_services.consent_record(
            actor=sender,
            child=child,
            **consent_fields(scope=scope, all_involved_agencies=False, given_on=timezone.localdate()),
            agencies_included=[camhs, family_support, housing],
        )
    referral = send()

    services.referral_accept(actor=receiving_member, referral=referral)

    assert Involvement.objects.current().filter(child=child, agency=camhs).exists()
    assert access.child_access(receiving_member, child).level == level
    body = child_page(client_for, receiving_member, child).content.decode()
    assert ("Additional information" in body) is (level == Level.ADDITIONAL)
    assert (child.special_requirements in body) is (level == Level.ADDITIONAL)


def test_the_agency_stays_in_the_team_once_the_referral_is_completed(client_for, child, referral_in, receiving_member):
    referral_in("completed")
    assert child_page(client_for, receiving_member, child).status_code == 200
    assert access.child_access(receiving_member, child).level == Level.ADDITIONAL


@pytest.mark.parametrize("state", ["declined", "withdrawn", "redirected"])
def test_when_a_referral_closes_unanswered_the_receiving_agency_loses_the_child_but_keeps_the_referral(
    client_for, child, referral_in, receiving_member, receiving_manager, state
):
    referral = referral_in(state)

    for user in (receiving_member, receiving_manager):
        assert child_page(client_for, user, child).status_code == 404
        assert access.child_access(user, child).level == Level.NONE
        detail = client_for(user).get(reverse("referral-detail", args=[referral.pk]))
        assert detail.status_code == 200
        assert child.get_absolute_url() not in detail.content.decode()
    assert not Involvement.objects.filter(child=child, agency=referral.to_agency).exists()


def test_the_agency_a_referral_is_redirected_to_gains_basic_details_only(
    client_for, child, send, receiving_member, third_agency_practitioner, family_support
):
    referral = send()
    assert child_page(client_for, third_agency_practitioner, child).status_code == 404

    onward = services.referral_redirect(
        actor=receiving_member, referral=referral, to_agency=family_support, reason="Family Support can start sooner"
    )

    response = child_page(client_for, third_agency_practitioner, child)
    assert response.status_code == 200
    assert access.child_access(third_agency_practitioner, child).level == Level.BASIC
    assert "Additional information" not in response.content.decode()
    assert client_for(third_agency_practitioner).get(onward.get_absolute_url()).status_code == 200
    # The redirected referral itself stays between the school and CAMHS.
    assert client_for(third_agency_practitioner).get(referral.get_absolute_url()).status_code == 404
    assert [step.pk for step in onward.chain()] == [referral.pk, onward.pk]


def test_a_referral_sent_without_consent_lets_the_receiving_agency_see_basic_details_only_even_once_accepted(
    client_for, child, send, school_manager, receiving_member
):
    child_services.consent_withdraw(
        actor=school_manager, consent=child.current_consent, withdrawn_on=timezone.localdate(), reason="Withdrawn"
    )
    referral = send(
        actor=school_manager,
        basis=Referral.Basis.OVERRIDE,
        lawful_basis="Children Act 1989, section 47",
        override_reason="Risk of significant harm",
    )
    assert access.child_access(receiving_member, child).level == Level.BASIC

    services.referral_accept(actor=receiving_member, referral=referral)

    assert access.child_access(receiving_member, child).level == Level.BASIC
    assert "Additional information" not in child_page(client_for, receiving_member, child).content.decode()


# --- The sharing decision each referral records -----------------------------------------------------


def test_sending_a_referral_records_what_was_shared_with_whom_and_on_what_basis(child, send, sender, school, camhs):
    referral = send()

    disclosure = Disclosure.objects.get(child=child)
    assert referral.disclosure == disclosure
    assert disclosure.what == "Basic details and the referral"
    assert disclosure.scope == Disclosure.Scope.BASIC
    assert disclosure.shared_with == camhs
    assert disclosure.basis == Disclosure.Basis.CONSENT
    assert disclosure.purpose == f"Referral: {REASON}"
    assert (disclosure.decided_by, disclosure.decided_by_agency) == (sender, school)


def test_a_redirect_records_a_new_sharing_decision_by_the_agency_that_redirected(
    child, send, receiving_member, camhs, family_support
):
    referral = send()

    onward = services.referral_redirect(
        actor=receiving_member, referral=referral, to_agency=family_support, reason="Family Support can start sooner"
    )

    assert Disclosure.objects.filter(child=child).count() == 2
    disclosure = onward.disclosure
    assert disclosure.shared_with == family_support
    assert disclosure.basis == Disclosure.Basis.CONSENT
    assert disclosure.what == "Referral redirected by Northfield CAMHS"
    assert (disclosure.decided_by, disclosure.decided_by_agency) == (receiving_member, camhs)


def test_a_referral_without_consent_records_the_override_its_lawful_basis_and_reason(
    child, send, school_manager, camhs
):
    referral = send(
        actor=school_manager,
        basis=Referral.Basis.OVERRIDE,
        lawful_basis="Children Act 1989, section 47",
        override_reason="Risk of significant harm",
    )

    disclosure = referral.disclosure
    assert disclosure.basis == Disclosure.Basis.OVERRIDE
    assert disclosure.shared_with == camhs
    assert disclosure.lawful_basis == "Children Act 1989, section 47"
    assert disclosure.reason == "Risk of significant harm"
    assert disclosure.decided_by == school_manager


# --- Refusing a referral that should not be sent -------------------------------------------------


def form_data(school, to_agency, **changes):
    data = {
        "from_agency": school.pk,
        "to_agency": to_agency.pk,
        "reason": REASON,
        "tried": "Weekly time with the learning mentor",
        "urgency": Referral.Urgency.ROUTINE,
        "basis": Referral.Basis.CONSENT,
        "lawful_basis": "",
        "override_reason": "",
    }
    data.update(changes)
    return data


def withdraw_consent(child, actor):
    child_services.consent_withdraw(
        actor=actor, consent=child.current_consent, withdrawn_on=timezone.localdate(), reason="The family withdrew"
    )


def refer(client_for, user, child, data):
    return client_for(user).post(reverse("referral-new", args=[child.pk]), data)


def assert_refused(response, field, message):
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert escape(message) in response.content.decode()
    assert not Referral.objects.exists()
    assert not Disclosure.objects.exists()


def test_a_referral_to_the_referring_agency_itself_is_refused(client_for, child, sender, school):
    response = refer(client_for, sender, child, form_data(school, school))
    assert_refused(response, "to_agency", "Choose another agency: you cannot refer to your own agency")


def test_a_referral_to_an_inactive_agency_is_refused_on_the_agency_field(client_for, child, sender, school, camhs):
    camhs.is_active = False
    camhs.save()
    response = refer(client_for, sender, child, form_data(school, camhs))
    assert response.status_code == 200
    assert response.context["form"].errors["to_agency"]
    assert not Referral.objects.exists()


def test_a_referral_to_an_inactive_agency_says_the_agency_is_no_longer_active(client_for, child, sender, school, camhs):
    camhs.is_active = False
    camhs.save()
    response = refer(client_for, sender, child, form_data(school, camhs))
    assert_refused(response, "to_agency", "Northfield CAMHS is no longer active: choose another agency")


def test_the_service_refuses_an_inactive_agency_with_a_clear_message(child, sender, school, camhs):
    camhs.is_active = False
    camhs.save()
    with pytest.raises(ValidationError) as refused:
        services.referral_send(actor=sender, child=child, from_agency=school, to_agency=camhs, reason=REASON)
    assert refused.value.message_dict == {"to_agency": ["Northfield CAMHS is no longer active: choose another agency"]}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_referral_without_a_reason_is_refused(client_for, child, sender, school, camhs, reason):
    response = refer(client_for, sender, child, form_data(school, camhs, reason=reason))
    assert_refused(response, "reason", "Enter the reason for the referral and the child's needs")


def test_a_referral_on_consent_that_was_withdrawn_is_refused(client_for, child, sender, school, camhs):
    withdraw_consent(child, sender)
    response = refer(client_for, sender, child, form_data(school, camhs))
    assert_refused(
        response,
        "basis",
        "The family's consent does not cover sharing basic details with Northfield CAMHS. Record new consent, "
        "or ask an agency manager to record a safeguarding override",
    )


def test_a_referral_to_an_agency_the_consent_does_not_name_is_refused(
    client_for, child, sender, school, unrelated_agency
):
    response = refer(client_for, sender, child, form_data(school, unrelated_agency))
    assert_refused(
        response,
        "basis",
        f"The family's consent does not cover sharing basic details with {unrelated_agency.name}. Confirm the "
        f"family's consent for {unrelated_agency.name} on the child's record, record new consent, or ask an agency "
        "manager to record a safeguarding override",
    )


def test_a_practitioner_may_not_choose_to_share_without_consent(client_for, child, sender, school, camhs):
    withdraw_consent(child, sender)
    data = form_data(
        school,
        camhs,
        basis=Referral.Basis.OVERRIDE,
        lawful_basis="Children Act 1989, section 47",
        override_reason="Risk of significant harm",
    )
    response = refer(client_for, sender, child, data)
    assert_refused(response, "basis", "Only an agency manager may authorise sharing without consent")


def test_a_manager_sharing_without_consent_must_give_the_lawful_basis_and_the_reason(
    client_for, child, school_manager, school, camhs
):
    withdraw_consent(child, school_manager)
    response = refer(client_for, school_manager, child, form_data(school, camhs, basis=Referral.Basis.OVERRIDE))
    assert_refused(response, "lawful_basis", "Enter the lawful basis for sharing without consent")
    assert "Enter the reason for sharing without consent" in response.context["form"].errors["override_reason"]


def test_a_manager_with_a_lawful_basis_and_a_reason_may_refer_without_consent(
    client_for, child, school_manager, school, camhs, receiving_member
):
    withdraw_consent(child, school_manager)
    data = form_data(
        school,
        camhs,
        basis=Referral.Basis.OVERRIDE,
        lawful_basis="Children Act 1989, section 47",
        override_reason="Risk of significant harm",
    )

    response = refer(client_for, school_manager, child, data)

    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == referral.get_absolute_url()
    assert (referral.from_user, referral.to_agency, referral.basis) == (school_manager, camhs, Referral.Basis.OVERRIDE)
    assert referral.disclosure.basis == Disclosure.Basis.OVERRIDE
    assert referral.disclosure.lawful_basis == "Children Act 1989, section 47"
    assert access.child_access(receiving_member, child).level == Level.BASIC


def test_a_practitioner_of_an_agency_outside_the_team_cannot_open_the_referral_form(client_for, child, outsider):
    assert client_for(outsider).get(reverse("referral-new", args=[child.pk])).status_code == 404


# --- Answering rules the state table does not cover -----------------------------------------------


def test_a_referral_cannot_be_redirected_back_to_the_agency_that_sent_it(
    send, child, sender, receiving_member, school, camhs
):
    # Consent that covers the school too, so only the rule about sending it back can refuse it.
    child_services.consent_record(
        actor=sender, child=child, **consent_fields(all_involved_agencies=False), agencies_included=[school, camhs]
    )
    referral = send()
    with pytest.raises(ValidationError) as refused:
        services.referral_redirect(actor=receiving_member, referral=referral, to_agency=school, reason="Yours")
    assert "to_agency" in refused.value.message_dict


def test_only_a_manager_may_pass_on_a_referral_that_was_shared_without_consent(
    send, school_manager, receiving_member, child, family_support
):
    withdraw_consent(child, school_manager)
    referral = send(
        actor=school_manager,
        basis=Referral.Basis.OVERRIDE,
        lawful_basis="Children Act 1989, section 47",
        override_reason="Risk of significant harm",
    )
    with pytest.raises((ValidationError, PermissionDenied)):
        services.referral_redirect(
            actor=receiving_member, referral=referral, to_agency=family_support, reason="Better placed"
        )
    assert not Disclosure.objects.filter(shared_with=family_support).exists()


def test_declining_needs_a_reason(send, receiving_member):
    referral = send()
    with pytest.raises(ValidationError) as refused:
        services.referral_decline(actor=receiving_member, referral=referral, reason="  ")
    assert refused.value.message_dict == {"reason": ["Enter why the referral is declined"]}
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_a_redirect_to_an_agency_the_consent_does_not_cover_is_refused_and_changes_nothing(
    send, receiving_member, unrelated_agency
):
    referral = send()
    with pytest.raises(ValidationError) as refused:
        services.referral_redirect(
            actor=receiving_member, referral=referral, to_agency=unrelated_agency, reason="Better placed"
        )
    assert refused.value.message_dict == {"to_agency": [f"The family's consent does not cover {unrelated_agency.name}"]}
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT and referral.answered_by is None
    assert Referral.objects.count() == 1


# --- Working days -----------------------------------------------------------------------------------


def test_two_working_days_after_christmas_eve_skip_christmas_boxing_day_observed_and_the_weekend():
    # Thu 24 Dec 2026; Fri 25 Christmas Day; Sat 26, Sun 27; Mon 28 Boxing Day (observed); Tue 29; Wed 30.
    assert services.add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 30)


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday to Monday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day is Friday 1 January 2027
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # Good Friday and Easter Monday 2026
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_working_days_skip_weekends_and_englands_bank_holidays(start, days, expected):
    assert services.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "urgency, setting",
    [(Referral.Urgency.ROUTINE, "REFERRAL_DEFAULT_RESPONSE_DAYS"), ("urgent", "REFERRAL_DEFAULT_URGENT_DAYS")],
)
def test_a_referral_must_be_answered_within_the_default_number_of_working_days(send, settings, urgency, setting):
    referral = send(urgency=urgency)
    expected = services.add_working_days(timezone.localdate(), getattr(settings, setting))
    assert referral.respond_by == expected
