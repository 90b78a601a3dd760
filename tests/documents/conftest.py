"""PDF documents: a CAF with text in it, private files in a temporary folder, and real Celery workers.

The worker tests start `celery -A config worker -Q celery,pdf` as a subprocess on Redis, against the
pytest-django test database (so they are `django_db(transaction=True)`: the worker only sees committed
rows), sharing a temporary private-files folder with the test process. The CAF is Wayne's, on the CAF
folder's `team` (tests/personas.py's `caf.` personas).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from caf import services
from caf.models import Action, Element
from caf.sections import element_key
from tests.caf.conftest import team  # noqa: F401

BASE_DIR = Path(__file__).resolve().parents[2]
# A run beside another (a second checkout on this machine) sets its own Redis database.
REDIS_URL = os.environ.get("TEST_REDIS_URL_PDF", "redis://127.0.0.1:6379/14")

SAMPLE_STRENGTHS = "Wayne loves drawing trains and shows them proudly to his teacher"
SAMPLE_NEEDS = "Often collected late from school; seems tired and listless in the mornings"


@pytest.fixture
def private_files(settings, tmp_path):
    root = tmp_path / "private-files"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def caf(team):  # noqa: F811
    """Wayne's CAF with text in two sections, one element, an action and a review."""
    assessor, lead = team["assessor"], team["lead"]
    assessment = services.caf_start(actor=assessor, child=team["child"])
    services.section_save(
        actor=assessor,
        assessment=assessment,
        key="assessment-information",
        data={"who_present": "Jess Carter (mother), Wayne", "what_led": "Wayne's teacher is worried about him."},
        base_revision=0,
    )
    element = Element.objects.filter(domain="development").order_by("order").first()
    services.section_save(
        actor=assessor,
        assessment=assessment,
        key=element_key(element.code),
        data={"strengths": SAMPLE_STRENGTHS, "needs": SAMPLE_NEEDS},
        base_revision=0,
        element=element,
    )
    services.action_save(
        actor=lead,
        action=Action(
            assessment=assessment,
            need="Late collection",
            what="Breakfast club three mornings a week",
            owner=team["school_colleague"],
            owner_agency=team["school"],
            due_on=timezone.localdate() + timedelta(days=14),
            desired_outcome="Wayne arrives fed and on time",
            ecm_aim="3:2",
        ),
    )
    return assessment


# --- Real workers ------------------------------------------------------------------------------------


def test_database_url() -> str:
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


class Worker:
    """A `celery worker` subprocess in its own process group, with its log in a file."""

    def __init__(self, broker_url: str, files_root: Path, log_dir: Path, **env):
        self.broker_url = broker_url
        self.files_root = files_root
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.env = {k: str(v) for k, v in env.items()}
        self.process = None

    def start(self, beat: bool = False, wait: bool = True) -> "Worker":
        env = {
            **os.environ,
            "CELERY_BROKER_URL": self.broker_url,
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "DJANGO_PRIVATE_FILES_ROOT": str(self.files_root),
            "DJANGO_LOG_LEVEL": "INFO",
            **self.env,
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,pdf", "--concurrency", "1"]
        command += ["-l", "info", "-n", f"documents-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"]
        if beat:
            command += ["--beat", "--schedule", str(self.log_path.with_suffix(".beat"))]
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        if wait:
            self.wait_for_log("ready.", timeout=60)
        return self

    def read_log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.read_log():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"The worker exited ({self.process.returncode}):\n{self.read_log()[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not in the worker's log after {timeout}s:\n{self.read_log()[-4000:]}")

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool), as the out-of-memory killer would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            self.log.close()


@pytest.fixture
def start_worker(private_files, tmp_path):
    started = []

    def start(broker_url: str = REDIS_URL, beat: bool = False, wait: bool = True, **env) -> Worker:
        worker = Worker(broker_url, private_files, tmp_path, **env).start(beat=beat, wait=wait)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _reset_connections(app) -> None:
    from kombu import pools

    # kombu keeps producer pools per broker URL in a global registry: clear it, or a pool closed by the
    # previous test (same URL) is handed out again.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(url: str, **transport_options):
    """Make this process's `apply_async` publish to `url` instead of running tasks in-process."""
    from config import celery_app

    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)
    conf.broker_url, conf.task_always_eager = url, False
    conf.broker_transport_options = {**saved[2], **transport_options}
    _reset_connections(celery_app)
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved
        _reset_connections(celery_app)


def flush_redis_db(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def redis_broker():
    flush_redis_db(REDIS_URL)
    with broker(REDIS_URL):
        yield REDIS_URL
    flush_redis_db(REDIS_URL)


def wait_for(predicate, timeout: float = 60, interval: float = 0.25, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"Still not true after {timeout}s")
