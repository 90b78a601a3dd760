"""Production settings: static files a production worker can serve, email that never reaches the log,
the loopback-only test switch, and beat's schedule kept out of the repository."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from agencies.middleware import LoopbackOnlyMiddleware

ROOT = Path(__file__).resolve().parents[1]
# Variables a deployment sets; the tests set each one they need, so this machine's environment cannot leak in.
DEPLOYMENT_VARIABLES = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser harness sets it for itself; a deployment never would
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK",
    "DJANGO_BEHIND_PROXY",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
}


def manage(*args, **variables):
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES}
    env.update(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=secrets.token_urlsafe(64), DJANGO_SETTINGS_MODULE="config.settings"
    )
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- Static files -----------------------------------------------------------------------------------


def test_collectstatic_with_the_manifest_storage_of_production_resolves_every_reference(tmp_path):
    # The manifest storage rewrites every url() in CSS and every source map comment in JS to its hashed
    # name, and fails on one that points at nothing (the GOV.UK crest once did). Without the manifest a
    # production worker can render no PDF. Django's manifest storage does the same rewriting as WhiteNoise's,
    # which only adds compression (slow, and run by .ci/production-path).
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        },
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.contrib.staticfiles.storage import staticfiles_storage

        for name in ("pdf/print.css", "dist/app.css", "dist/vendor/govuk-frontend.min.js", "dist/vendor/htmx.min.js"):
            hashed = staticfiles_storage.stored_name(name)
            assert hashed != name and (tmp_path / hashed).is_file()


def test_the_built_css_refers_to_no_gov_uk_font_or_crown():
    # The service uses a system font stack and its own header (HOUSE-STYLE.md): the build copies only what
    # the CSS refers to, so nothing of GDS Transport or the crown may appear there.
    css = (ROOT / "static" / "dist" / "app.css").read_text()
    assert "/fonts/" not in css and "govuk-crown" not in css
    assert not (ROOT / "static" / "dist" / "govuk" / "fonts").exists()


# --- Email ------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_an_email_server_or_a_named_backend():
    result = manage("check", DJANGO_ALLOWED_HOSTS="tac.example.org")
    assert result.returncode != 0
    assert "Set EMAIL_HOST (an SMTP server) or EMAIL_BACKEND" in result.stderr


def test_production_starts_with_an_smtp_server():
    result = manage("check", DJANGO_ALLOWED_HOSTS="tac.example.org", EMAIL_HOST="smtp.example.org")
    assert result.returncode == 0, result.stderr


def test_production_starts_with_an_explicitly_named_backend(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ALLOWED_HOSTS="tac.example.org",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_checks_warn_when_the_console_backend_is_named_in_production():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ALLOWED_HOSTS="tac.example.org",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    assert result.returncode != 0
    assert "agencies.W001" in result.stderr


def test_development_still_prints_emails_to_the_console():
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="true")
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend", result.stderr


# --- Plain HTTP on loopback, for a test deployment only ------------------------------------------------


@pytest.mark.parametrize("hosts", ["tac.example.org", "127.0.0.1,tac.example.org", "*", ""])
def test_plain_http_on_loopback_is_refused_with_any_host_but_loopback(hosts):
    result = manage(
        "check",
        "--deploy",
        DJANGO_ALLOWED_HOSTS=hosts,
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK is for a test deployment on loopback" in result.stderr


def test_plain_http_on_loopback_is_refused_behind_a_proxy():
    result = manage(
        "check",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        DJANGO_BEHIND_PROXY="true",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode != 0
    assert "cannot be used with DJANGO_BEHIND_PROXY" in result.stderr


def test_the_deployment_checks_still_complain_while_plain_http_on_loopback_is_on():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode != 0
    for check in ("agencies.W002", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_plain_http_on_loopback_turns_off_only_the_https_requirements():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.MIDDLEWARE[0], s.DEBUG)",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.stdout.split() == ["False", "False", "False", "agencies.middleware.LoopbackOnlyMiddleware", "False"]


def test_the_switch_does_nothing_without_production_settings():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.ALLOW_PLAIN_HTTP_ON_LOOPBACK)",
        DJANGO_DEBUG="true",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
    )
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    ("address", "answered"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.5", False),
        ("203.0.113.7", False),
        ("", False),
    ],
)
def test_with_the_switch_on_only_requests_from_loopback_are_answered(address, answered):
    middleware = LoopbackOnlyMiddleware(lambda request: "the page")
    request = RequestFactory().get("/sign-in/", REMOTE_ADDR=address)
    response = middleware(request)
    if answered:
        assert response == "the page"
    else:
        assert response.status_code == 403


# --- Beat ---------------------------------------------------------------------------------------------


def test_beats_schedule_file_lives_where_git_ignores_it():
    schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    assert ROOT in schedule.parents
    for suffix in ("", ".db", ".dat", ".dir", ".bak"):
        relative = (schedule.parent / (schedule.name + suffix)).relative_to(ROOT)
        ignored = subprocess.run(["git", "check-ignore", "-q", str(relative)], cwd=ROOT)
        assert ignored.returncode == 0, f"{relative} is not ignored"
    tracked = subprocess.run(["git", "ls-files", "*celerybeat*"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout == ""


def test_beat_creates_the_folder_of_its_schedule_file(tmp_path):
    from config.celery import PersistentSchedulerInItsFolder, app

    schedule = tmp_path / "var" / "celerybeat-schedule"
    scheduler = PersistentSchedulerInItsFolder(app=app, schedule_filename=str(schedule), lazy=True)
    scheduler.setup_schedule()
    scheduler.close()
    assert list(schedule.parent.glob("celerybeat-schedule*"))


def test_beat_uses_that_scheduler():
    assert settings.CELERY_BEAT_SCHEDULER == "config.celery:PersistentSchedulerInItsFolder"


def test_production_cookies_carry_the_host_prefix_and_what_it_requires():
    # The browser drops a __Host- cookie unless it is Secure, has Path=/ and no Domain.
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN)",
        DJANGO_ALLOWED_HOSTS="app.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "/",
        "/",
        "None",
        "None",
    ], result.stderr


def test_over_plain_http_on_loopback_the_cookies_cannot_take_the_prefix():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.stdout.split() == ["sessionid", "csrftoken"], result.stderr
