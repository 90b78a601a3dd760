"""The child index finds a child from a first name that sounds like theirs and a surname that sounds the same.

Seen: "Wain Carter", with no date of birth, found nothing while "Carter" alone found three children.
"""

import pytest

from agencies.models import Agency
from children import services
from children.selectors import child_index_search

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def carters(db):
    school = AgencyFactory(name="Riverside Primary School", kind=Agency.Kind.SCHOOL)
    teacher = member_of(school, full_name="Rhian Teacher")
    for first in ("Wayne", "Della", "Zac"):
        services.child_create(actor=teacher, first_name=first, last_name="Carter", sex="not_known")
    return teacher


@pytest.mark.parametrize(
    "first_name, last_name, found",
    [("Wain", "Carter", "Wayne"), ("Wain", "Karter", "Wayne"), ("Dela", "Carter", "Della"), ("Zak", "Carter", "Zac")],
)
def test_a_first_name_that_sounds_alike_with_a_surname_that_sounds_the_same_finds_the_child(
    carters, first_name, last_name, found
):
    results = child_index_search(carters, first_name=first_name, last_name=last_name)
    assert results and results[0].child.first_name == found
    assert "first name" in results[0].reasons


def test_a_first_name_that_sounds_different_does_not_make_a_match(carters):
    assert child_index_search(carters, first_name="Wendy", last_name="Carter") == []


def test_the_outsider_searching_sounds_alike_learns_only_that_a_record_exists(client_for, carters, outsider):
    body = client_for(outsider).post("/children/search/", {"first_name": "Wain", "last_name": "Carter"})
    text = body.content.decode()
    assert "A matching record exists" in text and "Wayne" not in text
