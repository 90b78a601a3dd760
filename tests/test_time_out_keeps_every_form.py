"""Nothing typed is lost at a time-out, on any form: what was posted is kept, put back into the same form
after signing in again (and the user told so), and deleted once offered back, discarded or expired.
A button posted at a time-out returns its user to the page it was on, having done nothing.
"""

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.middleware import KEEP_FIELD, LAST_ACTIVITY
from agencies.models import Notification, PendingSubmission
from agencies.tasks import sweep_kept_submissions
from caf.models import Assessment
from config.documents.models import DocumentJob

from .forms_html import rendered_forms
from .forms_world import HEALTH_VISITOR, TEACHER, _user
from .test_every_form_unchanged import EDIT_PAGES, NEW_PAGES, _cases, _page_form

FORM = "application/x-www-form-urlencoded"
TYPED = "Typed just before the time-out"


def _go_idle(client):
    session = client.session
    session[LAST_ACTIVITY] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()


def _typed_into(rendered):
    """The form as rendered with TYPED put into its first text box: (pairs, name of the box).

    A form without a text box gets another answer to its first choice instead (box is then "")."""
    pairs = rendered.submission()
    boxes = [c.name for c in rendered.controls if c.tag == "textarea"] or [
        c.name for c in rendered.controls if c.tag == "input" and c.type in ("", "text")
    ]
    if boxes:
        return [(n, TYPED if n == boxes[0] else v) for n, v in pairs], boxes[0]
    radios = [c for c in rendered.controls if c.type == "radio"]
    other = next(c for c in radios if not c.checked)
    return [(n, v) for n, v in pairs if n != other.name] + [(other.name, other.value)], ""


def _answers(pairs):
    return sorted((n, v) for n, v in pairs if n != "csrfmiddlewaretoken")


def _next_of(response) -> str:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert location.path == reverse("sign-in")
    query = parse_qs(location.query)
    assert query["timed_out"] == ["1"]
    return query["next"][0]


@pytest.mark.django_db
def test_every_form_posted_after_the_time_out_is_put_back_after_signing_in_again(world, client):
    failures = []
    for name, email, url in [*_cases(EDIT_PAGES, world), *_cases(NEW_PAGES, world)]:
        user = _user(email)
        client.force_login(user)
        rendered = _page_form(client.get(url).content.decode(), url)
        pairs, box = _typed_into(rendered)
        _go_idle(client)
        response = client.post(url, urlencode(pairs), content_type=FORM, headers={"referer": "http://testserver" + url})
        if _next_of(response) != url:
            failures.append(f"{name} {url}: sent to sign in with next={_next_of(response)}")
            continue
        client.force_login(user)
        page = client.get(url)
        html = page.content.decode()
        again = _answers(_page_form(html, url).submission())
        if again != _answers(pairs):
            lost = sorted(set(_answers(pairs)) - set(again))
            failures.append(f"{name} {url}: after signing in again the form lost {lost}")
        if "We kept what you typed" not in html:
            failures.append(f"{name} {url}: the user is not told their typing was put back")
        if PendingSubmission.objects.filter(user=user).exists():
            failures.append(f"{name} {url}: the kept submission is still stored after being offered back")
        # Discarding it is loading the page again: what is saved is shown, and nothing is offered.
        reloaded = client.get(url).content.decode()
        if "We kept what you typed" in reloaded:
            failures.append(f"{name} {url}: still offered back after it was shown once")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_a_nul_and_other_control_characters_do_not_stop_a_submission_being_kept(world, client):
    caf = world["caf"]
    url = reverse("caf-section", args=[caf.pk, "parent-views"])
    client.force_login(_user(TEACHER))
    rendered = _page_form(client.get(url).content.decode(), url)
    pairs, box = _typed_into(rendered)
    hostile = "Jess said\x00 she\x07 wants\x1b help\r\nwith the flat"
    pairs = [(n, hostile if n == box else v) for n, v in pairs]
    _go_idle(client)
    response = client.post(url, urlencode(pairs), content_type=FORM, headers={"referer": "http://testserver" + url})
    assert _next_of(response) == url
    kept = PendingSubmission.objects.get(user=_user(TEACHER))
    assert kept.data[box] == [hostile]
    client.force_login(_user(TEACHER))
    html = client.get(url).content.decode()
    assert "We kept what you typed" in html
    assert "wants\x1b help" in html  # the text is back in the box; the NUL is reported as an error there


@pytest.mark.django_db
@pytest.mark.parametrize("button", ["caf-pdf-request", "caf-revise", "notifications-read"])
def test_a_button_pressed_after_the_time_out_returns_to_its_page_having_done_nothing(world, client, button):
    teacher = _user(TEACHER)
    caf = world["caf"]
    on_page, target = {
        "caf-pdf-request": (reverse("caf-task-list", args=[caf.pk]), reverse("caf-pdf-request", args=[caf.pk])),
        "caf-revise": (reverse("caf-versions", args=[caf.pk]), reverse("caf-revise", args=[caf.pk])),
        "notifications-read": (reverse("notifications"), reverse("notifications-read")),
    }[button]
    client.force_login(teacher)
    assert client.get(on_page).status_code == 200
    jobs, versions, unread = (
        DocumentJob.objects.count(),
        Assessment.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(),
    )
    _go_idle(client)
    response = client.post(target, headers={"referer": "http://testserver" + on_page})
    assert _next_of(response) == on_page
    client.force_login(teacher)
    response = client.get(on_page)
    assert response.status_code == 200
    assert "You were signed out before that was done, so nothing was changed" in response.content.decode()
    assert (
        DocumentJob.objects.count(),
        Assessment.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(),
    ) == (jobs, versions, unread)
    assert not PendingSubmission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["sign-out", "session-keep-alive"])
def test_signing_out_or_staying_signed_in_too_late_keeps_nothing(client, colleague, url_name):
    client.force_login(colleague)
    _go_idle(client)
    response = client.post(reverse(url_name), headers={"referer": "http://testserver" + reverse("agency-list")})
    assert response.status_code == 302
    assert not PendingSubmission.objects.exists()


@pytest.mark.django_db
def test_a_button_posted_without_a_referer_ends_on_my_work_not_a_blank_405(world, client):
    teacher = _user(TEACHER)
    client.force_login(teacher)
    _go_idle(client)
    target = reverse("notifications-read")
    assert _next_of(client.post(target)) == target
    client.force_login(teacher)
    response = client.get(target)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "nothing was changed" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_time_out_script_keeping_a_form_of_a_live_session_saves_nothing_and_puts_it_back(world, client):
    # Another tab kept the session alive, so the page's own clock is wrong: the form must not be saved.
    url = reverse("child-edit", args=[world["wayne"].pk])
    client.force_login(_user(HEALTH_VISITOR))
    rendered = _page_form(client.get(url).content.decode(), url)
    pairs, box = _typed_into(rendered)
    response = client.post(
        url, urlencode([*pairs, (KEEP_FIELD, "1")]), content_type=FORM, headers={"referer": "http://testserver" + url}
    )
    assert response.status_code == 302 and response["Location"] == url
    world["wayne"].refresh_from_db()
    assert getattr(world["wayne"], box) != TYPED
    again = _page_form(client.get(url).content.decode(), url)
    assert [c.value.removeprefix("\n") for c in again.controls if c.name == box] == [TYPED]


@pytest.mark.django_db
def test_a_kept_submission_is_offered_only_to_its_author_and_never_to_an_outsider(world, client, outsider):
    url = reverse("child-edit", args=[world["wayne"].pk])
    author = _user(HEALTH_VISITOR)
    PendingSubmission.objects.create(user=author, path=url, page=url, payload=json.dumps({"last_name": [TYPED]}))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    colleague = _user("hv.lead@northfield-health.example.org")
    client.force_login(colleague)
    html = client.get(url).content.decode()
    assert TYPED not in html and "We kept what you typed" not in html
    assert PendingSubmission.objects.filter(user=author).exists()


@pytest.mark.django_db
def test_kept_submissions_expire_and_beat_deletes_them(world, client):
    url = reverse("child-edit", args=[world["wayne"].pk])
    author = _user(HEALTH_VISITOR)
    old = PendingSubmission.objects.create(user=author, path=url, page=url, payload=json.dumps({"last_name": [TYPED]}))
    PendingSubmission.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - settings.KEPT_SUBMISSION_LIFETIME - timedelta(minutes=1)
    )
    fresh = PendingSubmission.objects.create(user=author, path="/x/", page="/x/", payload="{}")
    client.force_login(author)
    assert TYPED not in client.get(url).content.decode()
    assert sweep_kept_submissions() == 1
    assert list(PendingSubmission.objects.all()) == [fresh]
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "agencies.sweep_kept_submissions" in schedule


def test_rendered_forms_reads_a_textarea_as_a_browser_does():
    (form,) = rendered_forms('<form method="post"><textarea name="a">\nline</textarea></form>')
    assert form.submission() == [("a", "line")]
