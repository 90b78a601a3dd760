"""Every template compiles: a typo in a rarely visited page must not wait for a user to find it."""

from pathlib import Path

import pytest
from django.template.loader import get_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    str(path.relative_to(base))
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]
    for path in base.rglob("*.html")
)
# bench/templates is found only through the bench-only settings (bench.settings), as bench/pages.py serves it.
BENCH = ROOT / "bench" / "templates"
BENCH_TEMPLATES = {str(path.relative_to(BENCH)) for path in BENCH.rglob("*.html")}


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_compiles(name, settings):
    if name in BENCH_TEMPLATES:
        from bench import settings as bench_settings

        settings.TEMPLATES = bench_settings.TEMPLATES
    assert get_template(name) is not None


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 30
