"""In real Chromium, with axe-core on every page: a teacher raises a safeguarding concern and a social worker
decides it; a lead professional hands over to another with a note the new lead sees first."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, Membership, Notification
from children import services
from children.models import HandoverNote, LeadProfessional, SafeguardingEscalation

from ..browser import assert_accessible
from ..factories import AgencyFactory, appoint_lead, member_of
from .form_data import consent_fields
from .test_browser_journeys import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONCERN = "Wayne has a burn mark on the back of his hand and said his dad's friend did it"
HANDOVER = "Jess prefers home visits on Tuesday mornings; the housing appeal is on the 14th"


@pytest.fixture
def team(db):
    hv = AgencyFactory(name="Northfield Health Visiting Team", kind=Agency.Kind.HEALTH_VISITING)
    school = AgencyFactory(name="Riverside Primary School", kind=Agency.Kind.SCHOOL)
    social_care = AgencyFactory(name="Northfield Children's Social Care", kind=Agency.Kind.SOCIAL_CARE)
    people = {
        "lead": member_of(hv, full_name="Sarah Hughes", job_title="Health visitor"),
        "teacher": member_of(school, full_name="Tom Barker", job_title="Reception class teacher"),
        "social_worker": member_of(social_care, full_name="Fatima Begum", job_title="Social worker"),
        "social_care_manager": member_of(social_care, Membership.Role.MANAGER, full_name="David Chen"),
    }
    child = services.child_create(
        actor=people["lead"], agency=hv, first_name="Wayne", last_name="Carter", sex="male", postcode="NF4 6KH"
    )
    services.involvement_add(
        actor=people["lead"], child=child, agency=school, role="School", practitioner=people["teacher"]
    )
    services.consent_record(actor=people["lead"], child=child, **consent_fields(given_by_name="Jess Carter"))
    appoint_lead(child, people["lead"], timezone.localdate())
    return {"child": child, **people}


def test_a_teacher_raises_a_safeguarding_concern_and_a_social_worker_decides_it(page, password, team):
    child = team["child"]
    page.sign_in(team["teacher"].email, password)
    page.visit(child.get_absolute_url())
    page.get_by_role("link", name="Record a safeguarding escalation").click()
    page.get_by_role("heading", name="Record a safeguarding escalation").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Record escalation").click()
    expect(page.get_by_role("link", name="Describe the concern")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The concern").fill(CONCERN)
    contacted = timezone.localtime() - timedelta(hours=1)
    page.get_by_label("When you contacted children's social care").fill(contacted.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Who you spoke to").fill("Duty social worker")
    page.get_by_role("button", name="Record escalation").click()
    expect(page.get_by_text("The escalation to children's social care has been recorded")).to_be_visible()
    expect(page.get_by_role("region", name="Safeguarding concern")).to_be_visible()
    # The teacher may not record social care's decision, so is not offered it.
    expect(page.get_by_role("link", name="Record social care's decision")).to_have_count(0)
    assert_accessible(page)
    escalation = SafeguardingEscalation.objects.get(child=child)
    assert Notification.objects.filter(
        user=team["social_care_manager"], event=Notification.Event.ESCALATION_RAISED
    ).exists()
    assert Notification.objects.filter(user=team["lead"], event=Notification.Event.ESCALATION_RAISED).exists()

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["social_worker"].email, password)
    page.get_by_role("link", name="1 awaiting a decision").click()
    page.get_by_role("heading", name="Safeguarding escalations").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Wayne Carter")).click()
    page.get_by_role("heading", name="Record social care's decision").wait_for()
    expect(page.get_by_text(CONCERN)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("link", name="Select social care's decision")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Children and families assessment (section 17)").check()
    page.get_by_label("Who decided").select_option(str(team["social_care_manager"].pk))
    page.get_by_label("Note of the decision").fill("Section 17 assessment opened today")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Social care's decision has been recorded")).to_be_visible()
    page.get_by_role("link", name="Decided", exact=True).click()
    expect(page.get_by_role("cell", name=re.compile("Children and families assessment"))).to_be_visible()
    assert_accessible(page)
    escalation.refresh_from_db()
    assert escalation.outcome == SafeguardingEscalation.Outcome.ASSESSMENT_S17
    assert escalation.decided_by == team["social_care_manager"]
    assert escalation.decision_recorded_by == team["social_worker"]

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["teacher"].email, password)
    page.visit(child.get_absolute_url())
    expect(page.get_by_text("Children and families assessment (section 17)")).to_be_visible()
    assert_accessible(page)
    assert Notification.objects.filter(user=team["teacher"], event=Notification.Event.ESCALATION_DECISION).exists()
    assert page.console_errors == []


def test_a_lead_professional_hands_over_with_a_note_the_new_lead_sees_first(page, password, team):
    child = team["child"]
    page.sign_in(team["lead"].email, password)
    page.visit(child.get_absolute_url())
    page.get_by_role("link", name=re.compile("Change the lead professional")).click()
    page.get_by_role("heading", name="Choose the lead professional").wait_for()
    assert_accessible(page)
    page.get_by_label(re.compile("Tom Barker")).check()
    page.get_by_role("button", name="Save lead professional").click()
    expect(page.get_by_role("link", name=re.compile("confirm they agreed"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The family agreed to this lead professional").check()
    fill_date(page, "Date the family agreed", *(lambda d: (d.day, d.month, d.year))(timezone.localdate()))
    page.get_by_label("Handover note for the new lead professional (optional)").fill(HANDOVER)
    page.get_by_role("button", name="Save lead professional").click()
    expect(page.get_by_text("Tom Barker is now the lead professional")).to_be_visible()
    assert_accessible(page)
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == team["teacher"]
    assert HandoverNote.objects.get(child=child).written_by == team["lead"]

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["teacher"].email, password)
    page.visit(child.get_absolute_url())
    banner = page.get_by_role("region", name="Handover note")
    expect(banner).to_be_visible()
    expect(banner.get_by_text(HANDOVER)).to_be_visible()
    assert_accessible(page)
    banner.get_by_role("button", name="Mark the handover note as read").click()
    expect(page.get_by_role("region", name="Handover note")).to_have_count(0)
    page.get_by_text(re.compile("Handover note from Sarah Hughes")).click()
    expect(page.get_by_text(HANDOVER)).to_be_visible()
    assert_accessible(page)
    assert Notification.objects.filter(user=team["teacher"], event=Notification.Event.HANDOVER_NOTE).exists()
    assert Notification.objects.filter(user=team["teacher"], event=Notification.Event.LEAD_CHANGED).exists()
    assert page.console_errors == []
