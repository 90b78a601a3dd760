"""The lead professional's "Recent changes by others": what others changed in the five histories (the CAF,
the delivery plan, the team, the family, identifying details) of the children they lead, one line per child,
part and person, never their own changes, and in the same number of queries however much changed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caf import selectors, services
from caf.models import Action
from children import services as child_services
from children.models import FamilyMember

pytestmark = pytest.mark.django_db


def _changes_by_others(team, number=0):
    child, assessor, colleague = team["child"], team["assessor"], team["hv_colleague"]
    caf = services.caf_start(actor=assessor, child=child) if number == 0 else child.assessments.get(is_current=True)
    services.section_save(
        actor=assessor, assessment=caf, key=f"about_{number}", data={"text": f"Typed {number}"}, base_revision=0
    )
    services.action_save(
        actor=assessor,
        action=Action(
            assessment=caf,
            need="A need",
            what=f"Action {number}",
            why_for_owner="Why",
            owner=assessor,
            owner_agency=team["school"],
            due_on=timezone.localdate() + timedelta(days=7),
            desired_outcome="An outcome",
            ecm_aim="1:1",
        ),
    )
    child_services.child_update(actor=colleague, child=child, other_names=f"Name {number}")
    child_services.family_member_save(
        actor=colleague,
        member=FamilyMember(child=child, kind="other_adult", name=f"Relative {number}", relationship="Aunt"),
    )


def test_the_lead_sees_what_others_changed_and_not_their_own(team):
    lead, child = team["lead"], team["child"]
    child_services.child_update(actor=lead, child=child, other_names="By the lead")  # the lead's own: not shown
    _changes_by_others(team)
    changes = selectors.recent_changes_for_lead(lead)
    lines = {(c["child_id"], c["what"], c["who"]) for c in changes}
    assert lines == {
        (child.pk, "The CAF", "Tom Assessor"),
        (child.pk, "The delivery plan", "Tom Assessor"),
        (child.pk, "Identifying details", "Hana Colleague"),
        (child.pk, "The family", "Hana Colleague"),
    }
    assert len(changes) == len(lines)  # one line per child, part and person
    assert all(c["child_name"] == child.first_name for c in changes)
    assert [c["when"] for c in changes] == sorted((c["when"] for c in changes), reverse=True)
    # Nobody else's lead list shows them, and a change older than the window is not shown.
    assert selectors.recent_changes_for_lead(team["assessor"]) == []
    assert selectors.recent_changes_for_lead(lead, days=0) == []


def test_recent_changes_cost_the_same_however_much_changed(team):
    lead = team["lead"]
    _changes_by_others(team)
    with CaptureQueriesContext(connection) as once:
        selectors.recent_changes_for_lead(lead)
    for number in range(1, 6):
        _changes_by_others(team, number)
    with CaptureQueriesContext(connection) as later:
        changes = selectors.recent_changes_for_lead(lead)
    assert len(later) == len(once) == 2
    assert len(changes) == 4
