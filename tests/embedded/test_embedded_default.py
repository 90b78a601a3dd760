"""The embedded default (`make run`: SQLite, in-process tasks) serves every page the demo users reach.

The suite runs on PostgreSQL, so a query SQLite refuses (LIMIT inside a UNION, say) passes every other
test and breaks `make run` for a new user. This walks the demo on SQLite in a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_page_the_demo_users_reach_answers_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG")}
    # The embedded default's database is SQLite; a file of the test's own, not the checkout's db.sqlite3.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("walk_demo.py"))],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    asked = int(result.stdout.split("pages asked: ")[1].split()[0])
    assert asked > 100, result.stdout
