"""Fault tests: real brokers, workers, beat and PostgreSQL clusters that the tests start, break and restart.

Nothing shared is touched: the RabbitMQ node (port 5690), the redis-server (6390-6399) and the PostgreSQL
cluster (5490) are the test's own, in temporary folders, started from the machine's server binaries
(`rabbitmq-server`, `redis-server`, PostgreSQL 15's `initdb`/`pg_ctl`, run as the `postgres` user when
the tests run as root, since initdb refuses root). Workers are `tests.documents.conftest.Worker`.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.caf.conftest import team  # noqa: F401
from tests.documents.conftest import broker, caf, private_files, start_worker, wait_for  # noqa: F401

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
RABBITMQ_PORT = int(os.environ.get("TEST_RABBITMQ_PORT", "5690"))


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RabbitMQNode:
    """A RabbitMQ node of the test's own: its own name, ports, database folder and Erlang cookie."""

    def __init__(self, folder: Path, port: int = RABBITMQ_PORT):
        self.folder, self.port = folder, port
        self.url = f"amqp://guest:guest@127.0.0.1:{port}//"
        self.process = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(folder),  # its own .erlang.cookie
            "RABBITMQ_NODENAME": f"tac-test-{port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(port),
            "RABBITMQ_DIST_PORT": str(port + 10000),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(folder / "pid"),
        }

    def start(self, timeout: float = 60) -> "RabbitMQNode":
        if port_open(self.port):
            pytest.fail(f"Something already listens on {self.port}: not starting a RabbitMQ node there")
        log = (self.folder / "server.out").open("ab")
        self.process = subprocess.Popen(
            [RABBITMQ_SERVER], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                out = (self.folder / "server.out").read_text(errors="replace")[-3000:]
                pytest.fail(f"The RabbitMQ node did not start:\n{out}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL the node (its Erlang VM and helpers), as a crash or a lost machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    if not Path(RABBITMQ_SERVER).exists():
        pytest.fail(f"{RABBITMQ_SERVER} is missing: install Debian's rabbitmq-server (make test does)")
    node = RabbitMQNode(tmp_path_factory.mktemp("rabbitmq")).start()
    yield node
    node.stop()


@pytest.fixture
def on_rabbitmq(rabbitmq):
    """This process publishes to the test's RabbitMQ node (the production broker)."""
    from config import queueing

    queueing.reset()
    with broker(rabbitmq.url):
        yield rabbitmq
    queueing.reset()


class RedisServer:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port, self.process = folder, port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> "RedisServer":
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=(self.folder / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), timeout=20, message="redis-server did not start")
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path, int(os.environ.get("TEST_FAULT_REDIS_PORT", "6391"))).start()
    yield server
    server.kill()


def email_count(worker) -> "dict":
    """(recipient, subject) of every email a worker printed with the console backend, counted."""
    from tests.celery_worker import Worker as EmailReader

    return EmailReader(worker.log_path).emails()


PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = int(os.environ.get("TEST_FAULT_POSTGRES_PORT", "5490"))


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder), which the test may restart.

    initdb and the server refuse to run as root, so as root they run as the `postgres` user (runuser), in a
    folder outside root's private temporary folders that the user can reach."""

    def __init__(self, port: int = PG_PORT):
        import tempfile

        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="tac-fault-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"
        self.as_user = []
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command, check=True):
        return subprocess.run(
            [*self.as_user, *command], check=check, capture_output=True, text=True, cwd=self.folder, timeout=120
        )

    def init(self) -> "PostgresCluster":
        if port_open(self.port):
            pytest.fail(f"Something already listens on {self.port}: not starting PostgreSQL there")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        log = str(self.folder / "log")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def restart(self) -> float:
        """Stop (fast: every connection cut, as a crash or failover does) and start again; returns seconds down."""
        started = time.monotonic()
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()
        return time.monotonic() - started

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"
