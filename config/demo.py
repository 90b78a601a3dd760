"""The demo world, loaded app by app in the order their data depends on (`manage.py load_demo_data`).

Each app's `demo.py` holds its own part of DOMAIN.md's Carter family case and is idempotent; this only runs
them in turn.
"""

from agencies import demo as agencies_demo
from caf import demo as caf_demo
from children import demo as children_demo
from directory import demo as directory_demo
from referrals import demo as referrals_demo

DEMO_PASSWORD = agencies_demo.DEMO_PASSWORD


def load() -> list[tuple[str, str, str, str]]:
    """Load every app's demo data; return (email, name, agency, role) for each sign-in."""
    sign_ins = agencies_demo.load()
    children_demo.load()
    caf_demo.load()
    directory_demo.load()
    referrals_demo.load()
    return sign_ins
