"""Guessing is slowed down per account, per address and overall; a stranger cannot lock a practitioner out;
reset links are limited too; the audit rows carry the client's real address behind our proxy."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccountEmail, SignInEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRANGER = "198.51.100.7"
SCHOOL = "203.0.113.20"


def attempt(client, email, password, address=SCHOOL, **extra):
    return client.post(reverse("sign-in"), {"username": email, "password": password}, REMOTE_ADDR=address, **extra)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_after_a_few_failures_the_account_waits_longer_each_time_without_the_password_being_tried(
    client, colleague, password, clock
):
    for _ in range(settings.SIGN_IN_SLOW_AFTER):
        assert attempt(client, colleague.email, "wrong", STRANGER).status_code == 200

    # Now even the right password is not tried until the wait is over, from any address.
    response = attempt(client, colleague.email, password, SCHOOL)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 2
    body = response.content.decode()
    assert "several failed sign-ins to this account" in body
    assert "govuk-error-summary" in body
    assert f'value="{colleague.email}"' in body  # what they typed is kept (never the password)
    assert SignInEvent.objects.filter(kind="throttled", user=colleague).count() == 1
    assert SignInEvent.objects.filter(kind="failed", user=colleague).count() == settings.SIGN_IN_SLOW_AFTER

    clock.shift(timedelta(seconds=3))
    assert attempt(client, colleague.email, password, SCHOOL).status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_its_limit(client, colleague, clock):
    # From a new address each time, as a guesser with many would (one address is locked after five).
    addresses = (f"192.0.2.{n}" for n in range(1, 100))
    for _ in range(settings.SIGN_IN_SLOW_AFTER):
        attempt(client, colleague.email, "wrong", next(addresses))
    waits = []
    for _ in range(7):
        refused = attempt(client, colleague.email, "wrong", next(addresses))
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        clock.shift(timedelta(seconds=waits[-1]))
        assert attempt(client, colleague.email, "wrong", next(addresses)).status_code == 200  # tried, and failed
    assert waits == [2, 4, 8, 16, 32, settings.SIGN_IN_SLOW_MAX_SECONDS, settings.SIGN_IN_SLOW_MAX_SECONDS]


@override_settings(SIGN_IN_SLOW_AFTER=100)
def test_five_wrong_passwords_from_a_stranger_lock_the_stranger_out_but_not_the_practitioner(
    client, colleague, password
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, colleague.email, "wrong", STRANGER)
    locked = attempt(client, colleague.email, password, STRANGER)
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    assert SignInEvent.objects.filter(kind="locked_out", email=colleague.email, ip_address=STRANGER).exists()

    # The practitioner at school is not locked out of their own account.
    assert attempt(client.__class__(), colleague.email, password, SCHOOL).status_code == 302


def test_guessing_across_many_accounts_from_one_address_is_stopped_but_other_addresses_carry_on(client, password):
    accounts = [UserFactory() for _ in range(settings.SIGN_IN_ADDRESS_LIMIT + 1)]
    for user in accounts[:-1]:
        assert attempt(client, user.email, "wrong", STRANGER).status_code == 200
    refused = attempt(client, accounts[-1].email, password, STRANGER)
    assert refused.status_code == 429
    assert "too many failed sign-ins from your network" in refused.content.decode()
    assert int(refused["Retry-After"]) > 60
    assert attempt(client.__class__(), accounts[-1].email, password, SCHOOL).status_code == 302


def test_guessing_spread_over_many_addresses_tightens_every_address(client, password):
    user = UserFactory()
    others = [UserFactory() for _ in range(12)]
    with override_settings(SIGN_IN_OVERALL_LIMIT=10, SIGN_IN_ADDRESS_LIMIT_UNDER_ATTACK=2):
        for n, other in enumerate(others[:10]):
            attempt(client, other.email, "wrong", f"192.0.2.{n + 1}")
        attempt(client, others[10].email, "wrong", STRANGER)
        attempt(client, others[11].email, "wrong", STRANGER)
        assert attempt(client, user.email, password, STRANGER).status_code == 429
        # An address with fewer failures than even the tighter limit still signs in.
        assert attempt(client.__class__(), user.email, password, SCHOOL).status_code == 302


def test_reset_links_are_limited_per_account_without_saying_so(client, colleague, django_capture_on_commit_callbacks):
    for n in range(settings.RESET_ACCOUNT_LIMIT + 2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": colleague.email}, REMOTE_ADDR=f"192.0.2.{n}")
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert AccountEmail.objects.filter(user=colleague, kind=AccountEmail.Kind.PASSWORD_RESET).count() == (
        settings.RESET_ACCOUNT_LIMIT
    )
    assert SignInEvent.objects.filter(kind="reset_requested", email=colleague.email).count() == 3
    assert SignInEvent.objects.filter(kind="reset_refused", email=colleague.email).count() == 2


def test_reset_requests_from_one_address_are_refused_after_the_limit(client):
    for n in range(settings.RESET_ADDRESS_LIMIT):
        response = client.post(reverse("password_reset"), {"email": f"nobody{n}@example.org"}, REMOTE_ADDR=STRANGER)
        assert response.status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "one.more@example.org"}, REMOTE_ADDR=STRANGER)
    assert refused.status_code == 429
    assert "Too many reset links" in refused.content.decode()
    assert client.post(
        reverse("password_reset"), {"email": "one.more@example.org"}, REMOTE_ADDR=SCHOOL
    ).status_code == (302)


def test_the_reset_email_says_how_many_hours_its_link_works(client, colleague, django_capture_on_commit_callbacks):
    assert settings.PASSWORD_RESET_TIMEOUT <= 24 * 60 * 60  # hours, not days
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": colleague.email})
    from agencies.services import account_email_send

    for email in AccountEmail.objects.filter(user=colleague):
        account_email_send(email.pk)
    assert len(mail.outbox) == 1
    assert f"within {settings.PASSWORD_RESET_TIMEOUT // 3600} hours" in mail.outbox[0].body


def test_a_reset_link_older_than_its_hours_no_longer_works(client, colleague):
    from agencies.services import password_reset_link

    with time_machine.travel(timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
        link = password_reset_link(colleague)
    path = link.split("://", 1)[-1]
    path = path[path.index("/") :]
    response = client.get(path, follow=True)
    assert "The link has expired or has already been used" in response.content.decode() or (
        "validlink" in response.context and not response.context["validlink"]
    )


def test_changing_a_password_is_recorded_as_a_sign_in_event(client_for, colleague, password):
    client = client_for(colleague)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": password,
            "new_password1": "a long new passphrase here",
            "new_password2": "a long new passphrase here",
        },
    )
    assert response.status_code == 302
    assert SignInEvent.objects.filter(kind="password_changed", user=colleague).count() == 1


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_our_proxy_the_audit_records_the_client_and_not_the_proxy(client, colleague):
    attempt(client, colleague.email, "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    event = SignInEvent.objects.get(kind="failed", user=colleague)
    assert event.ip_address == "203.0.113.50"  # the address our proxy saw, not the one the client wrote


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_a_forwarded_header_is_never_believed(client, colleague):
    attempt(client, colleague.email, "wrong", "203.0.113.50", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert SignInEvent.objects.get(kind="failed", user=colleague).ip_address == "203.0.113.50"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_request_that_skipped_a_proxy_falls_back_to_the_nearest_hop(client, colleague):
    attempt(client, colleague.email, "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert SignInEvent.objects.get(kind="failed", user=colleague).ip_address == "10.0.0.2"
