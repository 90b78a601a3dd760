"""The children list and the child's page cost the same number of queries however much there is to show."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children import services
from children.models import FamilyMember

from ..factories import AgencyFactory, appoint_lead
from .form_data import consent_fields

pytestmark = pytest.mark.django_db


def _open_records(lead, school, how_many: int, start: int = 0):
    """Children led by `lead`, each with a school in the team, the family's consent and a named lead."""
    for number in range(start, start + how_many):
        child = services.child_create(
            actor=lead,
            first_name=f"Child{number}",
            last_name=f"Family{number}",
            date_of_birth=date(2019, 1, 1) + timedelta(days=number),
            school=school,
        )
        services.involvement_add(actor=lead, child=child, agency=school, role="Class teacher")
        services.consent_record(actor=lead, child=child, **consent_fields())
        appoint_lead(child, lead)


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_family(child, lead, how_many: int, start: int = 0):
    for number in range(start, start + how_many):
        services.family_member_save(
            actor=lead,
            member=FamilyMember(
                child=child,
                kind=FamilyMember.Kind.PARENT_CARER if number % 2 == 0 else FamilyMember.Kind.SIBLING,
                name=f"Relative {number}",
                relationship="Aunt" if number % 2 == 0 else "Brother",
                phone="01632 960 001",
            ),
        )


def test_the_children_list_costs_the_same_with_3_children_as_with_30(client_for, lead_professional, school):
    client = client_for(lead_professional)
    url = reverse("child-list")
    _open_records(lead_professional, school, 3)
    client.get(url)  # the session and the user are read once; what matters is what follows
    few = _queries_for(client, url)

    _open_records(lead_professional, school, 27, start=3)
    body = client.get(url).content.decode()
    assert "Family29" in body and lead_professional.full_name in body
    assert _queries_for(client, url) == few


def test_the_childs_page_costs_the_same_with_1_family_member_as_with_10(client_for, child, lead_professional):
    client = client_for(lead_professional)
    url = reverse("child-detail", args=[child.pk])
    _add_family(child, lead_professional, 1)
    client.get(url)
    few = _queries_for(client, url)

    _add_family(child, lead_professional, 9, start=1)
    assert "Relative 9" in client.get(url).content.decode()
    assert _queries_for(client, url) == few


def test_the_childs_page_costs_the_same_however_many_children_there_are(client_for, child, lead_professional, school):
    client = client_for(lead_professional)
    url = reverse("child-detail", args=[child.pk])
    _open_records(lead_professional, school, 2)
    client.get(url)
    few = _queries_for(client, url)

    _open_records(lead_professional, school, 27, start=2)
    assert _queries_for(client, url) == few


def _lengthen_the_record(child, lead, manager, teacher, school, housing, start: int, how_many: int):
    """Another agency in the team for each number, with a consent naming it, a sharing decision and an escalation."""
    for number in range(start, start + how_many):
        extra = AgencyFactory(name=f"Mentoring project {number}", kind="voluntary", sector="voluntary")
        services.involvement_add(actor=lead, child=child, agency=extra, role="Mentor")
        services.consent_record(
            actor=lead,
            child=child,
            agencies_included=[school, extra],
            agencies_excluded=[housing],
            **consent_fields(given_on=timezone.localdate() - timedelta(days=6 - number), all_involved_agencies=False),
        )
        services.disclosure_record(
            actor=manager,
            child=child,
            shared_with=extra,
            scope="basic",
            what="Contact details",
            purpose="Mentoring",
            basis="consent",
        )
        services.escalation_record(
            actor=teacher,
            child=child,
            concern=f"Concern {number}",
            contacted_at=timezone.now() - timedelta(hours=number + 1),
            contacted_whom="Duty social worker",
        )


def test_the_childs_page_costs_the_same_however_long_its_team_consent_and_sharing_record(
    client_for, child, lead_professional, hv_manager, school, housing, teacher
):
    client = client_for(lead_professional)
    url = reverse("child-detail", args=[child.pk])
    people = (lead_professional, hv_manager, teacher, school, housing)
    _lengthen_the_record(child, *people, start=0, how_many=1)
    client.get(url)
    few = _queries_for(client, url)

    _lengthen_the_record(child, *people, start=1, how_many=4)
    assert "Concern 4" in client.get(url).content.decode()
    assert _queries_for(client, url) == few


def test_the_children_list_pages_without_counting_and_stops_at_its_cap(
    client_for, lead_professional, school, monkeypatch
):
    from children import views

    _open_records(lead_professional, school, 5)
    client = client_for(lead_professional)
    monkeypatch.setattr(views, "CHILDREN_LIST_CAP", 3)
    with CaptureQueriesContext(connection) as captured:
        first = client.get(reverse("child-list")).content.decode()
    # The list is never counted. (The header's count of the user's unread notifications is on every page,
    # on a small partial index, and is not the list.)
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert [sql for sql in counts if '"agencies_notification"' not in sql] == []
    assert "This list stops at 3 children" in first and reverse("child-search") in first
    assert [f"Family{n}" in first for n in range(5)] == [True, True, True, False, False]

    monkeypatch.setattr(views, "CHILDREN_LIST_CAP", 5)
    assert "This list stops at" not in client.get(reverse("child-list")).content.decode()


def test_peek_page_pages_by_fetching_one_row_more(lead_professional, school):
    from children.models import Child
    from config.pagination import peek_page

    _open_records(lead_professional, school, 5)
    children = Child.objects.order_by("last_name")
    first = peek_page(children, "1", 2, cap=10)
    assert [c.last_name for c in first.object_list] == ["Family0", "Family1"]
    assert first.has_next() and not first.has_previous() and not first.has_more
    last = peek_page(children, 3, 2, cap=10)
    assert [c.last_name for c in last.object_list] == ["Family4"] and not last.has_next() and last.has_previous()
    assert peek_page(children, "5", 2, cap=10).number == 3  # past the end: the last page with rows
    assert peek_page(children, "99999", 2).number == 3  # no cap
    assert peek_page(children, "3", 2).object_list[0].last_name == "Family4"
    assert peek_page(children, "x", 2, cap=10).number == 1
    capped = peek_page(children, 2, 2, cap=4)
    assert [c.last_name for c in capped.object_list] == ["Family2", "Family3"]
    assert not capped.has_next() and capped.has_more


def _carters(lead, school, how_many: int, start: int = 0):
    for number in range(start, start + how_many):
        child = services.child_create(
            actor=lead,
            first_name="Wayne",
            last_name="Carter",
            date_of_birth=date(2019, 1, 1) + timedelta(days=number),
            school=school,
        )
        appoint_lead(child, lead)


def test_the_child_index_search_costs_the_same_with_3_matches_as_with_30(client_for, lead_professional, school):
    client = client_for(lead_professional)
    url = reverse("child-search")
    search = {"first_name": "Wayne", "last_name": "Karter"}
    _carters(lead_professional, school, 3)
    client.post(url, search)  # the session and the user are read once; what matters is what follows

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, search)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, body = queries()
    assert body.count("Wayne Carter") >= 3 and lead_professional.full_name in body
    _carters(lead_professional, school, 27, start=3)
    many, body = queries()
    assert many == few
    assert lead_professional.full_name in body


def test_the_childs_page_asks_nothing_about_lists_that_are_empty(
    client_for, child, lead_professional, hv_manager, school, housing, teacher
):
    client = client_for(lead_professional)
    url = reverse("child-detail", args=[child.pk])
    client.get(url)
    plain = _queries_for(client, url)

    # A sharing decision and an escalation: each list is now read, in one query each, and shown.
    _lengthen_the_record(child, lead_professional, hv_manager, teacher, school, housing, start=0, how_many=1)
    page = client.get(url).content.decode()
    assert "Concern 0" in page and "Mentoring project 0" in page
    # The consent names its agencies, and the one it excludes, by name.
    assert "Covers Mentoring project 0, Riverside Primary School." in page
    assert "Excluded from additional information: Northfield Housing Services." in page
    assert _queries_for(client, url) > plain
