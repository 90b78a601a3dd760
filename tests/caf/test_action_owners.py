"""Actions reach their owners: a practitioner opens and updates the action given to them even when the
family's consent gives their agency basic details only, sees nothing of the CAF, and nobody outside the
team around the child can be given an action. Actions given to an agency as a whole wait in its work
queue until a manager gives them to a practitioner."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from caf import services
from caf.models import Action, ProgressNote
from children import services as child_services
from children.models import AccessEvent, Consent

from ..factories import AgencyFactory, appoint_lead, member_of

pytestmark = pytest.mark.django_db

WHY = "The family of five shares a two-bedroom flat; Jess has asked for settled housing."
NEED_IN_THE_CAF = "Overcrowding worsens Jess's depression"


@pytest.fixture
def people(team):
    """The team of tests/caf/conftest.py, with housing's manager and a second housing officer, and a youth
    service that is in the team but which the family's consent does not cover."""
    child = team["child"]
    # team["housing"] is the housing officer (the persona); his agency:
    housing = team["housing_agency"] = team["housing"].memberships.get().agency
    team["housing_manager"] = member_of(housing, Membership.Role.MANAGER, full_name="Rachel Housingmanager")
    team["housing_colleague"] = member_of(housing, full_name="Hugo Housingcolleague")
    youth = AgencyFactory(name="Northfield Youth Service", kind="voluntary")
    team["youth"] = youth
    team["uncovered"] = member_of(youth, full_name="Yusuf Youthworker")
    child_services.involvement_add(actor=team["lead"], child=child, agency=youth, role="Youth worker")
    _consent(team, included=[team["school"], housing])
    return team


def _consent(team, included):
    """The family's consent names the agencies it covers (basic details); housing is kept from additional."""
    child_services.consent_record(
        actor=team["lead"],
        child=team["child"],
        given_by=Consent.GivenBy.PARENT,
        given_by_name="Jess Carter",
        given_on=date.today() - timedelta(days=1),
        method="written",
        scope="additional",
        all_involved_agencies=False,
        agencies_included=included,
        agencies_excluded=[team["housing_agency"]],
        purposes="CAF",
    )


@pytest.fixture
def caf(people):
    return services.caf_start(actor=people["assessor"], child=people["child"])


def _action(people, caf, owner, agency, due_in=14, what="Assess the family for settled accommodation"):
    return services.action_save(
        actor=people["lead"],
        action=Action(
            assessment=caf,
            need=NEED_IN_THE_CAF,
            what=what,
            why_for_owner=WHY,
            owner=owner,
            owner_agency=agency,
            due_on=timezone.localdate() + timedelta(days=due_in),
            desired_outcome="The family has a suitable home",
            ecm_aim="5:3",
        ),
    )


@pytest.fixture
def housing_action(people, caf):
    return _action(people, caf, people["housing"], people["housing_agency"])


@pytest.fixture
def queued_action(people, caf):
    return _action(people, caf, None, people["housing_agency"], what="Visit the flat and report on its condition")


# persona: (sees the action's page, records progress, gives it to someone)
OWNER_PAGE_TABLE = {
    "housing": (True, True, False),  # the owner: housing has basic details only
    "lead": (True, True, False),
    "housing_colleague": (False, False, False),  # same agency, not theirs: the owner's, not the agency's
    "housing_manager": (True, False, True),
    "assessor": (False, False, False),  # another agency of the team: reads the plan in the CAF instead
    "hv_colleague": (False, False, False),  # the lead's colleague
    "uncovered": (False, False, False),  # in the team, but the family's consent does not cover the agency
    "outsider": (False, False, False),
    "platform_admin": (False, False, False),
    "emergency": (False, False, False),
}


@pytest.mark.parametrize("persona", OWNER_PAGE_TABLE)
def test_the_access_table_of_the_action_owners_page(client, people, housing_action, persona):
    sees, updates, assigns = OWNER_PAGE_TABLE[persona]
    user = people[persona]
    client.force_login(user)
    url = reverse("action-detail", args=[housing_action.pk])
    page = client.get(url)
    assert page.status_code == (200 if sees else 404)
    if sees:
        assert AccessEvent.objects.filter(
            user=user, child=people["child"], action="view", what=f"Action #{housing_action.pk}: the action"
        ).exists()
        assert ("Save progress" in page.content.decode()) is updates
    else:
        assert AccessEvent.objects.filter(user=user, action="refused", what__contains="action #").exists()
    response = client.post(url, {"status": "in_progress", "note": f"Progress by {persona}"})
    assert response.status_code == (302 if updates else 404)
    assert ProgressNote.objects.filter(action=housing_action, text=f"Progress by {persona}").exists() is updates
    assign = client.get(reverse("action-assign", args=[housing_action.pk]))
    assert assign.status_code == (200 if assigns else 404)


def test_the_owner_sees_what_the_action_needs_and_nothing_of_the_caf(client, people, caf, housing_action):
    services.section_save(
        actor=people["assessor"],
        assessment=caf,
        key="conclusions",
        data={"conclusions": "Sasha's drinking drives the family's difficulties"},
        base_revision=0,
    )
    services.action_progress(actor=people["lead"], action=housing_action, status="not_started", note="Jess called")
    client.force_login(people["housing"])
    page = client.get(reverse("action-detail", args=[housing_action.pk])).content.decode()
    for shown in (housing_action.what, "The family of five shares", "The family has a suitable home"):
        assert shown in page
    assert "Jess called" in page  # the progress notes
    assert "Sarah Lead" in page and people["lead"].email in page  # whom to contact
    assert people["child"].display_name in page
    assert "drinking" not in page and NEED_IN_THE_CAF not in page.replace("&#x27;", "'")
    assert reverse("caf-plan", args=[caf.pk]) not in page
    assert client.get(reverse("caf-plan", args=[caf.pk])).status_code == 404  # the CAF stays closed to housing


def test_the_owner_with_basic_details_only_finds_the_action_on_their_home_page(client, people, housing_action):
    client.force_login(people["housing"])
    home = client.get(reverse("home")).content.decode()
    assert "You have no actions" not in home
    assert housing_action.what in home and reverse("action-detail", args=[housing_action.pk]) in home


def test_an_owner_whose_agency_the_consent_no_longer_covers_loses_the_action(client, people, housing_action):
    _consent(people, included=[people["school"]])
    client.force_login(people["housing"])
    assert client.get(reverse("action-detail", args=[housing_action.pk])).status_code == 404
    # (The notification he was sent when it was given to him stays his; the action no longer reaches him.)
    assert reverse("action-detail", args=[housing_action.pk]) not in client.get(reverse("home")).content.decode()


def test_an_owner_who_left_the_agency_loses_the_action(client, people, housing_action):
    Membership.objects.filter(user=people["housing"]).update(ended_on=timezone.localdate())
    client.force_login(people["housing"])
    assert client.get(reverse("action-detail", args=[housing_action.pk])).status_code == 404


def test_progress_posted_to_the_older_address_reaches_the_action(client, people, caf, housing_action):
    client.force_login(people["housing"])
    old = reverse("caf-action-progress", args=[caf.pk, housing_action.pk])
    response = client.post(old, {"status": "done", "note": "Offered a three-bedroom house"}, follow=True)
    assert response.status_code == 200
    housing_action.refresh_from_db()
    assert housing_action.status == "done"
    assert housing_action.notes.get().written_by == people["housing"]


def test_a_closed_plans_actions_can_be_read_but_not_updated(client, people, caf, housing_action):
    services.caf_close(actor=people["lead"], assessment=caf, reason="needs_met", notes="")
    client.force_login(people["housing"])
    page = client.get(reverse("action-detail", args=[housing_action.pk]))
    assert page.status_code == 200 and "Save progress" not in page.content.decode()
    assert client.post(reverse("action-detail", args=[housing_action.pk]), {"status": "done"}).status_code == 404


# --- The agency's work queue --------------------------------------------------------------------------


def test_an_action_given_to_an_agency_waits_in_its_queue_for_its_members_and_managers(client, people, queued_action):
    for persona in ("housing", "housing_colleague", "housing_manager"):
        client.force_login(people[persona])
        home = client.get(reverse("home")).content.decode()
        assert queued_action.what in home, persona
        assert queued_action.what in client.get(reverse("action-queue")).content.decode(), persona
        assert client.get(reverse("action-detail", args=[queued_action.pk])).status_code == 200, persona
        assign_link = reverse("action-assign", args=[queued_action.pk])
        assert (assign_link in home) is (persona == "housing_manager"), persona
    for persona in ("assessor", "uncovered", "outsider", "lead"):
        client.force_login(people[persona])
        assert queued_action.what not in client.get(reverse("action-queue")).content.decode(), persona


def test_a_manager_gives_a_queued_action_to_a_member_who_then_owns_it(client, people, queued_action):
    client.force_login(people["housing_manager"])
    url = reverse("action-assign", args=[queued_action.pk])
    page = client.get(url).content.decode()
    assert "Hugo Housingcolleague" in page and "Tom Assessor" not in page
    response = client.post(url, {"owner": people["housing_colleague"].pk})
    assert response.status_code == 302
    queued_action.refresh_from_db()
    assert queued_action.owner == people["housing_colleague"]
    assert queued_action.history.first().history_user == people["housing_manager"]
    client.force_login(people["housing_colleague"])
    assert queued_action.what in client.get(reverse("home")).content.decode()
    # Now it is Hugo's, the other housing officer no longer sees it in the queue or on its page.
    client.force_login(people["housing"])
    assert queued_action.what not in client.get(reverse("action-queue")).content.decode()
    assert client.get(reverse("action-detail", args=[queued_action.pk])).status_code == 404


def test_a_manager_cannot_give_an_action_to_anyone_outside_the_agency(client, people, queued_action):
    client.force_login(people["housing_manager"])
    response = client.post(reverse("action-assign", args=[queued_action.pk]), {"owner": people["assessor"].pk})
    assert response.status_code == 200
    assert "Select a practitioner of your agency" in response.content.decode()
    queued_action.refresh_from_db()
    assert queued_action.owner is None
    with pytest.raises(ValidationError) as refused:
        services.action_assign(actor=people["housing_manager"], action=queued_action, owner=people["outsider"])
    assert "current member of the agency" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.action_assign(actor=people["housing"], action=queued_action, owner=people["housing_colleague"])
    queued_action.refresh_from_db()
    assert queued_action.owner is None


# --- Nothing is given outside the team ----------------------------------------------------------------


@pytest.mark.parametrize(
    "owner, agency, message",
    [
        ("outsider", "outsider_agency", "not in the team"),  # an agency outside the team
        ("uncovered", "youth", "consent does not cover it"),  # in the team, not covered by the consent
        ("outsider", "housing_agency", "current member of the agency"),  # a person outside the agency
        (None, "outsider_agency", "not in the team"),
    ],
)
def test_nothing_can_be_given_to_an_agency_or_person_outside_the_team(people, caf, owner, agency, message):
    people["outsider_agency"] = people["outsider"].memberships.get().agency
    with pytest.raises(ValidationError) as refused:
        _action(people, caf, people[owner] if owner else None, people[agency])
    assert message in refused.value.messages[0]
    assert not Action.objects.exists()
    ok = _action(people, caf, people["housing"], people["housing_agency"])
    ok.owner_agency = people[agency]
    ok.owner = people[owner] if owner else None
    with pytest.raises(ValidationError):
        services.action_save(actor=people["lead"], action=ok)
    assert Action.objects.get().owner_agency == people["housing_agency"]


def test_the_owner_is_chosen_from_the_team_and_stays_chosen_when_the_action_is_changed(client, people, caf):
    client.force_login(people["lead"])
    page = client.get(reverse("caf-action-new", args=[caf.pk])).content.decode()
    assert "Housing Options (the agency as a whole)" in page and "Mark Housing" in page
    assert "Primary School (the agency as a whole)" in page and "Tom Assessor" in page
    assert "Yusuf Youthworker" not in page and "Olly Outsider" not in page  # uncovered, and outside the team
    assert 'type="email"' not in page
    fields = {
        "need": NEED_IN_THE_CAF,
        "what": "Assess the family for settled accommodation",
        "why_for_owner": WHY,
        "due_on_0": "1",
        "due_on_1": "1",
        "due_on_2": str(timezone.localdate().year + 1),
        "desired_outcome": "A suitable home",
        "ecm_aim": "5:3",
    }
    owner_value = f"{people['housing_agency'].pk}:{people['housing'].pk}"
    response = client.post(reverse("caf-action-new", args=[caf.pk]), {**fields, "owner": owner_value})
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.owner_agency) == (people["housing"], people["housing_agency"])
    edit = client.get(reverse("caf-action-edit", args=[caf.pk, action.pk])).content.decode()
    assert f'<option value="{owner_value}" selected>' in edit
    # A value the page never offered (someone outside the team) is refused with a clear message.
    outsider = people["outsider"]
    response = client.post(
        reverse("caf-action-edit", args=[caf.pk, action.pk]),
        {**fields, "owner": f"{outsider.memberships.get().agency_id}:{outsider.pk}"},
    )
    assert "Select who will do the action from the team around the child" in response.content.decode()
    action.refresh_from_db()
    assert action.owner == people["housing"]


# --- The lead professional's home page -------------------------------------------------------------------


def _overdue(action, days=3):
    action.due_on = timezone.localdate() - timedelta(days=days)
    action._history_user = None
    action.save()
    return action


def test_the_lead_sees_which_action_is_overdue(client, people, caf, housing_action):
    _overdue(housing_action)
    _action(people, caf, people["assessor"], people["school"], what="Breakfast club place")  # not overdue
    client.force_login(people["lead"])
    home = client.get(reverse("home")).content.decode()
    assert "1 overdue" in home
    assert housing_action.what in home and reverse("action-detail", args=[housing_action.pk]) in home
    assert "Mark Housing" in home and people["child"].display_name in home
    due = housing_action.due_on
    assert f"{due.day} {due:%b} {due.year}" in home
    assert "Breakfast club place" not in home


def _queries_for_home(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def _another_child_with_actions(people, number):
    """A child led by the lead, with an overdue action owned by the housing officer and one queued for housing."""
    lead = people["lead"]
    child = child_services.child_create(
        actor=lead, first_name=f"Child{number}", last_name="Family", date_of_birth=date(2020, 1, 1), sex="female"
    )
    child_services.involvement_add(actor=lead, child=child, agency=people["housing_agency"], role="Housing")
    child_services.consent_record(
        actor=lead,
        child=child,
        given_by="parent",
        given_by_name="A parent",
        given_on=date.today(),
        method="written",
        scope="basic",
        all_involved_agencies=True,
        purposes="CAF",
    )
    appoint_lead(child, lead, agreed_on=date.today())
    caf = services.caf_start(actor=lead, child=child)
    _overdue(_action(people, caf, people["housing"], people["housing_agency"], what=f"Owned {number}"))
    _action(people, caf, None, people["housing_agency"], what=f"Queued {number}")


@pytest.mark.parametrize("persona", ["lead", "housing", "housing_manager"])
def test_the_home_page_costs_the_same_however_many_actions_it_lists(client, people, persona):
    client.force_login(people[persona])
    client.get(reverse("home"))  # the first request after signing in writes the session's activity time
    _another_child_with_actions(people, 0)
    once = _queries_for_home(client)
    for number in range(1, 5):
        _another_child_with_actions(people, number)
    page = client.get(reverse("home")).content.decode()
    assert ("Owned 4" in page) is (persona in ("lead", "housing"))  # the lead's overdue list; the owner's own
    assert ("Queued 4" in page) is (persona != "lead")  # housing's work queue
    assert _queries_for_home(client) == once
