"""Saving a directory page unchanged changes nothing; confirming it is still accurate is its own choice."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from directory import services
from directory.models import PractitionerProfile


def _stale_profile(user):
    profile = services.practitioner_profile_update(
        actor=user, user=user, user_fields={}, is_listed=True, location_on_site="Family room", available_days=[1, 3]
    )
    PractitionerProfile.objects.filter(pk=profile.pk).update(confirmed_at=timezone.now() - timedelta(days=200))
    return PractitionerProfile.objects.get(pk=profile.pk)


def _unchanged(profile, user, **extra):
    return {
        "is_listed": "on",
        "full_name": user.full_name,
        "job_title": user.job_title,
        "phone": user.phone,
        "role_outline": user.role_outline,
        "availability": user.availability,
        "contact_email": profile.contact_email,
        "location_on_site": profile.location_on_site,
        "available_days": ["1", "3"],
        **extra,
    }


def test_an_unchanged_save_of_a_practitioner_profile_neither_changes_nor_confirms_it(client_for, colleague):
    profile = _stale_profile(colleague)
    rows = profile.history.count()
    response = client_for(colleague).post(reverse("directory-practitioner-profile"), _unchanged(profile, colleague))
    assert response.status_code == 302
    after = PractitionerProfile.objects.get(pk=profile.pk)
    assert after.confirmed_at == profile.confirmed_at and after.history.count() == rows


def test_save_and_confirm_records_that_the_profile_is_still_accurate(client_for, colleague):
    profile = _stale_profile(colleague)
    response = client_for(colleague).post(
        reverse("directory-practitioner-profile"), _unchanged(profile, colleague, confirm="yes")
    )
    assert response.status_code == 302
    after = PractitionerProfile.objects.get(pk=profile.pk)
    assert after.confirmed_at > timezone.now() - timedelta(minutes=1) and after.confirmed_by == colleague
    assert after.available_days == [1, 3]


def test_the_profile_page_is_only_ever_the_signed_in_users_own(client, colleague, outsider):
    _stale_profile(colleague)
    client.force_login(outsider)
    html = client.get(reverse("directory-practitioner-profile")).content.decode()
    assert "Family room" not in html
