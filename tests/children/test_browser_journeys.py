"""The child journey in real Chromium: search, find none, open the record with the family, add the
team around the child, record consent, choose the lead professional. axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from agencies.models import Membership
from children.models import Child, Consent, LeadProfessional

from ..browser import assert_accessible
from ..factories import AgencyFactory, appoint_lead, member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, legend, day, month, year):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_a_health_visitor_finds_no_record_opens_one_and_sets_up_the_team(page, password):
    hv_team = AgencyFactory(name="Northfield Health Visiting Team", kind="health_visiting")
    school = AgencyFactory(name="Riverside Primary School", kind="school")
    AgencyFactory(name="Northfield Medical Practice", kind="gp_practice")
    health_visitor = member_of(hv_team, full_name="Sarah Hughes", job_title="Health visitor")
    hv_manager = member_of(hv_team, Membership.Role.MANAGER, full_name="Joanne Reid")
    teacher = member_of(school, full_name="Tom Barker", email="tom.barker@school.example.org")

    page.sign_in(health_visitor.email, password)
    page.get_by_role("link", name="Children").first.click()
    page.get_by_role("heading", name="Children").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Find a child").click()
    page.get_by_role("heading", name="Find a child").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Enter a name, a date of birth or a postcode")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Last name").fill("Carter")
    fill_date(page, "Date of birth", 14, 3, 2021)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No matching records")).to_be_visible()
    assert "Carter" not in page.url and "2021" not in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Open a new record").click()
    page.get_by_role("heading", name="Open a new record").wait_for()
    assert_accessible(page)
    page.get_by_label("First name").fill("Wayne")
    page.get_by_label("Last name").fill("Carter")
    page.get_by_label("Male", exact=True).check()
    fill_date(page, "Date of birth", 14, 3, 2030)
    page.get_by_label("Postcode").fill("NF4 6KH")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("link", name="The date of birth must be today or in the past")).to_be_visible()
    assert page.get_by_label("First name").input_value() == "Wayne"
    assert_accessible(page)
    fill_date(page, "Date of birth", 14, 3, 2021)
    page.get_by_label("Address").fill("Flat 31, Kestrel House\nMeadow Estate")
    page.get_by_role("button", name="Open the record").click()
    page.get_by_role("heading", name="Wayne Carter", exact=True).wait_for()
    child = Child.objects.get(last_name="Carter")
    expect(page.get_by_text(f"Reference {child.reference}")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add someone to the family and household").click()
    page.get_by_role("heading", name="Add someone to the family and household").wait_for()
    assert_accessible(page)
    page.get_by_label("Parent or carer").check()
    page.get_by_label("Name", exact=True).fill("Jess Carter")
    page.get_by_label("Relationship to the child").fill("Mother")
    page.get_by_label("Has parental responsibility").check()
    page.get_by_label("Lives with the child").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Jess Carter has been saved")).to_be_visible()

    page.get_by_role("link", name="Add an agency to the team").click()
    page.get_by_role("heading", name="Add an agency to the team around the child").wait_for()
    assert_accessible(page)
    page.get_by_label("Agency").select_option(label="Riverside Primary School")
    page.get_by_label("Their role with the child").fill("Reception class teacher")
    page.get_by_label("Named practitioner's email address (optional)").fill(teacher.email)
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_text("Riverside Primary School has joined the team around the child")).to_be_visible()

    page.get_by_role("link", name="Record consent").last.click()
    page.get_by_role("heading", name="Record consent").wait_for()
    assert_accessible(page)
    page.get_by_label("A parent or carer with parental responsibility").check()
    page.get_by_label("Name of the person giving consent").fill("Jess Carter")
    fill_date(page, "Date consent was given", *_today())
    page.get_by_label("Written").check()
    page.get_by_label("Basic and additional information").check()
    page.get_by_label("What the information will be used for").fill("To assess needs together (CAF)")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("The consent has been recorded")).to_be_visible()
    assert Child.objects.get(pk=child.pk).current_consent.scope == Consent.Scope.ADDITIONAL

    # With no lead yet, a manager of an involved agency records the family's choice.
    expect(page.get_by_role("link", name=re.compile("Choose the lead professional"))).to_have_count(0)
    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(hv_manager.email, password)
    page.visit(child.get_absolute_url())
    page.get_by_role("link", name=re.compile("Choose the lead professional")).click()
    page.get_by_role("heading", name="Choose the lead professional").wait_for()
    assert_accessible(page)
    page.get_by_label(re.compile("Sarah Hughes")).check()
    page.get_by_label("The family agreed to this lead professional").check()
    fill_date(page, "Date the family agreed", *_today())
    page.get_by_role("button", name="Save lead professional").click()
    expect(page.get_by_text("Sarah Hughes is now the lead professional")).to_be_visible()
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == health_visitor
    assert_accessible(page)

    page.get_by_role("link", name="Change history").click()
    page.get_by_role("heading", name="Change history").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=f"Back to {child.display_name}").click()
    page.get_by_role("link", name="Who has viewed this record").click()
    page.get_by_role("heading", name="Who has viewed this record").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(health_visitor.email, password)
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("table").get_by_role("link", name="Wayne Carter")).to_be_visible()
    assert page.console_errors == []


def test_an_uninvolved_practitioner_learns_only_that_a_record_exists_and_can_break_glass(page, password):
    hv_team = AgencyFactory(name="Northfield Health Visiting Team", kind="health_visiting")
    police = AgencyFactory(name="Northfield Police", kind="police")
    health_visitor = member_of(hv_team, full_name="Sarah Hughes", phone="01632 960 303")
    officer = member_of(police, full_name="PC Dan Shaw")
    from children import services

    child = services.child_create(
        actor=health_visitor,
        agency=hv_team,
        first_name="Della",
        last_name="Carter",
        sex="female",
        postcode="NF4 6KH",
    )
    from datetime import date

    appoint_lead(child, health_visitor, date.today())
    page.sign_in(officer.email, password)
    page.visit("/children/search/")
    page.get_by_label("Last name").fill("Karter")
    page.get_by_label("First name").fill("Dela")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="A matching record exists")).to_be_visible()
    expect(page.get_by_text("Sarah Hughes, Northfield Health Visiting Team")).to_be_visible()
    assert "Della" not in page.content() and "NF4 6KH" not in page.content()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("Request emergency access")).click()
    page.get_by_role("heading", name="Request emergency access").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_role("link", name="Enter why you need emergency access")).to_be_visible()
    page.get_by_label("Why do you need emergency access to this record?").fill("Child found alone at night")
    page.get_by_role("button", name="Get emergency access").click()
    page.get_by_role("heading", name="Della Carter").wait_for()
    expect(page.get_by_text("You are seeing this record through emergency access")).to_be_visible()
    assert_accessible(page)

    # The lead professional sees that it happened, with the reason.
    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(health_visitor.email, password)
    expect(page.get_by_text(re.compile("PC Dan Shaw \\(Northfield Police\\) used emergency access"))).to_be_visible()
    assert_accessible(page)


def _today():
    from datetime import date

    today = date.today()
    return today.day, today.month, today.year
