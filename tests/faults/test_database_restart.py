"""PostgreSQL (a cluster of the test's own) restarted while five practitioners autosave a CAF through
gunicorn with production settings. Counted: every save acknowledged ("Saved at") is in the database with
the text of the last acknowledged save or a later one; no answer is a 400 or a 500; an answer during the
restart says, in words, that the text was not saved and is still on the page; the service comes back by
itself, without restarting gunicorn.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import PostgresCluster, port_open, wait_for

REPO = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("TEST_FAULT_WEB_PORT", "8311"))
SECTIONS = [
    ("assessment-information", "who_present"),
    ("parent-views", "views"),
    ("services", "notes"),
    ("conclusions", "conclusions"),
    ("child-views", "views"),
]
REVISION = re.compile(r'name="revision" value="(\d+)"')


@pytest.fixture
def cluster():
    server = PostgresCluster().init()
    server.start()
    yield server
    server.stop()


def run(env, *args):
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_five_practitioners_autosave_through_a_database_restart_and_lose_nothing(cluster, tmp_path):
    import psycopg

    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute("CREATE DATABASE tac_fault")
    env = {
        **os.environ,
        "DATABASE_URL": cluster.database_url("tac_fault"),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "PYTHONPATH": str(REPO),
    }
    for name in ("CELERY_BROKER_URL", "EMAIL_HOST", "DJANGO_BEHIND_PROXY"):
        env.pop(name, None)
    migrated = run(env, "manage.py", "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    seeded = run(env, "tests/faults/seed_autosave.py")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    world = json.loads(seeded.stdout.strip().splitlines()[-1])

    log = (tmp_path / "gunicorn.log").open("wb")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: port_open(PORT), timeout=30, message="gunicorn did not start")
        try:
            outcome = autosave_through_a_restart(cluster, world)
        except AssertionError as failure:
            log_tail = (tmp_path / "gunicorn.log").read_text(errors="replace")[-5000:]
            raise AssertionError(f"{failure}\n{log_tail}") from failure
    finally:
        web.terminate()
        web.wait(15)
        log.close()
    gunicorn_log = (tmp_path / "gunicorn.log").read_text(errors="replace")

    answers = [status for user in outcome["users"] for status, _ in user["answers"]]
    print(
        f"\n{len(answers)} autosaves, {answers.count(200)} acknowledged; answers while the database was down: "
        f"{sorted({s for s in answers if s != 200})}; database down {outcome['down']:.2f} s; "
        f"first save after it {outcome['back_after']:.2f} s after it was up again"
    )
    assert 400 not in answers and 500 not in answers, gunicorn_log[-4000:]
    assert set(answers) <= {200, 503}
    assert "SessionInterrupted" not in gunicorn_log
    for user in outcome["users"]:
        for status, body in user["answers"]:
            if status == 503:
                assert "not saved" in body.lower() and "still on this page" in body, body
        # Nothing acknowledged is lost: the stored text is the last acknowledged one (saves are in order).
        assert user["acknowledged"], "every practitioner had saves acknowledged"
    with psycopg.connect(cluster.database_url("tac_fault")) as connection:
        for (key, field), user in zip(SECTIONS, outcome["users"], strict=True):
            (data,) = connection.execute(
                "SELECT data FROM caf_sectionentry WHERE assessment_id = %s AND key = %s", (world["caf"], key)
            ).fetchone()
            assert data[field] == user["acknowledged"][-1], key
    assert outcome["back_after"] < 10  # without restarting gunicorn


def autosave_through_a_restart(cluster, world) -> dict:
    stop = threading.Event()
    users = [{"answers": [], "acknowledged": []} for _ in SECTIONS]
    token = secrets.token_hex(16)  # a CSRF secret of our own: the cookie and the header match

    def practitioner(n):
        key, field = SECTIONS[n]
        revision, count = 0, 0
        path = f"/caf/{world['caf']}/sections/{key}/autosave/"
        cookie = f"sessionid={world['sessions'][n]}; csrftoken={token}"
        while not stop.is_set():
            count += 1
            text = f"Practitioner {n} typed this, version {count}."
            body = f"revision={revision}&{field}={text.replace(' ', '+')}"
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    "Cookie": cookie,
                    "X-CSRFToken": token,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "HX-Request": "true",
                    "X-Autosave": "1",
                    "Referer": f"http://127.0.0.1:{PORT}{path}",
                    "Host": "127.0.0.1",
                },
            )
            response = connection.getresponse()
            page = response.read().decode(errors="replace")
            connection.close()
            users[n]["answers"].append((response.status, page))
            if response.status == 200 and "Saved at" in page:
                users[n]["acknowledged"].append(text)
                revision = int(REVISION.search(page).group(1))
            elif response.status == 200:
                raise AssertionError(f"An autosave was answered 200 without saving: {page[:300]}")
            time.sleep(0.05)

    threads = [threading.Thread(target=practitioner, args=(n,), daemon=True) for n in range(len(SECTIONS))]
    for thread in threads:
        thread.start()
    time.sleep(2)
    down = cluster.restart()
    up = time.monotonic()
    counts = [len(user["acknowledged"]) for user in users]
    wait_for(
        lambda: all(len(user["acknowledged"]) > count for user, count in zip(users, counts, strict=True)),
        timeout=30,
        message="the autosaves did not come back after the restart",
    )
    back_after = time.monotonic() - up
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join(30)
    return {"users": users, "down": down, "back_after": back_after}
