"""A referral followed end to end in real Chromium: refer, the receiving inbox, redirect with a reason,
accept, complete; the measures page. axe-core on every page type."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from agencies.models import Membership
from children import services as child_services
from children.models import Consent
from referrals.models import Referral

from ..browser import assert_accessible
from ..factories import AgencyFactory, member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_is_sent_redirected_accepted_and_completed_in_the_browser(page, password):
    school = AgencyFactory(name="Riverside Primary School", kind="school", email="office@school.example.org")
    camhs = AgencyFactory(name="Northfield CAMHS", kind="camhs")
    charity = AgencyFactory(name="Brightways Family Support", kind="voluntary", sector="voluntary")
    teacher = member_of(school, full_name="Tom Barker")
    camhs_worker = member_of(camhs, full_name="Grace Thompson")
    charity_manager = member_of(charity, Membership.Role.MANAGER, full_name="Carol Whitfield")
    child = child_services.child_create(
        actor=teacher, agency=school, first_name="Wayne", last_name="Carter", date_of_birth=date(2021, 3, 14)
    )
    child_services.consent_record(
        actor=teacher,
        child=child,
        given_by=Consent.GivenBy.PARENT,
        given_by_name="Jess Carter",
        given_on=date.today() - timedelta(days=1),
        method="written",
        scope="additional",
        all_involved_agencies=True,
        purposes="Early help",
    )

    page.sign_in(teacher.email, password)
    page.visit(child.get_absolute_url())
    page.get_by_role("link", name="Refer to another agency").click()
    page.get_by_role("heading", name="Refer to another agency").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("link", name="Enter the reason for the referral and the child's needs")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Refer to").select_option(label="Northfield CAMHS")
    page.get_by_label("Reason for the referral and the child's needs").fill("Withdrawn and listless in class")
    page.get_by_role("button", name="Send referral").click()
    # Jess agreed to share with the team; CAMHS is outside it, so the family must be asked first.
    expect(
        page.get_by_role("link", name=re.compile("Confirm the family's consent for Northfield CAMHS"))
    ).to_be_visible()
    assert page.get_by_label("Reason for the referral and the child's needs").input_value() == (
        "Withdrawn and listless in class"
    )
    assert_accessible(page)
    for agency in ("Northfield CAMHS", "Brightways Family Support"):
        page.visit(child.get_absolute_url())
        page.get_by_role("link", name="Confirm the family's consent for another agency").click()
        page.get_by_role("heading", name="Confirm the family's consent for another agency").wait_for()
        assert_accessible(page)
        page.get_by_label("Agency").select_option(label=agency)
        page.get_by_label("Who in the family agreed").fill("Jess Carter")
        page.get_by_label("Verbal").check()
        group = page.get_by_role("group", name="Date the family agreed")
        group.get_by_label("Day").fill(str(date.today().day))
        group.get_by_label("Month").fill(str(date.today().month))
        group.get_by_label("Year").fill(str(date.today().year))
        page.get_by_role("button", name="Confirm consent").click()
        expect(page.get_by_text(f"The family's consent now covers {agency}")).to_be_visible()
    page.get_by_role("link", name="Refer to another agency").click()
    page.get_by_label("Refer to").select_option(label="Northfield CAMHS")
    page.get_by_label("Reason for the referral and the child's needs").fill("Withdrawn and listless in class")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("Your referral has been sent to Northfield CAMHS")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name="Referrals you have sent").click()
    expect(page.get_by_role("link", name="Northfield CAMHS")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").first.click()

    page.sign_in(camhs_worker.email, password)
    page.get_by_role("link", name=re.compile("1 referral awaiting")).click()
    page.get_by_role("heading", name="Referrals inbox").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Wayne Carter").click()
    page.get_by_role("heading", name="Referral to Northfield CAMHS").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Redirect").click()
    page.get_by_role("heading", name="Redirect the referral").wait_for()
    page.get_by_role("button", name="Redirect the referral").click()
    expect(page.get_by_role("link", name="Select the agency to redirect to")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Redirect to").select_option(label="Brightways Family Support")
    page.get_by_label("Reason").fill("Whole-family support is the better first step")
    page.get_by_role("button", name="Redirect the referral").click()
    expect(page.get_by_role("heading", name="Redirect chain")).to_be_visible()
    # CAMHS no longer sees the child, but still sees its record of the referral.
    assert page.visit(child.get_absolute_url()).status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)
    page.console_errors.clear()  # that 404 was the point
    page.get_by_role("button", name="Sign out").first.click()

    page.sign_in(charity_manager.email, password)
    page.visit("/referrals/inbox/")
    page.get_by_role("link", name="Wayne Carter").click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("You accepted the referral")).to_be_visible()
    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_role("heading", name="Record the outcome").wait_for()
    assert_accessible(page)
    page.get_by_label("Outcome").fill("Family support worker allocated; weekly home visits")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("Family support worker allocated")).to_be_visible()
    final = Referral.objects.get(to_agency=charity)
    assert final.status == "completed" and final.redirected_from.to_agency == camhs
    page.visit("/referrals/measures/")
    page.get_by_role("heading", name="Referral response measures").wait_for()
    assert_accessible(page)
    page.visit("/notifications/")
    assert_accessible(page)
    assert page.console_errors == []
