"""Personas that mirror the domain (HOUSE-STYLE.md) and the browser harness.

Every view test includes the outsider: a practitioner of an unrelated agency, who must get a 404.
"""

import os

import pytest

from agencies.models import Membership

from .factories import TEST_PASSWORD, AgencyFactory, UserFactory, member_of

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
def agency(db):
    return AgencyFactory(name="Riverside Primary School")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Northfield Health Visiting Team", kind="health_visiting")


@pytest.fixture
def unrelated_agency(db):
    return AgencyFactory(name="Faraway Youth Club", kind="voluntary", sector="voluntary")


@pytest.fixture
def manager(agency):
    """The agency manager of `agency`."""
    return member_of(agency, Membership.Role.MANAGER, full_name="Helen Manager", email="manager@school.example.org")


@pytest.fixture
def colleague(agency):
    """A practitioner in the same agency as the manager."""
    return member_of(agency, full_name="Tom Colleague", email="colleague@school.example.org")


@pytest.fixture
def coordinator(agency):
    return member_of(agency, Membership.Role.COORDINATOR, full_name="Priya Coordinator")


@pytest.fixture
def other_manager(other_agency):
    """The manager of another agency: manages nothing of `agency`."""
    return member_of(other_agency, Membership.Role.MANAGER, full_name="Joanne Othermanager")


@pytest.fixture
def outsider(unrelated_agency):
    """A practitioner of an unrelated agency."""
    return member_of(unrelated_agency, full_name="Olly Outsider", email="outsider@faraway.example.org")


@pytest.fixture
def platform_admin(db):
    return UserFactory(full_name="Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
