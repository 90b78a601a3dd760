"""Who may read and change a CAF, and the rules of its cycle."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from caf import services
from caf.models import Action, Assessment, SectionEntry
from caf.sections import SECTIONS
from children.models import AccessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def caf(team):
    return services.caf_start(actor=team["assessor"], child=team["child"])


@pytest.fixture
def action(team, caf):
    return services.action_save(
        actor=team["lead"],
        action=Action(
            assessment=caf,
            need="Late collection",
            what="Breakfast club",
            owner=team["school_colleague"],
            owner_agency=team["school"],
            due_on=timezone.localdate() + timedelta(days=7),
            desired_outcome="On time",
            ecm_aim="3:2",
        ),
    )


# persona: read, edit a section, change the plan, update the action they may own, versions
TABLE = {
    "lead": (True, True, True, True, True),
    "hv_colleague": (True, False, False, False, True),
    "hv_manager": (True, False, False, False, True),
    "assessor": (True, True, False, False, True),
    "school_colleague": (True, True, False, True, True),  # owns the action
    "housing": (False, False, False, False, False),  # consent excludes housing from additional information
    "outsider": (False, False, False, False, False),
    "platform_admin": (False, False, False, False, False),
    "emergency": (True, False, False, False, True),  # break glass: read only, and every page recorded
    "emergency_expired": (False, False, False, False, False),
}


@pytest.mark.parametrize("persona", TABLE)
def test_the_caf_access_table(client, team, caf, action, persona):
    read, edit, plan, update_action, versions = TABLE[persona]
    client.force_login(team[persona])

    def status(url, method="get", data=None):
        response = getattr(client, method)(url, data or {})
        return response.status_code

    ok = lambda allowed, code: code in (200, 302) if allowed else code == 404  # noqa: E731
    assert ok(read, status(reverse("caf-task-list", args=[caf.pk]))), "read"
    assert ok(read, status(reverse("caf-plan", args=[caf.pk]))), "read the plan"
    assert ok(versions, status(reverse("caf-versions", args=[caf.pk]))), "versions"
    response = client.post(
        reverse("caf-section", args=[caf.pk, "conclusions"]), {"revision": 0, "conclusions": f"By {persona}"}
    )
    assert ok(edit, response.status_code), "edit"
    assert (
        SectionEntry.objects.filter(assessment=caf, key="conclusions", data__conclusions=f"By {persona}").exists()
        is edit
    )
    assert ok(plan, status(reverse("caf-action-new", args=[caf.pk]))), "change the plan"
    assert ok(plan, status(reverse("caf-review-new", args=[caf.pk]))), "record a review"
    response = client.post(reverse("action-detail", args=[action.pk]), {"status": "in_progress", "note": "Started"})
    assert ok(update_action, response.status_code), "update the action"
    action.refresh_from_db()
    assert (action.status == "in_progress") is update_action
    if not read:
        assert AccessEvent.objects.filter(user=team[persona], action="refused").exists()


def test_every_view_of_a_caf_is_recorded(client, team, caf):
    client.force_login(team["school_colleague"])
    client.get(reverse("caf-task-list", args=[caf.pk]))
    client.get(reverse("caf-section", args=[caf.pk, "assessment-information"]))
    events = AccessEvent.objects.filter(user=team["school_colleague"], child=team["child"], action="view")
    assert [e.what for e in events.order_by("at")] == ["CAF version 1: task list", "CAF version 1: section"]


def test_a_second_open_caf_is_refused_with_who_leads_it(team, caf):
    with pytest.raises(ValidationError) as refused:
        services.caf_start(actor=team["lead"], child=team["child"])
    assert "already has an open CAF" in refused.value.messages[0]
    assert "Sarah Lead" in refused.value.messages[0]


def test_a_save_from_an_older_revision_is_a_conflict_and_overwrites_nothing(team, caf):
    services.section_save(
        actor=team["assessor"], assessment=caf, key="conclusions", data={"conclusions": "A"}, base_revision=0
    )
    with pytest.raises(services.SectionConflict) as clash:
        services.section_save(
            actor=team["lead"], assessment=caf, key="conclusions", data={"conclusions": "B"}, base_revision=0
        )
    assert clash.value.entry.data == {"conclusions": "A"}
    assert SectionEntry.objects.get(assessment=caf, key="conclusions").data == {"conclusions": "A"}


def test_the_conflict_page_shows_both_texts_and_saving_the_merge_keeps_both(client, team, caf):
    services.section_save(
        actor=team["assessor"],
        assessment=caf,
        key="conclusions",
        data={"conclusions": "Housing first."},
        base_revision=0,
    )
    client.force_login(team["lead"])
    url = reverse("caf-section", args=[caf.pk, "conclusions"])
    page = client.post(url, {"revision": 0, "conclusions": "Support Jess."}).content.decode()
    assert "Someone else changed this section" in page and "Housing first." in page and "Support Jess." in page
    client.post(url, {"revision": 1, "conclusions": "Housing first. Support Jess."})
    assert (
        SectionEntry.objects.get(assessment=caf, key="conclusions").data["conclusions"]
        == "Housing first. Support Jess."
    )


def test_completion_needs_every_section_and_confirmed_consent_and_freezes_the_version(team, caf):
    with pytest.raises(ValidationError):
        services.caf_complete(actor=team["assessor"], assessment=caf, consent_confirmed=True)
    for section in SECTIONS:
        services.section_mark_completed(actor=team["assessor"], assessment=caf, key=section.key, completed=True)
    with pytest.raises(ValidationError):
        services.caf_complete(actor=team["assessor"], assessment=caf, consent_confirmed=False)
    done = services.caf_complete(actor=team["assessor"], assessment=caf, consent_confirmed=True)
    assert done.status == "completed" and done.consent == team["child"].current_consent
    with pytest.raises(ValidationError):
        services.section_save(
            actor=team["assessor"], assessment=done, key="conclusions", data={"conclusions": "x"}, base_revision=0
        )


def test_revising_makes_a_new_version_and_the_old_one_stays_readable(client, team, caf, action):
    services.section_save(
        actor=team["assessor"], assessment=caf, key="conclusions", data={"conclusions": "v1"}, base_revision=0
    )
    for section in SECTIONS:
        services.section_mark_completed(actor=team["assessor"], assessment=caf, key=section.key, completed=True)
    services.caf_complete(actor=team["assessor"], assessment=caf, consent_confirmed=True)
    new = services.caf_revise(actor=team["assessor"], assessment=caf)
    assert new.version == 2 and new.status == "draft"
    assert new.entries.get(key="conclusions").data == {"conclusions": "v1"}
    assert list(new.actions.all()) == [action]
    client.force_login(team["school_colleague"])
    assert client.get(reverse("caf-task-list", args=[caf.pk])).status_code == 200
    versions = client.get(reverse("caf-versions", args=[new.pk])).content.decode()
    assert "Version 2" in versions and "Version 1" in versions and "v1" in versions


def test_bad_input_is_refused_clearly_and_script_is_shown_as_text(client, team, caf):
    client.force_login(team["lead"])
    response = client.post(
        reverse("caf-action-new", args=[caf.pk]),
        {
            "need": "n",
            "what": "w",
            "why_for_owner": "y",
            "owner": str(team["school"].pk),
            "desired_outcome": "o",
            "ecm_aim": "1:1",
            "due_on_0": "1",
            "due_on_1": "1",
            "due_on_2": "2020",
        },
    )
    assert "The date it is due by must be today or in the future" in response.content.decode()
    assert 'value="2020"' in response.content.decode()
    long_text = "x" * 8001
    response = client.post(
        reverse("caf-section", args=[caf.pk, "conclusions"]), {"revision": 0, "conclusions": long_text}
    )
    assert "must be 8,000 characters or fewer" in response.content.decode()
    assert long_text in response.content.decode()
    client.post(
        reverse("caf-section", args=[caf.pk, "conclusions"]),
        {"revision": 0, "conclusions": "<script>alert(1)</script>"},
    )
    page = client.get(reverse("caf-section", args=[caf.pk, "conclusions"])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    response = client.post(
        reverse("caf-review-new", args=[caf.pk]),
        {
            "held_on_0": "1",
            "held_on_1": "1",
            "held_on_2": "2001",
            "progress": "p",
        },
    )
    assert "The review must be on or after the date the CAF was started" in response.content.decode()


def test_stepped_up_closure_waits_for_social_cares_decision(team, caf):
    with pytest.raises(ValidationError):
        services.caf_close(actor=team["lead"], assessment=caf, reason="stepped_up", notes="")
    closed = services.caf_close(actor=team["lead"], assessment=caf, reason="needs_met", notes="")
    assert closed.status == Assessment.Status.CLOSED


@pytest.mark.parametrize("n", [1, 3])
def test_caf_pages_use_the_same_queries_however_much_is_written(client, team, caf, n, django_assert_num_queries):
    from caf.models import Element

    for element in Element.objects.all()[: n * 5]:
        services.section_save(
            actor=team["assessor"],
            assessment=caf,
            key=f"element:{element.code}",
            data={"strengths": "s", "needs": "n"},
            base_revision=0,
            element=element,
        )
    client.force_login(team["assessor"])
    client.get(reverse("caf-task-list", args=[caf.pk]))  # the first request after signing in writes the session
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, url in [
        ("task list", reverse("caf-task-list", args=[caf.pk])),
        ("strengths", reverse("caf-strengths-needs", args=[caf.pk])),
        ("section", reverse("caf-section", args=[caf.pk, "conclusions"])),
        ("check", reverse("caf-check-answers", args=[caf.pk])),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    # Recorded for n=1 and n=3; both runs must match this budget exactly.
    assert counts == EXPECTED_QUERIES, counts


# Each includes the header's count of the user's unread notifications (one COUNT, on every page); a section
# page no longer looks for a kept submission itself: the middleware does, only after a time-out. The access
# questions are two queries (the user's agencies; the CAF's child with the coverage table's answer), and the
# session is written at most once a minute, so not by these requests.
EXPECTED_QUERIES = {"task list": 10, "strengths": 11, "section": 10, "check": 14}
