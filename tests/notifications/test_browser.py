"""The notifications list and the email preference page in real Chromium, with axe-core, with and
without JavaScript."""

import pytest
from playwright.sync_api import expect

from agencies.models import Notification, User
from agencies.notifications import Event, notify

from ..browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def some_notifications(user, n=3):
    for i in range(n):
        notify(
            event=Event.ACTION_ASSIGNED,
            recipients=[user],
            occurrence=f"action:{i}:assigned",
            text=f"Action assigned to you: thing {i}",
            link="/profile/",
        )


def test_a_practitioner_reads_a_notification_and_chooses_a_daily_digest(page, manager, password):
    some_notifications(manager)
    page.sign_in(manager.email, password)
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Notifications (3 unread)")).to_be_visible()
    header.get_by_role("link", name="Notifications (3 unread)").click()
    page.get_by_role("heading", name="Notifications").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Action assigned to you: thing 1").click()
    page.get_by_role("heading", name="Your profile").wait_for()  # the notification's link
    expect(page.get_by_role("banner").get_by_role("link", name="Notifications (2 unread)")).to_be_visible()
    assert Notification.objects.get(occurrence="action:1:assigned").read_at is not None

    page.get_by_role("link", name="Change how you get notification emails").click()
    page.get_by_role("heading", name="Notification emails").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()  # nothing chosen yet is not possible: immediate is chosen
    page.get_by_role("heading", name="Notifications").wait_for()

    page.visit("/profile/notifications/")
    page.get_by_label("One email a day summarising them").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your choice of notification emails has been saved")).to_be_visible()
    manager.refresh_from_db()
    assert manager.notification_email == User.NotificationEmail.DAILY

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    assert_accessible(page)
    assert page.console_errors == []


def test_the_pages_work_without_javascript(page_without_js, manager, password):
    page = page_without_js
    some_notifications(manager, 2)
    page.sign_in(manager.email, password)
    page.visit("/notifications/")
    page.get_by_role("link", name="Action assigned to you: thing 0").click()
    page.get_by_role("heading", name="Your profile").wait_for()
    page.visit("/profile/notifications/")
    page.get_by_label("One email a day summarising them").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    manager.refresh_from_db()
    assert manager.notification_email == User.NotificationEmail.DAILY
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()
