"""A user sees where they are signed in and can end any other session; closing an account, changing a
password or resetting it ends sessions at once."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import SignedInSession
from agencies.selectors import session_handle

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Safari/604.1"


def signed_in(user, password, agent, address):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("sign-in"), {"username": user.email, "password": password})
    assert response.status_code == 302
    client.get(reverse("home"))
    return client


def test_the_sessions_page_lists_each_browser_with_this_one_first(colleague, password):
    office = signed_in(colleague, password, FIREFOX, "203.0.113.20")
    phone = signed_in(colleague, password, SAFARI, "198.51.100.40")
    body = phone.get(reverse("sessions")).content.decode()
    assert body.index("Safari on an iPhone") < body.index("This browser") < body.index("Firefox on Windows")
    assert "203.0.113.20" in body and "198.51.100.40" in body
    # No page carries a session's key, only a handle that cannot be used as one.
    for key in SignedInSession.objects.filter(user=colleague).values_list("session_key", flat=True):
        assert key not in body
        assert session_handle(key) in body or key == phone.session.session_key
    assert office.get(reverse("home")).status_code == 200


def test_ending_another_session_signs_that_browser_out_and_not_this_one(colleague, password):
    office = signed_in(colleague, password, FIREFOX, "203.0.113.20")
    phone = signed_in(colleague, password, SAFARI, "198.51.100.40")
    response = phone.post(reverse("sessions"), {"end": session_handle(office.session.session_key)})
    assert response.status_code == 302
    assert office.get(reverse("home")).status_code == 302  # back to sign in
    assert phone.get(reverse("home")).status_code == 200


def test_a_handle_of_someone_elses_session_ends_nothing(colleague, manager, password):
    theirs = signed_in(manager, password, FIREFOX, "203.0.113.20")
    mine = signed_in(colleague, password, SAFARI, "198.51.100.40")
    mine.post(reverse("sessions"), {"end": session_handle(theirs.session.session_key)})
    assert theirs.get(reverse("home")).status_code == 200


def test_signing_out_of_every_other_session_keeps_this_one(colleague, password):
    others = [signed_in(colleague, password, FIREFOX, f"203.0.113.{n}") for n in range(3)]
    here = signed_in(colleague, password, SAFARI, "198.51.100.40")
    here.post(reverse("sessions"), {"end": "all-others"})
    assert all(other.get(reverse("home")).status_code == 302 for other in others)
    assert here.get(reverse("home")).status_code == 200
    assert SignedInSession.objects.filter(user=colleague).count() == 1


def test_closing_an_account_ends_its_sessions_at_once(colleague, password):
    client = signed_in(colleague, password, FIREFOX, "203.0.113.20")
    colleague.is_active = False
    colleague.save()
    assert not SignedInSession.objects.filter(user=colleague).exists()
    assert client.get(reverse("home")).status_code == 302


def test_changing_the_password_ends_the_other_sessions(colleague, password):
    other = signed_in(colleague, password, FIREFOX, "203.0.113.20")
    here = signed_in(colleague, password, SAFARI, "198.51.100.40")
    new = "a brand new passphrase 2026"
    response = here.post(
        reverse("password-change"), {"old_password": password, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert SignedInSession.objects.filter(user=colleague).count() == 1


def test_the_sessions_page_needs_signing_in(client):
    response = client.get(reverse("sessions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
