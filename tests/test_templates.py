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


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_compiles(name):
    assert get_template(name) is not None


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 30
