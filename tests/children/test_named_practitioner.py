"""A practitioner named on an involvement holds a guardian grant on the child, kept in step with the team."""

from datetime import date

import pytest
from django.urls import reverse

from agencies import access
from children import services
from children.models import ChildUserObjectPermission

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db


def test_the_named_practitioner_holds_a_grant_and_sees_the_child_on_their_home_page_until_the_involvement_ends(
    client,
):
    hv = AgencyFactory(name="Health Visiting", kind="health_visiting")
    school = AgencyFactory(name="Primary School", kind="school")
    visitor = member_of(hv, full_name="Sarah Hughes")
    teacher = member_of(school, full_name="Tom Barker")
    colleague = member_of(school, full_name="Sam Colleague")
    child = services.child_create(
        actor=visitor, agency=hv, first_name="Wayne", last_name="Carter", date_of_birth=date(2021, 3, 14)
    )
    involvement = services.involvement_add(
        actor=visitor, child=child, agency=school, role="Teacher", practitioner=teacher
    )
    # Consent given with the school already in the team, so it covers the school.
    services.consent_record(
        actor=visitor,
        child=child,
        given_by="parent",
        given_by_name="Jess Carter",
        given_on=date(2026, 1, 5),
        method="written",
        scope="additional",
        all_involved_agencies=True,
        purposes="Early help",
    )

    def grants():
        return set(
            ChildUserObjectPermission.objects.filter(
                content_object=child, permission__codename="view_child_named"
            ).values_list("user__full_name", flat=True)
        )

    assert grants() == {"Sarah Hughes", "Tom Barker"}
    assert list(access.children_named_for(teacher)) == [child]
    assert list(access.children_named_for(colleague)) == []
    client.force_login(teacher)
    assert "Children you work with by name" in client.get(reverse("home")).content.decode()

    services.involvement_end(actor=teacher, involvement=involvement, reason="Moved school")
    assert grants() == {"Sarah Hughes"}
    assert list(access.children_named_for(teacher)) == []
