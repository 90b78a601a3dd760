"""A real Celery worker on Redis for the email tests, and a way to read what it sent.

`worker` starts `celery -A config worker -Q celery,pdf --concurrency 1 --pool prefork` as a subprocess on
the Redis database TEST_REDIS_URL_EMAIL (flushed first), pointed at this test run's PostgreSQL database.
Tests using it are transactional, so what the services commit is what the worker reads, and the
services' after-commit queueing really goes to Redis (`tasks_go_to_redis`). The worker sends with
Django's console email backend and the test reads the emails from the worker's output: settings.py
reads EMAIL_BACKEND from the environment but not EMAIL_FILE_PATH, so the file backend cannot be pointed
at a folder from outside.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config import celery_app

REPO = Path(__file__).resolve().parents[1]
BROKER_URL = os.environ.get("TEST_REDIS_URL_EMAIL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 30
SEPARATOR = "-" * 79  # what the console backend writes after each message
TASK_DONE = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]+)\] succeeded in [\d.e-]+s: (?P<sent>\d+)")
# A port in this checkout's range with nothing listening: a broker that is down.
DEAD_BROKER_URL = os.environ.get("TEST_DEAD_BROKER_URL", "redis://127.0.0.1:8159/0")


def database_url() -> str:
    """This run's test database (test_<name>), as a URL the worker's settings understand."""
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


class Worker:
    def __init__(self, log: Path):
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def emails(self) -> Counter:
        """(recipient, subject) of every email the worker printed, counted."""
        sent = Counter()
        for block in self.output().split(SEPARATOR):
            to = re.search(r"^(?:.*\] )?To: (.+)$", block, re.MULTILINE)
            subject = re.search(r"^(?:.*\] )?Subject: (.+)$", block, re.MULTILINE)
            if to and subject:
                sent[(to.group(1).strip(), subject.group(1).strip())] += 1
        return sent

    def finished_tasks(self, name: str = "agencies.send_notification_email") -> dict[str, int]:
        """{task id: what it returned} of each task of that name that succeeded (they all return counts)."""
        return {m["id"]: int(m["sent"]) for m in TASK_DONE.finditer(self.output()) if m["name"] == name}

    def wait_for(self, condition, what: str):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"Waited {WAIT_SECONDS} s for {what}. The worker's output:\n{self.output()[-6000:]}")


@pytest.fixture
def email_redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"No Redis at {BROKER_URL}: {error}")
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def tasks_go_to_redis(settings, email_redis):
    """Make this process queue tasks on Redis instead of running them in-process, and put it back after."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    before = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}

    use_broker(BROKER_URL)
    celery_app.conf.update(task_always_eager=False)
    try:
        yield
    finally:
        _reset_connections()
        celery_app.conf.update(before)


def _reset_connections():
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    # kombu keeps producer pools per broker URL in a global registry: clear it, or a pool closed above is
    # handed out again ("Acquire on closed pool") when the test switches brokers.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def use_broker(url: str) -> None:
    """Point this process's Celery at another broker (DEAD_BROKER_URL: as if Redis were down)."""
    celery_app.conf.update(broker_url=url)
    _reset_connections()


@pytest.fixture
def worker(tmp_path, email_redis, transactional_db):
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
        # Digests may go at any hour of the test run (the default is from 7am).
        "NOTIFICATION_DIGEST_HOUR": "0",
    }
    env.pop("EMAIL_HOST", None)  # an SMTP host would override EMAIL_BACKEND
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "config",
        "worker",
        "-Q",
        "celery,pdf",
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "-l",
        "info",
        "--hostname",
        f"notifications-test-{os.getpid()}@%h",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Worker(log)
    try:
        running.wait_for(lambda: " ready." in running.output() or process.poll() is not None, "the worker to start")
        if process.poll() is not None:
            pytest.fail(f"The worker stopped at once:\n{running.output()}")
        yield running
    finally:
        if process.poll() is None:
            process.terminate()  # warm shutdown: the pool child goes with it
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the worker's own process group, started above
                process.wait(timeout=5)
