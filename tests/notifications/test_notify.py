"""The notification service: who is told, once, and who can see what they were told.

Personas: the manager and a colleague of the school (the recipients), the outsider of an unrelated
agency (never a recipient; sees none of another's notifications; opening one is a 404).
"""

import pytest
from django.urls import reverse

from agencies.models import Notification, NotificationEmail, User
from agencies.notifications import Event, agency_managers, agency_members, mark_read, notify

from ..factories import member_of

pytestmark = pytest.mark.django_db

LINK = "/referrals/1/"


def tell(recipients, occurrence="thing:1:happened", event=Event.ACTION_ASSIGNED, actor=None, **kwargs):
    kwargs.setdefault("text", "Action assigned: review Jess's mood")
    kwargs.setdefault("link", LINK)
    return notify(event=event, recipients=recipients, occurrence=occurrence, actor=actor, **kwargs)


def test_every_event_of_the_interface_exists():
    assert {value for value, _ in Event.choices} == {
        "referral_received",
        "referral_accepted",
        "referral_declined",
        "referral_redirected",
        "referral_withdrawn",
        "referral_completed",
        "action_assigned",
        "action_overdue",
        "escalation_raised",
        "escalation_decision",
        "escalation_reminder",
        "lead_changed",
        "handover_note",
        "involvement_ended",
        "consent_confirmed",
        "review_due",
        "membership_changed",
    }


def test_the_same_occurrence_notifies_and_emails_each_recipient_once(manager, colleague):
    first = tell([manager, colleague, manager])
    assert sorted(n.user_id for n in first) == sorted([manager.pk, colleague.pk])
    again = tell([manager, colleague])
    assert again == []
    assert Notification.objects.count() == 2
    assert NotificationEmail.objects.count() == 2
    # A new occurrence of the same event is news again.
    assert len(tell([manager], occurrence="thing:1:happened-again")) == 1


def test_a_recipient_added_later_to_the_same_occurrence_is_told_once(manager, colleague):
    tell([manager])
    added = tell([manager, colleague])
    assert [n.user_id for n in added] == [colleague.pk]
    assert sorted(NotificationEmail.objects.values_list("recipient", flat=True)) == sorted(
        [manager.email, colleague.email]
    )


def test_inactive_users_and_the_actor_are_not_told(manager, colleague):
    colleague.is_active = False
    colleague.save()
    assert tell([manager, colleague], actor=manager) == []
    assert not Notification.objects.exists()
    assert not NotificationEmail.objects.exists()


def test_email_to_sends_to_a_shared_address_and_chosen_users_only(manager, colleague):
    tell([manager, colleague], email_to=["Office@School.example.org", manager])
    assert sorted(NotificationEmail.objects.values_list("recipient", "user_id")) == sorted(
        [("office@school.example.org", None), (manager.email, manager.pk)]
    )
    assert Notification.objects.count() == 2
    # The manager's email links to their notification, which marks it read and leads on.
    email = NotificationEmail.objects.get(user=manager)
    assert email.link == reverse("notification-open", args=[email.notification_id])
    assert NotificationEmail.objects.get(user=None).link == LINK


def test_a_link_must_stay_inside_the_product(manager):
    for link in ("https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)", "referrals/1/"):
        with pytest.raises(ValueError):
            tell([manager], link=link)
    assert not Notification.objects.exists()


def test_members_and_managers_are_the_current_ones_only(agency, manager, colleague, outsider):
    former = member_of(agency, full_name="Fred Former")
    membership = former.memberships.get()
    membership.ended_on = membership.started_on
    membership.save()
    closed = member_of(agency, full_name="Clara Closed", is_active=False)
    assert set(agency_members(agency)) == {manager, colleague}
    assert agency_managers(agency) == [manager]
    assert outsider not in agency_members(agency) and former not in agency_members(agency)
    assert closed not in agency_members(agency)


def test_a_digest_user_gets_no_immediate_email_but_an_outbox_row(manager):
    manager.notification_email = User.NotificationEmail.DAILY
    manager.save()
    tell([manager])
    email = NotificationEmail.objects.get()
    assert email.user == manager and email.sent_at is None


# --- The pages --------------------------------------------------------------------------------------


def test_the_list_shows_only_the_users_own_newest_first(client_for, manager, colleague, outsider):
    tell([manager, colleague], occurrence="a", text="First thing for the school")
    tell([manager], occurrence="b", text="Second thing for the manager")
    body = client_for(manager).get(reverse("notifications")).content.decode()
    assert body.index("Second thing for the manager") < body.index("First thing for the school")

    body = client_for(outsider).get(reverse("notifications")).content.decode()
    assert "First thing" not in body and "Second thing" not in body
    assert "You have no notifications" in body


def test_opening_marks_read_and_redirects_and_another_users_is_a_404(client_for, manager, outsider, colleague):
    tell([manager, colleague])
    mine = Notification.objects.get(user=manager)
    # The outsider, and even a colleague told of the same thing, cannot open the manager's notification.
    for stranger in (outsider, colleague):
        response = client_for(stranger).get(reverse("notification-open", args=[mine.pk]))
        assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
    response = client_for(manager).get(reverse("notification-open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == LINK
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert Notification.objects.get(user=colleague).read_at is None
    assert client_for(outsider).get(reverse("notification-open", args=[999999])).status_code == 404


def test_mark_all_as_read_is_a_post_and_touches_only_the_users_own(client_for, manager, colleague):
    tell([manager, colleague])
    client = client_for(manager)
    assert client.get(reverse("notifications-read")).status_code == 405
    assert client.post(reverse("notifications-read")).status_code == 302
    assert Notification.objects.get(user=manager).read_at is not None
    assert Notification.objects.get(user=colleague).read_at is None


def test_the_header_shows_the_unread_count_on_every_page(client_for, manager, colleague):
    client = client_for(manager)
    for url in (reverse("home"), reverse("profile"), reverse("agency-list"), reverse("child-list")):
        assert 'data-unread-notifications="0"' in client.get(url).content.decode()
    tell([manager, colleague], occurrence="a")
    tell([manager], occurrence="b")
    for url in (reverse("home"), reverse("profile"), reverse("agency-list"), reverse("child-list")):
        body = client.get(url).content.decode()
        assert 'data-unread-notifications="2"' in body and "Notifications (2 unread)" in body
    mark_read(manager, notification=Notification.objects.get(user=manager, occurrence="a"))
    assert "Notifications (1 unread)" in client.get(reverse("home")).content.decode()


def test_the_header_count_costs_one_query_however_many_notifications(client_for, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager)
    url = reverse("agency-list")
    client.get(url)
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    for n in range(30):
        tell([manager], occurrence=f"n{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(none)
    counting = [q["sql"] for q in many if "agencies_notification" in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0]


def test_the_list_is_paged_50_at_a_time(client_for, manager):
    for n in range(55):
        tell([manager], occurrence=f"n{n}", text=f"Thing number {n:02d}")
    client = client_for(manager)
    first = client.get(reverse("notifications")).content.decode()
    assert "Thing number 54" in first and "Thing number 04" not in first and 'rel="next"' in first
    second = client.get(reverse("notifications") + "?page=2").content.decode()
    assert "Thing number 04" in second and "Thing number 54" not in second and 'rel="prev"' in second
    assert client.get(reverse("notifications") + "?page=1e309").status_code == 200


def test_the_old_referral_notifications_page_leads_to_the_new_one(client_for, manager):
    response = client_for(manager).get("/referrals/notifications/")
    assert response.status_code == 302 and response["Location"] == reverse("notifications")


def test_signed_out_visitors_are_sent_to_sign_in(client, manager):
    note = tell([manager])[0]
    for url in (reverse("notifications"), reverse("notification-open", args=[note.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert client.post(reverse("notifications-read")).status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
