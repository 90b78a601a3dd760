"""Every benchmark script starts as a person runs it (`python bench/<script>.py`, from the repository), so a
project import placed before the script has put the repository on its path fails here, not in front of
the person who runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if "__main__" in p.read_text())


def test_there_are_scripts_to_check():
    assert {"pages.py", "children_pages.py", "caf_pages.py", "import_feed.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_answers_help_when_run_as_a_person_runs_it(script):
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout
