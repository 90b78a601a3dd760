"""Smoke tests of the page benchmark's instrument (bench/pages.py): its bare page, its server-side query
count, its HTTP client and the production environment it serves with. The figures come from running it."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import pages
from bench import settings as bench_settings
from bench.middleware import QUERY_HEADER, SERVER_TIME_HEADER
from tests.factories import TEST_PASSWORD, AgencyFactory

REPO = Path(__file__).resolve().parents[2]
BARE_ROW = re.compile(rb'<tr class="govuk-table__row">\s*<td')


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = bench_settings.MIDDLEWARE
    settings.TEMPLATES = bench_settings.TEMPLATES


def test_the_bare_page_shows_fifty_rows_and_the_queries_the_server_counted(bench_urls, manager):
    AgencyFactory.create_batch(60)
    client = Client()
    client.force_login(manager)
    client.get("/bench/bare/")  # the first request of a session may differ (e.g. the session's first write)

    reset_queries()  # Django empties the log at each request start: begin from an empty one
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert len(BARE_ROW.findall(response.content)) == 50
    assert int(response[QUERY_HEADER]) == len(captured.captured_queries) > 0
    assert float(response[SERVER_TIME_HEADER]) > 0
    assert response["Cache-Control"] == "no-store"  # through the product's middleware like any page


def test_the_bare_page_needs_a_signed_in_user(bench_urls, client):
    response = client.get("/bench/bare/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_product_urls_stay_unchanged_without_the_bench_settings(client, manager):
    client.force_login(manager)

    assert client.get("/bench/bare/").status_code == 404
    assert QUERY_HEADER not in client.get("/") and SERVER_TIME_HEADER not in client.get("/")


@pytest.mark.django_db(transaction=True)
def test_the_client_signs_in_over_http_and_times_pages_interleaved_with_the_bare_page(bench_urls, live_server, manager):
    AgencyFactory.create_batch(3)
    url = urlsplit(live_server.url)
    with pytest.raises(RuntimeError, match="not a redirect"):
        pages.HttpClient(url.port, host=url.hostname).sign_in(manager.email, "not the password")
    client = pages.HttpClient(url.port, host=url.hostname)
    client.sign_in(manager.email, TEST_PASSWORD)
    bare = pages.Page(pages.BARE, "/bench/bare/", expect=b"Bare page")
    home = pages.Page("home page", "/")
    wrong = pages.Page("no such page", "/no-such-page/")

    samples = [page.send(client) for _ in range(2) for page in (home, bare, wrong)]
    rows = {row.label: (row, ratio) for row, ratio in pages.table(samples, ["home page", "no such page"])}

    assert rows[pages.BARE][0].n == 2 and rows[pages.BARE][0].errors == 0
    assert rows["home page"][0].errors == 0 and rows["home page"][1].p50 > 0
    assert rows["no such page"][0].errors == 2  # a 404 is counted as an error, not timed as a success


def test_nearest_rank_percentiles():
    ranked = [float(n) for n in range(1, 101)]

    assert pages.nearest_rank(ranked, 0.95) == 95
    assert pages.nearest_rank(ranked, 0.99) == 99
    assert pages.nearest_rank([7.0], 0.99) == 7


def test_the_server_runs_with_production_settings_on_plain_http(tmp_path):
    env = pages.server_environment(os.environ.get("DATABASE_URL", "sqlite:///unused.sqlite3"), str(tmp_path))
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.ROOT_URLCONF, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.EMAIL_BACKEND, "
            "s.MIDDLEWARE[:4], s.ALLOWED_HOSTS)",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 5)

    assert shown[:5] == ["False", "bench.urls", "False", "True", "django.core.mail.backends.dummy.EmailBackend"]
    assert "bench.middleware.QueryCountMiddleware" in shown[5] and "WhiteNoiseMiddleware" in shown[5]
    command = pages.gunicorn_command(8180)
    assert command[command.index("--workers") + 1] == "2" and command[-1] == "config.wsgi"
