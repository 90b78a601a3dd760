"""A safeguarding concern reaches children's social care, and its decision comes back (issue 11 §3).

Children's social care is not in Keziah's team: it learns of her through the escalation, sees her basic
details and the concern while it decides, and only its practitioners record the decision.
"""

from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Membership, Notification, NotificationEmail
from caf import services as caf_services
from caf.models import Assessment
from children import services
from children.models import SafeguardingEscalation
from referrals.services import add_working_days

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db

CONCERN = "Keziah had bruises on both upper arms and flinched when her father arrived"


@pytest.fixture
def social_care(db):
    return AgencyFactory(name="Northfield Children's Social Care", kind=Agency.Kind.SOCIAL_CARE)


@pytest.fixture
def social_worker(social_care):
    return member_of(social_care, full_name="Fatima Social", job_title="Social worker", email="fatima@csc.example.org")


@pytest.fixture
def social_care_manager(social_care):
    return member_of(social_care, Membership.Role.MANAGER, full_name="David Duty", email="david@csc.example.org")


def _form(contacted_at=None):
    contacted_at = contacted_at or timezone.localtime() - timedelta(hours=1)
    return {
        "concern": CONCERN,
        "contacted_at": timezone.localtime(contacted_at).strftime("%Y-%m-%dT%H:%M"),
        "contacted_whom": "Duty social worker",
    }


@pytest.fixture
def escalation(client_for, child, teacher, social_worker, social_care_manager):
    """The teacher has rung social care about Keziah and records it from her record."""
    response = client_for(teacher).post(reverse("escalation-new", args=[child.pk]), _form())
    assert response.status_code == 302
    return SafeguardingEscalation.objects.get(child=child)


def _decision(decided_by, outcome=SafeguardingEscalation.Outcome.ASSESSMENT_S17, **changes):
    return {
        "outcome": outcome,
        "decided_by": decided_by.pk,
        "decided_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "note": "Section 17 assessment opened; allocated to the assessment team",
        **changes,
    }


def _told(event, user):
    return Notification.objects.filter(event=event, user=user)


# --- Raising it -----------------------------------------------------------------------------------


def test_recording_an_escalation_sends_it_to_social_care_with_one_working_day_to_decide(escalation, social_care):
    assert escalation.social_care == social_care
    contacted = timezone.localtime(escalation.contacted_at)
    decide_by = timezone.localtime(escalation.decide_by)
    assert decide_by.date() == add_working_days(contacted.date(), 1)
    assert (decide_by.hour, decide_by.minute) == (contacted.hour, contacted.minute)


def test_the_one_working_day_clock_skips_the_weekend_and_bank_holidays():
    friday_afternoon = timezone.make_aware(datetime(2026, 12, 24, 15, 0))  # Christmas Eve, a Thursday
    decide_by = timezone.localtime(services.one_working_day_after(friday_afternoon))
    assert decide_by.date().isoformat() == "2026-12-29"  # Christmas Day and Boxing Day (moved to Monday) skipped
    assert decide_by.hour == 15


def test_recording_an_escalation_tells_social_cares_managers_and_the_lead_professional_once_each(
    escalation, social_care_manager, social_worker, lead_professional, teacher, hv_colleague
):
    raised = Notification.Event.ESCALATION_RAISED
    assert _told(raised, social_care_manager).count() == 1
    assert _told(raised, lead_professional).count() == 1
    for nobody in (social_worker, teacher, hv_colleague):
        assert not _told(raised, nobody).exists()
    # Social care's managers go to the decision; the lead to the child's record.
    assert _told(raised, social_care_manager).get().link == reverse(
        "escalation-decide", args=[escalation.child_id, escalation.pk]
    )
    assert _told(raised, lead_professional).get().link.startswith(reverse("child-detail", args=[escalation.child_id]))
    emails = NotificationEmail.objects.filter(event=raised)
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        [social_care_manager.email, lead_professional.email]
    )
    # The email names nothing: no child, no concern.
    for email in emails:
        assert "Keziah" not in email.link and "Carter" not in email.link


def test_recording_the_same_occurrence_again_tells_nobody_twice(escalation, social_care_manager, teacher):
    from children import notices

    notices.escalation_raised(escalation, teacher)

    assert _told(Notification.Event.ESCALATION_RAISED, social_care_manager).count() == 1
    assert NotificationEmail.objects.filter(event=Notification.Event.ESCALATION_RAISED).count() == 2


@override_settings(SAFEGUARDING_FRONT_DOOR_AGENCY="Northfield MASH")
def test_a_front_door_named_in_settings_receives_escalations_instead(client_for, child, teacher, social_care):
    mash = AgencyFactory(name="Northfield MASH", kind=Agency.Kind.OTHER)
    mash_manager = member_of(mash, Membership.Role.MANAGER, full_name="Mona Mash")

    client_for(teacher).post(reverse("escalation-new", args=[child.pk]), _form())

    escalation = SafeguardingEscalation.objects.get(child=child)
    assert escalation.social_care == mash
    assert _told(Notification.Event.ESCALATION_RAISED, mash_manager).count() == 1
    assert list(access.social_care_agencies_of(mash_manager)) == [mash]


# --- Social care's queue --------------------------------------------------------------------------


def test_the_escalation_is_in_social_cares_queue_with_its_decide_by_time(client_for, escalation, social_worker):
    body = client_for(social_worker).get(reverse("escalation-queue")).content.decode()

    assert "Keziah Carter" in body
    assert timezone.localtime(escalation.decide_by).strftime("%-d %b %Y, %H:%M") in body
    assert "Overdue" not in body


def test_past_its_one_working_day_the_escalation_is_highlighted_in_the_queue_and_on_the_record(
    client_for, escalation, social_worker, lead_professional
):
    SafeguardingEscalation.objects.filter(pk=escalation.pk).update(decide_by=timezone.now() - timedelta(minutes=1))

    assert "Overdue" in client_for(social_worker).get(reverse("escalation-queue")).content.decode()
    record = client_for(lead_professional).get(reverse("child-detail", args=[escalation.child_id])).content.decode()
    assert "Overdue" in record


@pytest.mark.parametrize("persona", ["lead_professional", "teacher", "housing_officer", "hv_manager", "outsider"])
def test_only_social_care_has_a_queue(request, client_for, escalation, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("escalation-queue")).status_code == 404


def test_social_care_sees_the_childs_basic_details_only_while_the_escalation_awaits_its_decision(
    client_for, escalation, social_worker, social_care_manager
):
    child = escalation.child
    for person in (social_worker, social_care_manager):
        rights = access.child_access(person, child)
        assert rights.may_view_basic and not rights.may_view_additional
        assert access.children_visible_to(person).filter(pk=child.pk).exists()

    client_for(social_worker).post(
        reverse("escalation-decide", args=[child.pk, escalation.pk]), _decision(social_worker)
    )

    for person in (social_worker, social_care_manager):
        assert not access.child_access(person, child).may_view_basic
        assert client_for(person).get(reverse("child-detail", args=[child.pk])).status_code == 404
    # The decided escalation stays in social care's queue.
    assert (
        "Keziah Carter" in client_for(social_worker).get(reverse("escalation-queue") + "?tab=decided").content.decode()
    )


# --- The decision ---------------------------------------------------------------------------------


DECIDERS = {
    "social_worker": True,
    "social_care_manager": True,
    "lead_professional": False,
    "hv_colleague": False,
    "hv_manager": False,
    "teacher": False,
    "school_manager": False,
    "housing_officer": False,
    "outsider": False,
    "platform_admin": False,
}


@pytest.mark.parametrize("persona, may_decide", DECIDERS.items())
def test_only_a_practitioner_of_childrens_social_care_may_record_the_decision(
    request, client_for, escalation, persona, may_decide
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse("escalation-decide", args=[escalation.child_id, escalation.pk])
    record = client.get(reverse("child-detail", args=[escalation.child_id]))

    assert client.get(url).status_code == (200 if may_decide else 404)
    if record.status_code == 200:
        # The link is shown exactly to those who may use it.
        assert (url in record.content.decode()) is may_decide
    response = client.post(url, _decision(request.getfixturevalue("social_worker")))
    escalation.refresh_from_db()
    if may_decide:
        assert response.status_code == 302
        assert escalation.outcome == SafeguardingEscalation.Outcome.ASSESSMENT_S17
    else:
        assert response.status_code == 404
        assert escalation.is_pending


def test_social_care_sees_the_concern_when_deciding(client_for, escalation, social_worker):
    body = client_for(social_worker).get(reverse("escalation-decide", args=[escalation.child_id, escalation.pk]))
    assert CONCERN in body.content.decode()


def test_the_decision_is_recorded_as_structured_fields_and_told_to_the_raiser_and_the_lead(
    client_for, escalation, social_worker, social_care_manager, teacher, lead_professional, hv_colleague
):
    decided_at = (timezone.localtime() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    response = client_for(social_worker).post(
        reverse("escalation-decide", args=[escalation.child_id, escalation.pk]),
        _decision(
            social_care_manager,
            SafeguardingEscalation.Outcome.STRATEGY_S47,
            decided_at=decided_at.strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.outcome == SafeguardingEscalation.Outcome.STRATEGY_S47
    assert escalation.decided_by == social_care_manager
    assert escalation.decided_at == decided_at
    assert escalation.decision.startswith("Section 17 assessment opened")
    assert escalation.decision_recorded_by == social_worker
    assert escalation.history.first().history_user == social_worker
    decision = Notification.Event.ESCALATION_DECISION
    assert _told(decision, teacher).count() == 1
    assert _told(decision, lead_professional).count() == 1
    assert not _told(decision, hv_colleague).exists()
    assert not _told(decision, social_worker).exists()  # who recorded it knows
    record = client_for(teacher).get(reverse("child-detail", args=[escalation.child_id])).content.decode()
    assert "Strategy discussion and section 47 enquiry" in record
    assert social_care_manager.full_name in record


def test_the_decision_needs_an_outcome_who_decided_and_a_note_and_keeps_what_was_typed(
    client_for, escalation, social_worker
):
    response = client_for(social_worker).post(
        reverse("escalation-decide", args=[escalation.child_id, escalation.pk]),
        {"outcome": "", "decided_by": "", "decided_at": "", "note": "Spoke to the school"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    for message in ("Select social care&#x27;s decision", "Select who decided", "Enter when social care decided"):
        assert message in body
    assert "Spoke to the school" in body
    escalation.refresh_from_db()
    assert escalation.is_pending


def test_who_decided_must_belong_to_social_care(client_for, escalation, social_worker, teacher):
    response = client_for(social_worker).post(
        reverse("escalation-decide", args=[escalation.child_id, escalation.pk]), _decision(teacher)
    )

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert escalation.is_pending


def test_a_second_decision_changes_nothing_and_says_who_decided_first(
    client_for, escalation, social_worker, social_care_manager
):
    url = reverse("escalation-decide", args=[escalation.child_id, escalation.pk])
    client_for(social_worker).post(url, _decision(social_worker))

    response = client_for(social_care_manager).post(
        url, _decision(social_care_manager, SafeguardingEscalation.Outcome.NO_FURTHER_ACTION), follow=True
    )

    escalation.refresh_from_db()
    assert escalation.outcome == SafeguardingEscalation.Outcome.ASSESSMENT_S17
    assert f"already been recorded by {social_worker.full_name}" in response.content.decode()


# --- The reminder ---------------------------------------------------------------------------------


def test_beat_reminds_social_cares_managers_once_when_the_working_day_has_passed(
    escalation, social_care_manager, social_worker, lead_professional
):
    from children.tasks import remind_overdue_escalations

    assert remind_overdue_escalations() == 0  # not yet due
    SafeguardingEscalation.objects.filter(pk=escalation.pk).update(decide_by=timezone.now() - timedelta(minutes=1))

    assert remind_overdue_escalations() == 1
    assert remind_overdue_escalations() == 0

    reminder = Notification.Event.ESCALATION_REMINDER
    assert _told(reminder, social_care_manager).count() == 1
    assert not _told(reminder, social_worker).exists()
    assert not _told(reminder, lead_professional).exists()
    assert NotificationEmail.objects.filter(event=reminder).count() == 1


def test_a_decided_escalation_is_never_reminded(client_for, escalation, social_worker, social_care_manager):
    from children.tasks import remind_overdue_escalations

    client_for(social_worker).post(
        reverse("escalation-decide", args=[escalation.child_id, escalation.pk]), _decision(social_worker)
    )
    SafeguardingEscalation.objects.filter(pk=escalation.pk).update(decide_by=timezone.now() - timedelta(days=2))

    assert remind_overdue_escalations() == 0
    assert not _told(Notification.Event.ESCALATION_REMINDER, social_care_manager).exists()


# --- CAF closure ----------------------------------------------------------------------------------


@pytest.fixture
def caf(child, lead_professional):
    assessment = caf_services.caf_start(actor=lead_professional, child=child)
    return assessment


@pytest.mark.parametrize(
    "outcome, may_close",
    [
        (SafeguardingEscalation.Outcome.NO_FURTHER_ACTION, False),
        (SafeguardingEscalation.Outcome.ADVICE, False),
        (SafeguardingEscalation.Outcome.STEP_DOWN, False),
        (SafeguardingEscalation.Outcome.ASSESSMENT_S17, True),
        (SafeguardingEscalation.Outcome.STRATEGY_S47, True),
        (SafeguardingEscalation.Outcome.ALREADY_OPEN, True),
    ],
)
def test_a_caf_closes_as_stepped_up_only_once_social_care_decided_to_take_the_child_on(
    client_for, escalation, caf, lead_professional, social_worker, outcome, may_close
):
    url = reverse("caf-close", args=[caf.pk])
    refused = client_for(lead_professional).post(url, {"reason": Assessment.ClosureReason.STEPPED_UP, "notes": ""})
    assert refused.status_code == 200  # awaiting social care: not yet

    client_for(social_worker).post(
        reverse("escalation-decide", args=[escalation.child_id, escalation.pk]), _decision(social_worker, outcome)
    )
    response = client_for(lead_professional).post(url, {"reason": Assessment.ClosureReason.STEPPED_UP, "notes": ""})

    caf.refresh_from_db()
    escalation.refresh_from_db()
    if may_close:
        assert response.status_code == 302
        assert caf.status == Assessment.Status.CLOSED and caf.stepped_up_decision_id == escalation.pk
        page = client_for(lead_professional).get(caf.get_absolute_url()).content.decode()
        assert escalation.get_outcome_display().lower() in page
    else:
        assert response.status_code == 200
        assert "social care have decided to take the child on" in response.content.decode()
        assert caf.status != Assessment.Status.CLOSED
