"""Sign-in, lockout, session time-outs, headers and production settings."""

import os
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from agencies.models import SignInEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, email, password):
    return client.post(reverse("sign-in"), {"username": email, "password": password})


def test_a_practitioner_signs_in_with_any_capitalisation_of_their_email(client, colleague, password):
    response = sign_in(client, colleague.email.upper(), password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert SignInEvent.objects.filter(kind="signed_in", user=colleague).count() == 1


def test_a_wrong_password_gets_a_clear_error_and_is_recorded(client, colleague):
    response = sign_in(client, colleague.email, "not the right password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct email address and password" in body
    assert "govuk-error-summary" in body
    assert SignInEvent.objects.filter(kind="failed", user=colleague).count() == 1


def test_repeated_failures_lock_the_account_from_that_address_even_with_the_right_password_until_an_admin_unlocks_it(
    client, colleague, password, platform_admin
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, colleague.email, "wrong password, again")
            clock.shift(timedelta(seconds=settings.SIGN_IN_SLOW_MAX_SECONDS))  # past each slow-down
        response = sign_in(client, colleague.email, password)
        assert response.status_code == 429
        assert "Your account is locked" in response.content.decode()
        assert SignInEvent.objects.filter(kind="locked_out", email=colleague.email).exists()
        assert SignInEvent.objects.filter(kind="failed", email=colleague.email).count() >= settings.AXES_FAILURE_LIMIT

        # A platform administrator unlocks it in the admin site by removing the recorded attempts.
        admin = client.__class__()
        admin.force_login(platform_admin)
        attempt = AccessAttempt.objects.get(username=colleague.email)
        response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
        assert response.status_code == 302
        clock.shift(timedelta(seconds=settings.SIGN_IN_SLOW_MAX_SECONDS))
        assert sign_in(client, colleague.email, password).status_code == 302


def test_signing_out_is_a_post_and_is_recorded(client, colleague, password):
    sign_in(client, colleague.email, password)
    response = client.post(reverse("sign-out"))
    assert response.status_code == 302
    assert SignInEvent.objects.filter(kind="signed_out", user=colleague).exists()
    assert client.get(reverse("home")).status_code == 302


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_idle_session_is_signed_out_and_the_user_is_brought_back_after_signing_in(client, colleague, password):
    sign_in(client, colleague.email, password)
    client.get(reverse("agency-list"))
    _age_session(client, **{LAST_ACTIVITY: settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5})
    response = client.get(reverse("agency-list"))
    assert response.status_code == 302
    assert "timed_out=1" in response["Location"]
    assert SignInEvent.objects.filter(kind="timed_out", user=colleague).exists()
    page = client.get(response["Location"])
    assert "You were signed out because you had not done anything for a while" in page.content.decode()
    response = client.post(
        response["Location"], {"username": colleague.email, "password": password, "next": reverse("agency-list")}
    )
    assert response["Location"] == reverse("agency-list")


def test_activity_keeps_a_session_alive_but_background_polling_does_not(client, colleague, password):
    sign_in(client, colleague.email, password)
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    _age_session(client, **{LAST_ACTIVITY: idle - 60})
    assert client.get(reverse("home"), headers={"X-Background-Request": "1"}).status_code == 200
    assert client.session[LAST_ACTIVITY] < time.time() - (idle - 120)
    assert client.get(reverse("home")).status_code == 200
    assert client.session[LAST_ACTIVITY] > time.time() - 10


def _session_writes(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.models import SignedInSession

    table = SignedInSession._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in captured if table in q["sql"] and q["sql"].startswith("SELECT")]
    assert reads, "the session is read from its table on every signed-in page"  # so a write would be seen too
    return [q["sql"] for q in captured if table in q["sql"] and not q["sql"].startswith("SELECT")]


def test_activity_is_written_to_the_session_at_most_once_a_minute(client, colleague, password):
    sign_in(client, colleague.email, password)
    client.get(reverse("home"))
    written = client.session[LAST_ACTIVITY]
    assert written > time.time() - 10
    # Within the minute: the pages read the session and write nothing.
    assert _session_writes(client, reverse("home")) == []
    assert _session_writes(client, reverse("agency-list")) == []
    assert client.session[LAST_ACTIVITY] == written
    # A minute later, the next request writes the time again (one write).
    _age_session(client, **{LAST_ACTIVITY: 61})
    assert len(_session_writes(client, reverse("home"))) == 1
    assert client.session[LAST_ACTIVITY] > time.time() - 10


def test_the_idle_time_out_is_exact_to_the_minute(client, colleague, password):
    """It counts from the last write: at most a minute early, never late."""
    sign_in(client, colleague.email, password)
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    _age_session(client, **{LAST_ACTIVITY: idle - 1})
    assert client.get(reverse("home")).status_code == 200  # not yet: and the activity is written
    assert client.session[LAST_ACTIVITY] > time.time() - 10
    _age_session(client, **{LAST_ACTIVITY: 59})
    assert client.get(reverse("home")).status_code == 200  # within the minute: nothing written
    assert client.session[LAST_ACTIVITY] < time.time() - 58
    _age_session(client, **{LAST_ACTIVITY: idle + 1})
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "timed_out=1" in response["Location"]


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(client, colleague, password):
    sign_in(client, colleague.email, password)
    _age_session(client, **{SIGNED_IN_AT: settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() + 5, LAST_ACTIVITY: 1})
    assert client.get(reverse("home")).status_code == 302


def test_the_keep_alive_renews_the_session(client, colleague, password):
    sign_in(client, colleague.email, password)
    _age_session(client, **{LAST_ACTIVITY: settings.SESSION_IDLE_TIMEOUT.total_seconds() - 30})
    assert client.post(reverse("session-keep-alive")).json() == {"ok": True}
    assert client.session[LAST_ACTIVITY] > time.time() - 10


def test_signed_in_pages_are_never_cached_and_carry_the_security_headers(client_for, colleague):
    response = client_for(colleague).get(reverse("home"))
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "new_password, accepted",
    [
        ("short pass", False),  # under 12 characters
        ("password1234", False),  # on the common-passwords list
        ("correct horse battery staple", True),
        ("x7" * 40, True),  # 80 characters: long passphrases are welcome
    ],
)
def test_passwords_need_length_and_must_not_be_common_but_have_no_composition_rules(
    client_for, colleague, password, new_password, accepted
):
    response = client_for(colleague).post(
        reverse("password-change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    assert (response.status_code == 302) is accepted
    colleague.refresh_from_db()
    assert colleague.check_password(new_password) is accepted
    assert colleague.password.startswith("argon2")


def test_passwords_are_hashed_with_argon2(colleague):
    assert colleague.password.startswith("argon2$")


def _environment_without_test_switches():
    # The browser harness sets DJANGO_ALLOW_ASYNC_UNSAFE for itself; a deployment never would.
    # Nor may this machine's email or loopback settings decide the outcome.
    switches = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK", "EMAIL_BACKEND", "EMAIL_HOST"}
    return {k: v for k, v in os.environ.items() if k not in switches}


def test_production_settings_pass_the_deployment_checks():
    env = {
        **_environment_without_test_switches(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "tac.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_HOST": "smtp.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {
        **_environment_without_test_switches(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "",
        "DJANGO_ALLOWED_HOSTS": "x.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_history_can_be_read_but_not_reverted_in_the_admin_site(client, platform_admin, agency, manager):
    from agencies import services

    services.agency_update(actor=manager, agency=agency, phone="01632 960 123")
    record = agency.history.order_by("history_date").first()
    client.force_login(platform_admin)
    url = reverse("admin:agencies_agency_simple_history", args=[agency.pk, record.history_id])
    page = client.get(url)
    assert page.status_code == 200 and "Revert" not in page.content.decode()
    assert client.post(url, {"name": "Reverted", "kind": "school", "sector": "statutory"}).status_code == 403
    agency.refresh_from_db()
    assert agency.phone == "01632 960 123"


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, colleague, django_capture_on_commit_callbacks):
    from django.core import mail

    from agencies.models import AccountEmail

    # Written to the outbox in the request and sent by the task after commit (in-process here).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": colleague.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    [row] = AccountEmail.objects.all()
    assert row.kind == "password_reset" and row.sent_at is not None and row.user == colleague
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line).strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert "Set your password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("a brand new passphrase")
