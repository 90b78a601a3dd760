"""Referral events through the notification service: in the product, the receiving agency's current
members hear of what reaches them and the sender hears the answers; by email, the agency's referrals
address and its managers hear of a new (or withdrawn) referral and the sender of each answer. Nobody
else, ever: not the third agency, not the outsider, not a former member."""

import pytest

from agencies.models import Notification, NotificationEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def former_receiver(camhs):
    from ..factories import member_of

    former = member_of(camhs, full_name="Fiona Former", email="fiona@camhs.example.org")
    membership = former.memberships.get()
    membership.ended_on = membership.started_on
    membership.save()
    return former


def told(referral, event):
    occurrence = f"referral:{referral.pk}:{event}"
    notified = set(Notification.objects.filter(occurrence=occurrence).values_list("user__email", flat=True))
    emailed = set(NotificationEmail.objects.filter(occurrence=occurrence).values_list("recipient", flat=True))
    return notified, emailed


@pytest.mark.parametrize("state", ["accepted", "declined", "completed"])
def test_answers_go_to_the_sender_only(
    referral_in, state, sender, sender_colleague, third_agency_practitioner, outsider, former_receiver
):
    referral = referral_in(state)
    assert told(referral, state) == ({sender.email}, {sender.email})
    assert Notification.objects.get(occurrence=f"referral:{referral.pk}:{state}").link == referral.get_absolute_url()


def test_a_new_referral_goes_to_the_receiving_agency(
    send,
    camhs,
    sender,
    receiving_member,
    receiving_manager,
    third_agency_practitioner,
    outsider,
    former_receiver,
    django_capture_on_commit_callbacks,
):
    referral = send()
    notified, emailed = told(referral, "received")
    assert notified == {receiving_member.email, receiving_manager.email}
    assert emailed == {camhs.email, receiving_manager.email}


def test_a_redirect_tells_the_sender_and_the_new_agency(
    referral_in, sender, housing_officer, receiving_member, third_agency_practitioner, outsider, housing
):
    referral = referral_in("redirected")
    assert told(referral, "redirected") == ({sender.email}, {sender.email})
    onward = referral.redirected_to
    notified, emailed = told(onward, "received")
    assert notified == {housing_officer.email}
    assert emailed == set()  # Housing Options has no referrals address and no manager


def test_a_withdrawal_tells_the_receiving_agency(
    referral_in, camhs, receiving_member, receiving_manager, sender, outsider, former_receiver
):
    referral = referral_in("withdrawn")
    notified, emailed = told(referral, "withdrawn")
    assert notified == {receiving_member.email, receiving_manager.email}
    assert emailed == {camhs.email, receiving_manager.email}


def test_opening_the_referral_marks_its_notifications_read(client_for, send, receiving_member, outsider):
    referral = send()
    note = Notification.objects.get(user=receiving_member)
    assert client_for(outsider).get(referral.get_absolute_url()).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    assert client_for(receiving_member).get(referral.get_absolute_url()).status_code == 200
    note.refresh_from_db()
    assert note.read_at is not None
