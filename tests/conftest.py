"""Personas that mirror the domain (HOUSE-STYLE.md) and the browser harness.

The personas and the Carter family live in tests/personas.py (one registry, built once per test; see
tests/README.md); the fixtures here and in each folder's conftest are thin aliases over it.
Every view test includes the outsider: a practitioner of an unrelated agency, who must get a 404.
"""

import os

import pytest

from .factories import TEST_PASSWORD
from .personas import Personas

# Playwright's sync API runs an event loop in the test thread; Django must still let tests use the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.browser", "tests.celery_worker", "tests.forms_world"]


@pytest.fixture(autouse=True)
def reference_data(request):
    """Data migrations' reference data (the CAF's 19 elements, the directory's vocabularies) is wiped
    when a transactional test flushes the database; put it back for every test that uses the database."""
    if not any(name in request.fixturenames for name in ("db", "transactional_db", "live_server")) and not any(
        mark.name == "django_db" for mark in request.node.iter_markers()
    ):
        return
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    from caf.elements import ELEMENTS, load_elements
    from caf.models import Element
    from directory.models import Taxonomy, TaxonomyTerm
    from directory.taxonomies import seed as seed_taxonomies

    if Element.objects.count() != len(ELEMENTS):
        load_elements(Element)
    if not Taxonomy.objects.exists():
        seed_taxonomies(Taxonomy, TaxonomyTerm)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def personas(db):
    """The shared registry (tests/personas.py): `personas("lead_professional")`, `personas.agency("school")`,
    `personas.family(...)`. Each persona is built the first time a test asks for it, then handed back."""
    return Personas()


@pytest.fixture
def agency(personas):
    """Riverside Primary School."""
    return personas.agency("school")


@pytest.fixture
def other_agency(personas):
    """Northfield Health Visiting Team."""
    return personas.agency("health_visiting")


@pytest.fixture
def unrelated_agency(personas):
    """Faraway Youth Club, a voluntary agency with no part in any child's team."""
    return personas.agency("unrelated")


@pytest.fixture
def manager(agency, personas):
    """The agency manager of `agency`."""
    return personas("manager")


@pytest.fixture
def colleague(agency, personas):
    """A practitioner in the same agency as the manager."""
    return personas("colleague")


@pytest.fixture
def coordinator(agency, personas):
    return personas("coordinator")


@pytest.fixture
def other_manager(other_agency, personas):
    """The manager of another agency: manages nothing of `agency`."""
    return personas("other_manager")


@pytest.fixture
def outsider(unrelated_agency, personas):
    """A practitioner of an unrelated agency."""
    return personas("outsider")


@pytest.fixture
def platform_admin(personas):
    return personas("platform_admin")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
